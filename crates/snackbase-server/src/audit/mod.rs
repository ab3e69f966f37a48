//! The audit trail: an append-only, hash-chained record of every change and
//! auth event, written in the transaction of what it records (docs/audit.md).
//!
//! - `chain.rs`: canonical content, checksums, the ed25519 signing key;
//! - `append.rs`: appending an event to its chain (head lock, entries, the
//!   signed head, checkpoints);
//! - `record.rs`: a record change as entries (one per changed column, masked
//!   and excluded fields) and the electronic signature of record writes;
//! - `objects.rs`: an admin object's change (webhooks, macros, ...) as an event;
//! - `settings.rs`: what is audited per collection;
//! - `verify.rs`: walking the chains and checkpoints (the API and the CLI),
//!   read from one snapshot by `snapshot.rs`;
//! - `query.rs`, `handlers.rs`, `export.rs`: the `/audit-logs` routes.

pub mod append;
pub mod chain;
mod export;
mod handlers;
pub mod objects;
pub mod offline;
mod pdf;
pub mod query;
pub mod record;
pub mod seal;
pub mod settings;
mod snapshot;
pub mod verify;

pub use append::{append, Actor, Column, ESignature, Event};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Principal;

/// The audit trail's part of the application state.
#[derive(Debug, Clone)]
pub struct Auditor {
    pub signer: chain::Signer,
    pub enabled: bool,
    pub checkpoint_every: i64,
    /// Wakes this node's sealer (PostgreSQL): events were staged.
    pub sealer: std::sync::Arc<tokio::sync::Notify>,
    /// The chain heads this process left (SQLite).
    pub heads: std::sync::Arc<append::Heads>,
}

impl Auditor {
    pub fn new(secret_key: &str, config: &crate::config::Config) -> Self {
        Self {
            signer: chain::Signer::new(secret_key),
            enabled: config.audit_enabled,
            checkpoint_every: config.audit_checkpoint_every,
            sealer: Default::default(),
            heads: Default::default(),
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list))
        .routes(routes!(export::export))
        .routes(routes!(handlers::verify))
        .routes(routes!(handlers::public_key))
        .routes(routes!(handlers::get_settings))
        .routes(routes!(handlers::put_setting))
        .routes(routes!(handlers::get_one))
}

/// The caller as entries name them.
pub fn actor(caller: &Principal) -> Actor {
    Actor {
        user_id: caller.user_id.as_deref().map(str::to_string),
        user_email: caller.email.clone(),
        user_name: None,
    }
}

/// What entries add about the caller: their role, the administrator acting
/// as them, the API key they came with.
pub fn caller_metadata(caller: &Principal) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("role".into(), caller.role.clone().into());
    if let Some(by) = &caller.impersonator {
        m.insert("impersonator".into(), by.as_str().into());
    }
    if let crate::auth::principal::Method::ApiKey { key_id } = &caller.method {
        m.insert("api_key".into(), key_id.clone().into());
    }
    m
}

/// An event by `caller` on an object of `table` (users, roles, webhooks, ...):
/// the columns are the top-level keys of `before` and `after` that differ;
/// keys in `masked` read `***`.
#[allow(clippy::too_many_arguments)]
pub fn object_event(
    caller: Option<&Principal>,
    account_id: Option<&str>,
    operation: &str,
    table: &str,
    id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    masked: &[&str],
) -> Event {
    let empty = serde_json::Map::new();
    let as_map =
        |v: Option<&serde_json::Value>| v.and_then(|v| v.as_object()).unwrap_or(&empty).clone();
    let (b, a) = (as_map(before), as_map(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let columns = keys
        .into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| {
            let hide = masked.contains(&k.as_str());
            Column {
                name: Some(k.clone()),
                old: b.get(k).and_then(|v| record::value_text(v, hide)),
                new: a.get(k).and_then(|v| record::value_text(v, hide)),
            }
        })
        .collect();
    Event {
        account_id: account_id.map(str::to_string),
        operation: operation.to_string(),
        table_name: table.to_string(),
        record_id: id.to_string(),
        columns,
        actor: caller.map(actor).unwrap_or_default(),
        signature: None,
        extra: caller.map(|c| serde_json::Value::Object(caller_metadata(c))),
    }
}

/// The signer of a server with this configuration, for the command line:
/// its secret key from `SNACKBASE_SECRET_KEY` or the data directory's
/// `secret_key` file (never created here).
pub fn signer_for(config: &crate::config::Config) -> anyhow::Result<chain::Signer> {
    if let Some(secret) = &config.secret_key {
        return Ok(chain::Signer::new(secret.expose()));
    }
    let path = config.data_dir.join("secret_key");
    let key = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "no SNACKBASE_SECRET_KEY and {} cannot be read ({e}); pass --public-key instead",
            path.display()
        )
    })?;
    Ok(chain::Signer::new(key.trim()))
}

/// Waits until every change committed so far is in its chain (see
/// [`seal::settle`]): readers of the trail call it first.
pub async fn settled(state: &AppState) -> crate::error::ApiResult<()> {
    Ok(seal::settle(&state.db, &state.audit).await?)
}

/// The newest `limit` entries of every account (the superadmin's dashboard).
pub async fn recent(state: &AppState, limit: i64) -> crate::error::ApiResult<Vec<query::AuditLog>> {
    settled(state).await?;
    let mut statement = crate::db::statement::Statement::new(&format!(
        "SELECT {} FROM {} ORDER BY row_id DESC, ord DESC LIMIT ",
        query::COLUMNS,
        query::entries(state.db.backend())
    ));
    statement.bind(crate::db::values::Param::Int(limit));
    let rows = handlers::fetch(state, &statement).await?;
    Ok(rows.into_iter().map(query::AuditLog::from).collect())
}
