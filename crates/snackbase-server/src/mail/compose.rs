//! The SDK's template tools: render a template with variables
//! (`/admin/email/templates/render`) and send it to an address
//! (`/admin/email/templates/{key}/test`, through the configured SMTP server).
//! Our templates are plain text; `html_body` is derived from the text.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::templates::{default_of, template};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};

/// The only locale there is; others are accepted and answered in it.
const LOCALE: &str = "en";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderRequest {
    /// A template key (`invitation`).
    pub template_type: String,
    /// Accepted for the SDK; there is one locale.
    #[expect(dead_code, reason = "accepted from the SDK, nothing depends on it")]
    pub locale: Option<String>,
    /// Placeholder values; other JSON values are used as their JSON text.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: BTreeMap<String, Value>,
    /// Accepted for the SDK; templates are the same in every account.
    #[expect(dead_code, reason = "accepted from the SDK, nothing depends on it")]
    pub account_id: Option<String>,
    /// Render this instead of the stored subject.
    pub subject: Option<String>,
    /// Render this HTML (values HTML-escaped) instead of the text as HTML.
    pub html_body: Option<String>,
    /// Render this instead of the stored body.
    pub text_body: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rendered {
    pub subject: String,
    /// `html_body` rendered with escaped values, or else the text body,
    /// HTML-escaped, with `<br>` for line breaks.
    pub html_body: String,
    pub text_body: String,
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn values(variables: &BTreeMap<String, Value>) -> Vec<(String, String)> {
    variables
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn borrowed(values: &[(String, String)]) -> Vec<(&str, &str)> {
    values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Renders subject, text and HTML of `key` (or the overrides) with `variables`.
async fn render_template(
    state: &AppState,
    key: &str,
    variables: &BTreeMap<String, Value>,
    overrides: (Option<&str>, Option<&str>, Option<&str>),
) -> ApiResult<Rendered> {
    let stored = {
        let mut tx = state.db.begin_read().await?;
        template(&mut tx, key).await?
    };
    let values = values(variables);
    let plain = borrowed(&values);
    let (subject, html, text) = overrides;
    let text_body = super::render(text.unwrap_or(&stored.body), &plain);
    let html_body = match html {
        Some(html) => {
            let escaped: Vec<(String, String)> = values
                .iter()
                .map(|(k, v)| (k.clone(), escape_html(v)))
                .collect();
            super::render(html, &borrowed(&escaped))
        }
        None => escape_html(&text_body).replace('\n', "<br>\n"),
    };
    Ok(Rendered {
        subject: super::render(subject.unwrap_or(&stored.subject), &plain),
        html_body,
        text_body,
    })
}

fn known(key: &str, field: &str) -> ApiResult<()> {
    default_of(key).map(|_| ()).ok_or_else(|| {
        ApiError::invalid(
            field,
            "unknown_template",
            format!("No email template '{key}'"),
        )
    })
}

/// Renders a template with variables, without sending it.
#[utoipa::path(post, path = "/admin/email/templates/render", tag = "email", request_body = RenderRequest, security(("bearer" = [])),
    responses((status = 200, body = Rendered), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn render_email_template(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiJson(req): ApiJson<RenderRequest>,
) -> ApiResult<Json<Rendered>> {
    known(&req.template_type, "template_type")?;
    let rendered = render_template(
        &state,
        &req.template_type,
        &req.variables,
        (
            req.subject.as_deref(),
            req.html_body.as_deref(),
            req.text_body.as_deref(),
        ),
    )
    .await?;
    if rendered.subject.contains(['\r', '\n']) {
        return Err(ApiError::invalid(
            "subject",
            "subject_invalid",
            "A subject is one line",
        ));
    }
    Ok(Json(rendered))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    pub recipient_email: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: BTreeMap<String, Value>,
    /// `smtp` (the only one).
    pub provider: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// `sent` or `failed` (see the email log for the cause).
    pub status: String,
    pub message: String,
    pub template_type: String,
    pub locale: String,
}

/// Sends a template, rendered with the variables given, to one address
/// through the configured SMTP server; the attempt is logged.
#[utoipa::path(post, path = "/admin/email/templates/{key}/test", tag = "email", params(("key" = String, Path)), request_body = TestRequest,
    security(("bearer" = [])),
    responses((status = 200, body = TestResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn send_test_email(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(key): ApiPath<String>,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResult>> {
    default_of(&key).ok_or_else(|| ApiError::not_found(format!("No email template '{key}'")))?;
    if req.provider.as_deref().is_some_and(|p| p != "smtp") {
        return Err(ApiError::invalid(
            "provider",
            "provider_unknown",
            "The only provider is smtp",
        ));
    }
    let Some((local, domain)) = crate::formats::email(&req.recipient_email) else {
        return Err(ApiError::invalid(
            "recipient_email",
            "email_invalid",
            "recipient_email must be an email address",
        ));
    };
    let recipient = format!("{local}@{domain}");
    let smtp = super::server_for(&state, None).await?;
    let Some(smtp) = &smtp else {
        return Err(ApiError::invalid(
            "provider",
            "smtp_not_configured",
            "No SMTP server is configured (an email provider in Settings, or SNACKBASE_SMTP_HOST)",
        ));
    };
    let rendered = render_template(&state, &key, &req.variables, (None, None, None)).await?;
    let values = values(&req.variables);
    let outcome = super::deliver(
        &state.db,
        smtp,
        super::Outgoing {
            account_id: Some(admin.account_id.as_str()),
            template_type: &key,
            to: &recipient,
            subject: &rendered.subject,
            body: &rendered.text_body,
            variables: &borrowed(&values),
        },
    )
    .await;
    let (status, message) = match outcome {
        Ok(()) => ("sent", format!("Test email sent to {recipient}")),
        Err(_) => (
            "failed",
            "The test email could not be sent; the email log has the cause".to_string(),
        ),
    };
    Ok(Json(TestResult {
        status: status.into(),
        message,
        template_type: key,
        locale: LOCALE.into(),
    }))
}
