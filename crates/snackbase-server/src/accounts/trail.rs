//! Account changes in the audit trail (table `accounts`), written in the
//! change's transaction.

use super::handlers::AccountDetail;
use crate::app::AppState;
use crate::db::Tx;
use crate::error::ApiResult;

/// Records `operation` by `caller` on an account, as the API shows it, in the
/// chain `chain` (the account's own; the system chain for a deletion, since
/// the account's rows go).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    state: &AppState,
    tx: &mut Tx,
    caller: &crate::auth::Principal,
    chain: Option<&str>,
    operation: &str,
    id: &str,
    before: Option<&AccountDetail>,
    after: Option<&AccountDetail>,
) -> ApiResult<()> {
    crate::audit::objects::record(
        &state.audit,
        tx,
        caller,
        chain,
        operation,
        "accounts",
        id,
        before,
        after,
        &[],
    )
    .await?;
    Ok(())
}
