//! The closed set of events and what a hook receives.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Everything a hook can be registered for. Every variant fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The application is built (migrations applied), before it serves.
    AppBootstrap,
    /// The server starts accepting connections.
    AppServe,
    /// The server stopped (graceful shutdown finished).
    AppTerminate,
    /// An account and its first user were registered.
    AuthRegister,
    /// A user logged in.
    AuthLogin,
    /// A refresh token was exchanged.
    AuthRefresh,
    /// A user logged out.
    AuthLogout,
    /// A user's password was reset: with a reset link, or set by an
    /// administrator (every session of the user ended).
    AuthPasswordReset,
    /// A user's email address became verified: with a verification link, or
    /// marked so by an administrator.
    AuthEmailVerified,
    CollectionBeforeCreate,
    CollectionAfterCreate,
    CollectionBeforeUpdate,
    CollectionAfterUpdate,
    CollectionBeforeDelete,
    CollectionAfterDelete,
    RecordBeforeCreate,
    RecordAfterCreate,
    RecordBeforeUpdate,
    RecordAfterUpdate,
    RecordBeforeDelete,
    RecordAfterDelete,
}

impl Event {
    pub const ALL: [Event; 21] = [
        Self::AppBootstrap,
        Self::AppServe,
        Self::AppTerminate,
        Self::AuthRegister,
        Self::AuthLogin,
        Self::AuthRefresh,
        Self::AuthLogout,
        Self::AuthPasswordReset,
        Self::AuthEmailVerified,
        Self::CollectionBeforeCreate,
        Self::CollectionAfterCreate,
        Self::CollectionBeforeUpdate,
        Self::CollectionAfterUpdate,
        Self::CollectionBeforeDelete,
        Self::CollectionAfterDelete,
        Self::RecordBeforeCreate,
        Self::RecordAfterCreate,
        Self::RecordBeforeUpdate,
        Self::RecordAfterUpdate,
        Self::RecordBeforeDelete,
        Self::RecordAfterDelete,
    ];

    /// Whether hooks of this event may change the data or abort.
    pub fn is_before(self) -> bool {
        matches!(
            self,
            Self::CollectionBeforeCreate
                | Self::CollectionBeforeUpdate
                | Self::CollectionBeforeDelete
                | Self::RecordBeforeCreate
                | Self::RecordBeforeUpdate
                | Self::RecordBeforeDelete
        )
    }

    /// The event's name, as logs show it (`record.before_create`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::AppBootstrap => "app.bootstrap",
            Self::AppServe => "app.serve",
            Self::AppTerminate => "app.terminate",
            Self::AuthRegister => "auth.register",
            Self::AuthLogin => "auth.login",
            Self::AuthRefresh => "auth.refresh",
            Self::AuthLogout => "auth.logout",
            Self::AuthPasswordReset => "auth.password_reset",
            Self::AuthEmailVerified => "auth.email_verified",
            Self::CollectionBeforeCreate => "collection.before_create",
            Self::CollectionAfterCreate => "collection.after_create",
            Self::CollectionBeforeUpdate => "collection.before_update",
            Self::CollectionAfterUpdate => "collection.after_update",
            Self::CollectionBeforeDelete => "collection.before_delete",
            Self::CollectionAfterDelete => "collection.after_delete",
            Self::RecordBeforeCreate => "record.before_create",
            Self::RecordAfterCreate => "record.after_create",
            Self::RecordBeforeUpdate => "record.before_update",
            Self::RecordAfterUpdate => "record.after_update",
            Self::RecordBeforeDelete => "record.before_delete",
            Self::RecordAfterDelete => "record.after_delete",
        }
    }
}

/// What a hook receives (and a before-hook returns).
#[derive(Debug, Clone)]
pub struct HookEvent {
    pub event: Event,
    /// The collection, for record and collection events.
    pub collection: Option<String>,
    /// The account the operation acts in (set by the built-in isolation hook).
    pub account_id: Option<String>,
    /// The acting user, if any (set by the built-in author hook).
    pub user_id: Option<String>,
    /// When the operation happens (set by the built-in timestamp hook).
    pub timestamp: DateTime<Utc>,
    /// Record events: before create/update, the submitted fields (a
    /// before-hook may change them); after create/update, the stored record.
    pub record: Option<Map<String, Value>>,
    /// Record update and delete: the stored record before the change.
    pub previous: Option<Map<String, Value>>,
    /// Other events' data: the collection's schema, the auth user (`id`, `email`, `account_id`).
    pub data: Value,
    /// The caller as the request authenticated them; built-ins restore these.
    pub(crate) caller_account: Option<String>,
    pub(crate) caller_user: Option<String>,
}

impl HookEvent {
    pub fn new(event: Event) -> Self {
        Self {
            event,
            collection: None,
            account_id: None,
            user_id: None,
            timestamp: crate::http::time::now(),
            record: None,
            previous: None,
            data: Value::Null,
            caller_account: None,
            caller_user: None,
        }
    }

    /// An event about `user` (`id`, `email`, `account_id` and `via`: `link`
    /// or `admin`), on behalf of the caller `by` (account and user) — the
    /// user themselves with a link.
    pub(crate) fn about_user(
        event: Event,
        by: (&str, &str),
        user: (&str, &str, &str),
        via: &str,
    ) -> Self {
        let (id, email, account_id) = user;
        Self {
            data: serde_json::json!({"id": id, "email": email, "account_id": account_id, "via": via}),
            ..Self::by(event, Some(by.0), Some(by.1))
        }
    }

    /// An event on behalf of a caller.
    pub(crate) fn by(event: Event, account_id: Option<&str>, user_id: Option<&str>) -> Self {
        Self {
            account_id: account_id.map(str::to_string),
            user_id: user_id.map(str::to_string),
            caller_account: account_id.map(str::to_string),
            caller_user: user_id.map(str::to_string),
            ..Self::new(event)
        }
    }
}
