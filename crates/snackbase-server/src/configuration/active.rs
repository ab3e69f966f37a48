//! The file storage in use follows the storage configurations: the enabled
//! system `storage_providers` configuration (the default first, then by
//! priority and name), else the environment's `SNACKBASE_STORAGE_*`. The
//! node that saves a change switches at once; every node also looks every
//! two seconds, so all nodes follow within that time. Mail needs nothing
//! here: `mail::server_for` reads its configuration for every mail.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::catalog::{self, STORAGE_PROVIDERS};
use super::store::{self, Row};
use crate::app::App;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::config::{S3Config, Secret};
use crate::error::ApiError;
use crate::files::storage::{Backend, Spec};

/// How often every node looks for a changed storage configuration.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// What a storage configuration's values open (checked when saved).
pub fn storage_spec(provider_name: &str, values: &Map<String, Value>) -> Result<Spec, String> {
    let text = |k: &str| {
        values
            .get(k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    match provider_name {
        "local" => text("path")
            .map(|p| Spec::Local(PathBuf::from(p)))
            .ok_or_else(|| "no path".to_string()),
        "s3" => {
            let access_key_id = text("access_key_id");
            let secret_access_key = text("secret_access_key").map(Secret::new);
            if access_key_id.is_some() != secret_access_key.is_some() {
                return Err("the access key id and the secret access key go together".to_string());
            }
            Ok(Spec::S3(S3Config {
                bucket: text("bucket").ok_or_else(|| "no bucket".to_string())?,
                endpoint: text("endpoint").map(|e| e.trim_end_matches('/').to_string()),
                region: text("region").unwrap_or_else(|| "us-east-1".into()),
                access_key_id,
                secret_access_key,
                force_path_style: values
                    .get("force_path_style")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }))
        }
        other => Err(format!("no storage provider '{other}'")),
    }
}

/// The configuration that names the storage, if any.
async fn chosen(state: &App) -> anyhow::Result<Option<Row>> {
    chosen_in(&state.db).await
}

async fn chosen_in(db: &crate::db::Db) -> anyhow::Result<Option<Row>> {
    let mut tx = db.begin_read().await?;
    let mut rows = store::enabled_rows(&mut tx, STORAGE_PROVIDERS, None, Some(SYSTEM_ACCOUNT))
        .await
        .map_err(|e| anyhow::anyhow!("reading the storage configurations: {e:?}"))?;
    drop(tx);
    rows.retain(|r| r.account_id == SYSTEM_ACCOUNT);
    rows.sort_by(|a, b| {
        (!a.is_default, a.priority, &a.display_name, &a.id).cmp(&(
            !b.is_default,
            b.priority,
            &b.display_name,
            &b.id,
        ))
    });
    Ok(rows.into_iter().next())
}

fn fingerprint(row: &Row) -> String {
    format!("{}@{}", row.id, row.updated_at.timestamp_micros())
}

/// Switches the storage in use if the configurations name another one than
/// it. Fails (keeping the storage in use) when the named one cannot be opened.
pub async fn apply_storage(state: &App) -> anyhow::Result<()> {
    let row = chosen(state).await?;
    let wanted = row.as_ref().map(fingerprint);
    if wanted == state.storage.source() {
        return Ok(());
    }
    let backend = match row {
        None => Backend::open(&Spec::from_config(&state.config), None)?,
        Some(row) => open_row(&row, &state.sealer)?,
    };
    state.storage.install(backend);
    Ok(())
}

fn open_row(row: &Row, sealer: &crate::sealed::Sealer) -> anyhow::Result<Backend> {
    let provider = catalog::provider(&row.category, &row.provider_name)
        .ok_or_else(|| anyhow::anyhow!("unknown storage provider {}", row.provider_name))?;
    let values = provider.complete(
        row.values_with(sealer)
            .map_err(|e| anyhow::anyhow!("reading configuration {}: {e:?}", row.id))?,
    );
    let spec = storage_spec(provider.name, &values).map_err(anyhow::Error::msg)?;
    Backend::open(&spec, Some(fingerprint(row)))
}

/// The storage the database's configurations name, for a process that is
/// not the server (the offline `backup` command); None when none does (or
/// the database has no configurations yet).
pub async fn configured_storage(config: &crate::config::Config) -> anyhow::Result<Option<Backend>> {
    let url =
        crate::db::DatabaseUrl::parse(config.database_url.expose()).map_err(anyhow::Error::msg)?;
    if let crate::db::DatabaseUrl::Sqlite(path) = &url {
        // Not created here (a restore may be about to write it).
        if !path.exists() {
            return Ok(None);
        }
    }
    let settings = crate::db::PoolSettings {
        max_connections: 2,
        checkpoints: false,
        ..Default::default()
    };
    let db = crate::db::Db::connect(&url, &settings).await?;
    let row = chosen_in(&db).await;
    db.close().await;
    let Ok(Some(row)) = row else {
        return Ok(None);
    };
    let secret = crate::app::secret_key(config)?;
    open_row(&row, &crate::sealed::Sealer::new(secret.expose())).map(Some)
}

/// Follows the storage configurations until `stopped` (every node).
pub async fn follow(state: crate::app::AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut failed: Option<String> = None;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
        }
        match apply_storage(&state).await {
            Ok(()) => failed = None,
            Err(e) => {
                // Said once per cause, not every two seconds.
                let text = format!("{e:#}");
                if failed.as_deref() != Some(text.as_str()) {
                    tracing::error!(error = %text, "the configured file storage cannot be used; keeping the one in use");
                    failed = Some(text);
                }
            }
        }
    }
}

/// Refuses a configuration in a place its category does not allow: storage
/// is system-wide, so only the superadmin configures it, for the system.
pub fn check_scope(
    admin: &crate::auth::AuthUser,
    provider: &catalog::Provider,
    account_id: &str,
) -> Result<(), ApiError> {
    if !catalog::system_only(provider.category) {
        return Ok(());
    }
    if !admin.is_superadmin() {
        return Err(ApiError::forbidden(
            "The file storage is configured system-wide; account admins cannot change it",
        ));
    }
    if account_id != SYSTEM_ACCOUNT {
        return Err(ApiError::invalid(
            "account_id",
            "system_only",
            "Storage configurations are system-wide: leave account_id out",
        ));
    }
    Ok(())
}

/// Checks that values can be used, before they are saved: a storage opens
/// (a local directory is created), and an account's SMTP server is not an
/// internal address (unless `SNACKBASE_SMTP_ALLOW_PRIVATE_NETWORKS`; names
/// are resolved and checked again before every mail).
pub fn check_usable(
    state: &App,
    provider: &catalog::Provider,
    account_id: &str,
    values: &Map<String, Value>,
) -> Result<(), ApiError> {
    match provider.category {
        STORAGE_PROVIDERS => {
            let values = provider.complete(values.clone());
            let spec = storage_spec(provider.name, &values)
                .map_err(|e| ApiError::invalid("config", "invalid_value", e))?;
            Backend::open(&spec, None).map(drop).map_err(|e| {
                ApiError::invalid(
                    "config",
                    "storage_unusable",
                    format!("The storage cannot be opened: {e:#}"),
                )
            })
        }
        catalog::EMAIL_PROVIDERS
            if account_id != SYSTEM_ACCOUNT && !state.config.smtp_allow_private_networks =>
        {
            let host = values.get("host").and_then(Value::as_str).unwrap_or("");
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let internal = bare.eq_ignore_ascii_case("localhost")
                || bare.to_ascii_lowercase().ends_with(".localhost")
                || bare
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(crate::webhooks::ssrf::is_internal);
            if internal {
                return Err(ApiError::invalid(
                    "config.host",
                    "internal_host",
                    "An account's SMTP server must be a public host \
                     (SNACKBASE_SMTP_ALLOW_PRIVATE_NETWORKS allows others)",
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// After a committed change of a configuration of `category`: a storage
/// change switches this node's storage at once (the others follow).
pub async fn changed(state: &App, category: &str) {
    if category != STORAGE_PROVIDERS {
        return;
    }
    if let Err(e) = apply_storage(state).await {
        tracing::error!(
            error = format!("{e:#}"),
            "the configured file storage cannot be used; keeping the one in use"
        );
    }
}
