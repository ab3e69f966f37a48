//! The hash chain and its signatures.
//!
//! An entry's `checksum` is the SHA-256 (hex) of the previous entry's
//! checksum, a newline, and the entry's canonical content: a JSON array of
//! its fields in a fixed order (see [`Content::canonical`]). The first entry
//! of a chain follows [`GENESIS`]. The head of each chain and every
//! checkpoint are signed with an ed25519 key derived from the server's secret
//! key; verifying needs only the public key.

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the first entry of a chain follows.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of system events (not of one account).
pub const SYSTEM_CHAIN: &str = "system";

/// The chain an account's entries go to (`None`: the system chain).
pub fn chain_of(account_id: Option<&str>) -> String {
    match account_id {
        Some(a) => format!("account:{a}"),
        None => SYSTEM_CHAIN.to_string(),
    }
}

/// The hashed content of an entry: everything but its row id and checksums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub chain: String,
    pub sequence: i64,
    pub account_id: Option<String>,
    pub operation: String,
    pub table_name: String,
    pub record_id: String,
    pub column_name: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    pub es_username: Option<String>,
    pub es_reason: Option<String>,
    pub es_timestamp: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub occurred_at: String,
    /// JSON text, as stored.
    pub extra_metadata: Option<String>,
    /// An entry of one change with its columns inside (see [`columns_text`]):
    /// their JSON text, as stored; `column_name`, `old_value` and
    /// `new_value` are then empty. `None`: an entry of one column (or of none),
    /// as every entry was before.
    pub columns: Option<String>,
}

/// Columns per entry at most: an entry of a change with more columns is
/// split, and the API numbers an entry's columns within this bound.
pub const COLUMNS_PER_ENTRY: usize = 1024;

/// The stored (and hashed) form of a change's columns: a JSON array of
/// `[name, old, new]` arrays, compact, as `serde_json` writes it, so a
/// verifier rebuilds the same text from the columns it is shown.
pub fn columns_text<'a>(
    columns: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
) -> String {
    let columns: Vec<_> = columns.into_iter().collect();
    serde_json::to_string(&columns).unwrap_or_default()
}

impl Content {
    /// The canonical form: a JSON array of the fields in declaration order
    /// (compact, as `serde_json` writes it).
    pub fn canonical(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_canonical(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    fn write_canonical(&self, out: &mut Vec<u8>) {
        fn item<T: Serialize + ?Sized>(out: &mut Vec<u8>, first: bool, v: &T) {
            if !first {
                out.push(b',');
            }
            // Writing JSON into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, v);
        }
        out.push(b'[');
        item(out, true, &self.chain);
        item(out, false, &self.sequence);
        item(out, false, &self.account_id);
        item(out, false, &self.operation);
        item(out, false, &self.table_name);
        item(out, false, &self.record_id);
        for v in [
            &self.column_name,
            &self.old_value,
            &self.new_value,
            &self.user_id,
            &self.user_email,
            &self.user_name,
            &self.es_username,
            &self.es_reason,
            &self.es_timestamp,
            &self.ip_address,
            &self.user_agent,
            &self.request_id,
        ] {
            item(out, false, v);
        }
        item(out, false, &self.occurred_at);
        item(out, false, &self.extra_metadata);
        // Entries of one column keep the canonical form they always had;
        // one more item marks (and covers) an entry of several.
        if let Some(columns) = &self.columns {
            item(out, false, columns);
        }
        out.push(b']');
    }

    /// The checksum of this content following `previous`.
    pub fn checksum(&self, previous: &str) -> String {
        let mut buf = Vec::with_capacity(512);
        buf.extend_from_slice(previous.as_bytes());
        buf.push(b'\n');
        self.write_canonical(&mut buf);
        hex::encode(Sha256::digest(&buf))
    }
}

/// What a chain's head signature covers.
pub fn head_message(chain: &str, sequence: i64, hash: &str) -> String {
    format!("snackbase-audit-head\n{chain}\n{sequence}\n{hash}")
}

/// What a checkpoint's signature covers (the previous one's signature too).
pub fn checkpoint_message(
    chain: &str,
    sequence: i64,
    head_hash: &str,
    created_at: &str,
    previous_signature: &str,
) -> String {
    format!("snackbase-audit-checkpoint\n{chain}\n{sequence}\n{head_hash}\n{created_at}\n{previous_signature}")
}

/// What an export's signature covers: how many entries, when, and the
/// digest of their checksums (see `export`).
pub fn export_message(count: u64, generated_at: &str, digest: &str) -> String {
    format!("snackbase-audit-export\n{count}\n{generated_at}\n{digest}")
}

/// The signing key, derived from the secret key (HKDF-SHA256), so every
/// node that shares the secret key signs alike and nothing else is kept.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key_hex())
            .finish()
    }
}

impl Signer {
    pub fn new(secret_key: &str) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"snackbase audit signing"), secret_key.as_bytes());
        let mut seed = [0u8; 32];
        hk.expand(b"ed25519 v1", &mut seed)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The signature of `message`, hex.
    pub fn sign(&self, message: &str) -> String {
        hex::encode(self.key.sign(message.as_bytes()).to_bytes())
    }

    pub fn verifier(&self) -> Verifier {
        Verifier {
            key: self.key.verifying_key(),
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }
}

/// Checks signatures with a public key only.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: VerifyingKey,
}

impl Verifier {
    /// A public key in hex (64 characters).
    pub fn from_hex(public_key: &str) -> Option<Self> {
        let bytes: [u8; 32] = hex::decode(public_key.trim()).ok()?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes)
            .ok()
            .map(|key| Self { key })
    }

    pub fn verify(&self, message: &str, signature_hex: &str) -> bool {
        let Some(bytes) = hex::decode(signature_hex)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        self.key
            .verify_strict(message.as_bytes(), &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn checksums_chain_and_change_with_any_field() {
        let mut c = Content {
            chain: chain_of(Some("a1")),
            sequence: 1,
            operation: "CREATE".into(),
            table_name: "posts".into(),
            record_id: "r1".into(),
            occurred_at: "2026-01-01T00:00:00.000000Z".into(),
            ..Default::default()
        };
        let first = c.checksum(GENESIS);
        assert_eq!(first.len(), 64);
        assert_eq!(first, c.checksum(GENESIS), "deterministic");
        assert_ne!(first, c.checksum(&first), "depends on the previous hash");
        c.new_value = Some("x".into());
        assert_ne!(first, c.checksum(GENESIS), "depends on the content");
        // A value moved between adjacent fields changes the hash.
        let a = Content {
            old_value: Some("ab".into()),
            ..c.clone()
        };
        let b = Content {
            old_value: Some("a".into()),
            new_value: Some("bx".into()),
            ..c.clone()
        };
        assert_ne!(a.checksum(GENESIS), b.checksum(GENESIS));
    }

    #[test]
    fn the_canonical_form_is_the_compact_json_array() {
        let c = Content {
            chain: "system".into(),
            sequence: 7,
            account_id: None,
            operation: "UPDATE".into(),
            table_name: "t".into(),
            record_id: "r\"1".into(),
            column_name: Some("c".into()),
            new_value: Some("é\n".into()),
            occurred_at: "now".into(),
            extra_metadata: Some("{\"a\":1}".into()),
            ..Default::default()
        };
        let expected = serde_json::json!([
            "system",
            7,
            null,
            "UPDATE",
            "t",
            "r\"1",
            "c",
            null,
            "é\n",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "now",
            "{\"a\":1}"
        ])
        .to_string();
        assert_eq!(c.canonical(), expected);
    }

    #[test]
    fn an_entry_of_several_columns_hashes_them_as_one_more_item() {
        let one = Content {
            chain: "account:A".into(),
            sequence: 1,
            operation: "CREATE".into(),
            table_name: "posts".into(),
            record_id: "r1".into(),
            occurred_at: "now".into(),
            ..Default::default()
        };
        let text = columns_text([
            (Some("title"), None, Some("a \"title\"")),
            (Some("views"), Some("1"), None),
        ]);
        assert_eq!(text, r#"[["title",null,"a \"title\""],["views","1",null]]"#);
        let several = Content {
            columns: Some(text.clone()),
            ..one.clone()
        };
        let canonical: Vec<Value> = serde_json::from_str(&several.canonical()).unwrap();
        assert_eq!(canonical.len(), 21);
        assert_eq!(canonical[20], Value::String(text.clone()));
        assert_eq!(
            serde_json::from_str::<Vec<Value>>(&one.canonical())
                .unwrap()
                .len(),
            20
        );
        assert_ne!(one.checksum(GENESIS), several.checksum(GENESIS));
        // Any column's value, order or presence changes the hash.
        for other in [
            columns_text([
                (Some("title"), None, Some("a \"title\"")),
                (Some("views"), Some("2"), None),
            ]),
            columns_text([
                (Some("views"), Some("1"), None),
                (Some("title"), None, Some("a \"title\"")),
            ]),
            columns_text([(Some("title"), None, Some("a \"title\""))]),
            "[]".to_string(),
        ] {
            let changed = Content {
                columns: Some(other),
                ..one.clone()
            };
            assert_ne!(changed.checksum(GENESIS), several.checksum(GENESIS));
        }
    }

    #[test]
    fn signatures_verify_with_the_public_key_only() {
        let s = Signer::new("secret one");
        let v = Verifier::from_hex(&s.public_key_hex()).unwrap();
        let sig = s.sign("hello");
        assert!(v.verify("hello", &sig));
        assert!(!v.verify("hellO", &sig));
        assert!(!v.verify("hello", "00"));
        let other = Signer::new("secret two");
        assert_ne!(other.public_key_hex(), s.public_key_hex());
        assert!(!Verifier::from_hex(&other.public_key_hex())
            .unwrap()
            .verify("hello", &sig));
        assert_eq!(
            Signer::new("secret one").public_key_hex(),
            s.public_key_hex()
        );
    }
}
