//! The effective configuration as text (`snackbase info`), secrets redacted.

use super::Config;

impl Config {
    /// The effective configuration as `(variable, value)` pairs, secrets redacted.
    pub fn describe(&self) -> Vec<(String, String)> {
        let secret = |set: bool| {
            if set {
                "*** (set)".to_string()
            } else {
                "(unset)".to_string()
            }
        };
        let list = |v: &[String]| v.join(",");
        let rows: Vec<(&'static str, String)> = vec![
            ("APP_NAME", self.app_name.clone()),
            ("APP_VERSION", self.app_version.clone()),
            ("ENVIRONMENT", self.environment.to_string()),
            ("DEBUG", self.debug.to_string()),
            ("API_PREFIX", self.api_prefix.clone()),
            ("HOST", self.host.clone()),
            ("PORT", self.port.to_string()),
            ("WORKERS", self.workers.to_string()),
            (
                "DATABASE_URL",
                crate::db::DatabaseUrl::redacted(self.database_url.expose()),
            ),
            ("DB_POOL_SIZE", self.db_pool_size.to_string()),
            ("DB_MAX_OVERFLOW", self.db_max_overflow.to_string()),
            ("DB_POOL_TIMEOUT", self.db_pool_timeout_secs.to_string()),
            ("DB_POOL_RECYCLE", self.db_pool_recycle_secs.to_string()),
            ("DB_ECHO", self.db_echo.to_string()),
            ("POSTGRES_RLS", self.postgres_rls.as_str().to_string()),
            ("SECRET_KEY", secret(self.secret_key.is_some())),
            (
                "ACCESS_TOKEN_EXPIRE_MINUTES",
                self.access_token_expire_minutes.to_string(),
            ),
            (
                "REFRESH_TOKEN_EXPIRE_DAYS",
                self.refresh_token_expire_days.to_string(),
            ),
            ("CORS_ORIGINS", list(&self.cors_origins)),
            (
                "CORS_ALLOW_CREDENTIALS",
                self.cors_allow_credentials.to_string(),
            ),
            ("CORS_ALLOW_METHODS", list(&self.cors_allow_methods)),
            ("CORS_ALLOW_HEADERS", list(&self.cors_allow_headers)),
            (
                "LOG_LEVEL",
                format!("{:?}", self.log_level).to_ascii_uppercase(),
            ),
            (
                "LOG_FORMAT",
                format!("{:?}", self.log_format).to_ascii_lowercase(),
            ),
            (
                "LOG_FILE",
                self.log_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            ("STORAGE_PATH", self.storage_path.display().to_string()),
            ("DATA_DIR", self.data_dir.display().to_string()),
            ("FILE_TOKEN_SECONDS", self.file_token_seconds.to_string()),
            (
                "FILES_SWEEP_INTERVAL_SECONDS",
                self.files_sweep_interval.as_secs().to_string(),
            ),
            (
                "FILES_SWEEP_GRACE_SECONDS",
                self.files_sweep_grace.as_secs().to_string(),
            ),
            ("MAX_FILE_SIZE", self.max_file_size.to_string()),
            ("ALLOWED_MIME_TYPES", list(&self.allowed_mime_types)),
            ("MAX_BODY_SIZE", self.max_body_size.to_string()),
            ("MAX_PAGE_SIZE", self.max_page_size.to_string()),
            ("RATE_LIMIT_ENABLED", self.rate_limits.enabled.to_string()),
            (
                "RATE_LIMIT_PER_MINUTE",
                self.rate_limits.per_minute.to_string(),
            ),
            ("RATE_LIMIT_PER_HOUR", self.rate_limits.per_hour.to_string()),
            (
                "AUTH_RATE_LIMIT_PER_MINUTE",
                self.rate_limits.auth_per_minute.to_string(),
            ),
            (
                "LOGIN_RATE_LIMIT_PER_MINUTE",
                self.rate_limits.login_per_minute.to_string(),
            ),
            (
                "MAIL_RATE_LIMIT_PER_HOUR",
                self.rate_limits.mail_per_hour.to_string(),
            ),
            (
                "AUTH_LOCKOUT_THRESHOLD",
                self.rate_limits.lockout_threshold.to_string(),
            ),
            (
                "AUTH_LOCKOUT_BASE_SECONDS",
                self.rate_limits.lockout_base.as_secs().to_string(),
            ),
            (
                "AUTH_LOCKOUT_MAX_SECONDS",
                self.rate_limits.lockout_max.as_secs().to_string(),
            ),
            (
                "AUTH_LOCKOUT_MAX_FAILURES",
                self.rate_limits.lockout_max_failures.to_string(),
            ),
            (
                "TRUSTED_PROXIES",
                self.server_limits
                    .trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "HEADER_READ_TIMEOUT_SECONDS",
                self.server_limits.header_read_timeout.as_secs().to_string(),
            ),
            (
                "BODY_TIMEOUT_SECONDS",
                self.server_limits.body_timeout.as_secs().to_string(),
            ),
            (
                "MAX_CONNECTIONS",
                self.server_limits.max_connections.to_string(),
            ),
            (
                "MAX_URI_LENGTH",
                self.server_limits.max_uri_length.to_string(),
            ),
            (
                "SUPERADMIN_EMAIL",
                self.superadmin_email.clone().unwrap_or_default(),
            ),
            (
                "SUPERADMIN_PASSWORD",
                secret(self.superadmin_password.is_some()),
            ),
            (
                "EXTERNAL_URL",
                self.external_url.clone().unwrap_or_default(),
            ),
            (
                "SMTP_HOST",
                self.smtp
                    .as_ref()
                    .map(|m| m.host.clone())
                    .unwrap_or_default(),
            ),
            (
                "SMTP_PORT",
                self.smtp
                    .as_ref()
                    .map(|m| m.port.to_string())
                    .unwrap_or_default(),
            ),
            (
                "SMTP_USERNAME",
                self.smtp
                    .as_ref()
                    .and_then(|m| m.username.clone())
                    .unwrap_or_default(),
            ),
            (
                "SMTP_PASSWORD",
                secret(self.smtp.as_ref().is_some_and(|m| m.password.is_some())),
            ),
            (
                "SMTP_FROM",
                self.smtp
                    .as_ref()
                    .map(|m| m.from.clone())
                    .unwrap_or_default(),
            ),
            (
                "SMTP_SECURITY",
                self.smtp
                    .as_ref()
                    .map(|m| format!("{:?}", m.security).to_ascii_lowercase())
                    .unwrap_or_default(),
            ),
            (
                "INVITATION_EXPIRE_HOURS",
                self.invitation_expire_hours.to_string(),
            ),
            (
                "AUTH_REQUIRE_EMAIL_VERIFICATION",
                self.auth_flows.require_email_verification.to_string(),
            ),
            (
                "AUTH_VERIFICATION_TOKEN_SECONDS",
                self.auth_flows.verification_token_ttl.as_secs().to_string(),
            ),
            (
                "AUTH_RESET_TOKEN_SECONDS",
                self.auth_flows.reset_token_ttl.as_secs().to_string(),
            ),
            (
                "AUTH_ADMIN_IMPERSONATION",
                self.auth_flows.admin_impersonation.to_string(),
            ),
            (
                "WEBHOOKS_ALLOW_PRIVATE_NETWORKS",
                self.webhooks_allow_private_networks.to_string(),
            ),
            (
                "OAUTH_ALLOW_PRIVATE_NETWORKS",
                self.oauth_allow_private_networks.to_string(),
            ),
            (
                "SMTP_ALLOW_PRIVATE_NETWORKS",
                self.smtp_allow_private_networks.to_string(),
            ),
            (
                "WEBHOOK_MAX_ATTEMPTS",
                self.webhook_max_attempts.to_string(),
            ),
            (
                "WEBHOOK_RETRY_BASE_MS",
                self.webhook_retry_base_ms.to_string(),
            ),
            ("JOB_LEASE_SECONDS", self.job_lease.as_secs().to_string()),
            (
                "REQUEST_LOGS_ENABLED",
                self.request_logs_enabled.to_string(),
            ),
            ("AUDIT_ENABLED", self.audit_enabled.to_string()),
            (
                "AUDIT_CHECKPOINT_EVERY",
                self.audit_checkpoint_every.to_string(),
            ),
            (
                "REQUEST_LOGS_RETENTION_DAYS",
                self.request_logs_retention_days.to_string(),
            ),
            (
                "REQUEST_LOGS_FLUSH_MS",
                self.request_logs_flush_ms.to_string(),
            ),
            (
                "CHANGE_LOG_RETENTION_SECONDS",
                self.change_log_retention.as_secs().to_string(),
            ),
            (
                "REALTIME_MAX_CONNECTIONS",
                self.realtime.max_connections.to_string(),
            ),
            (
                "REALTIME_MAX_PER_USER",
                self.realtime.max_per_user.to_string(),
            ),
            ("REALTIME_QUEUE", self.realtime.queue.to_string()),
            (
                "REALTIME_REPLAY_SECONDS",
                self.realtime.replay_window.as_secs().to_string(),
            ),
            (
                "REALTIME_REPLAY_EVENTS",
                self.realtime.replay_events.to_string(),
            ),
            ("BACKUP_DIR", self.backup.dir.display().to_string()),
            (
                "BACKUP_INTERVAL_SECONDS",
                self.backup.interval.as_secs().to_string(),
            ),
            ("BACKUP_KEEP", self.backup.keep.to_string()),
            (
                "BACKUP_DESTINATION",
                self.backup.destination.as_str().to_string(),
            ),
            (
                "BACKUP_WRITE_MB_PER_SECOND",
                (self.backup.write_rate / (1024 * 1024)).to_string(),
            ),
            ("BACKUP_IDLE_CPU", self.backup.idle_cpu.to_string()),
            ("METRICS_ENABLED", self.metrics.enabled.to_string()),
            ("METRICS_TOKEN", secret(self.metrics.token.is_some())),
            (
                "METRICS_ADDR",
                self.metrics.addr.map(|a| a.to_string()).unwrap_or_default(),
            ),
        ];
        let rows = rows.into_iter().chain(self.describe_storage());
        rows.map(|(k, v)| (format!("SNACKBASE_{k}"), v)).collect()
    }
}
