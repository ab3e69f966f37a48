//! Password hashing (Argon2id) and the password policy.
//!
//! New hashes use OWASP's recommended Argon2id setting (m = 19 MiB, t = 2,
//! p = 1); a stored hash carries its own parameters, so the original's hashes
//! (argon2-cffi's defaults: m = 64 MiB, t = 3, p = 4) verify as they are.
//! Hashing is CPU- and memory-heavy: it runs on the blocking pool, at most one
//! per core at a time, so a burst of logins neither stalls the async workers
//! nor multiplies the memory by the number of requests in flight.

use std::sync::LazyLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{ApiError, FieldError};

/// m = 19 MiB, t = 2, p = 1, 32-byte output (OWASP Password Storage Cheat Sheet).
fn argon2() -> Argon2<'static> {
    #[expect(clippy::expect_used, reason = "constant, valid parameters")]
    let params = Params::new(19 * 1024, 2, 1, Some(32)).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// One hash at a time per core.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _slot = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// Hashes a password into a PHC string.
pub async fn hash(password: &str) -> Result<String, ApiError> {
    let password = password.to_string();
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
    })
    .await
    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the hashing task failed")))?
}

/// Verifies a password against a PHC string; any malformed hash is a mismatch.
pub async fn verify(phc: &str, password: &str) -> bool {
    let (phc, password) = (phc.to_string(), password.to_string());
    hashing(move || match PasswordHash::new(&phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified when an account or user does not
/// exist so that a failed login takes as long whatever the reason.
pub struct DummyHash(String);

impl DummyHash {
    pub async fn generate() -> Result<Self, ApiError> {
        let random: [u8; 16] = rand::random();
        Ok(Self(hash(&hex::encode(random)).await?))
    }

    pub async fn burn(&self, password: &str) {
        let _ = verify(&self.0, password).await;
    }
}

const SPECIAL: &str = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?`~";

/// Every violated rule of the password policy, in the original's order.
pub fn policy_violations(password: &str, field: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut check = |ok: bool, code: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, code, message));
        }
    };
    check(
        password.chars().count() >= 12,
        "password_too_short",
        "Password must be at least 12 characters",
    );
    check(
        password.chars().any(|c| c.is_ascii_uppercase()),
        "password_no_uppercase",
        "Password must contain at least one uppercase letter",
    );
    check(
        password.chars().any(|c| c.is_ascii_lowercase()),
        "password_no_lowercase",
        "Password must contain at least one lowercase letter",
    );
    check(
        password.chars().any(char::is_numeric),
        "password_no_digit",
        "Password must contain at least one digit",
    );
    check(
        password.chars().any(|c| SPECIAL.contains(c)),
        "password_no_special",
        "Password must contain at least one special character",
    );
    check(
        password.len() <= 1024,
        "password_too_long",
        "Password must be at most 1024 bytes",
    );
    errors
}

/// Fails with a 422 listing every violated rule.
pub fn enforce_policy(password: &str, field: &str) -> Result<(), ApiError> {
    match ApiError::from_field_errors(policy_violations(password, field)) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_reports_every_rule_in_order() {
        let codes: Vec<_> = policy_violations("abc", "password")
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            [
                "password_too_short",
                "password_no_uppercase",
                "password_no_digit",
                "password_no_special"
            ]
        );
        assert!(policy_violations("Correct-Horse-42", "password").is_empty());
    }

    #[tokio::test]
    async fn hashes_verify_and_originals_verify() {
        let h = hash("Correct-Horse-42").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&h, "Correct-Horse-42").await);
        assert!(!verify(&h, "wrong").await);
        assert!(!verify("not a hash", "x").await);
    }

    #[tokio::test]
    async fn hashes_made_by_the_original_verify() {
        // Made by argon2-cffi's PasswordHasher() defaults, as the original stores them.
        let original = "$argon2id$v=19$m=65536,t=3,p=4$2yJ2Dl3f8tIoSegZHeMVbA$dVN+v1J5Tdft4MukhAaEuysMMX1Eu9MkKpcsSUbPCYA";
        assert!(verify(original, "Original-Passw0rd!").await);
        assert!(!verify(original, "Original-Passw0rd?").await);
    }
}
