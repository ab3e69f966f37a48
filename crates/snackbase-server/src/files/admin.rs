//! The superadmin's view of the storage: where files live (secrets
//! redacted), the limits, the usage per account and the orphan sweeper,
//! which can be run from here.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::storage::Spec;
use super::sweep::SweepReport;
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiResult, ErrorBody};
use crate::on_pool;

/// Accounts listed in the usage, biggest first.
const USAGE_ACCOUNTS: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct StorageInfo {
    /// `local` or `s3`.
    pub backend: &'static str,
    /// The storage configuration in use (`/admin/configuration`); null: the
    /// environment's `SNACKBASE_STORAGE_*`.
    pub configuration_id: Option<String>,
    pub local: Option<LocalInfo>,
    pub s3: Option<S3Info>,
    pub limits: Limits,
    pub sweeper: SweeperInfo,
    pub usage: Usage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocalInfo {
    /// The storage directory, absolute.
    pub path: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct S3Info {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub force_path_style: bool,
    /// The first four characters, then `…`.
    pub access_key_id: Option<String>,
    /// Never the secret: `••••••••` when one is set.
    pub secret_access_key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Limits {
    pub max_file_size: u64,
    pub allowed_mime_types: Vec<String>,
    pub file_token_seconds: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SweeperInfo {
    /// Seconds between scheduled sweeps on each node (0: none).
    pub interval_seconds: u64,
    /// How old an object without a row must be to be taken for an orphan.
    pub grace_seconds: u64,
    /// This node's last full sweep.
    pub last_run: Option<SweepReport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub files: i64,
    pub bytes: i64,
    pub by_account: Vec<AccountUsage>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct AccountUsage {
    pub account_id: String,
    pub account_name: String,
    pub files: i64,
    pub bytes: i64,
}

fn redact_key(id: &str) -> String {
    let head: String = id.chars().take(4).collect();
    format!("{head}…")
}

/// The storage as configured, its usage and the sweeper.
#[utoipa::path(get, path = "/admin/storage", tag = "files", security(("bearer" = [])),
    responses((status = 200, body = StorageInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn storage_info(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<StorageInfo>> {
    let config = &state.config;
    let (local, s3) = match state.storage.spec() {
        Spec::Local(dir) => {
            let path = std::path::absolute(&dir).unwrap_or(dir);
            (
                Some(LocalInfo {
                    path: path.display().to_string(),
                }),
                None,
            )
        }
        Spec::S3(s3) => (
            None,
            Some(S3Info {
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                endpoint: s3.endpoint.clone(),
                force_path_style: s3.force_path_style,
                access_key_id: s3.access_key_id.as_deref().map(redact_key),
                secret_access_key: s3.secret_access_key.as_ref().map(|_| "••••••••".into()),
            }),
        ),
    };
    let (files, bytes): (i64, i64) = on_pool!(&state.db, |p| sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files \
         WHERE dropped_at IS NULL"
    )
    .fetch_one(p)
    .await)?;
    let by_account: Vec<AccountUsage> = on_pool!(&state.db, |p| sqlx::query_as(
        "SELECT f.account_id, a.name AS account_name, COUNT(*) AS files, \
         CAST(SUM(f.size) AS BIGINT) AS bytes \
         FROM files f JOIN accounts a ON a.id = f.account_id \
         WHERE f.dropped_at IS NULL GROUP BY f.account_id, a.name \
         ORDER BY bytes DESC, f.account_id LIMIT $1"
    )
    .bind(USAGE_ACCOUNTS)
    .fetch_all(p)
    .await)?;
    Ok(Json(StorageInfo {
        backend: state.storage.backend(),
        configuration_id: state
            .storage
            .source()
            .and_then(|s| s.split('@').next().map(str::to_string)),
        local,
        s3,
        limits: Limits {
            max_file_size: config.max_file_size,
            allowed_mime_types: config.allowed_mime_types.clone(),
            file_token_seconds: config.file_token_seconds,
        },
        sweeper: SweeperInfo {
            interval_seconds: config.files_sweep_interval.as_secs(),
            grace_seconds: config.files_sweep_grace.as_secs(),
            last_run: state.file_sweeper.last_run(),
        },
        usage: Usage {
            files,
            bytes,
            by_account,
        },
    }))
}

/// Runs a full sweep of orphaned files now, with the configured grace period.
#[utoipa::path(post, path = "/admin/storage/sweep", tag = "files", security(("bearer" = [])),
    responses((status = 200, body = SweepReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sweep_now(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<SweepReport>> {
    let report = super::sweep::sweep(&state, state.config.files_sweep_grace).await;
    Ok(Json(report))
}
