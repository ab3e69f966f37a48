//! Logins in progress (`oauth_flows`): what `/authorize` started and only the
//! matching `/callback` may finish, once. Kept in the database so a callback
//! may reach another node than the authorize did. Only a hash of `state` is
//! stored, and the PKCE verifier is sealed.

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::db::Tx;
use crate::on_tx;

/// How long a user has to come back from the provider.
pub const TTL_SECONDS: i64 = 600;

const SEAL_PURPOSE: &str = "oauth-pkce";

/// A login in progress.
#[derive(Debug, Clone)]
pub struct Flow {
    pub provider_name: String,
    pub configuration_id: String,
    /// The account named at authorize; None lets the login find or make one.
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub redirect_uri: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// `state` values are 43 base64url characters (256 random bits) made here;
/// anything else is refused unread.
pub fn well_formed(state: &str) -> bool {
    state.len() == 43
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh random `state` (or nonce): 256 bits, base64url.
pub fn random_token() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Stores a flow under `state`; drops flows that have expired.
pub async fn start(
    tx: &mut Tx,
    state: &AppState,
    flow_state: &str,
    flow: &Flow,
) -> Result<DateTime<Utc>, sqlx::Error> {
    let now = crate::http::time::now();
    let expires = now + chrono::Duration::seconds(TTL_SECONDS);
    let verifier = state.sealer.seal(SEAL_PURPOSE, &flow.pkce_verifier);
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM oauth_flows WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_flows (state_hash, provider_name, configuration_id, account_id, \
             account_name, redirect_uri, pkce_verifier, nonce, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(crate::auth::tokens::token_hash(flow_state))
        .bind(&flow.provider_name)
        .bind(&flow.configuration_id)
        .bind(&flow.account_id)
        .bind(&flow.account_name)
        .bind(&flow.redirect_uri)
        .bind(&verifier)
        .bind(&flow.nonce)
        .bind(now)
        .bind(expires)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(expires)
}

type FlowRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    DateTime<Utc>,
);

/// Takes the flow stored under `state`: deletes it in the statement that
/// reads it, so of two callbacks with one state only one gets it. None when
/// there is none, it expired, or its verifier does not open.
pub async fn take(
    tx: &mut Tx,
    state: &AppState,
    flow_state: &str,
) -> Result<Option<Flow>, sqlx::Error> {
    if !well_formed(flow_state) {
        return Ok(None);
    }
    let row: Option<FlowRow> = on_tx!(tx, |c| {
        sqlx::query_as(
        "DELETE FROM oauth_flows WHERE state_hash = $1 RETURNING provider_name, configuration_id, \
         account_id, account_name, redirect_uri, pkce_verifier, nonce, expires_at"
    )
    .bind(crate::auth::tokens::token_hash(flow_state))
    .fetch_optional(c)
    .await
    })?;
    let Some((
        provider_name,
        configuration_id,
        account_id,
        account_name,
        redirect_uri,
        sealed,
        nonce,
        expires,
    )) = row
    else {
        return Ok(None);
    };
    if expires <= crate::http::time::now() {
        return Ok(None);
    }
    let Ok(pkce_verifier) = state.sealer.open(SEAL_PURPOSE, &sealed) else {
        return Ok(None);
    };
    Ok(Some(Flow {
        provider_name,
        configuration_id,
        account_id,
        account_name,
        redirect_uri,
        pkce_verifier,
        nonce,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_ours_or_refused() {
        assert!(well_formed(&random_token()));
        assert!(!well_formed(""));
        assert!(!well_formed(&"a".repeat(44)));
        assert!(!well_formed(&format!("{}'", "a".repeat(42))));
    }
}
