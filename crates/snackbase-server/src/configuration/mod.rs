//! Provider configurations: the settings of pluggable providers (today the
//! OAuth2/OIDC login providers, category `auth_providers`), per account or
//! system-wide (rows of the system account). Values are checked against the
//! provider's schema from the static catalogue; secret values are sealed at
//! rest and shown masked. Managed at `/admin/configuration` by the superadmin
//! and by account admins for their own account; read by the OAuth flow
//! through [`resolve`] and [`enabled`]. Nothing is cached: every read goes to
//! the database.

pub mod active;
pub mod catalog;
mod connection;
mod handlers;
mod listing;
mod probe;
mod providers;
mod store;
mod trail;

use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{App, AppState};
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::error::ApiError;

pub use store::Configuration;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create))
        .routes(routes!(listing::stats))
        .routes(routes!(listing::recent))
        .routes(routes!(listing::list_system))
        .routes(routes!(listing::list_account))
        .routes(routes!(listing::providers))
        .routes(routes!(listing::schema))
        .routes(routes!(connection::test_connection))
        .routes(routes!(handlers::get_values, handlers::update_values))
        .routes(routes!(handlers::update_status, handlers::delete))
        .routes(routes!(handlers::set_default, handlers::unset_default))
}

/// A configuration ready for use.
pub struct Resolved {
    pub id: String,
    /// The system account id when it is a system configuration.
    pub account_id: String,
    pub provider_name: String,
    pub display_name: String,
    /// Non-secret and secret values merged, secrets opened, defaults filled
    /// (and for `google` and `microsoft`, the derived `issuer_url`).
    pub values: Map<String, Value>,
}

/// The row that applies to `account_id` among enabled rows of one provider:
/// the account's own, else the system one.
fn pick<'a>(rows: &'a [store::Row], account_id: Option<&str>) -> Option<&'a store::Row> {
    let own = account_id.filter(|a| *a != SYSTEM_ACCOUNT);
    own.and_then(|a| rows.iter().find(|r| r.account_id == a))
        .or_else(|| rows.iter().find(|r| r.is_system()))
}

/// The enabled configuration of `provider_name` in `category` for `account_id`: the account's own
/// if it has an enabled one, else the enabled system one; None when neither.
pub async fn resolve(
    state: &App,
    category: &str,
    provider_name: &str,
    account_id: Option<&str>,
) -> Result<Option<Resolved>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let rows = store::enabled_rows(&mut tx, category, Some(provider_name), account_id).await?;
    drop(tx);
    let Some(row) = pick(&rows, account_id) else {
        return Ok(None);
    };
    let provider = row.provider()?;
    Ok(Some(Resolved {
        id: row.id.clone(),
        account_id: row.account_id.clone(),
        provider_name: row.provider_name.clone(),
        display_name: row.display_name.clone(),
        values: provider.complete(row.values(state)?),
    }))
}

/// The enabled providers of `category` usable for `account_id` (account's own plus system ones
/// not overridden), as (provider_name, display_name), sorted by priority then name.
pub async fn enabled(
    state: &App,
    category: &str,
    account_id: Option<&str>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let rows = store::enabled_rows(&mut tx, category, None, account_id).await?;
    drop(tx);
    let own = account_id.filter(|a| *a != SYSTEM_ACCOUNT);
    // A system row counts unless the account has its own of that provider.
    let overridden = |r: &store::Row| {
        own.is_some_and(|a| {
            rows.iter()
                .any(|o| o.account_id == a && o.provider_name == r.provider_name)
        })
    };
    let mut chosen: Vec<&store::Row> = rows
        .iter()
        .filter(|r| !r.is_system() || !overridden(r))
        .collect();
    chosen.sort_by(|a, b| {
        (a.priority, &a.display_name, &a.provider_name).cmp(&(
            b.priority,
            &b.display_name,
            &b.provider_name,
        ))
    });
    Ok(chosen
        .into_iter()
        .map(|r| (r.provider_name.clone(), r.display_name.clone()))
        .collect())
}
