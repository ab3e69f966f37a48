//! Who is acting on records, and in which account: the [`Principal`]
//! extractor of the record routes. A signed-in caller works in the account of
//! their token; the superadmin may name any account with the `X-Account-ID`
//! header or the `account_id` query parameter. A request without a token acts
//! as role `public` inside the account it names (`X-Account-ID`, or the
//! `account` / `account_id` parameter, by code or slug).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::auth::{AuthUser, Principal};
use crate::error::ApiError;

fn named_account(parts: &Parts, keys: &[&str]) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get("x-account-id")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.trim().to_string()).filter(|v| !v.is_empty());
    }
    let query = parts.uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut caller = caller(parts, state).await?;
        if let Some(signature) =
            crate::audit::record::from_headers(state, &parts.headers, &caller).await?
        {
            caller.signature = Some(std::sync::Arc::new(signature));
        }
        Ok(caller)
    }
}

/// The caller of a record route, before any signature is checked.
async fn caller(parts: &mut Parts, state: &AppState) -> Result<Principal, ApiError> {
    if !parts.headers.contains_key(AUTHORIZATION) && !parts.headers.contains_key("x-api-key") {
        return public_caller(parts, state).await;
    }
    let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
    match named_account(parts, &["account_id"]) {
        None => Ok(user),
        Some(a) if a == user.account_id => Ok(user),
        Some(a) if user.is_superadmin() => {
            let mut tx = state.db.begin_read().await?;
            let account = crate::accounts::model::find_by_id(&mut tx, &a.to_ascii_uppercase())
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Account '{a}' not found")))?;
            Ok(user.acting_in(account.id, account.slug))
        }
        Some(_) => Err(ApiError::forbidden(
            "Only the superadmin may act in another account",
        )),
    }
}

/// A signed-in caller in their own account from the caches alone (see
/// [`crate::auth::extract::cached_user`]: the returned generation must be
/// confirmed before answering); `None` when anything needs the database.
pub fn cached(parts: &Parts, state: &AppState) -> Option<(AuthUser, u64)> {
    if parts
        .headers
        .contains_key(crate::audit::record::PASSWORD_HEADER)
    {
        return None;
    }
    let (user, generation) = crate::auth::extract::cached_user(parts, state)?;
    if named_account(parts, &["account_id"]).is_some_and(|named| named != user.account_id) {
        return None;
    }
    Some((user, generation))
}

async fn public_caller(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let unauthorized = || ApiError::Unauthorized("Authentication required".into());
    let named = named_account(parts, &["account", "account_id"]).ok_or_else(unauthorized)?;
    if state.db.backend() == crate::db::Backend::Postgres {
        // Authenticated requests learn of changes from their identity query.
        state.db.poll_changes().await?;
    }
    let mut tx = state.db.read().await?;
    let account = crate::accounts::model::resolve(&mut tx, &named)
        .await?
        .ok_or_else(unauthorized)?;
    Ok(Principal::public(account.id, account.slug))
}
