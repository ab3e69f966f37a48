//! TOTP as a second factor: a signed-in user enrols (a seed to scan, then a
//! code to confirm it, then ten recovery codes shown once), sees their state,
//! renews their recovery codes and turns it off. An admin whose account
//! requires a second factor and who has none enrols with the login's
//! `mfa_token` instead of a session, and confirming signs them in.
//!
//! The seed is sealed at rest (`state.sealer`, purpose `totp`). Management
//! is for the user themself: not from an API key, not while impersonated.

pub mod otp;
pub mod store;

use axum::extract::{FromRequestParts as _, State};
use axum::http::request::Parts;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::mfa::{self, Challenge, Purpose};
use super::{password, AuthResponse, AuthUser};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiBody, ApiJson, NoStore};
use crate::users::model::{self as users, UserRow};

/// Who manages the TOTP: a signed-in user, or an admin holding an
/// enrolment challenge from the login.
enum Caller {
    Session(UserRow),
    Enrolling(Challenge, UserRow),
}

impl Caller {
    fn user(&self) -> &UserRow {
        match self {
            Self::Session(u) | Self::Enrolling(_, u) => u,
        }
    }
}

/// The signed-in user behind the request (not an API key, not an impersonation).
async fn signed_in(parts: &mut Parts, state: &AppState) -> ApiResult<AuthUser> {
    let user = AuthUser::from_request_parts(parts, state).await?;
    if user.is_api_key() || user.impersonator.is_some() {
        return Err(ApiError::forbidden(
            "Only the user themself manages their second factor",
        ));
    }
    Ok(user)
}

/// The caller: the enrolment challenge when `mfa_token` is given, else the session.
async fn caller(
    state: &AppState,
    parts: &mut Parts,
    tx: &mut Tx,
    mfa_token: Option<&str>,
) -> ApiResult<Caller> {
    if let Some(token) = mfa_token {
        let (challenge, user) = mfa::open(tx, Purpose::Enroll, token).await?;
        mfa::check_lockout(state, tx, &challenge).await?;
        return Ok(Caller::Enrolling(challenge, user));
    }
    let user = signed_in(parts, state).await?;
    let row = users::find_by_id(tx, user.id())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("Could not validate credentials".into()))?;
    Ok(Caller::Session(row))
}

fn already_enabled() -> ApiError {
    ApiError::conflict("TOTP is already enabled; disable it first", None)
}

fn not_enabled() -> ApiError {
    ApiError::conflict("TOTP is not enabled", None)
}

/// A wrong code or password from a signed-in user: a 400, not a 401, which
/// would read as the session having ended.
fn wrong(what: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid {what}"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpStatus {
    /// A confirmed enrolment: login asks for a code.
    pub enabled: bool,
    /// An enrolment waiting for its first code.
    pub pending: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<DateTime<Utc>>,
    pub recovery_codes_left: i64,
}

/// The caller's TOTP state.
#[utoipa::path(get, path = "/auth/totp", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TotpStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    mut parts: Parts,
) -> ApiResult<NoStore<Json<TotpStatus>>> {
    let user = signed_in(&mut parts, &state).await?;
    let mut tx = state.db.begin_read().await?;
    let enrolment = store::find(&state, &mut tx, user.id()).await?;
    let left = store::recovery_codes_left(&mut tx, user.id()).await?;
    Ok(NoStore(Json(TotpStatus {
        enabled: enrolment.as_ref().is_some_and(store::Enrolment::enabled),
        pending: enrolment.as_ref().is_some_and(|e| !e.enabled()),
        confirmed_at: enrolment.and_then(|e| e.confirmed_at),
        recovery_codes_left: left,
    })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpSetupRequest {
    /// The login's enrolment challenge, instead of a session.
    pub mfa_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpSetup {
    /// The seed in base32, to type into an authenticator app.
    pub secret: String,
    /// The `otpauth://totp/…` URI to show as a QR code.
    pub otpauth_uri: String,
}

/// Starts an enrolment (replacing a pending one): a new seed to scan. It is
/// not in force until confirmed with a code. 409 when TOTP is already on.
#[utoipa::path(post, path = "/auth/totp/setup", tag = "auth", request_body(content = Option<TotpSetupRequest>),
    security((), ("bearer" = [])),
    responses((status = 200, body = TotpSetup), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn setup(
    State(state): State<AppState>,
    mut parts: Parts,
    ApiBody(body): ApiBody,
) -> ApiResult<NoStore<Json<TotpSetup>>> {
    let req: TotpSetupRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TotpSetupRequest::default()
    } else {
        crate::http::extract::parse_json(&body)?
    };
    if req.mfa_token.is_none() {
        signed_in(&mut parts, &state).await?;
    }
    let mut tx = state.db.begin().await?;
    let caller = caller(&state, &mut parts, &mut tx, req.mfa_token.as_deref()).await?;
    let user = caller.user();
    if store::find(&state, &mut tx, &user.id)
        .await?
        .is_some_and(|e| e.enabled())
    {
        return Err(already_enabled());
    }
    let secret = otp::new_secret();
    store::begin(&state, &mut tx, &user.id, &secret).await?;
    tx.commit().await?;
    Ok(NoStore(Json(TotpSetup {
        otpauth_uri: otp::otpauth_uri(&secret, &user.email),
        secret,
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    /// Six digits from the authenticator app.
    pub code: String,
    /// The login's enrolment challenge, instead of a session.
    pub mfa_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpConfirmed {
    /// Single-use codes for when the authenticator is lost: shown only now.
    pub recovery_codes: Vec<String>,
    /// With an `mfa_token`: the session the login did not give yet.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(inline)]
    pub session: Option<AuthResponse>,
}

/// Confirms the pending enrolment with a code: TOTP is on, and the recovery
/// codes are returned (only this once). With an `mfa_token`, signs in too.
#[utoipa::path(post, path = "/auth/totp/confirm", tag = "auth", request_body = TotpConfirmRequest,
    security((), ("bearer" = [])),
    responses((status = 200, body = TotpConfirmed), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    mut parts: Parts,
    ApiJson(req): ApiJson<TotpConfirmRequest>,
) -> ApiResult<NoStore<Json<TotpConfirmed>>> {
    if req.mfa_token.is_none() {
        signed_in(&mut parts, &state).await?;
    }
    let mut tx = state.db.begin().await?;
    let caller = caller(&state, &mut parts, &mut tx, req.mfa_token.as_deref()).await?;
    let digits = otp::parse_totp(&req.code)?;
    let user_id = caller.user().id.clone();
    let enrolment = store::find(&state, &mut tx, &user_id)
        .await?
        .ok_or_else(|| ApiError::conflict("No enrolment to confirm: start with setup", None))?;
    if enrolment.enabled() {
        return Err(already_enabled());
    }
    if !store::redeem_totp(&mut tx, &user_id, &enrolment, &digits).await? {
        return Err(match caller {
            Caller::Session(_) => wrong("code"),
            Caller::Enrolling(challenge, _) => {
                drop(tx);
                mfa::fail(&state, &challenge).await?
            }
        });
    }
    if !store::confirm(&mut tx, &user_id).await? {
        return Err(already_enabled());
    }
    let recovery_codes = store::new_recovery_codes(&mut tx, &user_id).await?;
    let enabled = super::trail::about("TOTP_ENABLED", caller.user(), None);
    crate::audit::append(&state.audit, &mut tx, enabled).await?;
    let session = match caller {
        Caller::Session(_) => {
            tx.commit().await?;
            None
        }
        Caller::Enrolling(challenge, user) => {
            if !mfa::consume(&mut tx, &challenge).await? {
                return Err(mfa::invalid_token());
            }
            Some(super::login::finish(&state, tx, &user, &challenge.lockout_key).await?)
        }
    };
    tracing::info!(user_id = %user_id, "TOTP enabled");
    Ok(NoStore(Json(TotpConfirmed {
        recovery_codes,
        session,
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpDisableRequest {
    /// The account password…
    pub password: Option<String>,
    /// …or a current code (TOTP or recovery code).
    pub code: Option<String>,
}

/// Turns TOTP off (or drops a pending enrolment), given the password or a code.
#[utoipa::path(post, path = "/auth/totp/disable", tag = "auth", request_body = TotpDisableRequest,
    security(("bearer" = [])),
    responses((status = 200, body = TotpStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    mut parts: Parts,
    ApiJson(req): ApiJson<TotpDisableRequest>,
) -> ApiResult<NoStore<Json<TotpStatus>>> {
    let user = signed_in(&mut parts, &state).await?;
    let code = req.code.as_deref().map(otp::parse).transpose()?;
    match (&req.password, &code) {
        (Some(pw), None) => {
            // Checked before the write transaction: hashing takes a while.
            let row = {
                let mut tx = state.db.begin_read().await?;
                users::find_by_id(&mut tx, user.id()).await?
            };
            let hash = row.map(|r| r.password_hash).unwrap_or_default();
            if pw.len() > 1024 || !password::verify(&hash, pw).await {
                return Err(wrong("password"));
            }
        }
        (None, Some(_)) => {}
        _ => {
            return Err(ApiError::invalid(
                "password",
                "required",
                "Give either password or code",
            ))
        }
    }
    let mut tx = state.db.begin().await?;
    let enrolment = store::find(&state, &mut tx, user.id())
        .await?
        .ok_or_else(not_enabled)?;
    if let Some(code) = &code {
        if !enrolment.enabled() || !store::redeem(&mut tx, user.id(), &enrolment, code).await? {
            return Err(wrong("code"));
        }
    }
    store::remove(&mut tx, user.id()).await?;
    let with = if code.is_some() { "code" } else { "password" };
    let disabled = user_event(&user, "TOTP_DISABLED", serde_json::json!({ "with": with }));
    crate::audit::append(&state.audit, &mut tx, disabled).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id(), "TOTP disabled");
    Ok(NoStore(Json(TotpStatus {
        enabled: false,
        pending: false,
        confirmed_at: None,
        recovery_codes_left: 0,
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodesRequest {
    /// A current code (TOTP or recovery code).
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// The new set (the old codes no longer work): shown only now.
    pub recovery_codes: Vec<String>,
}

/// A new set of recovery codes, given a current code; the old set is void.
#[utoipa::path(post, path = "/auth/totp/recovery-codes", tag = "auth", request_body = RecoveryCodesRequest,
    security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recovery_codes(
    State(state): State<AppState>,
    mut parts: Parts,
    ApiJson(req): ApiJson<RecoveryCodesRequest>,
) -> ApiResult<NoStore<Json<RecoveryCodes>>> {
    let user = signed_in(&mut parts, &state).await?;
    let code = otp::parse(&req.code)?;
    let mut tx = state.db.begin().await?;
    let enrolment = store::find(&state, &mut tx, user.id())
        .await?
        .filter(store::Enrolment::enabled)
        .ok_or_else(not_enabled)?;
    if !store::redeem(&mut tx, user.id(), &enrolment, &code).await? {
        return Err(wrong("code"));
    }
    let recovery_codes = store::new_recovery_codes(&mut tx, user.id()).await?;
    let renewed = user_event(&user, "RECOVERY_CODES_RENEWED", serde_json::json!({}));
    crate::audit::append(&state.audit, &mut tx, renewed).await?;
    tx.commit().await?;
    Ok(NoStore(Json(RecoveryCodes { recovery_codes })))
}

/// An event about the signed-in user, by that user.
fn user_event(user: &AuthUser, operation: &str, extra: serde_json::Value) -> crate::audit::Event {
    super::trail::event(
        operation,
        Some(user.account_id.as_str()),
        Some(user.id()),
        user.email.as_deref(),
        user.id(),
        Some(extra),
    )
}
