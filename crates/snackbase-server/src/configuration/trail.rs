//! Provider configuration changes in the audit trail (table
//! `configurations`, the account's chain; system-wide ones in the system
//! chain), written in the change's transaction. A configuration reads as the
//! API shows it, with each value as a column `config.<name>`; secret values
//! only ever read `***` (a column says that one changed, never what it is).

use serde_json::{Map, Value};

use super::store::Row;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::Tx;
use crate::error::ApiResult;

/// A configuration as entries compare it, and the names of its secret columns.
fn shown(state: &AppState, row: &Row) -> ApiResult<(Value, Vec<String>)> {
    let mut all: Map<String, Value> = match serde_json::to_value(row.view()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in row.values(state)? {
        all.insert(format!("config.{k}"), v);
    }
    let secret = row
        .provider()?
        .fields()
        .filter(|f| f.secret)
        .map(|f| format!("config.{}", f.name))
        .collect();
    Ok((Value::Object(all), secret))
}

/// Records `operation` by `caller` on a configuration, before and after.
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    before: Option<&Row>,
    after: Option<&Row>,
) -> ApiResult<()> {
    let Some(row) = after.or(before) else {
        return Ok(());
    };
    let mut masked = Vec::new();
    let mut side = |r: Option<&Row>| -> ApiResult<Option<Value>> {
        let Some(r) = r else { return Ok(None) };
        let (json, secret) = shown(state, r)?;
        masked.extend(secret);
        Ok(Some(json))
    };
    let (old, new) = (side(before)?, side(after)?);
    let masked: Vec<&str> = masked.iter().map(String::as_str).collect();
    let event = crate::audit::object_event(
        Some(caller),
        crate::auth::trail::chain(&row.account_id).as_deref(),
        operation,
        "configurations",
        &row.id,
        old.as_ref(),
        new.as_ref(),
        &masked,
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}
