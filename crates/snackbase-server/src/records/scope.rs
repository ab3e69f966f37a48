//! Who is acting on records, and in which account. A signed-in caller works in
//! the account of their token; the superadmin may name any account with the
//! `X-Account-ID` header or the `account_id` query parameter. A request
//! without a token acts as role `public` inside the account it names
//! (`X-Account-ID`, or the `account` / `account_id` parameter, by code or slug).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::authz::engine::Identity;
use crate::error::ApiError;

pub const PUBLIC_ROLE_ID: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Superadmin,
    User { role_id: i64 },
    Public,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: CallerKind,
    pub user_id: Option<String>,
    pub account_id: String,
    pub identity: Identity,
}

impl Caller {
    pub fn is_superadmin(&self) -> bool {
        self.kind == CallerKind::Superadmin
    }

    pub fn role_id(&self) -> i64 {
        match self.kind {
            CallerKind::User { role_id } => role_id,
            CallerKind::Public => PUBLIC_ROLE_ID,
            CallerKind::Superadmin => crate::auth::superadmin::ADMIN_ROLE_ID,
        }
    }
}

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

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return public_caller(parts, state).await;
        }
        let user = AuthUser::from_request_parts(parts, state).await?;
        let named = named_account(parts, &["account_id"]);
        let (account_id, account_slug) = match named {
            None => (user.account_id.clone(), user.account_slug.clone()),
            Some(a) if a == user.account_id => (a, user.account_slug.clone()),
            Some(a) if user.is_superadmin() => {
                let mut tx = state.db.begin_read().await?;
                let account = crate::accounts::model::find_by_id(&mut tx, &a.to_ascii_uppercase())
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("Account '{a}' not found")))?;
                (account.id, account.slug)
            }
            Some(_) => {
                return Err(ApiError::forbidden(
                    "Only the superadmin may act in another account",
                ))
            }
        };
        let groups = match (&user.groups, user.is_superadmin()) {
            (_, true) => Vec::new(),
            (Some(groups), false) => groups.clone(),
            (None, false) => crate::groups::names_of(&state.db, &user.user_id).await?,
        };
        Ok(Self::of(user, account_id, account_slug, groups))
    }
}

impl Caller {
    fn of(user: AuthUser, account_id: String, account_slug: String, groups: Vec<String>) -> Self {
        let kind = if user.is_superadmin() {
            CallerKind::Superadmin
        } else {
            CallerKind::User {
                role_id: user.role_id,
            }
        };
        Self {
            kind,
            user_id: Some(user.user_id.clone()),
            account_id: account_id.clone(),
            identity: Identity {
                user_id: Some(user.user_id),
                email: Some(user.email),
                role: user.role,
                account_id,
                account_slug,
                groups,
            },
        }
    }

    /// A signed-in caller in their own account from the caches alone (see
    /// [`crate::auth::extract::cached_user`]: the returned generation must be
    /// confirmed before answering); `None` when anything needs the database.
    pub fn cached(parts: &Parts, state: &AppState) -> Option<(Self, AuthUser, u64)> {
        let (user, generation) = crate::auth::extract::cached_user(parts, state)?;
        if named_account(parts, &["account_id"]).is_some_and(|named| named != user.account_id) {
            return None;
        }
        let groups = match (&user.groups, user.is_superadmin()) {
            (_, true) => Vec::new(),
            (Some(groups), false) => groups.clone(),
            (None, false) => return None,
        };
        let (account_id, slug) = (user.account_id.clone(), user.account_slug.clone());
        Some((
            Self::of(user.clone(), account_id, slug, groups),
            user,
            generation,
        ))
    }
}

async fn public_caller(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
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
    Ok(Caller {
        kind: CallerKind::Public,
        user_id: None,
        account_id: account.id.clone(),
        identity: Identity {
            user_id: None,
            email: None,
            role: "public".into(),
            account_id: account.id,
            account_slug: account.slug,
            groups: Vec::new(),
        },
    })
}
