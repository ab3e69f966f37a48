//! The `snackbase` binary as a user runs it: in an empty directory, with `.env`,
//! the original's URL form, bad configuration, signals.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_snackbase");
const PASSWORD: &str = "Correct-Horse-42!";

fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)], port: u16) -> Self {
        let mut cmd = command(dir);
        cmd.arg("serve")
            .env("SNACKBASE_HOST", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if reqwest::blocking::get(format!("{base}/health")).is_ok_and(|r| r.status() == 200) {
                return Self { child, base };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not come up");
    }

    fn terminate(mut self) -> (i32, String) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut stderr).unwrap();
        }
        (status.code().unwrap_or(-1), stderr)
    }
}

/// A test that fails half-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn post(base: &str, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let mut req = client.post(format!("{base}{path}")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().unwrap();
    let status = res.status().as_u16();
    (status, res.json().unwrap_or(Value::Null))
}

/// Runs `snackbase backup --output bk` in `dir`, which must succeed; its output.
fn backup_to_bk(dir: &Path, env: &[(&str, &str)]) -> String {
    let made = run(dir, &["backup", "--output", "bk"], env);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    String::from_utf8_lossy(&made.stdout).to_string()
}

/// A token of the superadmin the environment created (root@example.com).
fn root_token(base: &str) -> String {
    let (status, login) = post(
        base,
        "/api/v1/auth/login",
        json!({"account": "system", "email": "root@example.com", "password": PASSWORD}),
        None,
    );
    assert_eq!(status, 200, "{login}");
    login["token"].as_str().unwrap().to_string()
}

#[test]
fn serve_in_an_empty_directory_and_shut_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // The port comes from .env; nothing else is configured.
    std::fs::write(dir.path().join(".env"), format!("SNACKBASE_PORT={port}\n")).unwrap();
    let server = Server::start(dir.path(), &[], port);
    assert!(dir.path().join("sb_data/snackbase.db").exists());
    assert!(dir.path().join("sb_data/secret_key").exists());
    let (status, body) = post(
        &server.base,
        "/api/v1/auth/register",
        json!({"email": "a@example.com", "password": PASSWORD, "account_name": "Acme"}),
        None,
    );
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_string();

    // A request still being sent when SIGTERM arrives is finished, not dropped.
    let payload =
        json!({"account": "acme", "email": "a@example.com", "password": "Wrong-Password-1!"})
            .to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&payload.as_bytes()[..10]).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&payload.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    let (code, stderr) = server.terminate();
    assert_eq!(code, 0);
    assert!(
        stderr.contains("/admin/setup?token="),
        "the first run prints the setup link: {stderr}"
    );

    // The generated secret key is kept: tokens survive a restart.
    let server = Server::start(dir.path(), &[], port);
    let res = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/auth/me", server.base))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    server.terminate();
}

#[test]
fn the_original_database_url_form_and_env_superadmin_work() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let server = Server::start(
        dir.path(),
        &[
            ("SNACKBASE_PORT", port_text.as_str()),
            (
                "SNACKBASE_DATABASE_URL",
                "sqlite+aiosqlite:///./custom/app.db",
            ),
            ("SNACKBASE_SUPERADMIN_EMAIL", "boss@example.com"),
            ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
        ],
        port,
    );
    assert!(dir.path().join("custom/app.db").exists());
    let (status, body) = post(
        &server.base,
        "/api/v1/auth/login",
        json!({"account": "system", "email": "boss@example.com", "password": PASSWORD}),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let (code, stderr) = server.terminate();
    assert_eq!(code, 0);
    assert!(
        !stderr.contains("/admin/setup"),
        "no setup link once a superadmin exists"
    );
    assert!(!stderr.contains(PASSWORD));
}

#[test]
fn bad_configuration_stops_with_the_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("SNACKBASE_PORT", "eighty"),
        ("SNACKBASE_ENVIRONMENT", "staging"),
        ("SNACKBASE_DATABASE_URL", "mysql://localhost/db"),
        ("SNACKBASE_CORS_ORIGINS", "[1, 2]"),
        ("SNACKBASE_LOG_LEVEL", "LOUD"),
        // Read by the original, refused here rather than ignored.
        ("SNACKBASE_PERMISSION_CACHE_TTL_SECONDS", "300"),
        ("SNACKBASE_RATE_LIMIT_PER_MINUTE", "0"),
        ("SNACKBASE_RATE_LIMIT_ENABLED", "sometimes"),
        ("SNACKBASE_TRUSTED_PROXIES", "proxy.internal"),
        ("SNACKBASE_HEADER_READ_TIMEOUT_SECONDS", "0"),
        ("SNACKBASE_AUTH_LOCKOUT_MAX_FAILURES", "101"),
    ] {
        let out = run(dir.path(), &["serve"], &[(var, value)]);
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    assert!(
        !dir.path().join("sb_data").exists(),
        "nothing is created on a bad configuration"
    );
}

#[test]
fn debug_is_refused_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["serve"],
        &[
            ("SNACKBASE_ENVIRONMENT", "production"),
            ("SNACKBASE_DEBUG", "true"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SNACKBASE_DEBUG"));
}

/// `SNACKBASE_LOG_FILE` receives the log lines (the same ones as stdout),
/// `SNACKBASE_DEBUG` lowers the level, and tokens in paths never reach a log.
#[test]
fn the_log_file_gets_the_access_log_without_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("snackbase.log");
    let server = Server::start(
        dir.path(),
        &[
            ("SNACKBASE_PORT", &port.to_string()),
            ("SNACKBASE_LOG_FILE", log.to_str().unwrap()),
            ("SNACKBASE_DEBUG", "true"),
        ],
        port,
    );
    let token = "7f".repeat(32);
    let client = reqwest::blocking::Client::new();
    let res = client
        .get(format!("{}/api/v1/invitations/{token}", server.base))
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client
        .post(format!("{}/api/v1/invitations/{token}/accept", server.base))
        .json(&json!({"password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&log).unwrap();
    let access: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("snackbase::access") && l.contains("/api/v1/invitations/"))
        .collect();
    assert_eq!(access.len(), 2, "{text}");
    assert!(
        access
            .iter()
            .all(|l| l.contains("/api/v1/invitations/[redacted]")),
        "{text}"
    );
    assert!(!text.contains(&token), "a token reached the log: {text}");
    assert!(text.contains("\"level\":\"DEBUG\""), "debug lines: {text}");
}

#[test]
fn info_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["info"],
        &[
            (
                "SNACKBASE_SECRET_KEY",
                "a-very-secret-signing-key-that-nobody-sees",
            ),
            (
                "SNACKBASE_DATABASE_URL",
                "postgres://app:hunter2@db.internal/snack",
            ),
            (
                "SNACKBASE_CORS_ORIGINS",
                "http://a.example, http://b.example",
            ),
        ],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("SNACKBASE_SECRET_KEY=*** (set)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SNACKBASE_DATABASE_URL=postgres://app:***@db.internal/snack"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SNACKBASE_CORS_ORIGINS=http://a.example,http://b.example"),
        "{stdout}"
    );
    assert!(!stdout.contains("a-very-secret") && !stdout.contains("hunter2"));
}

#[test]
fn migrate_and_create_superadmin() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Migrations applied"));

    let out = run(
        dir.path(),
        &[
            "create-superadmin",
            "--email",
            "root@example.com",
            "--password",
            "weak",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));

    let out = run(
        dir.path(),
        &["create-superadmin", "--email", "root@example.com"],
        &[("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("SY0000"), "{stdout}");
    assert!(!stdout.contains(PASSWORD));

    let out = run(
        dir.path(),
        &[
            "create-superadmin",
            "--email",
            "root@example.com",
            "--password",
            PASSWORD,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "a duplicate is refused");

    // Without a terminal, missing values are an error rather than a hung prompt.
    let out = run(dir.path(), &["create-superadmin"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email"));
}

#[test]
fn collections_export_and_import_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let doc = json!({"format_version": 1, "collections": [
        {"name": "notes", "schema": [{"name": "title", "type": "text", "required": true}], "indexes": []},
        {"name": "links", "schema": [{"name": "note", "type": "relation", "collection": "notes", "on_delete": "cascade"}]}
    ]});
    std::fs::write(dir.path().join("in.json"), doc.to_string()).unwrap();
    let out = run(dir.path(), &["collections", "import", "in.json"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "notes: created\nlinks: created\n"
    );
    // The import is in the audit trail (the system chain), which verifies.
    let out = run(dir.path(), &["audit", "verify", "--account", "system"], &[]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    // One entry per collection (its fields, indexes and rules inside).
    assert!(said.contains("ok      system: 2 entries"), "{said}");
    let out = run(
        dir.path(),
        &["collections", "import", "in.json", "--strategy", "error"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        dir.path(),
        &["collections", "export", "--out", "out.json"],
        &[],
    );
    assert!(out.status.success());
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(exported["exported_by"], "cli");
    assert_eq!(exported["collections"][0]["name"], "notes");
    assert_eq!(exported["collections"][1]["schema"][0]["type"], "reference");
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"format_version\": 1, \"collections\": [{\"name\": \"x y\", \"schema\": []}]}",
    )
    .unwrap();
    let out = run(dir.path(), &["collections", "import", "bad.json"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_s = port.to_string();
    let env = [
        ("SNACKBASE_PORT", port_s.as_str()),
        ("SNACKBASE_SUPERADMIN_EMAIL", "root@example.com"),
        ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
        ("SNACKBASE_LOG_LEVEL", "WARNING"),
        // A write load from one address, not a client to limit.
        ("SNACKBASE_RATE_LIMIT_ENABLED", "false"),
    ];
    let server = Server::start(dir.path(), &env, port);
    let base = server.base.clone();
    let login = |account: &str, email: &str| {
        let (status, body) = post(
            &base,
            "/api/v1/auth/login",
            json!({"account": account, "email": email, "password": PASSWORD}),
            None,
        );
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    };
    let root = login("SY0000", "root@example.com");
    let (status, body) = post(
        &base,
        "/api/v1/collections",
        json!({"name": "events", "schema": [{"name": "n", "type": "number"}]}),
        Some(&root),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        &base,
        "/api/v1/auth/register",
        json!({"email": "w@example.com", "password": PASSWORD, "account_name": "W", "account_slug": "writers"}),
        None,
    );
    assert_eq!(status, 201, "{body}");
    let token = login("writers", "w@example.com");

    // Eight writers create records as fast as they can; the server is killed
    // with SIGKILL in the middle. Every write it acknowledged must be there.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut acked = Vec::new();
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let sent = client
                        .post(format!("{base}/api/v1/records/events"))
                        .bearer_auth(&token)
                        .json(&json!({"n": w * 1_000_000 + i}))
                        .send();
                    let Ok(res) = sent else { break };
                    if res.status() != 201 {
                        break;
                    }
                    let Ok(body) = res.json::<Value>() else { break };
                    acked.push(body["id"].as_str().unwrap().to_string());
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    drop(server);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        acked.len() > 50,
        "only {} writes before the kill",
        acked.len()
    );

    let server = Server::start(dir.path(), &env, port);
    let token = login("writers", "w@example.com");
    let client = reqwest::blocking::Client::new();
    for id in &acked {
        let res = client
            .get(format!("{}/api/v1/records/events/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(res.status(), 200, "acknowledged record {id} was lost");
    }
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
}

#[test]
fn audit_verify_and_offline_export_checks_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let env = [
        ("SNACKBASE_PORT", port_text.as_str()),
        ("SNACKBASE_SUPERADMIN_EMAIL", "root@example.com"),
        ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::start(dir.path(), &env, port);
    let sa = root_token(&server.base);
    let (status, _) = post(
        &server.base,
        "/api/v1/collections",
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
        Some(&sa),
    );
    assert_eq!(status, 201);
    let (_, reg) = post(
        &server.base,
        "/api/v1/auth/register",
        json!({"email": "a@example.com", "password": PASSWORD, "account_name": "Acme"}),
        None,
    );
    let token = reg["token"].as_str().unwrap().to_string();
    for i in 0..3 {
        let (status, _) = post(
            &server.base,
            "/api/v1/records/notes",
            json!({"title": format!("note {i}")}),
            Some(&token),
        );
        assert_eq!(status, 201);
    }
    let csv = reqwest::blocking::Client::new()
        .get(format!(
            "{}/api/v1/audit-logs/export?format=csv&table_name=notes",
            server.base
        ))
        .bearer_auth(&sa)
        .send()
        .unwrap()
        .text()
        .unwrap();
    std::fs::write(dir.path().join("audit.csv"), &csv).unwrap();
    std::fs::write(
        dir.path().join("forged.csv"),
        csv.replacen("note 1", "note 9", 1),
    )
    .unwrap();
    let (code, _) = server.terminate();
    assert_eq!(code, 0);

    let out = run(dir.path(), &["audit", "verify"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("ok      account:"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("OK:"), "{text}");
    let key = run(dir.path(), &["audit", "public-key"], &[]);
    let key = String::from_utf8_lossy(&key.stdout).trim().to_string();
    assert_eq!(key.len(), 64, "{key}");
    let out = run(
        dir.path(),
        &["audit", "verify-export", "audit.csv", "--public-key", &key],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(
        dir.path(),
        &["audit", "verify-export", "forged.csv", "--public-key", &key],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("FAILED"));
    // Another server's key does not verify this trail.
    let other = run(
        dir.path(),
        &["audit", "verify", "--public-key", &"ab".repeat(32)],
        &[],
    );
    assert!(!other.status.success());
}

/// `backup` while the server runs, `backup verify`, `backup list`, then an
/// offline `restore` that brings back the database as it was backed up, and
/// the refusals: a restore while the server runs, without `--yes` and no
/// terminal, and of a corrupted archive.
#[test]
fn backup_verify_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let env = [
        ("SNACKBASE_PORT", port_text.as_str()),
        ("SNACKBASE_SUPERADMIN_EMAIL", "root@example.com"),
        ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::start(dir.path(), &env, port);
    let before =
        json!({"email": "before@example.com", "password": PASSWORD, "account_name": "Before"});
    assert_eq!(
        post(&server.base, "/api/v1/auth/register", before, None).0,
        201
    );
    std::fs::create_dir_all(dir.path().join("sb_data/files/AB0001/uploads")).unwrap();
    std::fs::write(
        dir.path().join("sb_data/files/AB0001/uploads/a_x1.txt"),
        b"kept",
    )
    .unwrap();

    let out = backup_to_bk(dir.path(), &env);
    let archive = out.lines().next().unwrap().trim().to_string();
    assert!(
        archive.ends_with(".tar.zst") && out.contains("1 files, verified"),
        "{out}"
    );

    let listed = run(dir.path(), &["backup", "list", "--output", "bk"], &env);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Completed"));
    let verified = run(dir.path(), &["backup", "verify", &archive], &env);
    assert!(String::from_utf8_lossy(&verified.stdout).starts_with("OK:"));

    // Made after the backup: gone once it is restored.
    let after =
        json!({"email": "after@example.com", "password": PASSWORD, "account_name": "After"});
    assert_eq!(
        post(&server.base, "/api/v1/auth/register", after, None).0,
        201
    );

    // The server holds the database: no restore now.
    let refused = run(dir.path(), &["restore", &archive, "--yes"], &env);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop the server"));
    assert_eq!(server.terminate().0, 0);

    // No confirmation without a terminal.
    let unconfirmed = run(dir.path(), &["restore", &archive], &env);
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));

    // A corrupted copy is refused and changes nothing.
    let mut bytes = std::fs::read(&archive).unwrap_or_else(|e| panic!("{archive}: {e}"));
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    let bad = dir.path().join("bad.tar.zst");
    std::fs::write(&bad, &bytes).unwrap();
    let failed = run(
        dir.path(),
        &["backup", "verify", bad.to_str().unwrap()],
        &env,
    );
    assert!(!failed.status.success());
    let bad_restore = run(
        dir.path(),
        &["restore", bad.to_str().unwrap(), "--yes"],
        &env,
    );
    assert!(!bad_restore.status.success());

    std::fs::remove_file(dir.path().join("sb_data/files/AB0001/uploads/a_x1.txt")).unwrap();
    let restored = run(dir.path(), &["restore", &archive, "--yes"], &env);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(String::from_utf8_lossy(&restored.stdout).contains("Restored 1 files and the database"));
    assert_eq!(
        std::fs::read(dir.path().join("sb_data/files/AB0001/uploads/a_x1.txt")).unwrap(),
        b"kept"
    );
    // The restored database serves what was there before the backup only.
    let server = Server::start(dir.path(), &env, port);
    let login = |account: &str, email: &str| {
        let body = json!({"account": account, "email": email, "password": PASSWORD});
        post(&server.base, "/api/v1/auth/login", body, None).0
    };
    assert_eq!(login("Before", "before@example.com"), 200);
    assert_eq!(login("After", "after@example.com"), 401);
    assert_eq!(server.terminate().0, 0);
}

/// The offline `backup` backs up the storage a configuration in the
/// database names (created through the API while the server runs), not the
/// environment's.
#[test]
fn backup_follows_the_configured_storage() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let env = [
        ("SNACKBASE_PORT", port_text.as_str()),
        ("SNACKBASE_SUPERADMIN_EMAIL", "root@example.com"),
        ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
    ];
    let server = Server::start(dir.path(), &env, port);
    let root = root_token(&server.base);
    let configured = dir.path().join("configured-files");
    let (status, body) = post(
        &server.base,
        "/api/v1/admin/configuration",
        json!({"display_name": "Other disk", "category": "storage_providers", "provider_name": "local",
               "config": {"path": configured.to_str().unwrap()}}),
        Some(&root),
    );
    assert_eq!(status, 201, "{body}");
    // Two objects on the configured storage, one in the environment's.
    for name in ["a_1.txt", "b_2.txt"] {
        std::fs::create_dir_all(configured.join("SY0000/uploads")).unwrap();
        std::fs::write(configured.join("SY0000/uploads").join(name), b"x").unwrap();
    }
    std::fs::create_dir_all(dir.path().join("sb_data/files/SY0000/uploads")).unwrap();
    std::fs::write(
        dir.path().join("sb_data/files/SY0000/uploads/env_3.txt"),
        b"y",
    )
    .unwrap();

    let out = backup_to_bk(dir.path(), &env);
    assert!(out.contains("2 files, verified"), "{out}");
    assert_eq!(server.terminate().0, 0);
}
