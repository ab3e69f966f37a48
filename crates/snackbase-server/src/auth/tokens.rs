//! JWTs: HS256, issuer `snackbase`, the original's claims, plus `sid` (the login
//! session the token belongs to, so logout and reuse detection revoke it at once).

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const ISSUER: &str = "snackbase";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub user_id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sid: String,
    /// Who acts as `sub` (RFC 8693's `act`): set on impersonation tokens.
    /// Informative; the server reads it from the session, not from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
}

/// The acting party of an impersonation token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub iss: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub user_id: String,
    pub account_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sid: String,
}

/// Who a token is issued to.
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub account_id: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub session_id: &'a str,
}

/// A freshly issued refresh token and what must be stored about it.
pub struct IssuedRefresh {
    pub token: String,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &str, access_minutes: i64, refresh_days: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            access_ttl: Duration::minutes(access_minutes),
            refresh_ttl: Duration::days(refresh_days),
        }
    }

    /// Access-token lifetime in seconds (`expires_in`).
    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl.num_seconds()
    }

    pub fn issue_access(&self, s: &Subject<'_>) -> Result<String, ApiError> {
        self.issue_short(s, "access", self.access_ttl)
    }

    /// A file token (`POST /files/token`): the claims of an access token
    /// with type `file`, valid for `ttl`. It opens file downloads only:
    /// [`TokenKeys::decode_access`] refuses it.
    pub fn issue_file(&self, s: &Subject<'_>, ttl: Duration) -> Result<String, ApiError> {
        self.issue_short(s, "file", ttl)
    }

    /// An access token of an impersonation session: valid for `ttl`, with
    /// `act` naming the administrator. There is no refresh token for it.
    pub fn issue_impersonation(
        &self,
        s: &Subject<'_>,
        actor: Actor,
        ttl: Duration,
    ) -> Result<String, ApiError> {
        self.issue_claims(s, "access", ttl, Some(actor))
    }

    fn issue_short(&self, s: &Subject<'_>, kind: &str, ttl: Duration) -> Result<String, ApiError> {
        self.issue_claims(s, kind, ttl, None)
    }

    fn issue_claims(
        &self,
        s: &Subject<'_>,
        kind: &str,
        ttl: Duration,
        act: Option<Actor>,
    ) -> Result<String, ApiError> {
        let now = Utc::now();
        let claims = AccessClaims {
            iss: ISSUER.into(),
            sub: s.user_id.into(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            user_id: s.user_id.into(),
            account_id: s.account_id.into(),
            email: s.email.into(),
            role: s.role.into(),
            kind: kind.into(),
            sid: s.session_id.into(),
            act,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn issue_refresh(&self, s: &Subject<'_>) -> Result<IssuedRefresh, ApiError> {
        let now = Utc::now();
        let expires_at = now + self.refresh_ttl;
        let jti = uuid::Uuid::new_v4().to_string();
        let claims = RefreshClaims {
            iss: ISSUER.into(),
            sub: s.user_id.into(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: jti.clone(),
            user_id: s.user_id.into(),
            account_id: s.account_id.into(),
            kind: "refresh".into(),
            sid: s.session_id.into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok(IssuedRefresh {
            token,
            jti,
            expires_at: crate::http::time::now() + self.refresh_ttl,
        })
    }

    /// Validates signature, expiry, issuer and type; `None` on any failure.
    pub fn decode_access(&self, token: &str) -> Option<AccessClaims> {
        let claims = decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.kind == "access" && claims.sub == claims.user_id).then_some(claims)
    }

    /// An access token or a file token (file downloads take either).
    pub fn decode_file_access(&self, token: &str) -> Option<AccessClaims> {
        let claims = decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (matches!(claims.kind.as_str(), "access" | "file") && claims.sub == claims.user_id)
            .then_some(claims)
    }

    pub fn decode_refresh(&self, token: &str) -> Option<RefreshClaims> {
        let claims = decode::<RefreshClaims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.kind == "refresh" && claims.sub == claims.user_id).then_some(claims)
    }
}

/// SHA-256 hex of a whole token string: what the database stores.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject<'static> {
        Subject {
            user_id: "u1",
            account_id: "AA0001",
            email: "a@example.com",
            role: "admin",
            session_id: "s1",
        }
    }

    #[test]
    fn types_cannot_be_swapped() {
        let keys = TokenKeys::new("k".repeat(32).as_str(), 60, 7);
        let access = keys.issue_access(&subject()).unwrap();
        let refresh = keys.issue_refresh(&subject()).unwrap().token;
        assert!(keys.decode_access(&access).is_some());
        assert!(keys.decode_refresh(&refresh).is_some());
        assert!(keys.decode_access(&refresh).is_none());
        assert!(keys.decode_refresh(&access).is_none());
        let file = keys.issue_file(&subject(), Duration::seconds(180)).unwrap();
        assert!(keys.decode_access(&file).is_none());
        assert!(keys.decode_file_access(&file).is_some());
        assert!(keys.decode_file_access(&access).is_some());
        assert!(keys.decode_file_access(&refresh).is_none());
    }

    #[test]
    fn other_keys_and_alg_none_are_refused() {
        let keys = TokenKeys::new("k".repeat(32).as_str(), 60, 7);
        let other = TokenKeys::new("x".repeat(32).as_str(), 60, 7);
        let access = other.issue_access(&subject()).unwrap();
        assert!(keys.decode_access(&access).is_none());
        let payload = access.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.decode_access(&none).is_none());
    }
}
