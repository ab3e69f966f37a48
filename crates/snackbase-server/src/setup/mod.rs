//! First run: while no superadmin exists, the server holds a one-time setup
//! token (printed at start as a link); `POST /setup` with it creates the
//! superadmin and the system account, once.

use std::sync::Mutex;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiJson;

/// The one-time setup token, present until a superadmin exists.
pub struct SetupToken(Mutex<Option<String>>);

impl SetupToken {
    pub fn new(needed: bool) -> Self {
        Self(Mutex::new(
            needed.then(|| hex::encode(rand::random::<[u8; 24]>())),
        ))
    }

    /// The token, while setup is still possible.
    pub fn peek(&self) -> Option<String> {
        self.0.lock().ok().and_then(|t| t.clone())
    }

    /// Consumes the token if `candidate` matches it.
    fn take_if(&self, candidate: &str) -> bool {
        let Ok(mut guard) = self.0.lock() else {
            return false;
        };
        match guard.as_deref() {
            Some(token) if bool::from(token.as_bytes().ct_eq(candidate.as_bytes())) => {
                *guard = None;
                true
            }
            _ => false,
        }
    }

    fn restore(&self, token: String) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some(token);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = None;
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(setup_status, complete_setup))
}

#[derive(Serialize, ToSchema)]
pub struct SetupStatus {
    /// True while no superadmin exists.
    pub needs_setup: bool,
}

/// Whether the first-run setup is still open.
#[utoipa::path(get, path = "/setup", tag = "setup", responses((status = 200, body = SetupStatus)))]
pub async fn setup_status(State(state): State<AppState>) -> Json<SetupStatus> {
    Json(SetupStatus {
        needs_setup: state.setup.peek().is_some(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub token: String,
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SetupResponse {
    pub user_id: String,
    pub account_id: String,
    pub email: String,
}

/// Creates the superadmin with the one-time token printed at start.
#[utoipa::path(post, path = "/setup", tag = "setup", request_body = SetupRequest,
    responses((status = 201, body = SetupResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_setup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SetupRequest>,
) -> ApiResult<crate::http::NoStore<(StatusCode, Json<SetupResponse>)>> {
    // Validate first, so a typo does not burn the token.
    crate::auth::email::normalize(&req.email, "email")?;
    crate::auth::password::enforce_policy(&req.password, "password")?;
    if !state.setup.take_if(&req.token) {
        return Err(ApiError::forbidden(
            "Setup is closed or the setup token is wrong",
        ));
    }
    if crate::auth::superadmin::exists(&state.db).await? {
        return Err(ApiError::forbidden(
            "Setup is closed or the setup token is wrong",
        ));
    }
    let created = crate::auth::superadmin::create_first(
        &state.db,
        &state.audit,
        "setup",
        &req.email,
        &req.password,
    );
    match created.await {
        Ok(None) => Err(ApiError::forbidden(
            "Setup is closed or the setup token is wrong",
        )),
        Ok(Some(user)) => Ok(crate::http::NoStore((
            StatusCode::CREATED,
            Json(SetupResponse {
                user_id: user.id,
                account_id: user.account_id,
                email: user.email,
            }),
        ))),
        Err(e) => {
            state.setup.restore(req.token);
            Err(e)
        }
    }
}
