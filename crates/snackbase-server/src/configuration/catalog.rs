//! The provider catalogue (static): which providers each category offers,
//! their fields as a JSON schema (secret fields marked `secret: true`), the
//! validation of stored values against it, defaults and derived values.

use serde_json::{json, Map, Value};

use crate::error::{ApiError, FieldError};

pub use super::providers::PROVIDERS;

/// OAuth2/OpenID Connect login providers (per account or system-wide).
pub const AUTH_PROVIDERS: &str = "auth_providers";
/// The mail server (per account or system-wide; the environment's SMTP
/// settings apply where none is configured).
pub const EMAIL_PROVIDERS: &str = "email_providers";
/// Where uploaded files live (system-wide only).
pub const STORAGE_PROVIDERS: &str = "storage_providers";

/// Whether configurations of `category` exist only system-wide.
pub fn system_only(category: &str) -> bool {
    category == STORAGE_PROVIDERS
}

/// What a masked secret looks like; sent back unchanged, it keeps the stored one.
pub const MASK: &str = "********";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An absolute http(s) URL.
    Url,
    Bool,
    /// A list of email domains.
    Domains,
    /// A host name or IP address (no scheme, no port).
    Host,
    /// A TCP port, 1 to 65535.
    Port,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// An email address.
    Email,
    /// An absolute filesystem path.
    Path,
    /// An S3 bucket name.
    Bucket,
}

#[derive(Clone, Copy)]
pub enum Fallback {
    None,
    Text(&'static str),
    Bool(bool),
    Int(i64),
    EmptyList,
}

pub struct Field {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub secret: bool,
    pub required: bool,
    pub default: Fallback,
}

impl Field {
    fn default_value(&self) -> Option<Value> {
        match self.default {
            Fallback::None => None,
            Fallback::Text(t) => Some(Value::String(t.into())),
            Fallback::Bool(b) => Some(Value::Bool(b)),
            Fallback::Int(i) => Some(json!(i)),
            Fallback::EmptyList => Some(json!([])),
        }
    }
}

pub struct Provider {
    pub category: &'static str,
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// The provider's own fields (the category's common ones follow).
    pub fields: &'static [Field],
}

/// Whether the catalogue knows `category`.
pub fn known_category(category: &str) -> bool {
    PROVIDERS.iter().any(|p| p.category == category)
}

pub fn provider(category: &str, name: &str) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| p.category == category && p.name == name)
}

impl Provider {
    /// The provider's fields, then the category's common ones.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> {
        let common: &'static [Field] = if self.category == AUTH_PROVIDERS {
            super::providers::AUTH_COMMON
        } else {
            &[]
        };
        self.fields.iter().chain(common.iter())
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields().find(|f| f.name == name)
    }

    /// The JSON schema of the provider's values.
    pub fn schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for f in self.fields() {
            let mut p = match f.kind {
                Kind::Text | Kind::Host | Kind::Path | Kind::Bucket => json!({"type": "string"}),
                Kind::Url => json!({"type": "string", "format": "uri"}),
                Kind::Email => json!({"type": "string", "format": "email"}),
                Kind::Port => json!({"type": "integer", "minimum": 1, "maximum": 65535}),
                Kind::Choice(words) => json!({"type": "string", "enum": words}),
                Kind::Bool => json!({"type": "boolean"}),
                Kind::Domains => json!({"type": "array", "items": {"type": "string"}}),
            };
            p["title"] = json!(f.title);
            p["description"] = json!(f.description);
            if f.secret {
                p["secret"] = json!(true);
                p["writeOnly"] = json!(true);
            }
            if let Some(d) = f.default_value() {
                p["default"] = d;
            }
            if f.required {
                required.push(json!(f.name));
            }
            properties.insert(f.name.into(), p);
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.display_name,
            "description": self.description,
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    /// Checks a complete set of values (secrets included): no unknown keys,
    /// the right types, URLs that are http(s), required values present.
    /// Returns them normalised (strings trimmed, domains lowercased, `null`s
    /// dropped). Errors name `config.<field>`.
    pub fn validate(&self, values: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
        self.check_values(values, true)
    }

    /// Like [`Provider::validate`], without requiring anything.
    pub fn validate_partial(
        &self,
        values: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        self.check_values(values, false)
    }

    fn check_values(
        &self,
        values: &Map<String, Value>,
        complete: bool,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut errors = Vec::new();
        let mut out = Map::new();
        for (key, value) in values {
            let at = format!("config.{key}");
            let Some(f) = self.field(key) else {
                errors.push(FieldError::new(
                    at,
                    "unknown_field",
                    format!("'{key}' is not a setting of {}", self.display_name),
                ));
                continue;
            };
            if value.is_null() {
                continue;
            }
            match check(f, value) {
                Ok(v) => {
                    out.insert(key.clone(), v);
                }
                Err((code, message)) => errors.push(FieldError::new(at, code, message)),
            }
        }
        for f in self.fields().filter(|f| f.required && complete) {
            let at = format!("config.{}", f.name);
            if !out.contains_key(f.name) && !errors.iter().any(|e| e.field == at) {
                errors.push(FieldError::new(
                    at,
                    "required",
                    format!("{} is required", f.title),
                ));
            }
        }
        match ApiError::from_field_errors(errors) {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Splits values into the non-secret and the secret ones.
    pub fn split(&self, values: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
        values
            .into_iter()
            .partition(|(k, _)| !self.field(k).is_some_and(|f| f.secret))
    }

    /// Fills defaults and derived values (the issuer of Google and
    /// Microsoft), for the OAuth flow.
    pub fn complete(&self, mut values: Map<String, Value>) -> Map<String, Value> {
        for f in self.fields() {
            if !values.contains_key(f.name) {
                if let Some(d) = f.default_value() {
                    values.insert(f.name.into(), d);
                }
            }
        }
        match self.name {
            "google" => {
                values.insert("issuer_url".into(), json!("https://accounts.google.com"));
            }
            "microsoft" => {
                let tenant = values
                    .get("tenant")
                    .and_then(Value::as_str)
                    .unwrap_or("common")
                    .to_string();
                values.insert(
                    "issuer_url".into(),
                    json!(format!("https://login.microsoftonline.com/{tenant}/v2.0")),
                );
            }
            _ => {}
        }
        values
    }

    /// Whether the provider speaks OpenID Connect (has a discovery document).
    pub fn is_oidc(&self) -> bool {
        matches!(self.name, "oidc" | "google" | "microsoft")
    }
}

const MAX_TEXT: usize = 2048;
const MAX_DOMAINS: usize = 100;

fn check(f: &Field, value: &Value) -> Result<Value, (&'static str, String)> {
    let wrong = |what: &str| ("invalid_type", format!("{} must be {what}", f.title));
    match f.kind {
        Kind::Bool => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| wrong("true or false")),
        Kind::Port => value
            .as_i64()
            .filter(|p| (1..=65535).contains(p))
            .map(|p| json!(p))
            .ok_or_else(|| wrong("a port number from 1 to 65535")),
        Kind::Choice(words) => {
            let text = value.as_str().ok_or_else(|| wrong("a string"))?.trim();
            let word = text.to_ascii_lowercase();
            if words.contains(&word.as_str()) {
                Ok(Value::String(word))
            } else {
                Err((
                    "invalid_choice",
                    format!("{} must be one of: {}", f.title, words.join(", ")),
                ))
            }
        }
        Kind::Text | Kind::Url | Kind::Host | Kind::Email | Kind::Path | Kind::Bucket => {
            let text = value.as_str().ok_or_else(|| wrong("a string"))?.trim();
            if text.is_empty() {
                return Err(("required", format!("{} must not be empty", f.title)));
            }
            if text.len() > MAX_TEXT {
                return Err((
                    "too_long",
                    format!("{} is longer than {MAX_TEXT} bytes", f.title),
                ));
            }
            if text.chars().any(char::is_control) {
                return Err((
                    "invalid_value",
                    format!("{} contains control characters", f.title),
                ));
            }
            if f.kind == Kind::Url && !crate::formats::web_url(text) {
                return Err(("invalid_url", format!("{} must be an http(s) URL", f.title)));
            }
            check_shape(f, text)?;
            if f.name == "tenant"
                && !text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            {
                return Err((
                    "invalid_value",
                    "Tenant must be an id or a domain name".into(),
                ));
            }
            Ok(Value::String(text.to_string()))
        }
        Kind::Domains => {
            let list = value.as_array().ok_or_else(|| wrong("a list of domains"))?;
            if list.len() > MAX_DOMAINS {
                return Err(("too_long", format!("At most {MAX_DOMAINS} domains")));
            }
            let mut out = Vec::new();
            for item in list {
                let d = item
                    .as_str()
                    .ok_or_else(|| wrong("a list of domains"))?
                    .trim()
                    .trim_start_matches('@')
                    .to_ascii_lowercase();
                let ok = !d.is_empty()
                    && d.len() <= 253
                    && d.contains('.')
                    && d.split('.').all(|label| {
                        !label.is_empty()
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if !ok {
                    return Err(("invalid_domain", format!("'{d}' is not a domain name")));
                }
                if !out.contains(&Value::String(d.clone())) {
                    out.push(Value::String(d));
                }
            }
            Ok(Value::Array(out))
        }
    }
}

/// The shape of a host, an address, a path or a bucket name.
fn check_shape(f: &Field, text: &str) -> Result<(), (&'static str, String)> {
    let ok = match f.kind {
        Kind::Host => host_name(text),
        Kind::Email => crate::formats::email(text).is_some(),
        Kind::Path => std::path::Path::new(text).is_absolute(),
        Kind::Bucket => crate::config::bucket_name(text),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let what = match f.kind {
        Kind::Host => "a host name or IP address (no scheme, no port)",
        Kind::Email => "an email address",
        Kind::Path => "an absolute path",
        _ => "3 to 63 lower-case letters, digits, '-' or '.'",
    };
    Err(("invalid_value", format!("{} must be {what}", f.title)))
}

/// A DNS name, an IPv4 address or an IPv6 address (bare or in brackets).
fn host_name(text: &str) -> bool {
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc() -> &'static Provider {
        provider(AUTH_PROVIDERS, "oidc").expect("oidc")
    }

    #[test]
    fn validates_names_the_field() {
        let values = json!({"issuer_url": "ftp://x", "client_id": 3, "nope": 1, "allowed_domains": ["Example.COM", "@b.org"]});
        let Err(ApiError::Validation { details, .. }) =
            oidc().validate(values.as_object().expect("object"))
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert!(fields.contains(&"config.issuer_url"), "{fields:?}");
        assert!(fields.contains(&"config.client_id"));
        assert!(fields.contains(&"config.nope"));
        assert!(fields.contains(&"config.client_secret"));
        assert!(!fields.contains(&"config.allowed_domains"));
    }

    #[test]
    fn splits_and_completes() {
        let values = json!({"issuer_url": "https://id.example.com", "client_id": " c ", "client_secret": "s", "allowed_domains": ["Example.COM"]});
        let ok = oidc()
            .validate(values.as_object().expect("object"))
            .expect("valid");
        assert_eq!(ok["client_id"], "c");
        assert_eq!(ok["allowed_domains"], json!(["example.com"]));
        let (plain, secret) = oidc().split(ok);
        assert!(plain.contains_key("client_id") && !plain.contains_key("client_secret"));
        assert_eq!(secret["client_secret"], "s");
        let full = oidc().complete(plain);
        assert_eq!(full["scopes"], "openid email profile");
        assert_eq!(full["allow_signup"], true);
        let ms = provider(AUTH_PROVIDERS, "microsoft").expect("microsoft");
        let full = ms.complete(Map::new());
        assert_eq!(
            full["issuer_url"],
            "https://login.microsoftonline.com/common/v2.0"
        );
        assert_eq!(ms.schema()["properties"]["client_secret"]["secret"], true);
    }
}
