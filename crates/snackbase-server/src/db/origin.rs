//! Where a write comes from: the request's correlation id, the client's
//! address and user agent. The HTTP middleware sets it for the request's task
//! ([`scope`]); the audit trail reads it ([`current`]) when it records a
//! change. A write that runs on another task (SQLite's group commit) carries
//! the origin of the request that queued it.

use std::future::Future;
use std::sync::Arc;

/// The request a write belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

tokio::task_local! {
    static ORIGIN: Arc<Origin>;
}

/// Runs `work` with `origin` as the origin of its writes.
pub async fn scope<F: Future>(origin: Arc<Origin>, work: F) -> F::Output {
    ORIGIN.scope(origin, work).await
}

/// The origin of the current task's writes (`None` outside a request:
/// background work, the command line).
pub fn current() -> Option<Arc<Origin>> {
    ORIGIN.try_with(Arc::clone).ok()
}
