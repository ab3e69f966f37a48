//! A shorthand for the admin routes: an object change (a webhook, a macro,
//! an API key, ...) recorded from the object as the API shows it, before
//! and after, in the change's transaction (see [`super::object_event`]).

use serde::Serialize;

use super::Auditor;
use crate::auth::Principal;
use crate::db::Tx;

/// Records `operation` by `caller` on the object `id` of `table` in the chain
/// of `account_id` (`None`: the system chain); keys in `masked` read `***`.
#[allow(clippy::too_many_arguments)]
pub async fn record<T: Serialize>(
    auditor: &Auditor,
    tx: &mut Tx,
    caller: &Principal,
    account_id: Option<&str>,
    operation: &str,
    table: &str,
    id: &str,
    before: Option<&T>,
    after: Option<&T>,
    masked: &[&str],
) -> Result<(), sqlx::Error> {
    if !auditor.enabled {
        return Ok(());
    }
    let json = |v: &T| serde_json::to_value(v).unwrap_or_default();
    let event = super::object_event(
        Some(caller),
        account_id,
        operation,
        table,
        id,
        before.map(json).as_ref(),
        after.map(json).as_ref(),
        masked,
    );
    super::append(auditor, tx, event).await
}
