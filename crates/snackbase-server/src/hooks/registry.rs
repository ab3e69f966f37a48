//! The hook registry: registration, ordering, and running a chain.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::http::StatusCode;

use super::{Event, HookEvent};
use crate::app::AppState;
use crate::error::ApiError;

/// The priority of the built-in hooks: the lowest, so they run last.
pub const BUILTIN_PRIORITY: i32 = i32::MIN;

/// Identifies a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookId(u64);

/// A hook's refusal: aborts a before-event with a 4xx and this message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct HookError {
    status: StatusCode,
    message: String,
}

impl HookError {
    /// An abort with a status; anything but a 4xx becomes 400.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let status = if status.is_client_error() {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl From<HookError> for ApiError {
    fn from(e: HookError) -> Self {
        match e.status {
            StatusCode::FORBIDDEN => ApiError::Forbidden(e.message),
            StatusCode::NOT_FOUND => ApiError::NotFound(e.message),
            StatusCode::CONFLICT => ApiError::Conflict {
                message: e.message,
                field: None,
            },
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized(e.message),
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::invalid("hook", "rejected", e.message),
            _ => ApiError::BadRequest(e.message),
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<HookEvent, HookError>> + Send>>;
type Handler = Arc<dyn Fn(AppState, HookEvent) -> BoxFuture + Send + Sync>;

struct Entry {
    id: HookId,
    event: Event,
    collection: Option<String>,
    priority: i32,
    builtin: bool,
    handler: Handler,
}

/// The registered hooks. Cheap to share; registration is allowed at any time.
pub struct Hooks {
    entries: RwLock<Vec<Arc<Entry>>>,
    next: AtomicU64,
}

impl Default for Hooks {
    fn default() -> Self {
        Self::new()
    }
}

impl Hooks {
    /// A registry with the built-in hooks.
    pub fn new() -> Self {
        let hooks = Self {
            entries: RwLock::new(Vec::new()),
            next: AtomicU64::new(1),
        };
        for event in [
            Event::RecordBeforeCreate,
            Event::RecordBeforeUpdate,
            Event::RecordBeforeDelete,
        ] {
            hooks.add(
                event,
                None,
                BUILTIN_PRIORITY,
                true,
                |_app, mut e: HookEvent| async move {
                    // Account isolation and authorship: always the authenticated caller.
                    e.account_id = e.caller_account.clone();
                    e.user_id = e.caller_user.clone();
                    Ok(e)
                },
            );
            hooks.add(
                event,
                None,
                BUILTIN_PRIORITY,
                true,
                |_app, mut e: HookEvent| async move {
                    e.timestamp = crate::http::time::now();
                    Ok(e)
                },
            );
        }
        for event in [Event::RecordAfterUpdate, Event::RecordAfterDelete] {
            hooks.add(
                event,
                None,
                BUILTIN_PRIORITY,
                true,
                |app, e: HookEvent| async move {
                    // Files a committed write dropped: their objects go now.
                    crate::files::record::delete_dropped(&app, &e).await;
                    Ok(e)
                },
            );
        }
        for event in [Event::CollectionAfterUpdate, Event::CollectionAfterDelete] {
            hooks.add(
                event,
                None,
                BUILTIN_PRIORITY,
                true,
                |app, e: HookEvent| async move {
                    // A dropped collection or file field leaves files nobody holds.
                    app.file_sweeper.schema_changed();
                    Ok(e)
                },
            );
        }
        hooks
    }

    fn add<F, Fut>(
        &self,
        event: Event,
        collection: Option<&str>,
        priority: i32,
        builtin: bool,
        handler: F,
    ) -> HookId
    where
        F: Fn(AppState, HookEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<HookEvent, HookError>> + Send + 'static,
    {
        let id = HookId(self.next.fetch_add(1, Ordering::Relaxed));
        let handler: Handler = Arc::new(move |app, e| Box::pin(handler(app, e)));
        let entry = Arc::new(Entry {
            id,
            event,
            collection: collection.map(str::to_ascii_lowercase),
            priority,
            builtin,
            handler,
        });
        if let Ok(mut entries) = self.entries.write() {
            entries.push(entry);
            // Stable: equal priorities keep registration order.
            entries.sort_by_key(|e| std::cmp::Reverse(e.priority));
        }
        id
    }

    /// Registers a hook for `event` (and, when given, only for `collection`).
    /// Higher priorities run first.
    pub fn register<F, Fut>(
        &self,
        event: Event,
        collection: Option<&str>,
        priority: i32,
        handler: F,
    ) -> HookId
    where
        F: Fn(AppState, HookEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<HookEvent, HookError>> + Send + 'static,
    {
        self.add(
            event,
            collection,
            priority.max(BUILTIN_PRIORITY + 1),
            false,
            handler,
        )
    }

    /// Removes a hook. Built-in hooks cannot be removed.
    pub fn unregister(&self, id: HookId) -> Result<(), HookError> {
        let mut entries = self
            .entries
            .write()
            .map_err(|_| HookError::bad_request("hook registry unavailable"))?;
        match entries.iter().position(|e| e.id == id) {
            Some(i) if entries[i].builtin => {
                Err(HookError::forbidden("Built-in hooks cannot be removed"))
            }
            Some(i) => {
                entries.remove(i);
                Ok(())
            }
            None => Err(HookError::new(StatusCode::NOT_FOUND, "No such hook")),
        }
    }

    /// The ids of the built-in hooks.
    pub fn builtin_ids(&self) -> Vec<HookId> {
        self.entries
            .read()
            .map(|e| e.iter().filter(|h| h.builtin).map(|h| h.id).collect())
            .unwrap_or_default()
    }

    fn chain(&self, event: &HookEvent) -> Vec<Arc<Entry>> {
        let collection = event.collection.as_deref().map(str::to_ascii_lowercase);
        self.entries
            .read()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e.event == event.event)
                    .filter(|e| e.collection.is_none() || e.collection == collection)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs a before-chain; the first refusal aborts with its 4xx.
    pub(crate) async fn before(
        &self,
        app: &AppState,
        mut event: HookEvent,
    ) -> Result<HookEvent, ApiError> {
        for entry in self.chain(&event) {
            event = (entry.handler)(app.clone(), event)
                .await
                .map_err(ApiError::from)?;
        }
        Ok(event)
    }

    /// Runs an after-chain (or any event that cannot be refused): failures are logged.
    pub(crate) async fn after(&self, app: &AppState, event: HookEvent) {
        let name = event.event.name();
        let mut current = event;
        for entry in self.chain(&current) {
            let kept = current.clone();
            match (entry.handler)(app.clone(), current).await {
                Ok(next) => current = next,
                Err(e) => {
                    tracing::warn!(event = name, hook = entry.id.0, error = %e, "a hook failed; the operation stands");
                    current = kept;
                }
            }
        }
    }
}
