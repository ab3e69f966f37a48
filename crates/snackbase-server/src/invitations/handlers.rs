//! Creating, listing, resending and cancelling invitations.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{InvitationResponse, Row, SELECT};
use crate::app::{App, AppState};
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

pub async fn find(tx: &mut Tx, id: &str) -> ApiResult<Option<Row>> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

fn not_found() -> ApiError {
    ApiError::not_found("Invitation not found")
}

/// The accept link for a token.
pub fn accept_url(app: &App, token: &str) -> String {
    let base = app.public_base();
    format!("{base}/admin/invitations/accept?token={token}")
}

/// A fresh token and its stored hash.
fn new_token() -> (String, String) {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hash = crate::auth::tokens::token_hash(&token);
    (token, hash)
}

/// Sends (or, without SMTP, logs) the invitation email; records when it went out.
async fn deliver(
    state: &AppState,
    row: &Row,
    token: &str,
    inviter_email: &str,
) -> ApiResult<Option<String>> {
    let url = accept_url(&state.0, token);
    let smtp = crate::mail::server_for(state, Some(&row.account_id)).await?;
    let Some(smtp) = &smtp else {
        tracing::warn!(invitation_id = %row.id, email = %row.email, accept_url = %url, "no SMTP server is configured; send this link yourself");
        return Ok(Some(url));
    };
    let template = {
        let mut tx = state.db.begin_read().await?;
        crate::mail::template(&mut tx, "invitation").await?
    };
    let expires = crate::http::time::rfc3339::format(&row.expires_at);
    let values = [
        ("account_name", row.account_name.as_str()),
        ("app_name", state.config.app_name.as_str()),
        ("inviter_email", inviter_email),
        ("accept_url", url.as_str()),
        ("token", token),
        ("expires_at", expires.as_str()),
        ("email", row.email.as_str()),
    ];
    let subject = crate::mail::render(&template.subject, &values);
    let body = crate::mail::render(&template.body, &values);
    let mail = crate::mail::Outgoing {
        account_id: Some(&row.account_id),
        template_type: "invitation",
        to: &row.email,
        subject: &subject,
        body: &body,
        variables: &values,
    };
    match crate::mail::deliver(&state.db, smtp, mail).await {
        Ok(()) => {
            let mut tx = state.db.begin().await?;
            let now = crate::http::time::now();
            on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE invitations SET email_sent_at = $2 WHERE id = $1"
            )
            .bind(&row.id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.commit().await?;
        }
        Err(e) => {
            tracing::error!(invitation_id = %row.id, error = %e, "the invitation email could not be sent")
        }
    }
    Ok(None)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    pub email: String,
    /// The role the invitee gets (default `user`).
    pub role_id: Option<i64>,
    /// Ids of groups of the account the invitee joins.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The superadmin only: the account to invite into.
    pub account_id: Option<String>,
}

/// Invites an email into an account with a role and groups, and emails the link.
#[utoipa::path(post, path = "/invitations", tag = "invitations", request_body = CreateInvitationRequest, security(("bearer" = [])),
    responses((status = 201, body = InvitationResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreateInvitationRequest>,
) -> ApiResult<(StatusCode, Json<InvitationResponse>)> {
    let email = crate::auth::email::normalize(&req.email, "email")?;
    let account_id = req
        .account_id
        .clone()
        .unwrap_or_else(|| user.account_id.to_string());
    if !user.administers(&account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins invite users",
        ));
    }
    let role_id = req.role_id.unwrap_or(crate::auth::RoleId::USER.0);
    if role_id == crate::auth::RoleId::PUBLIC.0 {
        return Err(ApiError::invalid(
            "role_id",
            "role_not_assignable",
            "The public role cannot be given to a user",
        ));
    }
    let mut tx = state.db.begin().await?;
    if crate::accounts::model::find_by_id(&mut tx, &account_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("Account not found"));
    }
    if crate::users::model::role_name(&mut tx, role_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("Role not found"));
    }
    for (i, gid) in req.groups.iter().enumerate() {
        let owner: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT account_id FROM groups WHERE id = $1"
        )
        .bind(gid)
        .fetch_optional(c)
        .await)?;
        if owner.as_deref() != Some(account_id.as_str()) {
            return Err(ApiError::invalid(
                &format!("groups[{i}]"),
                "group_not_found",
                "No such group in this account",
            ));
        }
    }
    if crate::users::model::find_by_email(&mut tx, &account_id, &email)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "User with this email already exists in this account",
            Some("email"),
        ));
    }
    let now = crate::http::time::now();
    let pending: Option<String> = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "SELECT id FROM invitations WHERE account_id = $1 AND email = $2 AND accepted_at IS NULL AND cancelled_at IS NULL AND expires_at > $3"
    )
    .bind(&account_id)
    .bind(&email)
    .bind(now)
    .fetch_optional(c)
    .await
    })?;
    if pending.is_some() {
        return Err(ApiError::conflict(
            "A pending invitation already exists for this email",
            Some("email"),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let (token, hash) = new_token();
    let groups = serde_json::to_string(&req.groups).map_err(ApiError::internal)?;
    let expires = now + Duration::hours(state.config.invitation_expire_hours);
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO invitations (id, account_id, email, token_hash, role_id, group_ids, invited_by, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(&id)
    .bind(&account_id)
    .bind(&email)
    .bind(&hash)
    .bind(role_id)
    .bind(&groups)
    .bind(&user.user_id)
    .bind(expires)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let row = find(&mut tx, &id).await?.ok_or_else(not_found)?;
    super::trail::record(&state, &mut tx, &user, "CREATE", None, Some(&row)).await?;
    tx.commit().await?;
    let link = deliver(
        &state,
        &row,
        &token,
        user.email.as_deref().unwrap_or_default(),
    )
    .await?;
    let mut tx = state.db.begin_read().await?;
    let mut body: InvitationResponse = find(&mut tx, &id).await?.ok_or_else(not_found)?.into();
    body.accept_url = link.filter(|_| user.is_superadmin());
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `pending`, `accepted`, `expired` or `cancelled`.
    pub status: Option<String>,
    /// The original's name for `status`.
    pub status_filter: Option<String>,
    /// The superadmin only: one account's invitations.
    pub account_id: Option<String>,
    /// 1-based page of `page_size` invitations (the SDK's paging); all when absent.
    pub page: Option<i64>,
    /// 1 to 100, default 100 (with `page`).
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub invitations: Vec<InvitationResponse>,
    /// All that match, on every page.
    pub total: usize,
}

/// The invitations of the caller's account, newest first.
#[utoipa::path(get, path = "/invitations", tag = "invitations", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = InvitationList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<InvitationList>> {
    let account = if user.is_superadmin() {
        q.account_id.clone()
    } else {
        Some(user.account_id.to_string())
    };
    if let Some(a) = &account {
        if !user.administers(a) {
            return Err(ApiError::forbidden(
                "Only the account's admins see its invitations",
            ));
        }
    }
    let page = if q.page.is_some() || q.page_size.is_some() {
        let (_, size, offset) = crate::http::listing::paging(q.page, q.page_size, 100)?;
        Some((
            usize::try_from(offset).unwrap_or(usize::MAX),
            usize::try_from(size).unwrap_or(usize::MAX),
        ))
    } else {
        None
    };
    let status = q.status.or(q.status_filter);
    if let Some(s) = &status {
        if !["pending", "accepted", "expired", "cancelled"].contains(&s.as_str()) {
            return Err(ApiError::invalid(
                "status",
                "invalid_status",
                "status must be pending, accepted, expired or cancelled",
            ));
        }
    }
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR i.account_id = $1) ORDER BY i.created_at DESC, i.id DESC"
    );
    let mut tx = state.db.begin_read().await?;
    let rows = on_tx!(&mut tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(&account)
        .fetch_all(c)
        .await)?;
    let matching: Vec<Row> = rows
        .into_iter()
        .filter(|r| status.as_deref().is_none_or(|s| r.status() == s))
        .collect();
    let total = matching.len();
    let (skip, take) = page.unwrap_or((0, usize::MAX));
    Ok(Json(InvitationList {
        total,
        invitations: matching
            .into_iter()
            .skip(skip)
            .take(take)
            .map(Into::into)
            .collect(),
    }))
}

async fn manageable(state: &AppState, user: &AuthUser, id: &str) -> ApiResult<Row> {
    let mut tx = state.db.begin_read().await?;
    let row = find(&mut tx, id).await?.ok_or_else(not_found)?;
    if !user.administers(&row.account_id) {
        return Err(not_found());
    }
    Ok(row)
}

/// Sends a pending (or expired) invitation again, with a new token and expiry.
#[utoipa::path(post, path = "/invitations/{invitation}/resend", tag = "invitations", params(("invitation" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = InvitationResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<InvitationResponse>> {
    let row = manageable(&state, &user, &id).await?;
    if matches!(row.status(), "accepted" | "cancelled") {
        return Err(ApiError::conflict(
            format!("The invitation is {}", row.status()),
            None,
        ));
    }
    let (token, hash) = new_token();
    let expires = crate::http::time::now() + Duration::hours(state.config.invitation_expire_hours);
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE invitations SET token_hash = $2, expires_at = $3, email_sent_at = NULL WHERE id = $1")
        .bind(&id)
        .bind(&hash)
        .bind(expires)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    let after = find(&mut tx, &id).await?.ok_or_else(not_found)?;
    super::trail::record(&state, &mut tx, &user, "UPDATE", Some(&row), Some(&after)).await?;
    let row = after;
    tx.commit().await?;
    let link = deliver(
        &state,
        &row,
        &token,
        user.email.as_deref().unwrap_or_default(),
    )
    .await?;
    let mut tx = state.db.begin_read().await?;
    let mut body: InvitationResponse = find(&mut tx, &id).await?.ok_or_else(not_found)?.into();
    body.accept_url = link.filter(|_| user.is_superadmin());
    Ok(Json(body))
}

/// Cancels an invitation; its token stops working.
#[utoipa::path(delete, path = "/invitations/{invitation}", tag = "invitations", params(("invitation" = String, Path)),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_invitation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let row = manageable(&state, &user, &id).await?;
    if row.status() == "accepted" {
        return Err(ApiError::conflict(
            "The invitation was accepted already",
            None,
        ));
    }
    let mut tx = state.db.begin().await?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE invitations SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL"
    )
    .bind(&id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if let Some(after) = find(&mut tx, &id)
        .await?
        .filter(|a| a.status() != row.status())
    {
        super::trail::record(&state, &mut tx, &user, "UPDATE", Some(&row), Some(&after)).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
