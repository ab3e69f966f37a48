//! Test pieces shared by this suite and the binary's multi-node tests
//! (`crates/snackbase/tests/nodes`, which include this file by path): a
//! webhook receiver that counts deliveries, an SSE reader, test file bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// A receiver on 127.0.0.1 that counts deliveries by their
/// `x-snackbase-delivery` id; its URL and the counts.
pub async fn counting_receiver() -> (String, Arc<Mutex<HashMap<String, usize>>>) {
    let got: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let g = g.clone();
            async move {
                let id = headers["x-snackbase-delivery"]
                    .to_str()
                    .unwrap()
                    .to_string();
                *g.lock().unwrap().entry(id).or_default() += 1;
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got)
}

/// An open SSE response read event by event.
pub struct SseReader {
    res: reqwest::Response,
    buffer: String,
}

impl SseReader {
    pub fn new(res: reqwest::Response) -> Self {
        Self {
            res,
            buffer: String::new(),
        }
    }

    /// The next event that has data: its `id` (a change's seq) and data.
    pub async fn next(&mut self) -> (Option<i64>, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
                    }
                }
                match data {
                    Some(data) => return (id, data),
                    None => continue,
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(15), self.res.chunk())
                .await
                .expect("an SSE event within 15 s")
                .unwrap()
                .expect("the stream is open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

/// `n` bytes that no compressor or sniffer mistakes for anything: a PNG
/// signature followed by a counter-driven pattern.
pub fn png_bytes(n: usize) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let mut x: u32 = 0x1234_5678;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}
