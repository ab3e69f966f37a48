//! Which SMTP server a mail goes through: the account's own enabled SMTP
//! configuration (`email_providers`), else the enabled system one, else the
//! environment's `SNACKBASE_SMTP_*`. Read from the database for every mail,
//! so a change applies at once, on every node, without a restart.

use serde_json::{Map, Value};

use crate::app::App;
use crate::config::{Secret, SmtpConfig, SmtpSecurity};
use crate::configuration::catalog::EMAIL_PROVIDERS;
use crate::error::{ApiError, ApiResult};

/// The SMTP server for mail of `account_id` (None: system mail); None when
/// neither the database nor the environment names one.
pub async fn server_for(state: &App, account_id: Option<&str>) -> ApiResult<Option<SmtpConfig>> {
    match crate::configuration::resolve(state, EMAIL_PROVIDERS, "smtp", account_id).await? {
        Some(resolved) => {
            let own = resolved.account_id != crate::auth::superadmin::SYSTEM_ACCOUNT;
            let public_only = own && !state.config.smtp_allow_private_networks;
            from_values(&resolved.values, public_only).map(Some)
        }
        None => Ok(state.config.smtp.clone()),
    }
}

/// The settings of an `smtp` configuration's values (checked when saved).
pub fn from_values(values: &Map<String, Value>, public_only: bool) -> ApiResult<SmtpConfig> {
    let text = |k: &str| {
        values
            .get(k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let host = text("host").ok_or_else(|| ApiError::internal(anyhow::anyhow!("smtp: no host")))?;
    let port = values
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(587);
    let security: SmtpSecurity = text("security")
        .as_deref()
        .unwrap_or("starttls")
        .parse()
        .map_err(|e: String| ApiError::internal(anyhow::anyhow!("smtp security: {e}")))?;
    let email = text("from_email")
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("smtp: no from_email")))?;
    let address: lettre::Address = email
        .parse()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("smtp from_email: {e}")))?;
    let from = lettre::message::Mailbox::new(text("from_name"), address).to_string();
    Ok(SmtpConfig {
        host,
        port,
        username: text("username"),
        password: text("password").map(Secret::new),
        from,
        security,
        public_only,
    })
}

/// Refuses a host that resolves to an internal address, for servers that
/// must be public.
pub async fn check_public(config: &SmtpConfig) -> Result<(), String> {
    if !config.public_only {
        return Ok(());
    }
    let host = config.host.trim_start_matches('[').trim_end_matches(']');
    let addrs = tokio::net::lookup_host((host, config.port))
        .await
        .map_err(|e| format!("could not resolve {host}: {e}"))?;
    for addr in addrs {
        if crate::webhooks::ssrf::is_internal(addr.ip()) {
            return Err(format!(
                "refused {host}: it resolves to the internal address {} (an account's SMTP server \
                 must be public; SNACKBASE_SMTP_ALLOW_PRIVATE_NETWORKS allows others)",
                addr.ip()
            ));
        }
    }
    Ok(())
}
