//! Files: the SDK's upload, download and delete routes, on both databases
//! and both storages (local disk and a real S3-compatible server).

use std::ops::Deref;
use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{json, Value};
use snackbase_server::config::Config;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::files_test;
use crate::harness::{Backend, Response, TestApp};
use crate::s3::{files_under, S3Server, Store};

/// A test app with its storage, and what the storage holds on disk.
pub struct FileApp {
    pub app: TestApp,
    s3: Option<S3Server>,
    storage_path: PathBuf,
}

impl Deref for FileApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// A downloaded file.
pub struct Got {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl FileApp {
    pub async fn start(backend: Backend, store: Store, tweak: impl FnOnce(&mut Config)) -> Self {
        let s3 = match store {
            Store::Local => None,
            Store::S3 => Some(S3Server::start().await),
        };
        let mut storage_path = PathBuf::new();
        let app = TestApp::start_with(backend, |c| {
            if let Some(s3) = &s3 {
                s3.configure(c);
            }
            tweak(c);
            storage_path = c.storage_path.clone();
        })
        .await;
        Self {
            app,
            s3,
            storage_path,
        }
    }

    /// Every file the storage keeps on disk: the local directory (staging
    /// files of unfinished writes included), or the S3 server's objects and
    /// multipart parts. s3s-fs keeps `.bucket-….object-….json` bookkeeping
    /// of deleted objects, which says nothing about us, so that is left out.
    pub fn disk(&self) -> Vec<String> {
        match &self.s3 {
            Some(s3) => files_under(s3.root.path())
                .into_iter()
                .filter(|f| !(f.starts_with(".bucket-") && f.ends_with(".json")))
                .collect(),
            None => files_under(&self.storage_path),
        }
    }

    /// Uploads `bytes` as the part `file` named `name`, declaring
    /// `content_type` (which the server must not trust).
    pub async fn upload(
        &self,
        token: Option<&str>,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(content_type)
            .unwrap();
        self.upload_part(token, part).await
    }

    pub async fn upload_part(
        &self,
        token: Option<&str>,
        part: reqwest::multipart::Part,
    ) -> Response {
        TestApp::read(self.send_upload(token, part).await.expect("upload")).await
    }

    async fn send_upload(
        &self,
        token: Option<&str>,
        part: reqwest::multipart::Part,
    ) -> reqwest::Result<reqwest::Response> {
        let form = reqwest::multipart::Form::new()
            .text("note", "ignored")
            .part("file", part);
        let mut req = self
            .client
            .post(format!("{}/api/v1/files/upload", self.base))
            .multipart(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await
    }

    /// An upload the server must refuse with a 413 before reading its body.
    /// The server may answer and close while the client is still sending;
    /// then the client sees its write fail (a broken pipe or a reset) instead
    /// of the answer, which is the same refusal.
    pub async fn upload_refused_early(&self, token: Option<&str>, bytes: Vec<u8>) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("big.png")
            .mime_str("image/png")
            .unwrap();
        match self.send_upload(token, part).await {
            Ok(res) => {
                TestApp::read(res)
                    .await
                    .expect_error(413, "payload_too_large");
            }
            Err(e) => {
                let cause = format!("{e:?}");
                assert!(
                    cause.contains("BrokenPipe") || cause.contains("ConnectionReset"),
                    "not a refusal: {cause}"
                );
            }
        }
    }

    /// GET `/api/v1/files/{path}` with `?token=` and extra headers.
    pub async fn download(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Got {
        let mut url = format!("{}/api/v1/files/{path}", self.base);
        if let Some(t) = token {
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str(&format!("token={t}"));
        }
        let mut req = self.client.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("download");
        Got {
            status: res.status(),
            headers: res.headers().clone(),
            bytes: res.bytes().await.expect("body").to_vec(),
        }
    }
}

pub(crate) use crate::shared::png_bytes;

pub(crate) fn path_of(res: &Response) -> String {
    res.json["file"]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("no path: {}", res.text))
        .to_string()
}

// A 6 MiB file crosses the 5 MiB part size: on S3 it is a real multipart
// upload of two parts.
files_test!(upload_download_delete_round_trip, |app| {
    let (alpha, _) = app.alpha_and_beta().await;
    let before = app.disk();
    let bytes = png_bytes(6 * 1024 * 1024 + 123);
    let res = app
        .upload(
            Some(&alpha),
            "Holiday Photo.png",
            bytes.clone(),
            "text/plain",
        )
        .await;
    let body = res.expect(201);
    assert_eq!(body["success"], true);
    assert_eq!(body["file"]["filename"], "Holiday Photo.png");
    assert_eq!(body["file"]["size"], bytes.len());
    // The sniffed type wins over the client's lie.
    assert_eq!(body["file"]["mime_type"], "image/png");
    let path = path_of(&res);
    assert!(path.starts_with("AA0001/uploads/Holiday_Photo_"), "{path}");
    assert!(path.ends_with(".png"), "{path}");
    assert_eq!(app.count("files").await, 1);

    let got = app.download(&path, Some(&alpha), &[]).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == bytes, "the downloaded bytes differ");
    assert_eq!(got.header("content-type"), "image/png");
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert!(got.header("content-disposition").starts_with("inline"));
    assert!(got.header("cache-control").contains("private"));
    assert_eq!(got.header("content-length"), bytes.len().to_string());

    // The same with the token in the header instead of the query.
    let res = app
        .client
        .get(format!("{}/api/v1/files/{path}", app.base))
        .bearer_auth(&alpha)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A second upload of the same name is a second object.
    let again = app
        .upload(
            Some(&alpha),
            "Holiday Photo.png",
            png_bytes(100),
            "image/png",
        )
        .await;
    assert_ne!(path_of(&again), path);

    let res = app
        .delete(&format!("/api/v1/files/{path}"), Some(&alpha))
        .await;
    assert_eq!(res.expect(200), &json!({"success": true}));
    let got = app.download(&path, Some(&alpha), &[]).await;
    assert_eq!(got.status, 404);
    let res = app
        .delete(&format!("/api/v1/files/{}", path_of(&again)), Some(&alpha))
        .await;
    res.expect(200);
    assert_eq!(app.count("files").await, 0);
    assert_eq!(app.disk(), before, "objects were left behind");
});

files_test!(ranges_etags_and_conditional_requests, |app| {
    let (alpha, _) = app.alpha_and_beta().await;
    let bytes = png_bytes(1000);
    let path = path_of(
        &app.upload(Some(&alpha), "r.png", bytes.clone(), "image/png")
            .await,
    );

    let got = app
        .download(&path, Some(&alpha), &[("range", "bytes=10-19")])
        .await;
    assert_eq!(got.status, 206);
    assert_eq!(got.bytes, bytes[10..20]);
    assert_eq!(got.header("content-range"), "bytes 10-19/1000");
    let got = app
        .download(&path, Some(&alpha), &[("range", "bytes=-5")])
        .await;
    assert_eq!(got.status, 206);
    assert_eq!(got.bytes, bytes[995..]);

    let got = app
        .download(&path, Some(&alpha), &[("range", "bytes=5000-")])
        .await;
    assert_eq!(got.status, 416);
    assert_eq!(got.header("content-range"), "bytes */1000");
    let envelope: Value = serde_json::from_slice(&got.bytes).unwrap();
    assert_eq!(envelope["error"], "range_not_satisfiable");

    let full = app.download(&path, Some(&alpha), &[]).await;
    let etag = full.header("etag").to_string();
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    let got = app
        .download(&path, Some(&alpha), &[("if-none-match", &etag)])
        .await;
    assert_eq!(got.status, 304);
    assert!(got.bytes.is_empty());
    let got = app
        .download(
            &path,
            Some(&alpha),
            &[("if-none-match", "\"something-else\"")],
        )
        .await;
    assert_eq!(got.status, 200);
});

files_test!(
    active_content_is_an_attachment,
    |c: &mut Config| c.allowed_mime_types = vec!["*".into()],
    |app| {
        let (alpha, _) = app.alpha_and_beta().await;
        let svg =
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
        let res = app.upload(Some(&alpha), "x.svg", svg, "image/png").await;
        assert_eq!(res.expect(201)["file"]["mime_type"], "image/svg+xml");
        let got = app.download(&path_of(&res), Some(&alpha), &[]).await;
        assert_eq!(got.header("content-type"), "image/svg+xml");
        assert!(got.header("content-disposition").starts_with("attachment"));
        assert_eq!(got.header("x-content-type-options"), "nosniff");

        let html = b"<html><body><script>alert(1)</script></body></html>".to_vec();
        let res = app
            .upload(Some(&alpha), "page.txt", html, "text/plain")
            .await;
        assert_eq!(res.expect(201)["file"]["mime_type"], "text/html");
        let got = app.download(&path_of(&res), Some(&alpha), &[]).await;
        assert!(got.header("content-disposition").starts_with("attachment"));
        assert!(got.header("content-security-policy").contains("sandbox"));

        let png = app
            .upload(Some(&alpha), "p.png", png_bytes(64), "image/png")
            .await;
        let path = path_of(&png);
        let got = app.download(&path, Some(&alpha), &[]).await;
        assert!(got.header("content-disposition").starts_with("inline"));
        let got = app
            .download(&format!("{path}?download=1"), Some(&alpha), &[])
            .await;
        assert!(got.header("content-disposition").starts_with("attachment"));
    }
);

files_test!(
    uploads_over_the_limit_are_refused_and_leave_nothing,
    |c: &mut Config| c.max_file_size = 5 * 1024 * 1024 + 4096,
    |app| {
        let (alpha, _) = app.alpha_and_beta().await;
        let before = app.disk();
        // Streamed (no declared length): the limit is found while reading,
        // after a first 5 MiB part went to the storage.
        let bytes = png_bytes(6 * 1024 * 1024);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
            futures_util::stream::iter(chunks),
        ))
        .file_name("big.png");
        let res = app.upload_part(Some(&alpha), part).await;
        res.expect_error(413, "payload_too_large");
        // Declared too large: refused before the body is read.
        app.upload_refused_early(Some(&alpha), png_bytes(7 * 1024 * 1024))
            .await;
        // Exactly at the limit is fine.
        let res = app
            .upload(
                Some(&alpha),
                "ok.png",
                png_bytes(5 * 1024 * 1024 + 4096),
                "image/png",
            )
            .await;
        res.expect(201);
        app.delete(&format!("/api/v1/files/{}", path_of(&res)), Some(&alpha))
            .await
            .expect(200);
        assert_eq!(app.count("files").await, 0);
        assert_eq!(
            app.disk(),
            before,
            "an aborted upload left something behind"
        );
    }
);

files_test!(refused_types_are_422_and_leave_nothing, |app| {
    let (alpha, _) = app.alpha_and_beta().await;
    let before = app.disk();
    // A ZIP archive claiming to be a PNG.
    let mut zip = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
    zip.extend(png_bytes(2000).into_iter().skip(16));
    let res = app
        .upload(Some(&alpha), "innocent.png", zip, "image/png")
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.codes(), ["mime_type_not_allowed"]);
    // No `file` part at all.
    let form = reqwest::multipart::Form::new().text("other", "x");
    let res = app
        .client
        .post(format!("{}/api/v1/files/upload", app.base))
        .bearer_auth(&alpha)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Not multipart.
    app.post("/api/v1/files/upload", Some(&alpha), json!({"file": "x"}))
        .await
        .expect_error(415, "unsupported_media_type");
    assert_eq!(app.count("files").await, 0);
    assert_eq!(app.disk(), before);
});

files_test!(files_stay_in_their_account, |app| {
    let root = app.superadmin().await;
    let (alpha, beta) = app.alpha_and_beta().await;
    let bytes = png_bytes(500);
    let path = path_of(
        &app.upload(Some(&alpha), "a.png", bytes.clone(), "image/png")
            .await,
    );
    // Beta cannot read or delete it, under its path or under Beta's account.
    assert_eq!(app.download(&path, Some(&beta), &[]).await.status, 404);
    let as_beta = path.replacen("AA0001", "AA0002", 1);
    assert_eq!(app.download(&as_beta, Some(&beta), &[]).await.status, 404);
    app.delete(&format!("/api/v1/files/{path}"), Some(&beta))
        .await
        .expect_error(404, "not_found");
    // The superadmin acts across accounts explicitly.
    let got = app.download(&path, Some(&root), &[]).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == bytes);
    // Still there for its owner.
    assert_eq!(app.download(&path, Some(&alpha), &[]).await.status, 200);
});

files_test!(tokens_are_checked_like_bearer_tokens, |app| {
    let (alpha, _) = app.alpha_and_beta().await;
    let path = path_of(
        &app.upload(Some(&alpha), "a.png", png_bytes(100), "image/png")
            .await,
    );
    app.upload(None, "a.png", png_bytes(100), "image/png")
        .await
        .expect_error(401, "unauthorized");
    let got = app.download(&path, None, &[]).await;
    assert_eq!(got.status, 401);
    let got = app.download(&path, Some("not-a-token"), &[]).await;
    assert_eq!(got.status, 401);

    // A second session of the same user, logged out: its token is refused
    // in the query exactly as in the header.
    let other = app
        .login("AA0001", "a@example.com", crate::harness::PASSWORD)
        .await;
    let token = other.json["token"].as_str().unwrap().to_string();
    assert_eq!(app.download(&path, Some(&token), &[]).await.status, 200);
    app.post("/api/v1/auth/logout", Some(&token), json!({}))
        .await
        .expect(204);
    assert_eq!(app.download(&path, Some(&token), &[]).await.status, 401);
    assert_eq!(app.download(&path, Some(&alpha), &[]).await.status, 200);
});

/// Sends a request line as written, without any client normalising it.
async fn raw_status(base: &str, method: &str, target: &str, token: &str) -> u16 {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status for {target}: {text}"))
}

files_test!(traversal_payloads_are_refused_and_touch_nothing, |app| {
    let (alpha, _) = app.alpha_and_beta().await;
    let bytes = png_bytes(300);
    let path = path_of(
        &app.upload(Some(&alpha), "keep.png", bytes.clone(), "image/png")
            .await,
    );
    let name = path.rsplit('/').next().unwrap().to_string();
    let before = app.disk();
    let long = "a".repeat(300);
    let payloads = [
        "..",
        ".",
        "%2e%2e",
        "%2E%2E",
        "..%2F..",
        "a%2Fb",
        "%5C..%5C",
        "a%00b",
        "%00",
        "..\\..",
        "",
        long.as_str(),
    ];
    let segments = ["AA0001", "uploads", name.as_str()];
    for position in 0..segments.len() {
        for payload in payloads {
            let mut parts = segments.map(str::to_string);
            parts[position] = payload.to_string();
            let target = format!("/api/v1/files/{}", parts.join("/"));
            for method in ["GET", "DELETE"] {
                let status = raw_status(&app.base, method, &target, &alpha).await;
                assert!(
                    (400..500).contains(&status),
                    "{method} {target} answered {status}"
                );
            }
        }
    }
    // Absolute paths and paths out of the storage.
    for target in [
        "/api/v1/files//etc/passwd",
        "/api/v1/files/%2Fetc%2Fpasswd",
        "/api/v1/files/../../../etc/passwd",
        "/api/v1/files/AA0001/uploads/../../../../etc/passwd",
        "/api/v1/files/AA0001/../AA0002/uploads/x.png",
    ] {
        for method in ["GET", "DELETE"] {
            let status = raw_status(&app.base, method, target, &alpha).await;
            assert!(
                (400..500).contains(&status),
                "{method} {target} answered {status}"
            );
        }
    }
    assert_eq!(app.disk(), before);
    let got = app.download(&path, Some(&alpha), &[]).await;
    assert!(got.status == 200 && got.bytes == bytes);
});

/// The process's peak resident set (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// 1 GiB through the upload route, generated as it is sent (no file, no
/// buffer): the peak RSS grows by less than 64 MiB. The peak is
/// process-wide and tests share the process, so the measurement runs in a
/// process of its own: this test binary, filtered to [`memory_child`],
/// where only this server and its client run.
#[test]
fn a_1_gib_upload_streams_in_bounded_memory() {
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "files::memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SNACKBASE_FILES_MEMORY_CHILD", "1")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the memory child failed:\n{stdout}\n{stderr}"
    );
    eprintln!(
        "{}",
        stderr
            .lines()
            .filter(|l| l.contains("VmHWM"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "runs in a process of its own, from a_1_gib_upload_streams_in_bounded_memory"]
async fn memory_child() {
    if std::env::var("SNACKBASE_FILES_MEMORY_CHILD").is_err() {
        return;
    }
    const GIB: u64 = 1 << 30;
    const CHUNK: usize = 256 * 1024;
    let app = FileApp::start(Backend::Sqlite, Store::Local, |c| {
        c.max_file_size = 2 * GIB;
        c.server_limits.body_timeout = std::time::Duration::from_secs(900);
    })
    .await;
    let (alpha, _) = app.alpha_and_beta().await;
    // Warm up every path once (pools, buffers, the first multipart).
    let warm = app
        .upload(
            Some(&alpha),
            "w.png",
            png_bytes(8 * 1024 * 1024),
            "image/png",
        )
        .await;
    warm.expect(201);
    let before = peak_rss_kib();

    let block = axum::body::Bytes::from(png_bytes(CHUNK));
    let tail = axum::body::Bytes::from(png_bytes(CHUNK).split_off(16));
    let chunks = (GIB as usize) / CHUNK;
    let stream =
        futures_util::stream::iter((0..chunks).map(move |i| {
            Ok::<_, std::io::Error>(if i == 0 { block.clone() } else { tail.clone() })
        }));
    let sent = CHUNK + (chunks - 1) * (CHUNK - 16);
    let part =
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream)).file_name("huge.png");
    let res = app.upload_part(Some(&alpha), part).await;
    assert_eq!(res.expect(201)["file"]["size"], sent);
    let after = peak_rss_kib();
    let grown = after.saturating_sub(before);
    eprintln!("VmHWM {before} KiB before, {after} KiB after the 1 GiB upload: +{grown} KiB");
    assert!(grown < 64 * 1024, "the peak RSS grew by {grown} KiB");
    let path = path_of(&res);
    let stored = std::fs::metadata(app.storage_path.join(&path)).expect("the stored file");
    assert_eq!(stored.len(), sent as u64);
}

/// The superadmin, Alpha's admin, a plain user `u1` of Alpha (role `user`)
/// and a collection `docs` with file fields.
pub(crate) async fn docs_world(app: &FileApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "docs", "schema": [
            {"name": "title", "type": "text"},
            {"name": "status", "type": "text"},
            {"name": "cover", "type": "file", "options": {"mime_types": ["image/*"], "max_size": 4000, "thumbs": ["50x0", "40x40t"]}},
            {"name": "gallery", "type": "file", "options": {"multiple": true}},
            {"name": "secret", "type": "file"}
        ]}),
    )
    .await
    .expect(201);
    let admin = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u1@example.com", "password": crate::harness::PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u1 = app
        .login("alpha", "u1@example.com", crate::harness::PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    (sa, admin, u1)
}

pub(crate) async fn uploaded(app: &FileApp, token: &str, name: &str, bytes: Vec<u8>) -> String {
    path_of(
        &app.upload(Some(token), name, bytes, "application/octet-stream")
            .await,
    )
}

pub(crate) fn name_in(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

files_test!(file_fields_are_validated_in_schemas, |app| {
    let sa = app.superadmin().await;
    for (options, code) in [
        (json!({"max_size": 0}), "option_range_invalid"),
        (json!({"mime_types": ["png"]}), "mime_types_invalid"),
        (json!({"thumbs": ["100x100q"]}), "thumbs_invalid"),
    ] {
        let res = app
            .post(
                "/api/v1/collections",
                Some(&sa),
                json!({"name": "bad", "schema": [{"name": "f", "type": "file", "options": options}]}),
            )
            .await;
        res.expect(422);
        assert!(res.codes().contains(&code.to_string()), "{}", res.text);
    }
    let res = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "bad", "schema": [{"name": "f", "type": "text", "options": {"protected": true}}]}),
        )
        .await;
    assert!(
        res.codes().contains(&"option_not_applicable".to_string()),
        "{}",
        res.text
    );
});

files_test!(
    records_hold_uploaded_files_and_serve_them_by_their_rules,
    |app| {
        let (_, admin, u1) = docs_world(&app).await;
        let t = Some(admin.as_str());
        let png = png_bytes(3000);
        let cover = uploaded(&app, &admin, "cover.png", png.clone()).await;
        let g1 = uploaded(&app, &admin, "one.png", png_bytes(100)).await;
        let g2 = uploaded(&app, &admin, "two.png", png_bytes(200)).await;
        let created = app
        .post(
            "/api/v1/records/docs",
            t,
            json!({"title": "A", "status": "live", "cover": cover, "gallery": [g1, name_in(&g2)]}),
        )
        .await
        .expect(201)
        .clone();
        let id = created["id"].as_str().unwrap().to_string();
        // The stored value is the name (an upload path is accepted as input).
        assert_eq!(created["cover"], name_in(&cover));
        assert_eq!(created["gallery"], json!([name_in(&g1), name_in(&g2)]));

        let url = format!("docs/{id}/{}", name_in(&cover));
        let got = app.download(&url, Some(&admin), &[]).await;
        assert_eq!(got.status, 200);
        assert!(got.bytes == png);
        // Held by a record, the file is no longer an upload of its own.
        assert_eq!(app.download(&cover, Some(&admin), &[]).await.status, 404);
        app.delete(&format!("/api/v1/files/{cover}"), Some(&admin))
            .await
            .expect(404);
        // A name the record does not hold, through this record: 404.
        let other = uploaded(&app, &admin, "loose.png", png_bytes(50)).await;
        let got = app
            .download(&format!("docs/{id}/{}", name_in(&other)), Some(&admin), &[])
            .await;
        assert_eq!(got.status, 404);
        // No token: 401.
        assert_eq!(app.download(&url, None, &[]).await.status, 401);

        // u1 (role user) without any read permission: 404, as if missing.
        assert_eq!(app.download(&url, Some(&u1), &[]).await.status, 404);
        // With a rule that hides this record: 404.
        app.post(
        "/api/v1/permissions",
        Some(&app.superadmin_token().await),
        json!({"role_id": 2, "collection": "docs", "rules": {"read": {"rule": "record.status == 'draft'"}}}),
    )
    .await
    .expect(201);
        assert_eq!(app.download(&url, Some(&u1), &[]).await.status, 404);
        app.patch(
            &format!("/api/v1/records/docs/{id}"),
            t,
            json!({"status": "draft"}),
        )
        .await
        .expect(200);
        assert_eq!(app.download(&url, Some(&u1), &[]).await.status, 200);
    }
);

files_test!(hidden_file_fields_are_not_served, |app| {
    let (sa, admin, u1) = docs_world(&app).await;
    let secret = uploaded(&app, &admin, "s.png", png_bytes(100)).await;
    let cover = uploaded(&app, &admin, "c.png", png_bytes(100)).await;
    let id = app
        .post(
            "/api/v1/records/docs",
            Some(&admin),
            json!({"title": "A", "secret": secret, "cover": cover}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 2, "collection": "docs", "rules": {"read": {"rule": "true", "fields": ["title", "cover"]}}}),
    )
    .await
    .expect(201);
    let got = app
        .download(&format!("docs/{id}/{}", name_in(&cover)), Some(&u1), &[])
        .await;
    assert_eq!(got.status, 200);
    let got = app
        .download(&format!("docs/{id}/{}", name_in(&secret)), Some(&u1), &[])
        .await;
    assert_eq!(got.status, 404);
    let got = app
        .download(
            &format!("docs/{id}/{}", name_in(&secret)),
            Some(&admin),
            &[],
        )
        .await;
    assert_eq!(got.status, 200);
});

files_test!(record_writes_claim_check_and_drop_files, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let t = Some(admin.as_str());
    let before = app.disk();
    // Field limits are checked against what was stored.
    let big = uploaded(&app, &admin, "big.png", png_bytes(5000)).await;
    let res = app
        .post("/api/v1/records/docs", t, json!({"cover": big}))
        .await;
    res.expect(422);
    assert_eq!(res.codes(), ["file_too_large"]);
    let pdf = uploaded(&app, &admin, "doc.pdf", b"%PDF-1.7\n%...".to_vec()).await;
    let res = app
        .post("/api/v1/records/docs", t, json!({"cover": pdf}))
        .await;
    assert_eq!(res.codes(), ["mime_type_not_allowed"]);
    // Unknown names, another account's files, traversal: refused.
    for value in [
        json!("nope_x.png"),
        json!("AA0002/uploads/x.png"),
        json!("../x"),
        json!(5),
    ] {
        let res = app
            .post("/api/v1/records/docs", t, json!({"cover": value}))
            .await;
        res.expect(422);
    }
    // A failed write claimed nothing: the uploads are still uploads.
    assert_eq!(app.download(&big, Some(&admin), &[]).await.status, 200);

    // Create, then replace, remove and add files.
    let c1 = uploaded(&app, &admin, "c1.png", png_bytes(100)).await;
    let c2 = uploaded(&app, &admin, "c2.png", png_bytes(100)).await;
    let g1 = uploaded(&app, &admin, "g1.png", png_bytes(100)).await;
    let g2 = uploaded(&app, &admin, "g2.png", png_bytes(100)).await;
    let id = app
        .post(
            "/api/v1/records/docs",
            t,
            json!({"cover": c1, "gallery": [g1, g2]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A file held by one record cannot be claimed by another.
    app.post("/api/v1/records/docs", t, json!({"cover": c1}))
        .await
        .expect(422);
    let updated = app
        .patch(
            &format!("/api/v1/records/docs/{id}"),
            t,
            json!({"cover": c2, "gallery": [name_in(&g2)]}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(updated["gallery"], json!([name_in(&g2)]));
    let has = |name: &str| app.disk().iter().any(|f| f.contains(name));
    // The replaced and the removed file are gone; the kept ones stay.
    assert!(!has(&name_in(&c1)) && !has(&name_in(&g1)));
    assert!(has(&name_in(&c2)) && has(&name_in(&g2)));
    assert_eq!(
        app.download(&format!("docs/{id}/{}", name_in(&c1)), Some(&admin), &[])
            .await
            .status,
        404
    );
    // Deleting the record deletes its files.
    app.delete(&format!("/api/v1/records/docs/{id}"), t)
        .await
        .expect(204);
    assert!(!has(&name_in(&c2)) && !has(&name_in(&g2)));
    // What is left: the uploads no record took.
    for path in [&big, &pdf] {
        app.delete(&format!("/api/v1/files/{path}"), t)
            .await
            .expect(200);
    }
    assert_eq!(app.count("files").await, 0);
    assert_eq!(app.disk(), before);
});

files_test!(file_tokens_open_downloads_only, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let cover = uploaded(&app, &admin, "c.png", png_bytes(100)).await;
    let id = app
        .post(
            "/api/v1/records/docs",
            Some(&admin),
            json!({"cover": cover}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("docs/{id}/{}", name_in(&cover));
    app.post("/api/v1/files/token", None, json!({}))
        .await
        .expect_error(401, "unauthorized");
    // A session of its own, to end it later.
    let session = app
        .login("alpha", "a@example.com", crate::harness::PASSWORD)
        .await;
    let access = session.json["token"].as_str().unwrap().to_string();
    let res = app
        .post("/api/v1/files/token", Some(&access), json!({}))
        .await;
    let body = res.expect(200);
    assert_eq!(body["expires_in"], 180);
    let file_token = body["token"].as_str().unwrap().to_string();
    assert_eq!(app.download(&url, Some(&file_token), &[]).await.status, 200);
    // It is not an access token.
    app.get("/api/v1/auth/me", Some(&file_token))
        .await
        .expect_error(401, "unauthorized");
    app.post("/api/v1/files/token", Some(&file_token), json!({}))
        .await
        .expect(401);
    // It dies with its session.
    app.post("/api/v1/auth/logout", Some(&access), json!({}))
        .await
        .expect(204);
    assert_eq!(app.download(&url, Some(&file_token), &[]).await.status, 401);
});

pub(crate) fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("application/octet-stream")
        .unwrap()
}

pub(crate) async fn send_form(
    app: &FileApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    form: reqwest::multipart::Form,
) -> Response {
    let res = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    TestApp::read(res).await
}

files_test!(records_are_written_as_multipart_forms, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let before = app.disk();
    let cover = png_bytes(3000);
    // Larger than the JSON body limit (1 MiB): files have their own.
    let form = reqwest::multipart::Form::new()
        .text("title", "Form")
        .part("cover", file_part("cover.png", cover.clone()))
        .part("gallery", file_part("a.png", png_bytes(3 * 1024 * 1024)))
        .part("gallery", file_part("b.png", png_bytes(20)));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    let created = res.expect(201).clone();
    assert_eq!(created["title"], "Form");
    let id = created["id"].as_str().unwrap().to_string();
    let cover_name = created["cover"].as_str().unwrap().to_string();
    assert!(cover_name.starts_with("cover_"), "{cover_name}");
    let gallery: Vec<String> = serde_json::from_value(created["gallery"].clone()).unwrap();
    assert_eq!(gallery.len(), 2);
    let got = app
        .download(&format!("docs/{id}/{cover_name}"), Some(&admin), &[])
        .await;
    assert!(got.status == 200 && got.bytes == cover);

    // `gallery+` appends, `gallery-` removes, `cover` replaces; a JSON part
    // carries other values.
    let form = reqwest::multipart::Form::new()
        .text("@jsonPayload", r#"{"title": "Changed"}"#)
        .part("gallery+", file_part("c.png", png_bytes(30)))
        .text("gallery-", gallery[0].clone())
        .part("cover", file_part("new.png", png_bytes(40)));
    let res = send_form(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/records/docs/{id}"),
        &admin,
        form,
    )
    .await;
    let updated = res.expect(200).clone();
    assert_eq!(updated["title"], "Changed");
    let now: Vec<String> = serde_json::from_value(updated["gallery"].clone()).unwrap();
    assert_eq!(now.len(), 2);
    assert_eq!(now[0], gallery[1]);
    assert!(now[1].starts_with("c_"));
    let has = |name: &str| app.disk().iter().any(|f| f.contains(name));
    assert!(!has(&gallery[0]), "the removed file stayed");
    assert!(!has(&cover_name), "the replaced file stayed");
    assert!(has(updated["cover"].as_str().unwrap()));

    app.delete(&format!("/api/v1/records/docs/{id}"), Some(&admin))
        .await
        .expect(204);
    assert_eq!(app.count("files").await, 0);
    assert_eq!(app.disk(), before);
});

files_test!(failed_multipart_writes_leave_no_file, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let before = app.disk();
    // The files are stored, then the record is refused (an unknown field):
    // the uploads are removed again.
    let form = reqwest::multipart::Form::new()
        .text("nope", "x")
        .part("cover", file_part("cover.png", png_bytes(100)))
        .part("gallery", file_part("g.png", png_bytes(100)));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    res.expect(422);
    // Over the field's max_size (4000): 413 while reading.
    let form = reqwest::multipart::Form::new()
        .part("gallery", file_part("g.png", png_bytes(100)))
        .part("cover", file_part("big.png", png_bytes(10_000)));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    res.expect_error(413, "payload_too_large");
    // A type the field refuses: 422.
    let form =
        reqwest::multipart::Form::new().part("cover", file_part("x.pdf", b"%PDF-1.7\n".to_vec()));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    assert_eq!(res.codes(), ["mime_type_not_allowed"]);
    assert_eq!(app.count("files").await, 0);
    assert_eq!(app.disk(), before);
    let list = app.get("/api/v1/records/docs", Some(&admin)).await;
    assert_eq!(list.expect(200)["items"], json!([]));
});

/// A real `w`×`h` image (a gradient), encoded as PNG or JPEG.
pub(crate) fn picture(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header claims 30000×30000 pixels (3.6 GB to decode).
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

files_test!(thumbnails_are_made_once_within_limits, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let png = picture(60, 40, image::ImageFormat::Png);
    assert!(png.len() < 4000, "{}", png.len());
    let form = reqwest::multipart::Form::new().part("cover", file_part("p.png", png));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    let rec = res.expect(201).clone();
    let (id, name) = (
        rec["id"].as_str().unwrap().to_string(),
        rec["cover"].as_str().unwrap().to_string(),
    );
    let url = format!("docs/{id}/{name}");
    let thumb = |size: &str| format!("{url}?thumb={size}");
    let dims = |bytes: &[u8]| {
        image::load_from_memory(bytes)
            .unwrap()
            .to_rgb8()
            .dimensions()
    };

    let got = app.download(&thumb("100x100"), Some(&admin), &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), "image/png");
    assert_eq!(dims(&got.bytes), (100, 100));
    let got = app.download(&thumb("50x0"), Some(&admin), &[]).await;
    assert_eq!(dims(&got.bytes), (50, 33));
    let got = app.download(&thumb("40x40t"), Some(&admin), &[]).await;
    assert_eq!(dims(&got.bytes), (40, 40));
    assert!(
        app.disk().iter().filter(|f| f.contains("thumbs")).count() == 3,
        "{:?}",
        app.disk()
    );
    // Again: served from the storage, the same bytes.
    let again = app.download(&thumb("40x40t"), Some(&admin), &[]).await;
    assert!(again.status == 200 && again.bytes == got.bytes);
    // Sizes the field does not offer.
    for size in ["77x77", "40x40", "nonsense", "0x0"] {
        let got = app.download(&thumb(size), Some(&admin), &[]).await;
        assert_eq!(got.status, 400, "{size}");
    }

    // JPEG in, JPEG out.
    let jpeg = picture(64, 48, image::ImageFormat::Jpeg);
    let form = reqwest::multipart::Form::new().part("cover", file_part("j.jpg", jpeg));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    let rec = res.expect(201).clone();
    let url2 = format!(
        "docs/{}/{}?thumb=100x100",
        rec["id"].as_str().unwrap(),
        rec["cover"].as_str().unwrap()
    );
    let got = app.download(&url2, Some(&admin), &[]).await;
    assert_eq!(got.header("content-type"), "image/jpeg");
    assert_eq!(dims(&got.bytes), (100, 100));

    // GIF (the first frame of an animation) and WebP in, PNG out.
    let red_then_blue = {
        let frame =
            |c: [u8; 4]| image::Frame::new(image::RgbaImage::from_pixel(30, 20, image::Rgba(c)));
        let mut out = Vec::new();
        image::codecs::gif::GifEncoder::new(&mut out)
            .encode_frames([frame([255, 0, 0, 255]), frame([0, 0, 255, 255])])
            .unwrap();
        out
    };
    let webp = picture(30, 20, image::ImageFormat::WebP);
    for (file, bytes, centre) in [
        ("anim.gif", red_then_blue, None),
        ("w.webp", webp, Some(128u8)),
    ] {
        let form = reqwest::multipart::Form::new().part("cover", file_part(file, bytes));
        let rec = send_form(
            &app,
            reqwest::Method::POST,
            "/api/v1/records/docs",
            &admin,
            form,
        )
        .await
        .expect(201)
        .clone();
        let url = format!(
            "docs/{}/{}?thumb=100x100",
            rec["id"].as_str().unwrap(),
            rec["cover"].as_str().unwrap()
        );
        let got = app.download(&url, Some(&admin), &[]).await;
        assert_eq!(got.status, 200, "{file}");
        assert_eq!(got.header("content-type"), "image/png", "{file}");
        let img = image::load_from_memory_with_format(&got.bytes, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), (100, 100), "{file}");
        let pixel = img.get_pixel(50, 50).0;
        match centre {
            // The first frame, red.
            None => assert!(pixel[0] > 200 && pixel[2] < 50, "{file}: {pixel:?}"),
            // The picture's constant blue, losslessly kept.
            Some(blue) => assert_eq!(pixel[2], blue, "{file}: {pixel:?}"),
        }
    }

    // A decompression bomb is refused, not decoded.
    let form = reqwest::multipart::Form::new().part("cover", file_part("bomb.png", png_bomb()));
    let res = send_form(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/docs",
        &admin,
        form,
    )
    .await;
    let rec = res.expect(201).clone();
    let url3 = format!(
        "docs/{}/{}?thumb=100x100",
        rec["id"].as_str().unwrap(),
        rec["cover"].as_str().unwrap()
    );
    let got = app.download(&url3, Some(&admin), &[]).await;
    assert_eq!(got.status, 422);
    let text = String::from_utf8_lossy(&got.bytes).to_lowercase();
    assert!(text.contains("limit"), "refused for another reason: {text}");

    // Deleting the record deletes its file and its thumbnails.
    app.delete(&format!("/api/v1/records/docs/{id}"), Some(&admin))
        .await
        .expect(204);
    assert!(
        !app.disk().iter().any(|f| f.contains(&name)),
        "{:?}",
        app.disk()
    );
});

files_test!(public_files_need_no_token_unless_protected, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "shop", "schema": [
            {"name": "photo", "type": "file"},
            {"name": "invoice", "type": "file", "options": {"protected": true}}
        ]}),
    )
    .await
    .expect(201);
    let (alpha, _) = app.alpha_and_beta().await;
    // The public role may read the collection's records.
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 3, "collection": "shop", "rules": {"read": {"rule": "true"}}}),
    )
    .await
    .expect(201);
    let photo = uploaded(&app, &alpha, "p.png", png_bytes(100)).await;
    let invoice = uploaded(&app, &alpha, "i.png", png_bytes(100)).await;
    let id = app
        .post(
            "/api/v1/records/shop",
            Some(&alpha),
            json!({"photo": photo, "invoice": invoice}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let get = |name: String, account: Option<&'static str>| {
        let mut req = app
            .client
            .get(format!("{}/api/v1/files/shop/{id}/{name}", app.base));
        if let Some(a) = account {
            req = req.header("x-account-id", a);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(name_in(&photo), Some("AA0001")).await, 200);
    assert_eq!(get(name_in(&invoice), Some("AA0001")).await, 401);
    // Without an account there is no public role to act as.
    assert_eq!(get(name_in(&photo), None).await, 401);
    // Another account's public role does not see Alpha's record.
    assert_eq!(get(name_in(&photo), Some("AA0002")).await, 404);
    // A file token opens the protected one.
    let token = app
        .post("/api/v1/files/token", Some(&alpha), json!({}))
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let got = app
        .download(
            &format!("shop/{id}/{}", name_in(&invoice)),
            Some(&token),
            &[],
        )
        .await;
    assert_eq!(got.status, 200);
    // The superadmin reads in the account it names, and only there.
    let url = format!("shop/{id}/{}", name_in(&invoice));
    let got = app
        .download(&url, Some(&sa), &[("x-account-id", "AA0001")])
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(app.download(&url, Some(&sa), &[]).await.status, 404);
    // As the admin console links it: the superadmin's file token, the
    // account in the query.
    let sa_file = app
        .post("/api/v1/files/token", Some(&sa), json!({}))
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let got = app
        .download(&format!("{url}?account_id=AA0001"), Some(&sa_file), &[])
        .await;
    assert_eq!(got.status, 200);
    let got = app
        .download(&format!("{url}?account_id=AA0002"), Some(&sa_file), &[])
        .await;
    assert_eq!(got.status, 404);
    // Uploads are never public.
    let res = app
        .client
        .get(format!("{}/api/v1/files/{photo}", app.base))
        .header("x-account-id", "AA0001")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
});
