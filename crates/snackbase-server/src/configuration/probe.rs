//! test-connection for mail servers and storages: the values given (not
//! saved) are used as the server would use them. An SMTP server is
//! connected to, greeted, upgraded to TLS and logged in to (no mail is
//! sent); a storage is opened and a small object written, read back and
//! deleted.

use axum::Json;
use serde_json::{json, Map, Value};

use super::catalog::{self, Provider, MASK};
use super::connection::{failed, TestResult};
use super::store;
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::files::storage::Backend;

pub async fn run(
    state: &AppState,
    admin: &AuthUser,
    provider: &'static Provider,
    mut config: Map<String, Value>,
    id: Option<&str>,
) -> ApiResult<Json<TestResult>> {
    let account = scope(admin);
    super::active::check_scope(admin, provider, &account)?;
    fill_masked(state, admin, provider, &mut config, id).await?;
    let values = provider.complete(provider.validate(&config)?);
    super::active::check_usable(state, provider, &account, &values)?;
    if provider.category == catalog::EMAIL_PROVIDERS {
        let public_only = account != SYSTEM_ACCOUNT && !state.config.smtp_allow_private_networks;
        let smtp = crate::mail::from_values(&values, public_only)?;
        return Ok(match crate::mail::probe(&smtp).await {
            Ok(()) => Json(TestResult {
                success: true,
                message: format!(
                    "{}:{} accepted the connection{}",
                    smtp.host,
                    smtp.port,
                    if smtp.username.is_some() {
                        " and the login"
                    } else {
                        ""
                    }
                ),
                details: Some(json!({"host": smtp.host, "port": smtp.port, "from": smtp.from})),
            }),
            Err(e) => failed(e),
        });
    }
    let spec = super::active::storage_spec(provider.name, &values)
        .map_err(|e| ApiError::invalid("config", "invalid_value", e))?;
    let backend = match Backend::open(&spec, None) {
        Ok(b) => b,
        Err(e) => return Ok(failed(format!("The storage cannot be opened: {e:#}"))),
    };
    Ok(match backend.probe().await {
        Ok(()) => Json(TestResult {
            success: true,
            message: format!(
                "The {} storage stored, read back and deleted a test object",
                backend.name()
            ),
            details: Some(json!({"backend": backend.name()})),
        }),
        Err(e) => failed(format!("The storage {e}")),
    })
}

/// The account a test runs for: the caller's (the system for the superadmin).
fn scope(admin: &AuthUser) -> String {
    if admin.is_superadmin() {
        SYSTEM_ACCOUNT.to_string()
    } else {
        admin.account_id.to_string()
    }
}

/// Replaces masked secrets with the stored ones of configuration `id` (one
/// the admin may see, of the same provider); without it they are left out.
async fn fill_masked(
    state: &AppState,
    admin: &AuthUser,
    provider: &Provider,
    config: &mut Map<String, Value>,
    id: Option<&str>,
) -> ApiResult<()> {
    let masked: Vec<&str> = provider
        .fields()
        .filter(|f| f.secret && config.get(f.name).and_then(Value::as_str) == Some(MASK))
        .map(|f| f.name)
        .collect();
    if masked.is_empty() {
        return Ok(());
    }
    let stored = match id {
        Some(id) => {
            let mut tx = state.db.begin_read().await?;
            let row = store::find(&mut tx, id)
                .await?
                .filter(|r| admin.is_superadmin() || r.account_id == admin.account_id)
                .filter(|r| r.category == provider.category && r.provider_name == provider.name)
                .ok_or_else(|| ApiError::not_found("Configuration not found"))?;
            row.values(state)?
        }
        None => Map::new(),
    };
    for name in masked {
        match stored.get(name) {
            Some(v) => config.insert(name.into(), v.clone()),
            None => config.remove(name),
        };
    }
    Ok(())
}
