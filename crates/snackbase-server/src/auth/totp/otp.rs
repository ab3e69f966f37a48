//! The codes: RFC 6238 time-based codes as authenticator apps make them
//! (SHA-1, 6 digits, 30 s steps, one step of skew either way), and recovery
//! codes (16 random characters, 80 bits, shown once, stored as SHA-256).

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::ApiError;

pub const ISSUER: &str = "SnackBase";
const DIGITS: usize = 6;
const STEP: u64 = 30;
/// Steps either side of now that are still accepted (clock drift, typing time).
const SKEW: u64 = 1;
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
/// Lowercase base32 without the characters people confuse (0/o, 1/l).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 16;

/// What a submitted code is, by its shape.
#[derive(Debug, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the authenticator app.
    Totp(String),
    /// A recovery code, normalised (lowercase, no separators).
    Recovery(String),
}

fn malformed() -> ApiError {
    ApiError::invalid(
        "code",
        "invalid_format",
        "code must be 6 digits or a recovery code",
    )
}

/// Reads a code: spaces and dashes are ignored, letters in any case.
pub fn parse(code: &str) -> Result<Code, ApiError> {
    if code.len() > 64 {
        return Err(malformed());
    }
    let cleaned: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if cleaned.len() == DIGITS && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Code::Totp(cleaned));
    }
    if cleaned.len() == RECOVERY_LEN && cleaned.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return Ok(Code::Recovery(cleaned));
    }
    Err(malformed())
}

/// Reads a code that must come from the authenticator app.
pub fn parse_totp(code: &str) -> Result<String, ApiError> {
    match parse(code)? {
        Code::Totp(digits) => Ok(digits),
        Code::Recovery(_) => Err(ApiError::invalid(
            "code",
            "invalid_format",
            "code must be the 6 digits the authenticator app shows",
        )),
    }
}

/// A new random seed (160 bits, RFC 4226's recommendation) in base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    totp(bytes.to_vec(), String::new()).get_secret_base32()
}

fn totp(secret: Vec<u8>, label: String) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW as u8,
        STEP,
        secret,
        Some(ISSUER.to_string()),
        label,
    )
}

fn decode(secret: &str) -> Option<Vec<u8>> {
    Secret::Encoded(secret.to_string()).to_bytes().ok()
}

/// The `otpauth://totp/…` URI an authenticator app scans.
pub fn otpauth_uri(secret: &str, email: &str) -> String {
    totp(decode(secret).unwrap_or_default(), email.to_string()).get_url()
}

/// The time step of a moment (seconds since the epoch).
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP
}

/// The current time step.
pub fn current_step() -> u64 {
    step_of(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default())
}

/// The step within the skew window around `now_step` whose code is `code`,
/// if any, and only if it is later than `after` (a step already used).
pub fn matching_step(secret: &str, code: &str, now_step: u64, after: Option<u64>) -> Option<u64> {
    let bytes = decode(secret)?;
    let generator = totp(bytes, String::new());
    let mut found = None;
    for step in now_step.saturating_sub(SKEW)..=now_step + SKEW {
        let expected = generator.generate(step * STEP);
        // Every candidate is compared, in constant time, so timing tells nothing.
        let same: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        if same && after.is_none_or(|used| step > used) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A new set of recovery codes as shown to the user (`xxxx-xxxx-xxxx-xxxx`).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: Vec<u8> = (0..RECOVERY_LEN)
                .map(|_| RECOVERY_ALPHABET[rand::random::<usize>() % RECOVERY_ALPHABET.len()])
                .collect();
            raw.chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The stored form of a recovery code (as shown or as parsed).
pub fn recovery_hash(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: the seed "12345678901234567890", T = 59 s, 8 digits 94287082.
        let seed = totp(b"12345678901234567890".to_vec(), String::new()).get_secret_base32();
        let code = totp(b"12345678901234567890".to_vec(), String::new()).generate(59);
        assert_eq!(code, "287082");
        assert_eq!(matching_step(&seed, "287082", step_of(59), None), Some(1));
        assert_eq!(matching_step(&seed, "287082", step_of(89), None), Some(1));
        assert_eq!(matching_step(&seed, "287082", step_of(121), None), None);
        assert_eq!(matching_step(&seed, "287082", step_of(59), Some(1)), None);
    }

    #[test]
    fn codes_are_read_by_their_shape() {
        assert_eq!(parse(" 123 456 ").unwrap(), Code::Totp("123456".into()));
        let rc = &new_recovery_codes()[0];
        assert_eq!(rc.len(), 19);
        let Code::Recovery(n) = parse(&rc.to_uppercase()).unwrap() else {
            panic!("a recovery code")
        };
        assert_eq!(recovery_hash(&n), recovery_hash(rc));
        for bad in ["", "12345", "1234567", "abcdef", &"1".repeat(100), "12345٦"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse_totp(rc).is_err());
    }

    #[test]
    fn secrets_are_base32_and_uris_name_the_issuer() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        let uri = otpauth_uri(&s, "a@example.com");
        assert!(
            uri.starts_with("otpauth://totp/SnackBase:a%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={s}")) && uri.contains("issuer=SnackBase"));
    }
}
