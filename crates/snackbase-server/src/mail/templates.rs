//! Email templates: a default for each kind, which the superadmin may replace
//! (`/admin/email/templates`). Placeholders are `{{name}}`, filled in one pass
//! by [`render`].

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

/// The templates there are, with their defaults and placeholders.
const DEFAULTS: &[(&str, &str, &str, &[&str])] = &[
    (
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
),
    (
        "verification",
        "Confirm your email address for {{app_name}}",
        "Hello,\n\nPlease confirm that {{email}} is your address on {{app_name}} ({{account_name}}):\n\
         {{verify_url}}\n\nOr use this code: {{token}}\n\nThe link expires at {{expires_at}}. \
         If you did not sign up, ignore this message.\n",
        &["app_name", "account_name", "email", "verify_url", "token", "expires_at"],
    ),
    (
        "reset_password",
        "Reset your {{app_name}} password",
        "Hello,\n\nSomeone asked to reset the password of {{email}} on {{app_name}} ({{account_name}}).\n\
         Choose a new password here:\n{{reset_url}}\n\nOr use this code: {{token}}\n\n\
         The link expires at {{expires_at}} and works once. If you did not ask, ignore this \
         message: your password stays as it is.\n",
        &["app_name", "account_name", "email", "reset_url", "token", "expires_at"],
    ),
];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Template {
    pub key: String,
    pub subject: String,
    pub body: String,
    pub placeholders: Vec<String>,
    /// False while the built-in default is in use.
    pub customized: bool,
}

pub(super) fn default_of(key: &str) -> Option<Template> {
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

/// Fills the `{{name}}` placeholders of `text` whose name is in `values`, in
/// one left-to-right pass over the template: an inserted value is never read
/// again, so a value that itself contains `{{token}}` (an account name, an
/// email address) arrives as that literal text. Anything else is copied as it
/// is. Values are inserted unescaped: mail goes out as `text/plain` (an HTML
/// body would need them HTML-escaped).
pub fn render(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            let (_, value) = values.iter().find(|(k, _)| *k == name)?;
            Some((value, end + 2))
        });
        match value {
            Some((value, used)) => {
                out.push_str(value);
                rest = &after[used..];
            }
            // Not a placeholder here: keep one brace and look again from the
            // next one, so `{{{token}}` still fills `{{token}}`.
            None => {
                out.push('{');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn fills_known_placeholders() {
        let values = [("name", "Ada"), ("token", "abc")];
        assert_eq!(
            render("Hi {{name}}, code {{token}} ({{name}})", &values),
            "Hi Ada, code abc (Ada)"
        );
        assert_eq!(render("{{token}}{{name}}", &values), "abcAda");
        assert_eq!(render("no placeholders", &values), "no placeholders");
        assert_eq!(render("", &values), "");
    }

    #[test]
    fn values_are_not_substituted_again() {
        // Whatever the order of the values, an inserted value stays as it is.
        let values = [
            ("account_name", "Evil {{token}} {{email}}"),
            ("token", "T"),
            ("email", "e@x.io"),
        ];
        assert_eq!(
            render("Join {{account_name}}: {{token}}", &values),
            "Join Evil {{token}} {{email}}: T"
        );
        let reversed = [("token", "T"), ("account_name", "{{token}}")];
        assert_eq!(
            render("{{account_name}}|{{token}}", &reversed),
            "{{token}}|T"
        );
        // A value that closes a placeholder opened by the template does not
        // complete it.
        let split = [("a", "}}"), ("token", "T")];
        assert_eq!(render("{{token{{a}}", &split), "{{token}}");
    }

    #[test]
    fn leaves_anything_else_alone() {
        let values = [("token", "T")];
        assert_eq!(render("{{nope}} {{token}}", &values), "{{nope}} T");
        assert_eq!(render("{{token", &values), "{{token");
        assert_eq!(render("{{ token }}", &values), "{{ token }}");
        assert_eq!(render("{{{token}}}", &values), "{T}");
        assert_eq!(render("}}{{}}{{", &values), "}}{{}}{{");
        assert_eq!(render("é{{token}}ü", &values), "éTü");
        // Plain text: values are not escaped.
        assert_eq!(
            render("{{token}}", &[("token", "<b>&amp;</b>")]),
            "<b>&amp;</b>"
        );
    }
}
