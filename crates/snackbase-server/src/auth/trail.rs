//! Auth events in the audit trail (`REGISTER`, `LOGIN`, `LOGIN_FAILED`, `LOGOUT`,
//! `REFRESH_REUSE`, `PASSWORD_RESET`, `EMAIL_VERIFIED`, `IMPERSONATE`, `TOTP_ENABLED`,
//! `TOTP_DISABLED`, `RECOVERY_CODES_RENEWED`), each
//! written in the transaction of what it records. They go to the user's
//! account chain; the superadmin's (the system account) to the system chain.
//! Entries never carry a password or a token.

use serde_json::Value;

use super::superadmin::SYSTEM_ACCOUNT;
use crate::app::AppState;
use crate::audit::{Actor, Event};
use crate::error::ApiResult;

/// The chain of an account's events: `None` (the system chain) for the
/// system account.
pub fn chain(account_id: &str) -> Option<String> {
    (account_id != SYSTEM_ACCOUNT).then(|| account_id.to_string())
}

/// The users of an auth event.
pub const TABLE: &str = "auth";

/// An auth event about the user `user_id` (or, for a failed login of an
/// unknown user, what they typed), done by that user.
pub fn event(
    operation: &str,
    account_id: Option<&str>,
    user_id: Option<&str>,
    email: Option<&str>,
    record_id: &str,
    extra: Option<Value>,
) -> Event {
    Event {
        account_id: account_id.and_then(chain),
        operation: operation.to_string(),
        table_name: TABLE.to_string(),
        record_id: record_id.to_string(),
        columns: Vec::new(),
        actor: Actor {
            user_id: user_id.map(str::to_string),
            user_email: email.map(str::to_string),
            user_name: None,
        },
        signature: None,
        extra,
    }
}

/// An event about a known user, by that user.
pub fn about(operation: &str, user: &crate::users::model::UserRow, extra: Option<Value>) -> Event {
    event(
        operation,
        Some(&user.account_id),
        Some(&user.id),
        Some(&user.email),
        &user.id,
        extra,
    )
}

/// Records a failed login in its own write transaction, with the lockout's
/// count of the failure (`count`) when the lockout is on.
pub async fn login_failed(state: &AppState, key: &str, count: bool, event: Event) -> ApiResult<()> {
    let limits = state.config.rate_limits.clone();
    let count = count && limits.enabled;
    let auditor = state.audit.clone();
    if !count && !auditor.enabled {
        return Ok(());
    }
    let key = key.to_string();
    state
        .db
        .write(move |tx| {
            Box::pin(async move {
                if count {
                    super::lockout::count_failure(tx, &key, &limits).await?;
                }
                crate::audit::append(&auditor, tx, event).await?;
                Ok(())
            })
        })
        .await
}
