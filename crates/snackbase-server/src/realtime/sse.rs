//! `GET /realtime/subscribe?token=…&collections=posts:create,update&collections=tags`:
//! the Server-Sent Events transport. Subscriptions are fixed when it opens;
//! each change is a `data:` line with its `seq` as the event `id:`, so a
//! client that reconnects with `Last-Event-ID` (or `last_event_id=`) gets
//! what it missed.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde_json::json;

use super::hub::Ops;
use super::outbox::Next;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// One `collections=` value: `name` or `name:create,update`.
fn parse_collection(raw: &str) -> ApiResult<(String, Ops)> {
    let (name, ops) = match raw.split_once(':') {
        Some((name, ops)) => (
            name.trim(),
            ops.split(',').map(|s| s.trim().to_string()).collect(),
        ),
        None => (raw.trim(), Vec::new()),
    };
    if name.is_empty() {
        return Err(ApiError::invalid(
            "collections",
            "invalid_collection",
            "collections= names a collection, e.g. posts or posts:create,update",
        ));
    }
    let ops: Vec<String> = ops.into_iter().filter(|o: &String| !o.is_empty()).collect();
    let ops = super::ws::operations(&ops)
        .map_err(|m| ApiError::invalid("collections", "invalid_operation", m))?;
    Ok((name.to_string(), ops))
}

struct Query {
    collections: Vec<(String, Ops)>,
    since: Option<i64>,
}

fn query(parts: &Parts) -> ApiResult<Query> {
    let mut q = Query {
        collections: Vec::new(),
        since: None,
    };
    let invalid_since = || {
        ApiError::invalid(
            "last_event_id",
            "invalid_since",
            "Last-Event-ID is the seq of an event (an integer ≥ 0)",
        )
    };
    for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "collections" => q.collections.push(parse_collection(&v)?),
            "last_event_id" => q.since = Some(v.trim().parse().map_err(|_| invalid_since())?),
            _ => {}
        }
    }
    if let Some(v) = parts.headers.get("last-event-id") {
        let v = v.to_str().map_err(|_| invalid_since())?;
        q.since = Some(v.trim().parse().map_err(|_| invalid_since())?);
    }
    if q.since.is_some_and(|s: i64| s < 0) {
        return Err(invalid_since());
    }
    if q.collections.is_empty() {
        return Err(ApiError::invalid(
            "collections",
            "required",
            "Name at least one collection: collections=posts",
        ));
    }
    if q.collections.len() > super::hub::MAX_SUBSCRIPTIONS {
        return Err(ApiError::invalid(
            "collections",
            "too_many_subscriptions",
            format!(
                "Maximum {} subscriptions per connection",
                super::hub::MAX_SUBSCRIPTIONS
            ),
        ));
    }
    Ok(q)
}

/// Opens a realtime event stream (credentials as for the WebSocket).
#[utoipa::path(get, path = "/realtime/subscribe", tag = "realtime",
    params(("token" = Option<String>, Query), ("collections" = Vec<String>, Query),
           ("last_event_id" = Option<i64>, Query)),
    responses((status = 200, content_type = "text/event-stream"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn connect_sse(
    State(state): State<AppState>,
    mut parts: Parts,
) -> ApiResult<Response> {
    let q = query(&parts)?;
    let registration = super::connect(&state, &mut parts, "sse").await?;
    // Refuse the whole stream when a collection cannot be subscribed.
    for (name, ops) in &q.collections {
        state
            .realtime
            .subscribe(&state, &registration.conn, name, *ops, q.since)
            .await
            .map_err(super::refusal)?;
    }
    Ok(Sse::new(events(registration))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// The stream's events; when it ends (the client went away, or the server
/// closed it) the registration is dropped, which unregisters the connection.
fn events(registration: super::Registration) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Some(registration), |live| async move {
        let registration = live?;
        match registration.conn.outbox().next().await {
            Next::Send(out) => {
                let mut event = Event::default().data(out.text.as_str());
                if let Some(seq) = out.seq {
                    event = event.id(seq.to_string());
                }
                Some((Ok(event), Some(registration)))
            }
            Next::Close(why) => {
                let last = Event::default().data(
                    json!({"type": "close", "code": why.code, "message": why.reason}).to_string(),
                );
                Some((Ok(last), None))
            }
        }
    })
}
