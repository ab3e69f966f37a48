//! Authentication extractors. A handler that takes [`AuthUser`] only runs for a
//! valid access token whose user is active and whose session is not revoked;
//! one that takes [`Superadmin`] only runs for the superadmin.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use std::sync::Arc;

use super::principal::{Principal, RoleId};
use super::superadmin::SYSTEM_ACCOUNT;
use super::tokens::AccessClaims as Claims;
use crate::app::AppState;
use crate::db::Backend;
use crate::error::ApiError;
use crate::http::middleware::IdentitySlot;
use crate::on_pool;

/// A caller with a valid access token, acting in their own account, as the
/// database says now (not as the token remembers it). Derefs to the
/// [`Principal`].
#[derive(Debug, Clone)]
pub struct AuthUser(pub Principal);

impl std::ops::Deref for AuthUser {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl AuthUser {
    /// The user's id (a token always names one).
    pub fn id(&self) -> &str {
        self.0.user_id.as_deref().unwrap_or_default()
    }

    /// The login session of the token.
    pub fn session(&self) -> &str {
        self.0.session_id().unwrap_or_default()
    }
}

/// The superadmin (a user of the system account `SY0000`).
#[derive(Debug, Clone)]
pub struct Superadmin(pub AuthUser);

fn unauthorized() -> ApiError {
    ApiError::Unauthorized("Could not validate credentials".into())
}

/// The bearer token of a request, if the header is well formed.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let mut words = value.split_whitespace();
    let (scheme, token, rest) = (words.next()?, words.next()?, words.next());
    (scheme.eq_ignore_ascii_case("bearer") && rest.is_none()).then_some(token)
}

#[derive(sqlx::FromRow)]
struct Live {
    account_id: String,
    account_slug: String,
    email: String,
    role: String,
    role_id: i64,
    is_active: bool,
    session_open: bool,
    impersonated_by: Option<String>,
    generation: i64,
}

/// Loads the identity behind a token's claims; `None` when the user is gone
/// or inactive, the session is revoked, or the account does not match.
async fn load(state: &AppState, claims: &Claims) -> Result<Option<Principal>, ApiError> {
    let sql = format!(
        "SELECT u.account_id, a.slug AS account_slug, u.email, r.name AS role, u.role_id, u.is_active, \
         (s.id IS NOT NULL AND s.revoked_at IS NULL) AS session_open, s.impersonated_by, {} AS generation \
         FROM users u JOIN roles r ON r.id = u.role_id JOIN accounts a ON a.id = u.account_id \
         LEFT JOIN auth_sessions s ON s.id = $2 AND s.user_id = u.id \
         WHERE u.id = $1",
        crate::db::changes::SELECT
    );
    let live = on_pool!(&state.db, |p| {
        sqlx::query_as::<_, Live>(&sql)
            .bind(&claims.user_id)
            .bind(&claims.sid)
            .fetch_optional(p)
            .await
    })?;
    let Some(live) = live else { return Ok(None) };
    state.db.changes().observe(live.generation);
    if !(live.is_active && live.session_open && live.account_id == claims.account_id) {
        return Ok(None);
    }
    let groups = if live.account_id != SYSTEM_ACCOUNT {
        crate::groups::names_of(&state.db, &claims.user_id).await?
    } else {
        Vec::new()
    };
    Ok(Some(
        Principal::user(
            claims.user_id.clone(),
            live.email,
            live.role,
            RoleId(live.role_id),
            live.account_id,
            live.account_slug,
            groups,
            claims.sid.clone(),
        )
        .impersonated_by(live.impersonated_by),
    ))
}

/// The identity of a token, from the cache while the change generation has
/// not moved. SQLite (one node) learns of every commit as it happens; on
/// PostgreSQL (several nodes) the request first reads the generation row, one
/// short round trip, so a change committed on any node is seen here at once.
async fn identity(state: &AppState, claims: &Claims) -> Result<Arc<Principal>, ApiError> {
    if state.db.backend() == Backend::Postgres {
        state.db.poll_changes().await?;
    }
    if let Some(found) = state.identities.get(&claims.sid) {
        if matches(&found, claims) {
            return Ok(found);
        }
    }
    let generation = state.identities.generation();
    let found = Arc::new(load(state, claims).await?.ok_or_else(unauthorized)?);
    state
        .identities
        .put(claims.sid.clone(), generation, found.clone());
    Ok(found)
}

/// The identity behind `claims` as the database says now: from the cache
/// while the change generation holds, without reading the generation first
/// (the caller polls it once for many, see `realtime::hub::Hub::sweep`).
/// `None` when the user is gone or inactive or the session ended.
pub async fn current_identity(
    state: &AppState,
    claims: &Claims,
) -> Result<Option<Arc<Principal>>, ApiError> {
    if let Some(found) = state.identities.get(&claims.sid) {
        if matches(&found, claims) {
            return Ok(Some(found));
        }
    }
    let generation = state.identities.generation();
    let Some(found) = load(state, claims).await? else {
        return Ok(None);
    };
    let found = Arc::new(found);
    state
        .identities
        .put(claims.sid.clone(), generation, found.clone());
    Ok(Some(found))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let Some(token) = bearer(parts) else {
            let key = crate::apikeys::header_key(parts).ok_or_else(unauthorized)?;
            let user = AuthUser(crate::apikeys::authenticate(state, parts, &key).await?);
            note(parts, &user);
            return Ok(user);
        };
        let claims = state.tokens.decode_access(token).ok_or_else(unauthorized)?;
        let user = AuthUser(Principal::clone(&*identity(state, &claims).await?));
        note(parts, &user);
        Ok(user)
    }
}

/// The caller behind a token given outside the `Authorization` header (a
/// download link's `?token=`): an access token or a file token, checked
/// exactly as a bearer token is (the user active, the session open, the
/// account unchanged). Noted in the request like [`AuthUser`].
pub async fn from_file_token(
    parts: &mut Parts,
    state: &AppState,
    token: &str,
) -> Result<AuthUser, ApiError> {
    let claims = state
        .tokens
        .decode_file_access(token)
        .ok_or_else(unauthorized)?;
    let user = AuthUser(Principal::clone(&*identity(state, &claims).await?));
    note(parts, &user);
    Ok(user)
}

/// Whether a cached principal is the one `claims` name.
fn matches(found: &Principal, claims: &Claims) -> bool {
    found.user_id.as_deref() == Some(claims.user_id.as_str())
        && found.account_id == claims.account_id
        && found.session_id() == Some(claims.sid.as_str())
}

/// The request's caller is `user`: noted for the logs and for later extractors.
pub fn note(parts: &mut Parts, user: &AuthUser) {
    if let Some(slot) = parts.extensions.get::<IdentitySlot>() {
        slot.set(&user.account_id, user.id(), user.impersonator.as_deref());
    }
    parts.extensions.insert(user.clone());
}

/// The caller from the identity cache alone, without reading the change
/// generation: `None` when it is not cached. Returns the local generation
/// it was valid under; whoever uses it must confirm, before answering, that
/// the database's generation still maps to it (a PostgreSQL read that reads
/// the generation row in its own statement, see `records::handlers`).
/// Nothing is noted in the request: call [`note`] once confirmed.
pub fn cached_user(parts: &Parts, state: &AppState) -> Option<(AuthUser, u64)> {
    let generation = state.identities.generation();
    let claims = state.tokens.decode_access(bearer(parts)?)?;
    let found = state.identities.get(&claims.sid)?;
    matches(&found, &claims).then(|| (AuthUser(Principal::clone(&found)), generation))
}

impl FromRequestParts<AppState> for Superadmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.is_superadmin() {
            Ok(Self(user))
        } else if user.is_api_key() {
            // The SDK reads "superadmin" in a 403 as an API key restriction.
            Err(ApiError::forbidden(
                "API keys are restricted from superadmin routes",
            ))
        } else {
            Err(ApiError::forbidden("Superadmin access required"))
        }
    }
}

/// The superadmin or an admin of an account (role `admin`).
#[derive(Debug, Clone)]
pub struct AnyAdmin(pub AuthUser);

impl FromRequestParts<AppState> for AnyAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.collections.is_some() {
            // A scoped key reaches records only: it could widen its own scope
            // (new keys, users, collections) if it administered anything.
            Err(ApiError::forbidden(
                "API keys scoped to collections are restricted from admin routes",
            ))
        } else if user.is_superadmin() || user.role == "admin" {
            Ok(Self(user))
        } else {
            Err(ApiError::forbidden("Admin access required"))
        }
    }
}
