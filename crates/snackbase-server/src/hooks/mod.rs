//! Hooks: Rust code that runs around what SnackBase does, for programs that
//! embed it as a library.
//!
//! Every [`Event`] fires. A hook is registered for one event, optionally for
//! one collection, with a priority: **higher priorities run first**; equal
//! priorities run in registration order. A *before* hook receives the
//! [`HookEvent`] and returns it, possibly changed (the change is what gets
//! stored), or a [`HookError`], which aborts the operation with that status
//! and message and stores nothing. *After* hooks run once the change is
//! committed; their errors are logged and do not fail the request.
//!
//! Built-in hooks run last in every before-chain (priority [`BUILTIN_PRIORITY`])
//! and cannot be unregistered: account isolation (the record belongs to the
//! caller's account), `created_by`/`updated_by` (the caller), and timestamps.
//! Because they run last, no hook can forge a tenant, an author or a time.
//!
//! ```no_run
//! use snackbase_server::hooks::{Event, HookError, Hooks};
//! let hooks = Hooks::new();
//! hooks.register(Event::RecordBeforeCreate, Some("posts"), 10, |_app, mut event| async move {
//!     if let Some(record) = event.record.as_mut() {
//!         record.insert("status".into(), "draft".into());
//!     }
//!     Ok(event)
//! });
//! hooks.register(Event::RecordBeforeDelete, Some("posts"), 0, |_app, event| async move {
//!     Err::<snackbase_server::hooks::HookEvent, _>(HookError::forbidden("posts cannot be deleted"))
//! });
//! ```

mod events;
mod registry;

pub use events::{Event, HookEvent};
pub use registry::{HookError, HookId, Hooks, BUILTIN_PRIORITY};

/// Everything a hook touches, so that a program needs no other imports.
pub use crate::app::AppState;
pub use axum::http::StatusCode;
pub use chrono::{DateTime, Utc};
pub use serde_json::{Map, Value};
