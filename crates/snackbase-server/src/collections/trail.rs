//! Collection schema changes in the audit trail (table `collections`, the
//! system chain: collections are shared by every account), written in the
//! change's transaction. The record id is the collection's name; the columns
//! are its fields, indexes and rules (the SDK's shape), as JSON.

use serde_json::{json, Value};

use super::store::Collection;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;

/// A collection's schema and rules as entries compare them.
pub async fn shown(tx: &mut Tx, c: &Collection) -> ApiResult<Value> {
    let rules = crate::authz::collection_rules::rules_of(tx, c).await?;
    Ok(json!({"fields": c.fields, "indexes": c.indexes, "rules": rules}))
}

/// Records `operation` by `caller` on the collection `name`.
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    name: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> ApiResult<()> {
    crate::audit::objects::record(
        &state.audit,
        tx,
        caller,
        None,
        operation,
        "collections",
        name,
        before,
        after,
        &[],
    )
    .await?;
    Ok(())
}
