//! The caller, as one type: who they are, the account they act in, their role
//! and groups, and how they authenticated. Built by the extractors (a token
//! checked against the database or the cache that follows it, or the public
//! role of a named account) and read by everything else: access checks, rules,
//! hooks, the change feed. The built-in roles are named here once.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use snackbase_rules as rules;

use super::superadmin::SYSTEM_ACCOUNT;

/// A role's id. The three built-in roles exist in every database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct RoleId(pub i64);

impl RoleId {
    /// `admin`: administers its account (and, for the superadmin, every account).
    pub const ADMIN: Self = Self(1);
    /// `user`: what invited users get by default.
    pub const USER: Self = Self(2);
    /// `public`: requests without a token, in the account they name.
    pub const PUBLIC: Self = Self(3);
}

/// Text ids that read as `&str` (`Deref`), compare with text, print, bind
/// as text and serialize as a string.
macro_rules! text_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }
    };
}

/// The account a caller acts in. Only a [`Principal`] makes one (from an
/// authenticated token, the superadmin's choice of an existing account, or
/// the existing account a public request names), and the record path's
/// tenant queries take this type: the account they filter by never comes
/// from a request body or an unchecked parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct AccountId(String);
text_id!(AccountId);

impl AccountId {
    /// The account of a caller, read back from what a [`Principal`] put
    /// somewhere (a hook event's caller): not for request input.
    pub(crate) fn from_stored(id: &str) -> Self {
        Self(id.to_string())
    }
}

/// A user's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UserId(String);
text_id!(UserId);

impl UserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
}

/// How a principal authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// An access token of a login session.
    Token { session_id: String },
    /// No credentials: the public role of the named account.
    Public,
    /// An API key (`X-API-Key`), by its row id.
    ApiKey { key_id: String },
}

/// The caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `None` for the public role.
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub role: String,
    pub role_id: RoleId,
    /// The account the caller acts in: their own, or for the superadmin the
    /// account a request names.
    pub account_id: AccountId,
    pub account_slug: String,
    pub groups: Vec<String>,
    pub method: Method,
    /// The administrator acting as this user (an impersonation session).
    pub impersonator: Option<UserId>,
    /// An API key's collection scope: the collections it may reach (`None`:
    /// every collection).
    pub collections: Option<std::sync::Arc<[String]>>,
    /// An electronic signature the request carries, checked (record writes).
    pub signature: Option<std::sync::Arc<crate::audit::ESignature>>,
    superadmin: bool,
}

impl Principal {
    /// A signed-in user acting in their own account.
    #[allow(clippy::too_many_arguments)]
    pub fn user(
        user_id: String,
        email: String,
        role: String,
        role_id: RoleId,
        account_id: String,
        account_slug: String,
        groups: Vec<String>,
        session_id: String,
    ) -> Self {
        Self {
            superadmin: account_id == SYSTEM_ACCOUNT,
            user_id: Some(UserId(user_id)),
            email: Some(email),
            role,
            role_id,
            account_id: AccountId(account_id),
            account_slug,
            groups,
            method: Method::Token { session_id },
            impersonator: None,
            collections: None,
            signature: None,
        }
    }

    /// The public role of an account.
    pub fn public(account_id: String, account_slug: String) -> Self {
        Self {
            user_id: None,
            email: None,
            role: "public".into(),
            role_id: RoleId::PUBLIC,
            account_id: AccountId(account_id),
            account_slug,
            groups: Vec::new(),
            method: Method::Public,
            impersonator: None,
            collections: None,
            signature: None,
            superadmin: false,
        }
    }

    /// An API key of `account_id` with its role, on behalf of the user who
    /// made it (`user_id`, `email`). Never the superadmin.
    pub fn api_key(
        key_id: String,
        user_id: String,
        email: String,
        role: String,
        role_id: RoleId,
        account_id: String,
        account_slug: String,
    ) -> Self {
        Self {
            user_id: Some(UserId(user_id)),
            email: Some(email),
            role,
            role_id,
            account_id: AccountId(account_id),
            account_slug,
            groups: Vec::new(),
            method: Method::ApiKey { key_id },
            impersonator: None,
            collections: None,
            signature: None,
            superadmin: false,
        }
    }

    /// The same key, limited to `collections` (`None`: every collection).
    pub fn scoped_to(mut self, collections: Option<Vec<String>>) -> Self {
        self.collections = collections.map(Into::into);
        self
    }

    /// Whether the caller may reach the records of `collection`: always,
    /// unless an API key's scope leaves it out.
    pub fn reaches(&self, collection: &str) -> bool {
        self.collections
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(collection)))
    }

    /// [`Principal::reaches`], as the 403 an API key outside its scope gets.
    pub fn require_reach(&self, collection: &str) -> Result<(), crate::error::ApiError> {
        if self.reaches(collection) {
            Ok(())
        } else {
            Err(crate::error::ApiError::forbidden(
                "API key is not scoped to this collection",
            ))
        }
    }

    /// The same user, acted as by `impersonator` (their session says so).
    pub fn impersonated_by(mut self, impersonator: Option<String>) -> Self {
        self.impersonator = impersonator.map(UserId);
        self
    }

    /// Whether the caller came with an API key.
    pub fn is_api_key(&self) -> bool {
        matches!(self.method, Method::ApiKey { .. })
    }

    /// The same caller acting in another account (the superadmin's choice).
    pub fn acting_in(mut self, account_id: String, account_slug: String) -> Self {
        self.account_id = AccountId(account_id);
        self.account_slug = account_slug;
        self
    }

    pub fn is_superadmin(&self) -> bool {
        self.superadmin
    }

    /// The account this caller's record statements are confined to by
    /// PostgreSQL's row-level security (`db::tenant`); `None` for the
    /// superadmin, whose work crosses accounts (the explicit bypass).
    pub fn tenant(&self) -> Option<&str> {
        (!self.superadmin).then_some(self.account_id.as_str())
    }

    pub fn is_public(&self) -> bool {
        self.method == Method::Public
    }

    /// Whether the caller administers `account_id`: the superadmin (any
    /// account) or an admin (role `admin`) of that account — not an API key
    /// scoped to some collections, which reaches their records only.
    pub fn administers(&self, account_id: &str) -> bool {
        self.superadmin
            || (self.collections.is_none() && self.account_id == account_id && self.role == "admin")
    }

    /// The login session behind the caller's token, if any.
    pub fn session_id(&self) -> Option<&str> {
        match &self.method {
            Method::Token { session_id } => Some(session_id),
            Method::Public | Method::ApiKey { .. } => None,
        }
    }

    /// What the rule language sees as `user.*` and `account.*`.
    pub fn resolve(&self, path: &[&str]) -> rules::Value {
        let text = |s: Option<&str>| {
            s.map(|s| rules::Value::Text(s.to_string()))
                .unwrap_or(rules::Value::Null)
        };
        match path {
            ["user", "id"] => text(self.user_id.as_deref()),
            ["user", "email"] => text(self.email.as_deref()),
            ["user", "role"] => rules::Value::Text(self.role.clone()),
            ["user", "account_id"] => rules::Value::Text(self.account_id.to_string()),
            ["user", "groups"] => rules::Value::List(
                self.groups
                    .iter()
                    .cloned()
                    .map(rules::Value::Text)
                    .collect(),
            ),
            ["account", "id"] => rules::Value::Text(self.account_id.to_string()),
            ["account", "slug"] => rules::Value::Text(self.account_slug.clone()),
            _ => rules::Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Principal {
        Principal::user(
            "u1".into(),
            "alice@example.com".into(),
            "admin".into(),
            RoleId::ADMIN,
            "AB0001".into(),
            "alpha".into(),
            vec!["editors".into()],
            "s1".into(),
        )
    }

    #[test]
    fn a_user_resolves_for_rules_and_administers_only_their_account() {
        let p = alice();
        assert_eq!(p.resolve(&["user", "id"]), rules::Value::Text("u1".into()));
        assert_eq!(
            p.resolve(&["user", "groups"]),
            rules::Value::List(vec![rules::Value::Text("editors".into())])
        );
        assert_eq!(
            p.resolve(&["account", "slug"]),
            rules::Value::Text("alpha".into())
        );
        assert_eq!(p.resolve(&["record", "x"]), rules::Value::Null);
        assert!(p.administers("AB0001") && !p.administers("AB0002"));
        assert!(!p.is_superadmin() && !p.is_public());
        assert_eq!(p.session_id(), Some("s1"));
    }

    #[test]
    fn the_superadmin_keeps_its_powers_in_another_account() {
        let alpha = alice();
        let sa = Principal::user(
            "sa".into(),
            "root@example.com".into(),
            "admin".into(),
            RoleId::ADMIN,
            SYSTEM_ACCOUNT.into(),
            "system".into(),
            Vec::new(),
            "s0".into(),
        )
        .acting_in(alpha.account_id.to_string(), alpha.account_slug.clone());
        assert!(sa.is_superadmin());
        assert_eq!(sa.account_id, "AB0001");
        assert!(sa.administers("ZZ9999"));
    }

    #[test]
    fn a_scoped_key_reaches_its_collections_only_and_administers_nothing() {
        let key = |scope: Option<Vec<String>>| {
            Principal::api_key(
                "k1".into(),
                "u1".into(),
                "alice@example.com".into(),
                "admin".into(),
                RoleId::ADMIN,
                "AB0001".into(),
                "alpha".into(),
            )
            .scoped_to(scope)
        };
        let scoped = key(Some(vec!["posts".into()]));
        assert!(scoped.reaches("posts") && scoped.reaches("Posts"));
        assert!(!scoped.reaches("notes") && scoped.require_reach("notes").is_err());
        assert!(!scoped.administers("AB0001"));
        let all = key(None);
        assert!(all.reaches("notes") && all.administers("AB0001"));
        assert!(alice().reaches("anything"));
    }

    #[test]
    fn the_public_role_has_no_user_and_no_session() {
        let p = Principal::public("AB0001".into(), "alpha".into());
        assert!(p.is_public());
        assert_eq!(p.role_id, RoleId::PUBLIC);
        assert_eq!(p.resolve(&["user", "id"]), rules::Value::Null);
        assert_eq!(p.session_id(), None);
        assert!(!p.administers("AB0001"));
    }
}
