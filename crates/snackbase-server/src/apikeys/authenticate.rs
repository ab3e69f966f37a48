//! `X-API-Key` → the key's principal, from a cache valid for one change
//! generation (revocation, expiry changes and role changes move it; on
//! PostgreSQL the generation row is read first, as for tokens).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use super::model;
use crate::app::AppState;
use crate::auth::principal::{Principal, RoleId};
use crate::cache::GenCache;
use crate::db::Backend;
use crate::error::ApiError;
use crate::on_pool;

/// A live key as the cache keeps it.
pub struct Entry {
    principal: Principal,
    secret_hash: String,
    expires_at: Option<DateTime<Utc>>,
    /// Unix seconds of the last `last_used_at` write from this node.
    touched: AtomicI64,
}

/// Live keys by their public id.
pub type KeyCache = GenCache<String, Arc<Entry>>;

/// `last_used_at` is written at most this often per key and node.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The `X-API-Key` header of a request, if any.
pub fn header_key(parts: &Parts) -> Option<String> {
    let value = parts.headers.get("x-api-key")?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn invalid() -> ApiError {
    ApiError::Unauthorized("Invalid API key".into())
}

/// The principal of a presented key. A key that does not authenticate is a
/// 401 and counts against the client address's auth limit (429 past it).
pub async fn authenticate(
    state: &AppState,
    parts: &Parts,
    text: &str,
) -> Result<Principal, ApiError> {
    let outcome = resolve(state, text).await;
    if let Err(ApiError::Unauthorized(_)) = &outcome {
        let ip = parts
            .extensions
            .get::<crate::ratelimit::ClientIp>()
            .map(|c| c.0);
        state.limiter.count_auth_failure(ip).await?;
    }
    outcome
}

async fn resolve(state: &AppState, text: &str) -> Result<Principal, ApiError> {
    let (key_id, secret) = model::parse(text).ok_or_else(invalid)?;
    if state.db.backend() == Backend::Postgres {
        state.db.poll_changes().await?;
    }
    let entry = match state.api_keys.get(key_id) {
        Some(entry) => entry,
        None => {
            let generation = state.api_keys.generation();
            let entry = Arc::new(load(state, key_id).await?.ok_or_else(invalid)?);
            state
                .api_keys
                .put(key_id.to_string(), generation, entry.clone());
            entry
        }
    };
    let presented = model::hash_secret(secret);
    if !bool::from(presented.as_bytes().ct_eq(entry.secret_hash.as_bytes())) {
        return Err(invalid());
    }
    let now = crate::http::time::now();
    if entry.expires_at.is_some_and(|e| e <= now) {
        return Err(invalid());
    }
    touch(state, &entry, now.timestamp());
    Ok(entry.principal.clone())
}

#[derive(sqlx::FromRow)]
struct Live {
    id: String,
    secret_hash: String,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
    account_id: String,
    account_slug: String,
    role_id: i64,
    role: String,
    user_id: String,
    email: String,
    user_active: bool,
    user_account: String,
    user_role_id: i64,
    collections: Option<String>,
    generation: i64,
}

/// The key with public id `key_id`, unless it is revoked or the user who
/// made it is inactive or no longer administers the key's account (a key
/// never outlasts its maker's authority). Expiry is checked at each use, not
/// here.
async fn load(state: &AppState, key_id: &str) -> Result<Option<Entry>, ApiError> {
    let sql = format!(
        "SELECT k.id, k.secret_hash, k.expires_at, (k.revoked_at IS NOT NULL) AS revoked, \
         k.account_id, a.slug AS account_slug, k.role_id, r.name AS role, k.created_by AS user_id, \
         u.email, u.is_active AS user_active, u.account_id AS user_account, \
         u.role_id AS user_role_id, k.collections, {} AS generation \
         FROM api_keys k JOIN accounts a ON a.id = k.account_id JOIN roles r ON r.id = k.role_id \
         JOIN users u ON u.id = k.created_by WHERE k.key_id = $1",
        crate::db::changes::SELECT
    );
    let live = on_pool!(&state.db, |p| {
        sqlx::query_as::<_, Live>(&sql)
            .bind(key_id)
            .fetch_optional(p)
            .await
    })?;
    let Some(live) = live else { return Ok(None) };
    state.db.changes().observe(live.generation);
    let administers = live.user_account == crate::auth::superadmin::SYSTEM_ACCOUNT
        || (live.user_account == live.account_id && live.user_role_id == RoleId::ADMIN.0);
    if live.revoked || !live.user_active || !administers {
        return Ok(None);
    }
    Ok(Some(Entry {
        principal: Principal::api_key(
            live.id,
            live.user_id,
            live.email,
            live.role,
            RoleId(live.role_id),
            live.account_id,
            live.account_slug,
        )
        .scoped_to(model::scope_of(live.collections.as_deref())),
        secret_hash: live.secret_hash,
        expires_at: live.expires_at,
        touched: AtomicI64::new(0),
    }))
}

/// Records that the key was used, at most once a minute per node, after the
/// request (a failed write is logged, never the request's problem).
fn touch(state: &AppState, entry: &Entry, now: i64) {
    let last = entry.touched.load(Ordering::Relaxed);
    if now - last < TOUCH_EVERY_SECONDS
        || entry
            .touched
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let crate::auth::principal::Method::ApiKey { key_id } = &entry.principal.method else {
        return;
    };
    let (state, id) = (state.clone(), key_id.clone());
    tokio::spawn(async move {
        let result: Result<(), ApiError> = async {
            let mut tx = state.db.begin().await?;
            crate::on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE api_keys SET last_used_at = $2 WHERE id = $1"
            )
            .bind(&id)
            .bind(crate::http::time::now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(key = %id, error = %e, "could not record an API key's use");
        }
    });
}
