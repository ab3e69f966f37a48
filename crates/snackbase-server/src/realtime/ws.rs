//! `GET /realtime/ws?token=…`: the WebSocket transport. Client frames are
//! JSON `{"action": "subscribe" | "unsubscribe" | "ping", …}`; the server
//! sends acks, events, heartbeats and, for frames it cannot use, an
//! `{"type": "error", "data": {code, message}}` (the connection stays open).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::hub::{Conn, Ops, Out};
use super::outbox::Next;
use crate::app::AppState;
use crate::db::Operation;
use crate::error::{ApiResult, ErrorBody};

/// The largest client frame accepted.
const MAX_FRAME: usize = 64 * 1024;
const HEARTBEAT: Duration = Duration::from_secs(30);
/// What the WebSocket reads from the socket at once, and keeps allocated
/// (and filled) for the connection's life. Client frames are small and rare
/// (subscribe, unsubscribe, ping: about 100 bytes), and every idle
/// connection pays for this buffer, so it is small; a larger frame (up to
/// [`MAX_FRAME`]) is read in several calls.
const READ_BUFFER: usize = 1024;

#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
enum ClientFrame {
    Subscribe {
        collection: String,
        #[serde(default)]
        operations: Option<Vec<String>>,
        /// The `seq` of the last event the client saw: replay what followed.
        #[serde(default)]
        since: Option<i64>,
    },
    Unsubscribe {
        collection: String,
    },
    Ping,
}

fn error(code: &str, message: impl Into<String>, collection: Option<&str>) -> Out {
    Out::message(json!({
        "type": "error",
        "data": {"code": code, "message": message.into(), "collection": collection},
    }))
}

/// The operations of a subscription: every write when none are named.
pub(super) fn operations(names: &[String]) -> Result<Ops, String> {
    if names.is_empty() {
        return Ok(Ops::ALL);
    }
    names
        .iter()
        .map(|n| {
            Operation::parse_write(n.trim())
                .ok_or_else(|| format!("Unknown operation '{n}': use create, update or delete"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Ops::of)
}

/// Opens a realtime WebSocket (credentials: `token=<access token>`, or
/// `account=<code|slug>` for the public role).
#[utoipa::path(get, path = "/realtime/ws", tag = "realtime",
    params(("token" = Option<String>, Query), ("account" = Option<String>, Query)),
    responses((status = 101), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn connect_ws(
    State(state): State<AppState>,
    ws: WebSocketUpgrade,
    mut parts: Parts,
) -> ApiResult<Response> {
    let registration = super::connect(&state, &mut parts, "websocket").await?;
    Ok(ws
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(state, registration, socket)))
}

async fn serve(state: AppState, registration: super::Registration, mut socket: WebSocket) {
    let conn = &registration.conn;
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(Message::Text(text))) => {
                    // Boxed: handling a frame (a subscription's checks and
                    // replay) is a large future, which every idle
                    // connection's task would otherwise carry all the time.
                    let reply = Box::pin(handle(&state, conn, text.as_str())).await;
                    if let Some(out) = reply {
                        conn.send(out);
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    conn.send(error("invalid_message", "Frames are JSON text", None));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            next = conn.outbox().next() => match next {
                Next::Send(out) => {
                    if socket.send(Message::Text(out.text)).await.is_err() {
                        break;
                    }
                }
                Next::Close(why) => {
                    let frame = CloseFrame { code: why.code, reason: why.reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
            },
            _ = heartbeat.tick() => {
                let beat = json!({"type": "heartbeat", "timestamp": crate::http::time::now()});
                if socket.send(Message::Text(beat.to_string().into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Acts on one client frame; the reply to send, if any (acks and events of a
/// subscription are queued by the hub).
async fn handle(state: &AppState, conn: &Arc<Conn>, text: &str) -> Option<Out> {
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return Some(error(
                "invalid_message",
                format!("Not a subscribe, unsubscribe or ping frame: {e}"),
                None,
            ))
        }
    };
    match frame {
        ClientFrame::Ping => Some(Out::message(
            json!({"type": "pong", "timestamp": crate::http::time::now()}),
        )),
        ClientFrame::Unsubscribe { collection } => {
            state.realtime.unsubscribe(conn, &collection);
            None
        }
        ClientFrame::Subscribe {
            collection,
            operations: names,
            since,
        } => {
            let ops = match operations(&names.unwrap_or_default()) {
                Ok(ops) => ops,
                Err(message) => {
                    return Some(error("invalid_operation", message, Some(&collection)))
                }
            };
            if since.is_some_and(|s| s < 0) {
                return Some(error(
                    "invalid_since",
                    "since is a seq ≥ 0",
                    Some(&collection),
                ));
            }
            match state
                .realtime
                .subscribe(state, conn, &collection, ops, since)
                .await
            {
                Ok(()) => None,
                Err(r) => Some(error(r.code, r.message, Some(&collection))),
            }
        }
    }
}
