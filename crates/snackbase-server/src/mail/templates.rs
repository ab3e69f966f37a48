//! Email templates: a default for each kind, which the superadmin may replace
//! (`/admin/email/templates`). Placeholders are `{{name}}`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates))
        .routes(routes!(get_template, put_template))
}

/// The templates there are, with their defaults and placeholders.
const DEFAULTS: &[(&str, &str, &str, &[&str])] = &[(
    "invitation",
    "You are invited to {{account_name}}",
    "Hello,\n\n{{inviter_email}} invited you to join {{account_name}} on {{app_name}}.\n\n\
     Accept the invitation and choose your password here:\n{{accept_url}}\n\n\
     Or use this code: {{token}}\n\nThe invitation expires at {{expires_at}}.\n",
    &[
        "account_name",
        "app_name",
        "inviter_email",
        "accept_url",
        "token",
        "expires_at",
        "email",
    ],
)];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Template {
    pub key: String,
    pub subject: String,
    pub body: String,
    pub placeholders: Vec<String>,
    /// False while the built-in default is in use.
    pub customized: bool,
}

fn default_of(key: &str) -> Option<Template> {
    DEFAULTS
        .iter()
        .find(|d| d.0 == key)
        .map(|(k, subject, body, placeholders)| Template {
            key: k.to_string(),
            subject: subject.to_string(),
            body: body.to_string(),
            placeholders: placeholders.iter().map(|p| p.to_string()).collect(),
            customized: false,
        })
}

/// The template in force for `key`.
pub async fn template(tx: &mut Tx, key: &str) -> ApiResult<Template> {
    let mut t =
        default_of(key).ok_or_else(|| ApiError::not_found(format!("No email template '{key}'")))?;
    let stored: Option<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT subject, body FROM email_templates WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await)?;
    if let Some((subject, body)) = stored {
        t.subject = subject;
        t.body = body;
        t.customized = true;
    }
    Ok(t)
}

/// Fills `{{name}}` placeholders.
pub fn render(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{{{k}}}}}"), v)
    })
}

/// Every template.
#[utoipa::path(get, path = "/admin/email/templates", tag = "email", security(("bearer" = [])), responses((status = 200, body = [Template])))]
pub async fn list_templates(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<Vec<Template>>> {
    let mut tx = state.db.begin_read().await?;
    let mut out = Vec::new();
    for (key, ..) in DEFAULTS {
        out.push(template(&mut tx, key).await?);
    }
    Ok(Json(out))
}

/// One template.
#[utoipa::path(get, path = "/admin/email/templates/{key}", tag = "email", params(("key" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Template), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Json<Template>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(template(&mut tx, &key).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    pub subject: String,
    pub body: String,
}

/// Replaces a template. Only its known placeholders may appear.
#[utoipa::path(put, path = "/admin/email/templates/{key}", tag = "email", params(("key" = String, Path)), request_body = TemplateRequest,
    security(("bearer" = [])), responses((status = 200, body = Template), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_template(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(key): ApiPath<String>,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> ApiResult<Json<Template>> {
    let base = default_of(&key)
        .ok_or_else(|| ApiError::not_found(format!("No email template '{key}'")))?;
    if req.subject.trim().is_empty()
        || req.subject.len() > 200
        || req.subject.contains(['\r', '\n'])
    {
        return Err(ApiError::invalid(
            "subject",
            "subject_invalid",
            "A subject is one line of 1 to 200 characters",
        ));
    }
    if req.body.trim().is_empty() || req.body.len() > 20_000 {
        return Err(ApiError::invalid(
            "body",
            "body_invalid",
            "A body has 1 to 20,000 characters",
        ));
    }
    for text in [&req.subject, &req.body] {
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else {
                break;
            };
            let name = &rest[start + 2..start + end];
            if !base.placeholders.iter().any(|p| p == name) {
                return Err(ApiError::invalid(
                    "body",
                    "unknown_placeholder",
                    format!("Unknown placeholder {{{{{name}}}}}"),
                ));
            }
            rest = &rest[start + end + 2..];
        }
    }
    let mut tx = state.db.begin().await?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO email_templates (key, subject, body, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET subject = $2, body = $3, updated_at = $4"
    )
    .bind(&key)
    .bind(&req.subject)
    .bind(&req.body)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let t = template(&mut tx, &key).await?;
    tx.commit().await?;
    Ok(Json(t))
}
