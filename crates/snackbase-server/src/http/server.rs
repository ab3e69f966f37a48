//! The HTTP/1.1 server loop: hyper with a header read timeout (which also
//! closes idle keep-alive connections), a cap on concurrent connections
//! (further clients wait in the listen backlog), graceful shutdown, and the
//! error envelope even for the errors hyper answers by itself.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tower::ServiceExt as _;

use super::protocol::Enveloped;
use crate::config::ServerLimits;

/// The largest request head hyper buffers; beyond it, a 431.
pub const MAX_HEAD_BYTES: usize = 128 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting
/// and waits for in-flight requests to finish.
pub async fn run<S>(
    listener: TcpListener,
    app: S,
    limits: &ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<
            axum::http::Request<Incoming>,
            Response = axum::response::Response,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // Graceful shutdown: each connection task watches `stopping` and holds a
    // clone of `live`; when every clone is gone, every connection has ended.
    let (stopping, stop_signal) = watch::channel(false);
    let (live, mut all_ended) = mpsc::channel::<()>(1);
    let max_uri = limits.max_uri_length;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept:
                    // back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let io = TokioIo::new(Enveloped::new(stream, peer, max_uri));
        // With upgrades: realtime WebSockets take the connection over.
        let connection = http
            .serve_connection(io, TowerToHyperService::new(service))
            .with_upgrades();
        let (mut stop, live) = (stop_signal.clone(), live.clone());
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = stop.changed() => {
                    // Finish the request in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
            }
            drop(permit);
            drop(live);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(live);
    let _ = all_ended.recv().await;
    Ok(())
}
