//! The test harness: a real server on 127.0.0.1 over a fresh database (a SQLite
//! file in a temporary directory, or a PostgreSQL schema of its own), driven
//! with a real HTTP client.

use std::str::FromStr;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use snackbase_server::config::Config;
use snackbase_server::db::Db;
use snackbase_server::AppState;
use sqlx::postgres::PgConnectOptions;
use sqlx::Connection as _;

pub use crate::smtp::SmtpSink;

pub const PASSWORD: &str = "Correct-Horse-42!";
pub const ADMIN_EMAIL: &str = "root@example.com";
pub const TEST_SECRET: &str = "test-secret-key-0123456789abcdef0123456789";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `both!(name, |app| { ... })` expands to
/// `name::sqlite` and `name::postgres`. The PostgreSQL variant needs
/// `SNACKBASE_TEST_POSTGRES_URL`; without it, it is skipped, except under CI
/// (`CI=true`) or `SNACKBASE_REQUIRE_POSTGRES=1`, where a skip is a failure.
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::harness::TestApp::start($crate::harness::Backend::Sqlite).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::harness::postgres_available() {
                    return;
                }
                let $app =
                    $crate::harness::TestApp::start($crate::harness::Backend::Postgres).await;
                $body
            }
        }
    };
}

/// Like [`both!`], with the configuration changed first:
/// `both_config!(name, |c| { ... }, |app| { ... })`.
#[macro_export]
macro_rules! both_config {
    ($name:ident, $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                #[allow(unused_mut)]
                let mut $app =
                    $crate::harness::TestApp::start_with($crate::harness::Backend::Sqlite, $tweak)
                        .await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::harness::postgres_available() {
                    return;
                }
                #[allow(unused_mut)]
                let mut $app = $crate::harness::TestApp::start_with(
                    $crate::harness::Backend::Postgres,
                    $tweak,
                )
                .await;
                $body
            }
        }
    };
}

/// Like [`both!`], with a real SMTP server wired into the configuration:
/// `both_with!(name, |app, smtp| { ... })`, or with the configuration changed
/// after: `both_with!(name, |c| { ... }, |app, smtp| { ... })`.
#[macro_export]
macro_rules! both_with {
    ($name:ident, |$app:ident, $smtp:ident| $body:block) => {
        $crate::both_with!($name, |_| {}, |$app, $smtp| $body);
    };
    ($name:ident, $tweak:expr, |$app:ident, $smtp:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $smtp = $crate::harness::SmtpSink::start();
                let config = $smtp.config();
                let $app =
                    $crate::harness::TestApp::start_with($crate::harness::Backend::Sqlite, |c| {
                        c.smtp = Some(config);
                        $crate::harness::tweak(c, $tweak);
                    })
                    .await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::harness::postgres_available() {
                    return;
                }
                let $smtp = $crate::harness::SmtpSink::start();
                let config = $smtp.config();
                let $app =
                    $crate::harness::TestApp::start_with($crate::harness::Backend::Postgres, |c| {
                        c.smtp = Some(config);
                        $crate::harness::tweak(c, $tweak);
                    })
                    .await;
                $body
            }
        }
    };
}

/// Applies a configuration change (gives the macros' closures their type).
pub fn tweak(c: &mut Config, f: impl FnOnce(&mut Config)) {
    f(c)
}

pub fn postgres_url() -> Option<String> {
    std::env::var("SNACKBASE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn postgres_available() -> bool {
    if postgres_url().is_some() {
        return true;
    }
    let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("SNACKBASE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "SNACKBASE_TEST_POSTGRES_URL is not set: the PostgreSQL run cannot be skipped in CI"
    );
    eprintln!("skipped: SNACKBASE_TEST_POSTGRES_URL is not set");
    false
}

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Response {
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        &self.json
    }

    /// Asserts the error envelope and returns it.
    #[track_caller]
    pub fn expect_error(&self, status: u16, kind: &str) -> &Value {
        let body = self.expect(status);
        assert_eq!(body["error"], kind, "body: {}", self.text);
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        assert!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json")),
            "error without JSON content type"
        );
        body
    }

    /// The `code`s of a validation error's details.
    pub fn codes(&self) -> Vec<String> {
        self.json["details"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    _dir: tempfile::TempDir,
    pg_schema: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `tweak` may change first.
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_full(
            backend,
            tweak,
            std::sync::Arc::new(snackbase_server::hooks::Hooks::new()),
        )
        .await
    }

    /// Starts a server with the given hooks.
    pub async fn start_hooked(
        backend: Backend,
        hooks: std::sync::Arc<snackbase_server::hooks::Hooks>,
    ) -> Self {
        Self::start_full(backend, |_| {}, hooks).await
    }

    async fn start_full(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        hooks: std::sync::Arc<snackbase_server::hooks::Hooks>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite_url = format!("sqlite://{}", dir.path().join("snackbase.db").display());
        let mut config = Config::for_tests(&sqlite_url, dir.path().to_path_buf());
        tweak(&mut config);
        let (db, pg_schema) = match backend {
            Backend::Sqlite => {
                let url = snackbase_server::db::DatabaseUrl::parse(&sqlite_url).expect("url");
                (
                    Db::connect(&url, &Default::default())
                        .await
                        .expect("sqlite"),
                    None,
                )
            }
            Backend::Postgres => {
                let url = postgres_url().expect("SNACKBASE_TEST_POSTGRES_URL");
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&url)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .await
                    .expect("create schema");
                // Extensions are per database: pg_trgm (search) lives in
                // `public`, which is on every test schema's search path, so
                // that dropping a test schema never drops it.
                let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                    .execute(&mut conn)
                    .await;
                conn.close().await.ok();
                let options = PgConnectOptions::from_str(&url)
                    .expect("url")
                    .options([("search_path", format!("{schema},public").as_str())]);
                (
                    Db::connect_postgres(options, 8).await.expect("postgres"),
                    Some(schema),
                )
            }
        };
        let state = AppState::with_db_and_hooks(config, db, hooks)
            .await
            .expect("app state");
        let (base, tx) = serve(&state).await;
        Self {
            base,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            state,
            _dir: dir,
            pg_schema,
            shutdown: Some(tx),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn read(res: reqwest::Response) -> Response {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::GET, path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::POST, path, token, Some(body)).await
    }
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::PUT, path, token, Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::PATCH, path, token, Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Creates the superadmin through the one-time setup and returns a token.
    pub async fn superadmin(&self) -> String {
        let token = self.state.setup.peek().expect("setup token");
        self.post(
            "/api/v1/setup",
            None,
            json!({"token": token, "email": ADMIN_EMAIL, "password": PASSWORD}),
        )
        .await
        .expect(201);
        self.login("system", ADMIN_EMAIL, PASSWORD)
            .await
            .expect(200)["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// A fresh superadmin token (the superadmin must exist).
    pub async fn superadmin_token(&self) -> String {
        self.login("system", ADMIN_EMAIL, PASSWORD)
            .await
            .expect(200)["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn login(&self, account: &str, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"account": account, "email": email, "password": password}),
        )
        .await
    }

    /// Registers an account; returns the whole auth response.
    pub async fn register(&self, email: &str, account_name: &str) -> Value {
        self.post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "account_name": account_name}),
        )
        .await
        .expect(201)
        .clone()
    }

    /// The user with `email` as the superadmin's user list shows it.
    pub async fn user_by_email(&self, superadmin: &str, email: &str) -> Value {
        let list = self
            .get("/api/v1/users?page_size=100", Some(superadmin))
            .await
            .expect(200)
            .clone();
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|u| u["email"] == email)
            .unwrap_or_else(|| panic!("no user {email}"))
            .clone()
    }

    /// The superadmin makes the `posts` collection
    /// ([`crate::collections::posts_schema`]), then Alpha and Beta register
    /// ([`Self::alpha_and_beta`]); returns the superadmin's, Alpha's and
    /// Beta's tokens.
    pub async fn with_posts(&self) -> (String, String, String) {
        let sa = self.superadmin().await;
        self.post(
            "/api/v1/collections",
            Some(&sa),
            crate::collections::posts_schema(),
        )
        .await
        .expect(201);
        let (a, b) = self.alpha_and_beta().await;
        (sa, a, b)
    }

    /// Registers the accounts Alpha (`a@example.com`, AA0001) and Beta
    /// (`b@example.com`, AA0002); returns their admins' tokens.
    pub async fn alpha_and_beta(&self) -> (String, String) {
        let mut tokens = Vec::new();
        for (email, name) in [("a@example.com", "Alpha"), ("b@example.com", "Beta")] {
            let token = self.register(email, name).await["token"]
                .as_str()
                .expect("a token")
                .to_string();
            tokens.push(token);
        }
        let b = tokens.pop().expect("Beta");
        let a = tokens.pop().expect("Alpha");
        (a, b)
    }

    /// Invites `email` into AA0001 as the superadmin (no SMTP configured) and
    /// returns the invitation token from the accept link.
    pub async fn invitation_token(&self, superadmin: &str, email: &str) -> String {
        let inv = self
            .post(
                "/api/v1/invitations",
                Some(superadmin),
                json!({"email": email, "account_id": "AA0001"}),
            )
            .await
            .expect(201)
            .clone();
        let url = inv["accept_url"].as_str().expect("an accept link");
        url.split("token=").nth(1).expect("a token").to_string()
    }

    /// Stops the server and starts a new one on the same database and data
    /// directory (a process restart, as far as the data is concerned).
    pub async fn restart(&mut self) {
        self.restart_with(|_| {}).await;
    }

    /// Like [`TestApp::restart`], with a configuration that `tweak` may change.
    pub async fn restart_with(&mut self, tweak: impl FnOnce(&mut Config)) {
        self.stop().await;
        let mut config = self.state.config.clone();
        tweak(&mut config);
        self.state.db.close().await;
        let db = match &self.pg_schema {
            None => {
                let url = snackbase_server::db::DatabaseUrl::parse(config.database_url.expose())
                    .expect("url");
                Db::connect(&url, &Default::default())
                    .await
                    .expect("sqlite")
            }
            Some(schema) => connect_schema(schema).await,
        };
        let state = AppState::with_db_and_hooks(config, db, self.state.hooks.clone())
            .await
            .expect("app state");
        let (base, tx) = serve(&state).await;
        self.base = base;
        self.state = state;
        self.shutdown = Some(tx);
    }

    /// A second server process's equivalent on the same PostgreSQL schema
    /// (another node: its own pools, caches and realtime hub). It leaves the
    /// schema to this app. PostgreSQL only.
    pub async fn another_node(&self) -> TestApp {
        let schema = self
            .pg_schema
            .clone()
            .expect("another node needs PostgreSQL");
        let db = connect_schema(&schema).await;
        let state =
            AppState::with_db_and_hooks(self.state.config.clone(), db, self.state.hooks.clone())
                .await
                .expect("app state");
        let (base, tx) = serve(&state).await;
        TestApp {
            base,
            client: self.client.clone(),
            state,
            _dir: tempfile::tempdir().expect("temp dir"),
            pg_schema: None,
            shutdown: Some(tx),
        }
    }

    /// Shuts the server down (graceful) and waits a little for it to finish.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }

    /// A count straight from the database, to prove what was (not) stored.
    /// Runs `sql` on a connection of its own, as another process (SQLite) or
    /// another node (PostgreSQL) would: none of this app's pools see it happen.
    pub async fn exec_elsewhere(&self, sql: &str) {
        use sqlx::Connection as _;
        match &self.pg_schema {
            None => {
                let path = self._dir.path().join("snackbase.db");
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("a second SQLite connection");
                sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("sql elsewhere");
                conn.close().await.ok();
            }
            Some(_) => {
                let mut conn = self.pg_connection().await;
                sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .expect("sql elsewhere");
                conn.close().await.ok();
            }
        }
    }

    /// [`TestApp::exec_elsewhere`] that reports a refused statement instead
    /// of panicking: the rows it changed, or the database's error.
    pub async fn try_exec_elsewhere(&self, sql: &str) -> Result<u64, String> {
        use sqlx::Connection as _;
        match &self.pg_schema {
            None => {
                let path = self._dir.path().join("snackbase.db");
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("a second SQLite connection");
                let done = sqlx::query(sql).execute(&mut conn).await;
                conn.close().await.ok();
                done.map(|r| r.rows_affected()).map_err(|e| e.to_string())
            }
            Some(_) => {
                let mut conn = self.pg_connection().await;
                let done = sqlx::query(sql).execute(&mut conn).await;
                conn.close().await.ok();
                done.map(|r| r.rows_affected()).map_err(|e| e.to_string())
            }
        }
    }

    /// Waits until every audit event committed so far is in its chain (on
    /// PostgreSQL the sealer appends them right after their commit).
    pub async fn settle_audit(&self) {
        snackbase_server::audit::seal::settle(&self.state.db, &self.state.audit)
            .await
            .expect("settle the audit trail");
    }

    /// A connection of its own to the test's PostgreSQL schema (another
    /// process's, for transactions the server does not see coming).
    pub async fn pg_connection(&self) -> sqlx::PgConnection {
        use sqlx::Connection as _;
        let schema = self.pg_schema.as_ref().expect("a PostgreSQL test");
        let url = postgres_url().expect("SNACKBASE_TEST_POSTGRES_URL");
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
        sqlx::query(&format!("SET search_path = {schema}, public"))
            .execute(&mut conn)
            .await
            .expect("search_path");
        conn
    }

    pub async fn count(&self, table: &str) -> i64 {
        if table.starts_with("audit_") {
            // Staged audit events (PostgreSQL) are chained first.
            self.settle_audit().await;
        }
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.state.db {
            Db::Sqlite { read, .. } => sqlx::query_scalar(&sql)
                .fetch_one(read)
                .await
                .expect("count"),
            Db::Postgres(pool, ..) => sqlx::query_scalar(&sql)
                .fetch_one(pool)
                .await
                .expect("count"),
        }
    }
}

/// Serves `state` on a fresh port of 127.0.0.1: its base URL and the sender
/// that stops it.
async fn serve(state: &AppState) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serve_state = state.clone();
    tokio::spawn(async move {
        let _ = snackbase_server::serve(serve_state, listener, axum::Router::new(), async {
            let _ = rx.await;
        })
        .await;
    });
    (base, tx)
}

/// A PostgreSQL database handle whose search path is the test's schema.
async fn connect_schema(schema: &str) -> Db {
    let url = postgres_url().expect("SNACKBASE_TEST_POSTGRES_URL");
    let options = PgConnectOptions::from_str(&url)
        .expect("url")
        .options([("search_path", format!("{schema},public").as_str())]);
    Db::connect_postgres(options, 8).await.expect("postgres")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let (Some(schema), Some(url)) = (self.pg_schema.take(), postgres_url()) {
            // Best effort, on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Signs arbitrary claims with the test secret (to forge tokens in tests).
pub fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Decodes a JWT's payload without checking it.
pub fn claims_of(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// The 64-hex-digit token in a message.
pub fn token_in(message: &str) -> String {
    let flat = message.replace("=\r\n", "").replace("=\n", "");
    let bytes = flat.as_bytes();
    for i in 0..bytes.len().saturating_sub(64) {
        let window = &flat[i..i + 64];
        if window
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && (i == 0 || !bytes[i - 1].is_ascii_hexdigit())
            && bytes.get(i + 64).is_none_or(|b| !b.is_ascii_hexdigit())
        {
            return window.to_string();
        }
    }
    panic!("no token in the message:\n{message}");
}
