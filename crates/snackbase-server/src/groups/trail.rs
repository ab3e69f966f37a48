//! Group and membership changes in the audit trail (tables `groups` and
//! `group_members`, the group's account chain), written in the change's
//! transaction.

use serde_json::json;

use super::handlers::GroupResponse;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;

/// Records `operation` by `caller` on a group, as the API shows it before and after.
pub async fn group(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    before: Option<&GroupResponse>,
    after: Option<&GroupResponse>,
) -> ApiResult<()> {
    let Some(g) = after.or(before) else {
        return Ok(());
    };
    let shown = |g: &GroupResponse| serde_json::to_value(g).unwrap_or_default();
    let event = crate::audit::object_event(
        Some(caller),
        Some(&g.account_id),
        operation,
        "groups",
        &g.id,
        before.map(shown).as_ref(),
        after.map(shown).as_ref(),
        &[],
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}

/// Records a member added (`CREATE`) or removed (`DELETE`) by `caller`; the
/// record id is `group id/user id`.
pub async fn member(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    group: &GroupResponse,
    user_id: &str,
) -> ApiResult<()> {
    let row = json!({"group_id": group.id, "group_name": group.name, "user_id": user_id});
    let (before, after) = match operation {
        "DELETE" => (Some(&row), None),
        _ => (None, Some(&row)),
    };
    let event = crate::audit::object_event(
        Some(caller),
        Some(&group.account_id),
        operation,
        "group_members",
        &format!("{}/{user_id}", group.id),
        before,
        after,
        &[],
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}
