//! Who is acting on records, and in which account. Everyone works in the
//! account of their token; the superadmin may name any account with the
//! `X-Account-ID` header or the `account_id` query parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub account_id: String,
    pub is_superadmin: bool,
}

fn named_account(parts: &Parts) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get("x-account-id")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.trim().to_string());
    }
    let query = parts.uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "account_id")
        .map(|(_, v)| v.trim().to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let named = named_account(parts).filter(|a| !a.is_empty());
        let account_id = match named {
            None => user.account_id.clone(),
            Some(a) if a == user.account_id => a,
            Some(a) if user.is_superadmin() => {
                let a = a.to_ascii_uppercase();
                let mut tx = state.db.begin_read().await?;
                if crate::accounts::model::find_by_id(&mut tx, &a)
                    .await?
                    .is_none()
                {
                    return Err(ApiError::not_found(format!("Account '{a}' not found")));
                }
                a
            }
            Some(_) => {
                return Err(ApiError::forbidden(
                    "Only the superadmin may act in another account",
                ))
            }
        };
        Ok(Self {
            is_superadmin: user.is_superadmin(),
            user_id: user.user_id,
            account_id,
        })
    }
}
