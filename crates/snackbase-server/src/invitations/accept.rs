//! The invitee's side: see an invitation by its token, and accept it.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Row, SELECT};
use crate::app::AppState;
use crate::auth::{password, sessions, AuthResponse};
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;
use crate::users::model::{self as users, NewUser};

async fn by_token(tx: &mut Tx, token: &str) -> ApiResult<Row> {
    let hash = crate::auth::tokens::token_hash(token.trim());
    let sql = format!("{SELECT} WHERE i.token_hash = $1");
    on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(&hash)
        .fetch_optional(c)
        .await)?
    .ok_or_else(|| ApiError::not_found("Invalid invitation token"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicInvitation {
    pub email: String,
    pub account_name: String,
    /// `pending`, `accepted`, `expired` or `cancelled`.
    pub status: &'static str,
    /// Whether it can still be accepted (`status` is `pending`); the SDK's field.
    pub is_valid: bool,
    /// Who sent it: their email address (users have no display name), if they still exist.
    pub invited_by_name: Option<String>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
}

/// What an invitation is for, by its token (no sign-in needed).
#[utoipa::path(get, path = "/invitations/{invitation}", tag = "invitations", params(("invitation" = String, Path, description = "The token")),
    responses((status = 200, body = PublicInvitation), (status = 404, body = ErrorBody)))]
pub async fn public_invitation(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<PublicInvitation>> {
    let mut tx = state.db.begin_read().await?;
    let row = by_token(&mut tx, &token).await?;
    let invited_by_name = match &row.invited_by {
        Some(id) => users::find_by_id(&mut tx, id).await?.map(|u| u.email),
        None => None,
    };
    let status = row.status();
    Ok(Json(PublicInvitation {
        status,
        is_valid: status == "pending",
        invited_by_name,
        email: row.email,
        account_name: row.account_name,
        expires_at: row.expires_at,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub password: String,
}

/// Accepts an invitation: creates the user with the invited role and groups,
/// once, and signs them in.
#[utoipa::path(post, path = "/invitations/{invitation}/accept", tag = "invitations", params(("invitation" = String, Path, description = "The token")),
    request_body = AcceptRequest,
    responses((status = 200, body = AuthResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(req): ApiJson<AcceptRequest>,
) -> ApiResult<crate::http::NoStore<Json<AuthResponse>>> {
    {
        let mut tx = state.db.begin_read().await?;
        let row = by_token(&mut tx, &token).await?;
        match row.status() {
            "pending" => {}
            "expired" => return Err(ApiError::not_found("Invitation has expired")),
            "accepted" => return Err(ApiError::not_found("Invitation has already been accepted")),
            _ => return Err(ApiError::not_found("Invitation was cancelled")),
        }
    }
    password::enforce_policy(&req.password, "password")?;
    let hash = password::hash(&req.password).await?;
    let mut tx = state.db.begin().await?;
    let row = by_token(&mut tx, &token).await?;
    // Claim it atomically: a second, concurrent accept finds nothing to claim.
    let now = crate::http::time::now();
    let claimed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND cancelled_at IS NULL AND expires_at > $2"
    )
    .bind(&row.id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if claimed != 1 {
        return Err(ApiError::not_found("Invitation is no longer valid"));
    }
    let user = users::insert(
        &mut tx,
        &NewUser {
            account_id: &row.account_id,
            email: &row.email,
            password_hash: &hash,
            role_id: row.role_id,
            is_active: true,
            email_verified: true,
        },
    )
    .await
    .map_err(|e| match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => ApiError::conflict(
            "User with this email already exists in this account",
            Some("email"),
        ),
        _ => e.into(),
    })?;
    for gid in row.groups() {
        // Groups deleted since the invitation are skipped.
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO group_members (group_id, user_id, created_at) SELECT id, $2, $3 FROM groups WHERE id = $1 AND account_id = $4"
        )
        .bind(&gid)
        .bind(&user.id)
        .bind(now)
        .bind(&row.account_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    let account = crate::accounts::model::find_by_id(&mut tx, &row.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    let tokens = sessions::start(&mut tx, &state.tokens, &user).await?;
    if let Some(after) = super::handlers::find(&mut tx, &row.id).await? {
        super::trail::accepted(&state, &mut tx, &row, &after, &user).await?;
    }
    tx.commit().await?;
    Ok(crate::http::NoStore(Json(AuthResponse::new(
        tokens, &account, &user,
    ))))
}
