//! Slow and greedy clients over raw TCP: header and body deadlines, idle
//! keep-alive connections, the connection cap, declared bodies past the limit,
//! and the error envelope for errors answered below the application.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::both_config;
use crate::harness::*;

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (or `limit` passes: a panic).
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut bytes = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut bytes))
        .await
        .expect("the server closed the connection in time")
        .ok();
    (
        String::from_utf8_lossy(&bytes).into_owned(),
        started.elapsed(),
    )
}

/// The status and JSON body of a raw response.
#[track_caller]
fn parse(raw: &str) -> (u16, Value) {
    let status = raw
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {raw:?}"));
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    (status, serde_json::from_str(body).expect("a JSON body"))
}

fn slow(c: &mut snackbase_server::config::Config) {
    c.server_limits.header_read_timeout = Duration::from_secs(1);
    c.server_limits.body_timeout = Duration::from_secs(1);
}

both_config!(silent_and_half_sent_requests_are_cut_off, slow, |app| {
    // Nothing at all.
    let mut silent = connect(&app).await;
    // Half a request line.
    let mut half = connect(&app).await;
    half.write_all(b"GET /api/v1 HT").await.unwrap();
    // Headers that never end.
    let mut dribble = connect(&app).await;
    dribble
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    for stream in [&mut silent, &mut half, &mut dribble] {
        let (_, waited) = read_to_close(stream, Duration::from_secs(5)).await;
        assert!(waited < Duration::from_secs(3), "{waited:?}");
    }
});

both_config!(idle_keep_alive_connections_are_closed, slow, |app| {
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (raw, waited) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
});

both_config!(a_body_that_does_not_arrive_is_a_408, slow, |app| {
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"account\":",
        )
        .await
        .unwrap();
    let (raw, waited) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    let (status, body) = parse(&raw);
    assert_eq!(status, 408, "{raw}");
    assert_eq!(body["error"], "request_timeout");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
});

both_config!(
    a_declared_body_past_the_limit_is_refused_at_once,
    |_| {},
    |app| {
        let mut stream = connect(&app).await;
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000000000000\r\n\r\n",
            )
            .await
            .unwrap();
        let (raw, waited) = read_to_close(&mut stream, Duration::from_secs(5)).await;
        let (status, body) = parse(&raw);
        assert_eq!(status, 413, "{raw}");
        assert_eq!(body["error"], "payload_too_large");
        assert!(
            body["message"].as_str().unwrap().contains("1048576"),
            "the message states the limit: {body}"
        );
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        // A chunked body without a declared length, past the limit, names it too.
        let mut stream = connect(&app).await;
        let chunk = "x".repeat(2 * 1024 * 1024);
        let request = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len()
        );
        let _ = stream.write_all(request.as_bytes()).await;
        let (raw, _) = read_to_close(&mut stream, Duration::from_secs(5)).await;
        let (status, body) = parse(&raw);
        assert_eq!(status, 413, "{raw}");
        assert!(
            body["message"].as_str().unwrap().contains("1048576"),
            "{body}"
        );
    }
);

both_config!(
    connections_past_the_cap_wait,
    |c| {
        c.server_limits.max_connections = 2;
        c.server_limits.header_read_timeout = Duration::from_secs(10);
    },
    |app| {
        let first = connect(&app).await;
        let _second = connect(&app).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut third = connect(&app).await;
        third
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
        assert!(early.is_err(), "served past the cap");
        drop(first);
        let (raw, _) = read_to_close(&mut third, Duration::from_secs(5)).await;
        assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    }
);

both_config!(protocol_errors_carry_the_envelope, |_| {}, |app| {
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        // Past our limit (32 KiB), answered by the application.
        (
            format!(
                "GET /api/v1/records/x?filter={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "a".repeat(40_000)
            )
            .into_bytes(),
            414,
            "uri_too_long",
        ),
        // Past hyper's own hard limit (64 KiB).
        (
            format!(
                "GET /api/v1/records/x?filter={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "a".repeat(70_000)
            )
            .into_bytes(),
            414,
            "uri_too_long",
        ),
        // A 1 MB filter: past the head buffer.
        (
            format!(
                "GET /api/v1/records/x?filter={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "a".repeat(1_000_000)
            )
            .into_bytes(),
            431,
            "request_header_fields_too_large",
        ),
        (b"NOT HTTP AT ALL\r\n\r\n".to_vec(), 400, "bad_request"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n".to_vec(),
            400,
            "bad_request",
        ),
    ];
    for (request, want, kind) in cases {
        let mut stream = connect(&app).await;
        // The server may answer (and close) before it has read everything.
        let _ = stream.write_all(&request).await;
        let (raw, _) = read_to_close(&mut stream, Duration::from_secs(5)).await;
        let (status, body) = parse(&raw);
        assert_eq!(status, want, "{}", &raw[..raw.len().min(300)]);
        assert_eq!(body["error"], kind);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(raw.to_ascii_lowercase().contains("x-correlation-id: "));
    }
});

both_config!(
    invitation_tokens_never_reach_the_request_log,
    |c| c.request_logs_flush_ms = 50,
    |app| {
        let sa = app.superadmin().await;
        app.register("owner@example.com", "Alpha").await;
        let token = app.invitation_token(&sa, "n@example.com").await;
        app.get(&format!("/api/v1/invitations/{token}"), None)
            .await
            .expect(200);
        let deadline = Instant::now() + Duration::from_secs(10);
        let logged = loop {
            let body = app
                .get(
                    "/api/v1/admin/logs?path=/invitations/&page_size=100",
                    Some(&sa),
                )
                .await
                .expect(200)
                .clone();
            let paths: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["path"].as_str().unwrap().to_string())
                .collect();
            if paths.iter().any(|p| p.contains("[redacted]")) || Instant::now() > deadline {
                break paths;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            logged.contains(&"/api/v1/invitations/[redacted]".to_string()),
            "{logged:?}"
        );
        assert!(logged.iter().all(|p| !p.contains(&token)), "{logged:?}");
    }
);
