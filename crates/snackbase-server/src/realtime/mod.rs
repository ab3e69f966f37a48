//! Realtime: record changes pushed to subscribers over WebSocket
//! (`/realtime/ws`) and Server-Sent Events (`/realtime/subscribe`), as the
//! official SDK speaks them (docs/realtime.md).
//!
//! One task per node tails the change log (`log`), woken by this node's
//! commits and polling for other nodes', and hands each change, in `seq`
//! order, to the [`Hub`], which decides per subscriber in memory who may see
//! it (`authorize`). Nothing else feeds realtime: every committed record
//! change reaches the log through `records::pipeline`.

mod authorize;
pub mod hub;
mod log;
mod outbox;
mod sse;
mod wake;
mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::Json;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use hub::Hub;
use hub::{Conn, Refused, Session};

use crate::app::AppState;
use crate::auth::extract::Superadmin;
use crate::auth::Principal;
use crate::db::Backend;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ws::connect_ws))
        .routes(routes!(sse::connect_sse))
        .routes(routes!(inspect))
}

/// How often a node polls the change log for other nodes' changes.
fn poll_interval(backend: Backend) -> Duration {
    match backend {
        // Other nodes write to the same database.
        Backend::Postgres => Duration::from_millis(50),
        // One node: its own commits wake the tailer; the poll is a safety net.
        Backend::Sqlite => Duration::from_secs(1),
    }
}

/// How often connections' tokens and sessions are checked.
const SWEEP: Duration = Duration::from_secs(2);

/// The `token` query parameter (the SDK's), or the bearer header.
fn token_of(parts: &Parts) -> Option<String> {
    let from_query = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    from_query.or_else(|| crate::auth::extract::bearer(parts).map(str::to_string))
}

fn refusal(r: Refused) -> ApiError {
    match r.code {
        "too_many_connections" => ApiError::TooManyRequests {
            message: r.message,
            retry_after: 5,
        },
        "shutting_down" => ApiError::Unavailable,
        "collection_not_found" => ApiError::not_found(r.message),
        "forbidden" => ApiError::forbidden(r.message),
        "too_many_subscriptions" => ApiError::invalid("collections", r.code, r.message),
        _ => ApiError::internal(anyhow::anyhow!(r.message)),
    }
}

/// A registered connection. Dropping it unregisters the connection with its
/// subscriptions: when its transport ends, or never starts (a WebSocket
/// upgrade that fails, an event stream refused while it subscribes).
struct Registration {
    state: AppState,
    conn: Arc<Conn>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.state.realtime.unregister(self.conn.id);
    }
}

/// Authenticates a realtime request (an access token, or the public role of
/// `?account=`; the superadmin may name an account with `?account_id=`) and
/// registers its connection.
async fn connect(
    state: &AppState,
    parts: &mut Parts,
    transport: &'static str,
) -> ApiResult<Registration> {
    let token = token_of(parts);
    let (principal, session) = match token {
        Some(token) => {
            let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| ApiError::Unauthorized("Could not validate credentials".into()))?;
            parts.headers.insert(AUTHORIZATION, bearer);
            let principal = Principal::from_request_parts(parts, state).await?;
            let claims = state
                .tokens
                .decode_access(&token)
                .ok_or_else(|| ApiError::Unauthorized("Could not validate credentials".into()))?;
            let acting = (principal.account_id.as_str() != claims.account_id).then(|| {
                (
                    principal.account_id.to_string(),
                    principal.account_slug.clone(),
                )
            });
            (principal, Some(Session { claims, acting }))
        }
        None => {
            parts.headers.remove(AUTHORIZATION);
            (Principal::from_request_parts(parts, state).await?, None)
        }
    };
    let key = match &principal.user_id {
        Some(id) => format!("user:{}", id.as_str()),
        None => format!(
            "ip:{}",
            parts
                .extensions
                .get::<crate::ratelimit::ClientIp>()
                .map(|ip| ip.0.to_string())
                .unwrap_or_default()
        ),
    };
    let conn = state
        .realtime
        .register(principal, session, transport, key)
        .map_err(refusal)?;
    Ok(Registration {
        state: state.clone(),
        conn,
    })
}

/// The realtime inspector: this node's connections and their subscriptions.
#[utoipa::path(get, path = "/admin/realtime", tag = "realtime", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
async fn inspect(State(state): State<AppState>, _: Superadmin) -> Json<Value> {
    Json(state.realtime.snapshot())
}

/// Tails the change log and dispatches it until `stop` turns true, and
/// checks the connections' sessions now and then.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let db = &state.db;
    let start = loop {
        match log::last_seq(db).await {
            Ok(seq) => break seq,
            Err(e) => {
                tracing::warn!(error = %e, "realtime cannot read the change log yet");
                tokio::select! {
                    _ = stop.changed() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    };
    let hub = &state.realtime;
    hub.start_at(start).await;
    let mut tail = log::Tail::after(start);
    let mut commits = db.feed().subscribe();
    let poll = poll_interval(db.backend());
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // PostgreSQL: other nodes' commits wake us through LISTEN/NOTIFY.
    let wake = wake::Wake::new();
    let mut others = db.pg_pool().map(|pool| wake.listen(pool, stop.clone()));
    loop {
        // Whether this node's own commits woke us: then the others hear of it.
        let mut ours = false;
        tokio::select! {
            _ = stop.changed() => break,
            _ = commits.recv() => ours = true,
            Some(()) = async {
                match others.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {}
            () = tokio::time::sleep(poll) => {}
            _ = sweep.tick() => {
                hub.sweep(&state).await;
                continue;
            }
        }
        // One read serves every commit that woke us meanwhile.
        while commits.try_recv().is_ok() {}
        loop {
            match tail.poll(db).await {
                Ok(changes) if changes.is_empty() => break,
                Ok(changes) => {
                    if std::mem::take(&mut ours) {
                        if let Some(pool) = db.pg_pool() {
                            wake.notify(pool).await;
                        }
                    }
                    hub.dispatch(&state, &changes).await;
                    // A short batch is everything there was (or a gap to
                    // wait on): no second, empty read before sleeping.
                    if changes.len() < log::BATCH as usize {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading the change log failed");
                    break;
                }
            }
        }
    }
}
