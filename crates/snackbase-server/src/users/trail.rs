//! User changes in the audit trail (table `users`, the user's account chain;
//! the superadmin's in the system chain), written in the change's
//! transaction. Entries compare the users as the API shows them; passwords
//! and their hashes only ever read `***`.

use serde_json::Value;

use super::handlers::UserResponse;
use super::model::UserRow;
use crate::app::AppState;
use crate::audit::Column;
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;

pub const TABLE: &str = "users";

/// What is never written as it is.
pub const MASKED: &[&str] = &["password", "password_hash"];

/// A user as the API shows it, as JSON.
pub fn shown(user: &UserRow) -> Value {
    serde_json::to_value(UserResponse::from(user.clone())).unwrap_or_default()
}

/// Records `operation` by `caller` on a user, from its state before and after.
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    before: Option<&UserRow>,
    after: Option<&UserRow>,
) -> ApiResult<()> {
    let Some(user) = after.or(before) else {
        return Ok(());
    };
    let event = crate::audit::object_event(
        Some(caller),
        crate::auth::trail::chain(&user.account_id).as_deref(),
        operation,
        TABLE,
        &user.id,
        before.map(shown).as_ref(),
        after.map(shown).as_ref(),
        MASKED,
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}

/// Records a new password set by `caller` for the user (`account_id`,
/// `user_id`): one `password` column that reads `***` either side.
pub async fn password_set(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    account_id: &str,
    user_id: &str,
) -> ApiResult<()> {
    let mut event = crate::audit::object_event(
        Some(caller),
        crate::auth::trail::chain(account_id).as_deref(),
        "UPDATE",
        TABLE,
        user_id,
        None,
        None,
        MASKED,
    );
    let mask = Some(crate::audit::record::MASK.to_string());
    event.columns.push(Column {
        name: Some("password".into()),
        old: mask.clone(),
        new: mask,
    });
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}
