//! Invitations: an account admin (or the superadmin) invites an email with a
//! role and groups; the invitee accepts with the emailed token and a password,
//! once, before it expires. Without SMTP the accept link is logged and shown to
//! the superadmin.

mod accept;
mod handlers;
mod trail;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            handlers::list_invitations,
            handlers::create_invitation
        ))
        .routes(routes!(
            accept::public_invitation,
            handlers::cancel_invitation
        ))
        .routes(routes!(handlers::resend_invitation))
        .routes(routes!(accept::accept_invitation))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub email: String,
    pub role_id: i64,
    pub role_name: String,
    pub group_ids: String,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub email_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub const SELECT: &str = "SELECT i.id, i.account_id, a.name AS account_name, i.email, i.role_id, r.name AS role_name, i.group_ids, \
     i.invited_by, i.expires_at, i.accepted_at, i.cancelled_at, i.email_sent_at, i.created_at \
     FROM invitations i JOIN accounts a ON a.id = i.account_id JOIN roles r ON r.id = i.role_id";

impl Row {
    pub fn status(&self) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.cancelled_at.is_some() {
            "cancelled"
        } else if self.expires_at <= Utc::now() {
            "expired"
        } else {
            "pending"
        }
    }

    pub fn groups(&self) -> Vec<String> {
        serde_json::from_str(&self.group_ids).unwrap_or_default()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationResponse {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub email: String,
    pub role_id: i64,
    pub role_name: String,
    pub groups: Vec<String>,
    pub invited_by: Option<String>,
    /// `pending`, `accepted`, `expired` or `cancelled`.
    pub status: &'static str,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub email_sent: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_sent_at: Option<DateTime<Utc>>,
    /// Only when no SMTP server is configured, and only for the superadmin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_url: Option<String>,
}

impl From<Row> for InvitationResponse {
    fn from(r: Row) -> Self {
        Self {
            status: r.status(),
            groups: r.groups(),
            id: r.id,
            account_id: r.account_id,
            account_name: r.account_name,
            email: r.email,
            role_id: r.role_id,
            role_name: r.role_name,
            invited_by: r.invited_by,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
            created_at: r.created_at,
            email_sent: r.email_sent_at.is_some(),
            email_sent_at: r.email_sent_at,
            accept_url: None,
        }
    }
}
