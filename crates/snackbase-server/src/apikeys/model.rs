//! The key's text form and its row.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// What every key starts with (the SDK reads `sb_ak` as an API key).
pub const PREFIX: &str = "sb_ak";
const KEY_ID_LEN: usize = 16;
const SECRET_LEN: usize = 43;

/// A new key: its public id, its secret, and the text handed out once.
pub struct NewKey {
    pub key_id: String,
    pub secret_hash: String,
    pub plaintext: String,
}

fn random_text(bytes: usize) -> String {
    use base64::Engine as _;
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

pub fn generate() -> NewKey {
    let key_id = random_text(12);
    let secret = random_text(32);
    debug_assert_eq!((key_id.len(), secret.len()), (KEY_ID_LEN, SECRET_LEN));
    NewKey {
        secret_hash: hash_secret(&secret),
        plaintext: format!("{PREFIX}.{key_id}.{secret}"),
        key_id,
    }
}

pub fn hash_secret(secret: &str) -> String {
    crate::auth::tokens::token_hash(secret)
}

/// Splits a presented key into its id and secret; `None` unless it has the
/// exact shape of a key (so nothing else reaches the database).
pub fn parse(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(PREFIX)?.strip_prefix('.')?;
    let (key_id, secret) = rest.split_once('.')?;
    let url_safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (key_id.len() == KEY_ID_LEN
        && secret.len() == SECRET_LEN
        && url_safe(key_id)
        && url_safe(secret))
    .then_some((key_id, secret))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub key_id: String,
    pub role: String,
    pub created_by: String,
    pub created_by_email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The scope as stored: a JSON array of collection names, or NULL.
    pub collections: Option<String>,
}

/// A stored scope as names (`None`: every collection). A scope that does not
/// read as a list of names reaches nothing rather than everything.
pub fn scope_of(stored: Option<&str>) -> Option<Vec<String>> {
    stored.map(|text| serde_json::from_str(text).unwrap_or_default())
}

pub const SELECT_KEY: &str = "SELECT k.id, k.account_id, k.name, k.key_id, r.name AS role, k.created_by, \
     u.email AS created_by_email, k.created_at, k.updated_at, k.expires_at, k.last_used_at, k.revoked_at, k.collections \
     FROM api_keys k JOIN roles r ON r.id = k.role_id JOIN users u ON u.id = k.created_by";

/// A key as the API shows it (the SDK's `ApiKey`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The whole key in the create reply only; masked everywhere else.
    pub key: String,
    /// `sb_ak.<key id>`: enough to recognise a key, useless to use one.
    pub prefix: String,
    pub account_id: String,
    pub role: String,
    /// The user the key acts for.
    pub created_by: String,
    pub created_by_email: String,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub is_active: bool,
    /// The collections the key may reach; `null`: every collection.
    pub collections: Option<Vec<String>>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl ApiKey {
    pub fn masked(row: KeyRow) -> Self {
        let prefix = format!("{PREFIX}.{}", row.key_id);
        let now = crate::http::time::now();
        Self {
            key: format!("{prefix}.••••"),
            prefix,
            is_active: row.revoked_at.is_none() && row.expires_at.is_none_or(|e| e > now),
            collections: scope_of(row.collections.as_deref()),
            id: row.id,
            name: row.name,
            account_id: row.account_id,
            role: row.role,
            created_by: row.created_by,
            created_by_email: row.created_by_email,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_and_hashes_to_its_stored_hash() {
        let key = generate();
        let (id, secret) = parse(&key.plaintext).expect("parses");
        assert_eq!(id, key.key_id);
        assert_eq!(hash_secret(secret), key.secret_hash);
        assert_ne!(generate().plaintext, key.plaintext);
    }

    #[test]
    fn anything_else_is_not_a_key() {
        let key = generate().plaintext;
        for bad in [
            "",
            "sb_ak",
            "sb_ak..",
            &key[..key.len() - 1],
            &format!("{key}x"),
            &key.replace("sb_ak", "sb_pt"),
            &format!("{}'", &key[..key.len() - 1]),
            "sb_ak.0123456789abcdef.' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
