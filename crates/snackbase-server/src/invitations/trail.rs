//! Invitation changes in the audit trail (table `invitations`, the
//! invitation's account chain), written in the change's transaction. An
//! invitation reads as the API shows it: never its token.

use super::{InvitationResponse, Row};
use crate::app::AppState;
use crate::audit::{Actor, Event};
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::users::model::UserRow;

fn event(
    caller: Option<&Principal>,
    operation: &str,
    before: Option<&Row>,
    after: Option<&Row>,
) -> Option<Event> {
    let row = after.or(before)?;
    let shown =
        |r: &Row| serde_json::to_value(InvitationResponse::from(r.clone())).unwrap_or_default();
    Some(crate::audit::object_event(
        caller,
        Some(&row.account_id),
        operation,
        "invitations",
        &row.id,
        before.map(shown).as_ref(),
        after.map(shown).as_ref(),
        &[],
    ))
}

/// Records `operation` by `caller` on an invitation, before and after.
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    before: Option<&Row>,
    after: Option<&Row>,
) -> ApiResult<()> {
    if let Some(event) = event(Some(caller), operation, before, after) {
        crate::audit::append(&state.audit, tx, event).await?;
    }
    Ok(())
}

/// Records an accepted invitation (`UPDATE` of the invitation) and the user it
/// made (`CREATE` in `users`), both by that new user.
pub async fn accepted(
    state: &AppState,
    tx: &mut Tx,
    before: &Row,
    after: &Row,
    user: &UserRow,
) -> ApiResult<()> {
    let actor = Actor {
        user_id: Some(user.id.clone()),
        user_email: Some(user.email.clone()),
        user_name: None,
    };
    let extra = serde_json::json!({"invitation": before.id, "role": user.role_name});
    let created = crate::audit::object_event(
        None,
        Some(&user.account_id),
        "CREATE",
        crate::users::trail::TABLE,
        &user.id,
        None,
        Some(&crate::users::trail::shown(user)),
        crate::users::trail::MASKED,
    );
    let events = [
        event(None, "UPDATE", Some(before), Some(after)),
        Some(created),
    ];
    for mut event in events.into_iter().flatten() {
        event.actor = actor.clone();
        event.extra = Some(extra.clone());
        crate::audit::append(&state.audit, tx, event).await?;
    }
    Ok(())
}
