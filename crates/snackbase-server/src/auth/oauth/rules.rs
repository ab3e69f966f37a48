//! A provider configuration (`configuration::Resolved`, category
//! `auth_providers`) read as what the flow needs: how to reach the provider
//! ([`Settings`]) and whom it admits ([`Rules`]).

use serde_json::{Map, Value};

use super::provider::Settings;
use crate::error::ApiError;

/// The providers the flow knows how to speak to, by configuration name.
pub const PROVIDERS: [&str; 4] = ["oidc", "google", "microsoft", "github"];

/// Whom a provider admits, and how.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Email domains admitted (lower case); empty admits any.
    pub allowed_domains: Vec<String>,
    /// The role of users a first login creates in an existing account.
    pub default_role: String,
    /// Whether a first login may create a user (and, without an account, an account).
    pub allow_signup: bool,
    /// Whether a first login whose verified email matches an existing user
    /// links to that user.
    pub link_existing: bool,
}

impl Rules {
    /// Refuses an address outside the allowed domains.
    pub fn check_domain(&self, email: &str) -> Result<(), ApiError> {
        if self.allowed_domains.is_empty() {
            return Ok(());
        }
        let domain = email
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if self.allowed_domains.contains(&domain) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "This provider only admits addresses at: {}",
                self.allowed_domains.join(", ")
            )))
        }
    }
}

fn text(values: &Map<String, Value>, key: &str) -> Option<String> {
    values
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn flag(values: &Map<String, Value>, key: &str, default: bool) -> bool {
    values.get(key).and_then(Value::as_bool).unwrap_or(default)
}

fn misconfigured(what: &str) -> ApiError {
    ApiError::bad_request(format!("The provider is not fully configured: {what}"))
}

/// How to reach provider `name` from its configuration values, as the
/// catalogue completes them (`catalog::Provider::complete`: defaults, and the
/// issuer it derives for Google and Microsoft).
pub fn settings(name: &str, values: &Map<String, Value>) -> Result<Settings, ApiError> {
    let github = name == "github";
    let issuer_key = if github { "base_url" } else { "issuer_url" };
    let issuer = text(values, issuer_key)
        .ok_or_else(|| misconfigured(&format!("{issuer_key} is missing")))?;
    // GitHub has no scopes setting: it needs its user and their addresses.
    let scopes = text(values, "scopes").unwrap_or_else(|| "read:user user:email".into());
    Ok(Settings {
        issuer: issuer.trim_end_matches('/').to_string(),
        api_url: if github {
            Some(text(values, "api_url").ok_or_else(|| misconfigured("api_url is missing"))?)
        } else {
            None
        },
        client_id: text(values, "client_id")
            .ok_or_else(|| misconfigured("client_id is missing"))?,
        client_secret: text(values, "client_secret")
            .ok_or_else(|| misconfigured("client_secret is missing"))?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
    })
}

/// Whom provider configuration `values` admits.
pub fn rules(values: &Map<String, Value>) -> Rules {
    let allowed_domains = match values.get("allowed_domains") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ' '])
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    Rules {
        allowed_domains,
        default_role: text(values, "default_role").unwrap_or_else(|| "user".into()),
        allow_signup: flag(values, "allow_signup", true),
        link_existing: flag(values, "link_existing", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    /// The values as the configuration store hands them to the flow.
    fn completed(name: &str, v: Value) -> Map<String, Value> {
        crate::configuration::catalog::provider(super::super::CATEGORY, name)
            .unwrap()
            .complete(map(v))
    }

    #[test]
    fn presets_fix_the_issuer() {
        let v = json!({"client_id": "c", "client_secret": "s", "issuer_url": "https://evil"});
        assert_eq!(
            settings("google", &completed("google", v)).unwrap().issuer,
            "https://accounts.google.com"
        );
        let v = json!({"client_id": "c", "client_secret": "s", "tenant": "acme"});
        assert_eq!(
            settings("microsoft", &completed("microsoft", v))
                .unwrap()
                .issuer,
            "https://login.microsoftonline.com/acme/v2.0"
        );
        let v = json!({"client_id": "c", "client_secret": "s"});
        assert!(settings("oidc", &completed("oidc", v)).is_err());
        let v = json!({"client_id": "c", "client_secret": "s"});
        let gh = settings("github", &completed("github", v)).unwrap();
        assert_eq!(gh.issuer, "https://github.com");
        assert_eq!(gh.api_url.as_deref(), Some("https://api.github.com"));
    }

    #[test]
    fn domains_are_matched_exactly_and_without_case() {
        let r = rules(&map(
            json!({"allowed_domains": ["Example.com", "@corp.io"]}),
        ));
        assert!(r.check_domain("a@example.com").is_ok());
        assert!(r.check_domain("a@corp.io").is_ok());
        assert!(r.check_domain("a@evil-example.com").is_err());
        assert!(r.check_domain("a@example.com.evil").is_err());
        assert!(rules(&map(json!({})))
            .check_domain("a@anything.org")
            .is_ok());
        let d = rules(&map(json!({})));
        assert!(d.allow_signup && !d.link_existing && d.default_role == "user");
    }
}
