//! `POST /admin/configuration/test-connection`: whether the provider answers.
//! For OpenID Connect providers, fetches the discovery document
//! `{issuer}/.well-known/openid-configuration` and reports its issuer and
//! endpoints; for GitHub, reads the API root. Outgoing requests follow the
//! webhooks' SSRF policy (no internal addresses, checked at connect time by
//! the guarded resolver, no redirects, no proxy, 10 s) unless
//! `SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS=true`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::catalog::{self, MASK};
use crate::app::AppState;
use crate::auth::AnyAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiJson;

/// The largest document read.
const MAX_BODY: usize = 512 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    pub category: String,
    pub provider_name: String,
    /// The values to try. OAuth providers are reached without secrets;
    /// mail servers and storages with them (a masked one is taken from the
    /// configuration `id` names, if given).
    #[schema(value_type = Object)]
    #[serde(default)]
    pub config: Map<String, Value>,
    /// A saved configuration whose stored secrets fill masked values.
    pub id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub success: bool,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

pub(super) fn failed(message: impl Into<String>) -> Json<TestResult> {
    Json(TestResult {
        success: false,
        message: message.into(),
        details: None,
    })
}

/// Tries the provider with the values given (not saved).
#[utoipa::path(post, path = "/admin/configuration/test-connection", tag = "configuration",
    request_body = TestRequest, security(("bearer" = [])), responses((status = 200, body = TestResult),
    (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test_connection(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResult>> {
    if !catalog::known_category(&req.category) {
        return Err(ApiError::bad_request(format!(
            "Unknown category '{}'",
            req.category
        )));
    }
    let provider = catalog::provider(&req.category, &req.provider_name).ok_or_else(|| {
        ApiError::invalid(
            "provider_name",
            "unknown_provider",
            format!("No provider '{}' in {}", req.provider_name, req.category),
        )
    })?;
    if provider.category != catalog::AUTH_PROVIDERS {
        return super::probe::run(&state, &admin, provider, req.config, req.id.as_deref()).await;
    }
    // Check what is there; secrets are not needed to reach the provider.
    let mut config = req.config;
    for f in provider.fields() {
        if f.secret || config.get(f.name).and_then(Value::as_str) == Some(MASK) {
            config.remove(f.name);
        }
    }
    let values = provider.validate_partial(&config)?;
    if provider.name == "oidc" && !values.contains_key("issuer_url") {
        return Err(ApiError::invalid(
            "config.issuer_url",
            "required",
            "Issuer URL is required",
        ));
    }
    let values = provider.complete(values);
    let text = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or_default();
    let allow_private = state.config.oauth_allow_private_networks;
    if provider.is_oidc() {
        let issuer = text("issuer_url");
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc = match fetch_json(&url, allow_private).await {
            Ok(doc) => doc,
            Err(e) => return Ok(failed(e)),
        };
        Ok(discovery(provider.name, issuer, &url, &doc))
    } else {
        let url = text("api_url").to_string();
        match fetch_json(&url, allow_private).await {
            Ok(_) => Ok(Json(TestResult {
                success: true,
                message: format!("The API at {url} answers"),
                details: Some(json!({"api_url": url, "base_url": text("base_url")})),
            })),
            Err(e) => Ok(failed(e)),
        }
    }
}

/// Judges a discovery document.
fn discovery(provider: &str, issuer: &str, url: &str, doc: &Value) -> Json<TestResult> {
    let field = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    let missing: Vec<&str> = [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
    ]
    .into_iter()
    .filter(|k| field(k).is_none())
    .collect();
    if !missing.is_empty() {
        return failed(format!(
            "The discovery document at {url} lacks {}",
            missing.join(", ")
        ));
    }
    let found = field("issuer").unwrap_or_default();
    // Microsoft's multi-tenant documents name a templated issuer.
    if provider != "microsoft" && found.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return failed(format!(
            "The discovery document names the issuer '{found}', not '{issuer}'"
        ));
    }
    Json(TestResult {
        success: true,
        message: format!("Found the discovery document of {found}"),
        details: Some(json!({
            "discovery_url": url,
            "issuer": found,
            "authorization_endpoint": field("authorization_endpoint"),
            "token_endpoint": field("token_endpoint"),
            "userinfo_endpoint": field("userinfo_endpoint"),
            "jwks_uri": field("jwks_uri"),
        })),
    })
}

/// GETs a JSON object under the SSRF policy; the error is a sentence for the admin.
async fn fetch_json(url: &str, allow_private: bool) -> Result<Value, String> {
    let target = crate::webhooks::ssrf::check_target(url, allow_private)
        .map_err(|e| reword(format!("Refused {url}: {e}")))?;
    let client = crate::webhooks::worker::client(allow_private)
        .map_err(|e| format!("Could not prepare the request: {e}"))?;
    let mut res = client
        .get(target)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| reword(format!("Could not reach {url}: {}", chain(&e))))?;
    if !res.status().is_success() {
        return Err(format!("{url} answered HTTP {}", res.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| format!("Could not read {url}: {}", chain(&e)))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err(format!("{url} answered more than {MAX_BODY} bytes"));
        }
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(format!("{url} did not answer a JSON object")),
    }
}

/// The shared SSRF guard speaks of webhooks; here it is a provider.
fn reword(message: String) -> String {
    message.replace(
        "webhooks may only call public hosts",
        "providers must be public hosts (SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS allows others)",
    )
}

/// An error with its causes, for the admin to read.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
