//! Request logs: one row per API request, kept for a retention period and shown
//! to the superadmin in the admin UI.
//!
//! The request path only hands an entry to a bounded channel with `try_send`:
//! when the channel is full the entry is dropped and counted, so logging never
//! blocks or slows a request. One background task ([`writer::run`]) drains the
//! channel in batches, writes each batch in one transaction and prunes entries
//! older than the retention. `/admin/*` (the UI's assets) and the health
//! probes are not logged.

mod handlers;
pub mod redact;
pub mod settings;
pub mod writer;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ConnectInfo;
use axum::extract::Request;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::config::Config;

/// How many entries may wait for the writer before new ones are dropped.
pub const CHANNEL_CAPACITY: usize = 10_000;
/// The most entries written in one transaction.
pub const BATCH_SIZE: usize = 500;

const MAX_PATH: usize = 2048;
const MAX_USER_AGENT: usize = 512;
const MAX_ERROR: usize = 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_logs))
        .routes(routes!(handlers::log_stats))
        .routes(routes!(handlers::get_settings, handlers::update_settings))
        .routes(routes!(handlers::get_log))
}

/// One request, as the middleware saw it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub method: String,
    /// Path and query, with secret-looking query values redacted.
    pub path: String,
    pub status: u16,
    pub duration_ms: f64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    /// Who acted as `user_id` (an impersonation session).
    pub impersonator_id: Option<String>,
    pub correlation_id: String,
    pub error: Option<String>,
}

/// What the middleware learns before the request runs.
pub struct Pending {
    created_at: DateTime<Utc>,
    method: String,
    path: String,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// Whether a path is logged: not the UI's files and not the health probes.
pub fn is_logged(path: &str) -> bool {
    !(path == "/admin"
        || path.starts_with("/admin/")
        || matches!(path, "/health" | "/live" | "/ready"))
}

/// What the middleware learns after the request ran.
pub struct Outcome {
    pub status: u16,
    pub duration_ms: f64,
    pub correlation_id: String,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    pub impersonator_id: Option<String>,
    /// The error envelope's message, for 4xx and 5xx answers that have one.
    pub error: Option<String>,
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

struct Inner {
    sender: Option<mpsc::Sender<LogEntry>>,
    receiver: Mutex<Option<mpsc::Receiver<LogEntry>>>,
    dropped: AtomicU64,
    /// The retention in force (days): the stored setting, else the configuration.
    retention_days: AtomicI64,
}

/// The request path's handle on the log: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Recorder(Arc<Inner>);

impl Recorder {
    pub fn new(config: &Config) -> Self {
        let (sender, receiver) = if config.request_logs_enabled {
            let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        Self(Arc::new(Inner {
            sender,
            receiver: Mutex::new(receiver),
            dropped: AtomicU64::new(0),
            retention_days: AtomicI64::new(config.request_logs_retention_days),
        }))
    }

    pub fn enabled(&self) -> bool {
        self.0.sender.is_some()
    }

    /// Entries dropped because the writer fell behind, since start.
    pub fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }

    pub fn retention_days(&self) -> i64 {
        self.0.retention_days.load(Ordering::Relaxed)
    }

    pub(crate) fn set_retention_days(&self, days: i64) {
        self.0.retention_days.store(days, Ordering::Relaxed);
    }

    /// The channel's receiving end, once (the writer takes it).
    pub(crate) fn take_receiver(&self) -> Option<mpsc::Receiver<LogEntry>> {
        self.0.receiver.lock().ok()?.take()
    }

    /// Starts an entry for a request, or `None` when it is not logged.
    pub fn begin(&self, req: &Request) -> Option<Pending> {
        if self.0.sender.is_none() || self.retention_days() == 0 {
            return None;
        }
        let path = req.uri().path();
        if !is_logged(path) {
            return None;
        }
        let path = redact::path(path);
        let path = match req.uri().query() {
            Some(q) => format!("{path}?{}", redact::query(q)),
            None => path.into_owned(),
        };
        Some(Pending {
            created_at: crate::http::time::now(),
            method: req.method().as_str().to_string(),
            path: truncate(path, MAX_PATH),
            ip: req
                .extensions()
                .get::<crate::ratelimit::ClientIp>()
                .map(|c| c.0.to_string())
                .or_else(|| {
                    req.extensions()
                        .get::<ConnectInfo<SocketAddr>>()
                        .map(|c| c.0.ip().to_string())
                }),
            user_agent: req
                .headers()
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| truncate(v.to_string(), MAX_USER_AGENT)),
        })
    }

    /// Hands the finished entry to the writer; drops (and counts) it when the
    /// channel is full.
    pub fn finish(&self, pending: Pending, outcome: Outcome) {
        let Some(sender) = &self.0.sender else {
            return;
        };
        let entry = LogEntry {
            id: uuid::Uuid::now_v7().to_string(),
            created_at: pending.created_at,
            method: pending.method,
            path: pending.path,
            status: outcome.status,
            duration_ms: outcome.duration_ms,
            ip: pending.ip,
            user_agent: pending.user_agent,
            account_id: outcome.account_id,
            user_id: outcome.user_id,
            impersonator_id: outcome.impersonator_id,
            correlation_id: outcome.correlation_id,
            error: outcome.error.map(|e| truncate(e, MAX_ERROR)),
        };
        if sender.try_send(entry).is_err() {
            self.0.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_and_ui_files_are_not_logged() {
        assert!(!is_logged("/admin/assets/index-abc.js"));
        assert!(!is_logged("/admin"));
        assert!(!is_logged("/health"));
        assert!(is_logged("/api/v1/records/posts"));
        assert!(is_logged("/administrator"));
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo".to_string(), 2), "h");
        assert_eq!(truncate("abc".to_string(), 5), "abc");
    }
}
