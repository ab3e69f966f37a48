//! Typed configuration, read once at start-up from `SNACKBASE_*` variables.
//!
//! Names are case-insensitive, as in the original. List values may be JSON arrays
//! (`["a","b"]`) or comma-separated (`a,b`). Every error names the variable.
//! Secrets are wrapped in [`Secret`], whose `Debug` and `Display` never show the value.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

mod auth;
mod describe;
mod limits;
mod operations;
mod storage;
mod values;

pub use auth::AuthFlows;
pub use limits::{RateLimits, RealtimeLimits, ServerLimits};
pub use operations::{BackupDestination, BackupSettings, MetricsSettings};
pub use storage::{bucket_name, S3Config, StorageBackend};
pub use values::{Environment, LogFormat, LogLevel, Secret, SmtpConfig, SmtpSecurity};

/// A configuration error that names the offending variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

impl ConfigError {
    fn new(var: &str, message: impl Into<String>) -> Self {
        Self {
            var: var.to_string(),
            message: message.into(),
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub app_name: String,
    pub app_version: String,
    pub environment: Environment,
    pub debug: bool,
    pub api_prefix: String,
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub database_url: Secret,
    pub db_pool_size: u32,
    pub db_max_overflow: u32,
    pub db_pool_timeout_secs: u64,
    pub db_pool_recycle_secs: u64,
    /// PostgreSQL's row-level security on collection tables for tenants'
    /// statements (`db::tenant`): auto (on when the role is usable), on, off.
    pub postgres_rls: crate::db::RowSecurity,
    pub db_echo: bool,
    /// `None` until the data directory has supplied one (see [`crate::secrets`]).
    pub secret_key: Option<Secret>,
    pub access_token_expire_minutes: i64,
    pub refresh_token_expire_days: i64,
    pub cors_origins: Vec<String>,
    pub cors_allow_credentials: bool,
    pub cors_allow_methods: Vec<String>,
    pub cors_allow_headers: Vec<String>,
    pub log_level: LogLevel,
    pub log_format: LogFormat,
    /// Also append the log lines to this file.
    pub log_file: Option<PathBuf>,
    /// The directory of uploaded files when `storage` is local.
    pub storage_path: PathBuf,
    /// Where uploaded files live (`SNACKBASE_STORAGE_BACKEND`).
    pub storage: StorageBackend,
    /// How long a file token (`POST /files/token`) is valid.
    pub file_token_seconds: i64,
    /// How often every node sweeps orphaned files (zero: never on schedule).
    pub files_sweep_interval: std::time::Duration,
    /// How old a row-less object or an unclaimed upload of a record write
    /// must be before the sweeper takes it for an orphan.
    pub files_sweep_grace: std::time::Duration,
    pub data_dir: PathBuf,
    pub max_file_size: u64,
    pub allowed_mime_types: Vec<String>,
    pub max_body_size: usize,
    /// Largest `limit` of a record list.
    pub max_page_size: i64,
    pub rate_limits: RateLimits,
    pub server_limits: ServerLimits,
    pub realtime: RealtimeLimits,
    pub superadmin_email: Option<String>,
    pub superadmin_password: Option<Secret>,
    pub external_url: Option<String>,
    /// Outgoing mail; `None` when `SNACKBASE_SMTP_HOST` is unset.
    pub smtp: Option<SmtpConfig>,
    pub invitation_expire_hours: i64,
    /// Email verification and password reset.
    pub auth_flows: AuthFlows,
    /// Allow webhook targets on loopback, private and link-local addresses.
    pub webhooks_allow_private_networks: bool,
    /// Allow identity providers (discovery, tokens, test-connection) on
    /// loopback, private and link-local addresses.
    pub oauth_allow_private_networks: bool,
    /// Allow the SMTP servers of account configurations on loopback,
    /// private and link-local addresses (system ones may always be).
    pub smtp_allow_private_networks: bool,
    pub webhook_max_attempts: i64,
    /// The first retry waits this long; each next one twice as long.
    pub webhook_retry_base_ms: u64,
    /// How long a node holds a claimed job (a webhook delivery) before any
    /// node may take it again: a node that dies mid-job loses it for this
    /// long. Deliveries time out well within it.
    pub job_lease: std::time::Duration,
    /// Record API requests in the database (the admin UI's Logs page).
    pub request_logs_enabled: bool,
    /// Write the audit trail (docs/audit.md).
    pub audit_enabled: bool,
    /// A signed checkpoint every this many entries of a chain.
    pub audit_checkpoint_every: i64,
    /// Default days to keep request logs (0 keeps none); the UI may override it.
    pub request_logs_retention_days: i64,
    /// How often the request-log writer flushes a partial batch.
    pub request_logs_flush_ms: u64,
    /// How long the change log (`record_changes`) keeps a change.
    pub change_log_retention: std::time::Duration,
    /// Backups (`snackbase backup`, `/admin/backups`).
    pub backup: BackupSettings,
    /// `/metrics`.
    pub metrics: MetricsSettings,
}

/// Every variable the server reads, with its default (`None`: unset by default).
/// The list is also what `info` prints.
pub const VARIABLES: &[(&str, Option<&str>)] = &[
    ("APP_NAME", Some("SnackBase")),
    ("APP_VERSION", Some("0.1.0")),
    ("ENVIRONMENT", Some("development")),
    ("DEBUG", Some("false")),
    ("API_PREFIX", Some("/api/v1")),
    ("HOST", Some("0.0.0.0")),
    ("PORT", Some("8000")),
    ("WORKERS", Some("1")),
    (
        "DATABASE_URL",
        Some("sqlite+aiosqlite:///./sb_data/snackbase.db"),
    ),
    ("DB_POOL_SIZE", Some("5")),
    ("DB_MAX_OVERFLOW", Some("10")),
    ("DB_POOL_TIMEOUT", Some("30")),
    ("DB_POOL_RECYCLE", Some("3600")),
    ("DB_ECHO", Some("false")),
    ("POSTGRES_RLS", Some("auto")),
    ("SECRET_KEY", None),
    ("ACCESS_TOKEN_EXPIRE_MINUTES", Some("60")),
    ("REFRESH_TOKEN_EXPIRE_DAYS", Some("7")),
    (
        "CORS_ORIGINS",
        Some(r#"["http://localhost:3000","http://localhost:8000"]"#),
    ),
    ("CORS_ALLOW_CREDENTIALS", Some("true")),
    ("CORS_ALLOW_METHODS", Some(r#"["*"]"#)),
    ("CORS_ALLOW_HEADERS", Some(r#"["*"]"#)),
    ("LOG_LEVEL", Some("INFO")),
    ("LOG_FORMAT", Some("json")),
    ("LOG_FILE", None),
    ("STORAGE_PATH", Some("./sb_data/files")),
    ("STORAGE_BACKEND", Some("local")),
    ("STORAGE_S3_BUCKET", None),
    ("STORAGE_S3_ENDPOINT", None),
    ("STORAGE_S3_REGION", Some("us-east-1")),
    ("STORAGE_S3_ACCESS_KEY_ID", None),
    ("STORAGE_S3_SECRET_ACCESS_KEY", None),
    ("STORAGE_S3_FORCE_PATH_STYLE", Some("false")),
    ("FILE_TOKEN_SECONDS", Some("180")),
    ("FILES_SWEEP_INTERVAL_SECONDS", Some("3600")),
    ("FILES_SWEEP_GRACE_SECONDS", Some("3600")),
    ("DATA_DIR", Some("./sb_data")),
    ("MAX_FILE_SIZE", Some("10485760")),
    (
        "ALLOWED_MIME_TYPES",
        Some(
            r#"["image/jpeg","image/png","image/gif","image/webp","application/pdf","text/plain","application/json"]"#,
        ),
    ),
    ("MAX_BODY_SIZE", Some("1048576")),
    ("MAX_PAGE_SIZE", Some("100")),
    ("RATE_LIMIT_ENABLED", Some("true")),
    ("RATE_LIMIT_PER_MINUTE", Some("6000")),
    ("RATE_LIMIT_PER_HOUR", Some("200000")),
    ("AUTH_RATE_LIMIT_PER_MINUTE", Some("30")),
    ("LOGIN_RATE_LIMIT_PER_MINUTE", Some("10")),
    ("MAIL_RATE_LIMIT_PER_HOUR", Some("5")),
    ("AUTH_REQUIRE_EMAIL_VERIFICATION", Some("false")),
    ("AUTH_VERIFICATION_TOKEN_SECONDS", Some("86400")),
    ("AUTH_RESET_TOKEN_SECONDS", Some("1800")),
    ("AUTH_ADMIN_IMPERSONATION", Some("false")),
    ("AUTH_LOCKOUT_THRESHOLD", Some("5")),
    ("AUTH_LOCKOUT_BASE_SECONDS", Some("30")),
    ("AUTH_LOCKOUT_MAX_SECONDS", Some("900")),
    ("AUTH_LOCKOUT_MAX_FAILURES", Some("100")),
    ("TRUSTED_PROXIES", Some("")),
    ("HEADER_READ_TIMEOUT_SECONDS", Some("10")),
    ("BODY_TIMEOUT_SECONDS", Some("60")),
    ("MAX_CONNECTIONS", Some("1000")),
    ("MAX_URI_LENGTH", Some("32768")),
    ("SUPERADMIN_EMAIL", None),
    ("SUPERADMIN_PASSWORD", None),
    ("EXTERNAL_URL", None),
    ("SMTP_HOST", None),
    ("SMTP_PORT", Some("587")),
    ("SMTP_USERNAME", None),
    ("SMTP_PASSWORD", None),
    ("SMTP_FROM", Some("SnackBase <noreply@localhost>")),
    ("SMTP_SECURITY", Some("starttls")),
    ("INVITATION_EXPIRE_HOURS", Some("48")),
    ("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", Some("false")),
    ("OAUTH_ALLOW_PRIVATE_NETWORKS", Some("false")),
    ("SMTP_ALLOW_PRIVATE_NETWORKS", Some("false")),
    ("WEBHOOK_MAX_ATTEMPTS", Some("8")),
    ("WEBHOOK_RETRY_BASE_MS", Some("1000")),
    ("JOB_LEASE_SECONDS", Some("60")),
    ("REQUEST_LOGS_ENABLED", Some("true")),
    ("AUDIT_ENABLED", Some("true")),
    ("AUDIT_CHECKPOINT_EVERY", Some("1000")),
    ("REQUEST_LOGS_RETENTION_DAYS", Some("7")),
    ("REQUEST_LOGS_FLUSH_MS", Some("1000")),
    ("CHANGE_LOG_RETENTION_SECONDS", Some("3600")),
    ("REALTIME_MAX_CONNECTIONS", Some("10000")),
    ("REALTIME_MAX_PER_USER", Some("20")),
    ("REALTIME_QUEUE", Some("1024")),
    ("REALTIME_REPLAY_SECONDS", Some("300")),
    ("REALTIME_REPLAY_EVENTS", Some("1000")),
    ("BACKUP_DIR", None),
    ("BACKUP_INTERVAL_SECONDS", Some("0")),
    ("BACKUP_KEEP", Some("7")),
    ("BACKUP_DESTINATION", Some("local")),
    ("BACKUP_WRITE_MB_PER_SECOND", Some("50")),
    ("BACKUP_IDLE_CPU", Some("true")),
    ("METRICS_ENABLED", Some("true")),
    ("METRICS_TOKEN", None),
    ("METRICS_ADDR", None),
];

/// Variables of the original that this server refuses, and why.
const UNSUPPORTED: &[(&str, &str)] = &[(
    "PERMISSION_CACHE_TTL_SECONDS",
    "permission caches follow every committed change, on every node, so there is no TTL to set",
)];

struct Source {
    values: HashMap<String, String>,
}

impl Source {
    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str).or_else(|| {
            VARIABLES
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, d)| *d)
        })
    }

    fn string(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_string()
    }

    fn optional(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    fn parsed<T: FromStr>(&self, key: &str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let raw = self.get(key).unwrap_or_default().trim();
        raw.parse::<T>()
            .map_err(|e| ConfigError::new(&format!("SNACKBASE_{key}"), format!("{raw:?}: {e}")))
    }

    fn boolean(&self, key: &str) -> Result<bool, ConfigError> {
        let raw = self
            .get(key)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match raw.as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(ConfigError::new(
                &format!("SNACKBASE_{key}"),
                format!("{raw:?}: expected true or false"),
            )),
        }
    }

    fn list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        parse_list(self.get(key).unwrap_or_default())
            .map_err(|m| ConfigError::new(&format!("SNACKBASE_{key}"), m))
    }
}

/// Parses a list given as a JSON array of strings or as comma-separated values.
pub fn parse_list(raw: &str) -> Result<Vec<String>, String> {
    let raw = raw.trim();
    if raw.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(raw)
            .map_err(|e| format!("not a JSON array of strings: {e}"));
    }
    Ok(raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

impl Config {
    /// Where clients reach this server, for links in mail and logs:
    /// `SNACKBASE_EXTERNAL_URL`, else this host on `port` (the bound port,
    /// which differs from the configured one when that is 0).
    pub fn public_base(&self, port: u16) -> String {
        self.external_url.clone().unwrap_or_else(|| {
            let host = match self.host.as_str() {
                "0.0.0.0" | "::" | "" => "localhost",
                other => other,
            };
            format!("http://{host}:{port}")
        })
    }

    /// Fails when only one of the superadmin bootstrap pair is set (checked
    /// when serving; the CLI may take the other half from a flag).
    pub fn check_superadmin_pair(&self) -> Result<(), ConfigError> {
        match (&self.superadmin_email, &self.superadmin_password) {
            (Some(_), None) => Err(ConfigError::new(
                "SNACKBASE_SUPERADMIN_PASSWORD",
                "must be set together with SNACKBASE_SUPERADMIN_EMAIL",
            )),
            (None, Some(_)) => Err(ConfigError::new(
                "SNACKBASE_SUPERADMIN_EMAIL",
                "must be set together with SNACKBASE_SUPERADMIN_PASSWORD",
            )),
            _ => Ok(()),
        }
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the configuration from `(name, value)` pairs; names are matched
    /// case-insensitively and only those starting with `SNACKBASE_` count.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let values = vars
            .into_iter()
            .filter_map(|(k, v)| {
                let upper = k.to_ascii_uppercase();
                upper.strip_prefix("SNACKBASE_").map(|k| (k.to_string(), v))
            })
            .collect();
        let s = Source { values };
        for (key, why) in UNSUPPORTED {
            if s.values.contains_key(*key) {
                return Err(ConfigError::new(
                    &format!("SNACKBASE_{key}"),
                    format!("is not supported: {why}; remove it"),
                ));
            }
        }

        let api_prefix = s.string("API_PREFIX");
        if !api_prefix.starts_with('/')
            || api_prefix.ends_with('/')
            || api_prefix.contains(char::is_whitespace)
        {
            return Err(ConfigError::new(
                "SNACKBASE_API_PREFIX",
                "must start with '/' and not end with '/'",
            ));
        }
        let port: u16 = s.parsed("PORT")?;
        let workers: usize = s.parsed("WORKERS")?;
        if workers == 0 {
            return Err(ConfigError::new("SNACKBASE_WORKERS", "must be at least 1"));
        }
        let access_minutes: i64 = s.parsed("ACCESS_TOKEN_EXPIRE_MINUTES")?;
        if !(1..=60 * 24 * 30).contains(&access_minutes) {
            return Err(ConfigError::new(
                "SNACKBASE_ACCESS_TOKEN_EXPIRE_MINUTES",
                "must be between 1 and 43200",
            ));
        }
        let refresh_days: i64 = s.parsed("REFRESH_TOKEN_EXPIRE_DAYS")?;
        if !(1..=365).contains(&refresh_days) {
            return Err(ConfigError::new(
                "SNACKBASE_REFRESH_TOKEN_EXPIRE_DAYS",
                "must be between 1 and 365",
            ));
        }
        let secret_key = s.optional("SECRET_KEY").map(Secret::new);
        if let Some(key) = &secret_key {
            if key.expose().len() < 32 {
                return Err(ConfigError::new(
                    "SNACKBASE_SECRET_KEY",
                    "must be at least 32 characters",
                ));
            }
        }
        let db_pool_size: u32 = s.parsed("DB_POOL_SIZE")?;
        if db_pool_size == 0 {
            return Err(ConfigError::new(
                "SNACKBASE_DB_POOL_SIZE",
                "must be at least 1",
            ));
        }
        let max_body_size: usize = s.parsed("MAX_BODY_SIZE")?;
        if max_body_size < 1024 {
            return Err(ConfigError::new(
                "SNACKBASE_MAX_BODY_SIZE",
                "must be at least 1024 bytes",
            ));
        }
        let max_page_size: i64 = s.parsed("MAX_PAGE_SIZE")?;
        if !(1..=10_000).contains(&max_page_size) {
            return Err(ConfigError::new(
                "SNACKBASE_MAX_PAGE_SIZE",
                "must be between 1 and 10000",
            ));
        }
        let superadmin_email = s.optional("SUPERADMIN_EMAIL");
        let superadmin_password = s.optional("SUPERADMIN_PASSWORD").map(Secret::new);
        let database_url = s.string("DATABASE_URL");
        crate::db::DatabaseUrl::parse(&database_url)
            .map_err(|m| ConfigError::new("SNACKBASE_DATABASE_URL", m))?;
        let external_url = s
            .optional("EXTERNAL_URL")
            .map(|u| u.trim_end_matches('/').to_string());
        if let Some(url) = &external_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::new(
                    "SNACKBASE_EXTERNAL_URL",
                    "must start with http:// or https://",
                ));
            }
        }

        let smtp = match s.optional("SMTP_HOST") {
            None => None,
            Some(host) => {
                let from = s.string("SMTP_FROM");
                if !from.contains('@') {
                    return Err(ConfigError::new(
                        "SNACKBASE_SMTP_FROM",
                        "must contain an email address",
                    ));
                }
                Some(SmtpConfig {
                    host,
                    port: s.parsed("SMTP_PORT")?,
                    username: s.optional("SMTP_USERNAME"),
                    password: s.optional("SMTP_PASSWORD").map(Secret::new),
                    from,
                    security: s.parsed("SMTP_SECURITY")?,
                    public_only: false,
                })
            }
        };
        let invitation_expire_hours: i64 = s.parsed("INVITATION_EXPIRE_HOURS")?;
        if !(1..=24 * 90).contains(&invitation_expire_hours) {
            return Err(ConfigError::new(
                "SNACKBASE_INVITATION_EXPIRE_HOURS",
                "must be between 1 and 2160",
            ));
        }
        let webhook_max_attempts: i64 = s.parsed("WEBHOOK_MAX_ATTEMPTS")?;
        if !(1..=50).contains(&webhook_max_attempts) {
            return Err(ConfigError::new(
                "SNACKBASE_WEBHOOK_MAX_ATTEMPTS",
                "must be between 1 and 50",
            ));
        }
        let webhook_retry_base_ms: u64 = s.parsed("WEBHOOK_RETRY_BASE_MS")?;
        if !(10..=3_600_000).contains(&webhook_retry_base_ms) {
            return Err(ConfigError::new(
                "SNACKBASE_WEBHOOK_RETRY_BASE_MS",
                "must be between 10 and 3600000",
            ));
        }
        let job_lease: u64 = s.parsed("JOB_LEASE_SECONDS")?;
        if !(2..=3600).contains(&job_lease) {
            return Err(ConfigError::new(
                "SNACKBASE_JOB_LEASE_SECONDS",
                "must be between 2 and 3600",
            ));
        }
        let audit_checkpoint_every: i64 = s.parsed("AUDIT_CHECKPOINT_EVERY")?;
        if !(1..=1_000_000).contains(&audit_checkpoint_every) {
            return Err(ConfigError::new(
                "SNACKBASE_AUDIT_CHECKPOINT_EVERY",
                "must be between 1 and 1000000",
            ));
        }
        let request_logs_retention_days: i64 = s.parsed("REQUEST_LOGS_RETENTION_DAYS")?;
        if !(0..=3650).contains(&request_logs_retention_days) {
            return Err(ConfigError::new(
                "SNACKBASE_REQUEST_LOGS_RETENTION_DAYS",
                "must be between 0 and 3650",
            ));
        }
        let change_log_retention: u64 = s.parsed("CHANGE_LOG_RETENTION_SECONDS")?;
        if !(60..=30 * 86_400).contains(&change_log_retention) {
            return Err(ConfigError::new(
                "SNACKBASE_CHANGE_LOG_RETENTION_SECONDS",
                "must be between 60 and 2592000 (30 days)",
            ));
        }
        let request_logs_flush_ms: u64 = s.parsed("REQUEST_LOGS_FLUSH_MS")?;
        if !(10..=60_000).contains(&request_logs_flush_ms) {
            return Err(ConfigError::new(
                "SNACKBASE_REQUEST_LOGS_FLUSH_MS",
                "must be between 10 and 60000",
            ));
        }
        let file_token_seconds: i64 = s.parsed("FILE_TOKEN_SECONDS")?;
        if !(10..=86_400).contains(&file_token_seconds) {
            return Err(ConfigError::new(
                "SNACKBASE_FILE_TOKEN_SECONDS",
                "must be between 10 and 86400",
            ));
        }
        let files_sweep_interval: u64 = s.parsed("FILES_SWEEP_INTERVAL_SECONDS")?;
        if files_sweep_interval != 0 && !(60..=2_592_000).contains(&files_sweep_interval) {
            return Err(ConfigError::new(
                "SNACKBASE_FILES_SWEEP_INTERVAL_SECONDS",
                "must be 0 (off) or between 60 and 2592000 (30 days)",
            ));
        }
        let files_sweep_grace: u64 = s.parsed("FILES_SWEEP_GRACE_SECONDS")?;
        if !(300..=2_592_000).contains(&files_sweep_grace) {
            return Err(ConfigError::new(
                "SNACKBASE_FILES_SWEEP_GRACE_SECONDS",
                "must be between 300 (5 minutes) and 2592000 (30 days)",
            ));
        }
        let max_file_size: u64 = s.parsed("MAX_FILE_SIZE")?;
        if max_file_size == 0 {
            return Err(ConfigError::new(
                "SNACKBASE_MAX_FILE_SIZE",
                "must be at least 1 byte",
            ));
        }
        let environment: Environment = s.parsed("ENVIRONMENT")?;
        let debug = s.boolean("DEBUG")?;
        if debug && environment == Environment::Production {
            return Err(ConfigError::new(
                "SNACKBASE_DEBUG",
                "debug logging is refused when SNACKBASE_ENVIRONMENT is production",
            ));
        }
        Ok(Self {
            app_name: s.string("APP_NAME"),
            app_version: s.string("APP_VERSION"),
            environment,
            debug,
            api_prefix,
            host: s.string("HOST"),
            port,
            workers,
            database_url: Secret::new(database_url),
            db_pool_size,
            db_max_overflow: s.parsed("DB_MAX_OVERFLOW")?,
            db_pool_timeout_secs: s.parsed("DB_POOL_TIMEOUT")?,
            db_pool_recycle_secs: s.parsed("DB_POOL_RECYCLE")?,
            db_echo: s.boolean("DB_ECHO")?,
            secret_key,
            access_token_expire_minutes: access_minutes,
            refresh_token_expire_days: refresh_days,
            cors_origins: s.list("CORS_ORIGINS")?,
            cors_allow_credentials: s.boolean("CORS_ALLOW_CREDENTIALS")?,
            cors_allow_methods: s.list("CORS_ALLOW_METHODS")?,
            cors_allow_headers: s.list("CORS_ALLOW_HEADERS")?,
            log_level: s.parsed("LOG_LEVEL")?,
            log_format: s.parsed("LOG_FORMAT")?,
            log_file: s.optional("LOG_FILE").map(PathBuf::from),
            storage_path: PathBuf::from(s.string("STORAGE_PATH")),
            storage: StorageBackend::read(&s)?,
            file_token_seconds,
            files_sweep_interval: std::time::Duration::from_secs(files_sweep_interval),
            files_sweep_grace: std::time::Duration::from_secs(files_sweep_grace),
            backup: BackupSettings::read(&s, std::path::Path::new(&s.string("DATA_DIR")))?,
            metrics: MetricsSettings::read(&s)?,
            data_dir: PathBuf::from(s.string("DATA_DIR")),
            max_file_size,
            allowed_mime_types: s.list("ALLOWED_MIME_TYPES")?,
            max_body_size,
            max_page_size,
            rate_limits: RateLimits::read(&s)?,
            server_limits: ServerLimits::read(&s)?,
            realtime: RealtimeLimits::read(&s)?,
            superadmin_email,
            superadmin_password,
            external_url,
            smtp,
            invitation_expire_hours,
            auth_flows: AuthFlows::read(&s)?,
            webhooks_allow_private_networks: s.boolean("WEBHOOKS_ALLOW_PRIVATE_NETWORKS")?,
            oauth_allow_private_networks: s.boolean("OAUTH_ALLOW_PRIVATE_NETWORKS")?,
            smtp_allow_private_networks: s.boolean("SMTP_ALLOW_PRIVATE_NETWORKS")?,
            webhook_max_attempts,
            webhook_retry_base_ms,
            job_lease: std::time::Duration::from_secs(job_lease),
            postgres_rls: s.parsed("POSTGRES_RLS")?,
            request_logs_enabled: s.boolean("REQUEST_LOGS_ENABLED")?,
            audit_enabled: s.boolean("AUDIT_ENABLED")?,
            audit_checkpoint_every,
            request_logs_retention_days,
            change_log_retention: std::time::Duration::from_secs(change_log_retention),
            request_logs_flush_ms,
        })
    }

    /// A configuration for tests: defaults, a fixed secret, the given database.
    pub fn for_tests(database_url: &str, data_dir: PathBuf) -> Self {
        let vars = [
            (
                "SNACKBASE_DATABASE_URL".to_string(),
                database_url.to_string(),
            ),
            ("SNACKBASE_ENVIRONMENT".to_string(), "testing".to_string()),
            // Tests log in far more often than a person; the rate-limit tests
            // switch it back on.
            (
                "SNACKBASE_RATE_LIMIT_ENABLED".to_string(),
                "false".to_string(),
            ),
            (
                "SNACKBASE_SECRET_KEY".to_string(),
                "test-secret-key-0123456789abcdef0123456789".to_string(),
            ),
            (
                "SNACKBASE_DATA_DIR".to_string(),
                data_dir.display().to_string(),
            ),
            (
                "SNACKBASE_STORAGE_PATH".to_string(),
                data_dir.join("files").display().to_string(),
            ),
        ];
        #[expect(clippy::expect_used, reason = "the fixed test configuration is valid")]
        Self::from_vars(vars).expect("test configuration is valid")
    }
}

#[cfg(test)]
mod tests;
