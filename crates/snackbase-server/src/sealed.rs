//! Secrets kept at rest in the database (OAuth client secrets, TOTP seeds):
//! sealed with XChaCha20-Poly1305 under a key derived (HKDF-SHA256) from the
//! server's secret key, so a copy of the database alone does not reveal them.
//!
//! A sealed value is text: `v1.` followed by base64url (no padding) of the
//! 24-byte random nonce and the ciphertext with its tag. The `purpose` is
//! bound in as associated data, so a value sealed for one use (say an OAuth
//! secret) cannot be replayed as another (a TOTP seed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Seals and opens secrets with the node's key (the same on every node that
/// shares the secret key).
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

/// A sealed value that does not open: tampered with, sealed for another
/// purpose, or under another secret key.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened (was the secret key changed?)")]
pub struct Unsealable;

impl Sealer {
    /// Derives the sealing key from the server's secret key.
    pub fn new(secret_key: &str) -> Self {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(
            Some(b"snackbase sealed secrets"),
            secret_key.as_bytes(),
        );
        let mut key = [0u8; 32];
        hk.expand(b"v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// Seals `plain` for `purpose` (a short fixed label such as `"oauth"`).
    pub fn seal(&self, purpose: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail on in-memory input");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed by [`Sealer::seal`] for the same `purpose`.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, Unsealable> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|raw| raw.len() > NONCE_LEN)
            .ok_or(Unsealable)?;
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| Unsealable)?;
        String::from_utf8(plain).map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_value() {
        let s = Sealer::new("k".repeat(40).as_str());
        let sealed = s.seal("oauth", "client-secret-123");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("client-secret-123"));
        assert_ne!(
            sealed,
            s.seal("oauth", "client-secret-123"),
            "a fresh nonce each time"
        );
        assert_eq!(s.open("oauth", &sealed).unwrap(), "client-secret-123");
    }

    #[test]
    fn refuses_another_purpose_key_or_a_tampered_value() {
        let s = Sealer::new("a".repeat(40).as_str());
        let sealed = s.seal("oauth", "x");
        assert!(s.open("totp", &sealed).is_err());
        assert!(Sealer::new("b".repeat(40).as_str())
            .open("oauth", &sealed)
            .is_err());
        let mut bytes = sealed.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(s.open("oauth", &String::from_utf8(bytes).unwrap()).is_err());
        assert!(s.open("oauth", "v1.").is_err());
        assert!(s.open("oauth", "plain").is_err());
    }
}
