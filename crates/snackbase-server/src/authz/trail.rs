//! Permission changes in the audit trail (table `permissions`, the system
//! chain: roles and permissions are global), written in the change's
//! transaction. A permission reads as `{role_id, collection, rules}`; its
//! record id is the permission's id.

use serde_json::json;

use super::model::RuleSet;
use super::permissions;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;

/// The permission of a role on a collection before a change: its id and rules.
pub struct Before {
    role_id: i64,
    collection: String,
    id: Option<i64>,
    rules: RuleSet,
}

/// Reads the permission of `role_id` on `collection` (or `*`) before a change.
pub async fn before(tx: &mut Tx, role_id: i64, collection: &str) -> ApiResult<Before> {
    let (id, rules) = permissions::load(tx, role_id, collection).await?;
    Ok(Before {
        role_id,
        collection: collection.to_string(),
        id,
        rules,
    })
}

/// [`before`] of the permission with this id, if there is one.
pub async fn of_id(tx: &mut Tx, id: i64) -> ApiResult<Option<Before>> {
    let found: Option<(i64, String)> = crate::on_tx!(tx, |c| sqlx::query_as(
        "SELECT role_id, collection FROM permissions WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    match found {
        Some((role_id, collection)) => Ok(Some(before(tx, role_id, &collection).await?)),
        None => Ok(None),
    }
}

/// [`before`] of each distinct collection (case-insensitive) in `collections`.
pub async fn before_all<'a>(
    tx: &mut Tx,
    role_id: i64,
    collections: impl Iterator<Item = &'a String>,
) -> ApiResult<Vec<Before>> {
    let mut seen: Vec<Before> = Vec::new();
    for collection in collections {
        if !seen
            .iter()
            .any(|b| b.collection.eq_ignore_ascii_case(collection))
        {
            seen.push(before(tx, role_id, collection).await?);
        }
    }
    Ok(seen)
}

/// Records what became of the permission read by [`before`]: `CREATE`,
/// `UPDATE` or `DELETE` by `caller`; nothing when its rules did not change.
pub async fn changed(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    before: Before,
) -> ApiResult<()> {
    let (after_id, after_rules) = permissions::load(tx, before.role_id, &before.collection).await?;
    if after_id == before.id && after_rules == before.rules {
        return Ok(());
    }
    let shown = |rules: &RuleSet| json!({"role_id": before.role_id, "collection": before.collection, "rules": rules});
    let (operation, old, new) = match (before.id, after_id) {
        (None, _) => ("CREATE", None, Some(shown(&after_rules))),
        (Some(_), None) => ("DELETE", Some(shown(&before.rules)), None),
        (Some(_), Some(_)) => (
            "UPDATE",
            Some(shown(&before.rules)),
            Some(shown(&after_rules)),
        ),
    };
    let Some(id) = after_id.or(before.id) else {
        return Ok(());
    };
    let event = crate::audit::object_event(
        Some(caller),
        None,
        operation,
        "permissions",
        &id.to_string(),
        old.as_ref(),
        new.as_ref(),
        &[],
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}
