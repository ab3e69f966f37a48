//! A cluster: several `snackbase serve` processes on one PostgreSQL schema,
//! with the same secret key, each on its own port and data directory, and a
//! client that sends each request to the node a test names.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection as _;

pub const BIN: &str = env!("CARGO_BIN_EXE_snackbase");
pub const PASSWORD: &str = "Correct-Horse-42!";
pub const ROOT: &str = "root@example.com";
const SECRET: &str = "nodes-test-secret-key-0123456789abcdef";

/// The PostgreSQL URL, or `None` (a skip with a notice) when it is not set;
/// in CI, or with `SNACKBASE_REQUIRE_POSTGRES=1`, a missing URL fails.
pub fn postgres_url() -> Option<String> {
    if let Some(url) = std::env::var("SNACKBASE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Some(url);
    }
    let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("SNACKBASE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "SNACKBASE_TEST_POSTGRES_URL is not set: the multi-node tests cannot be skipped in CI"
    );
    eprintln!(
        "skipped: SNACKBASE_TEST_POSTGRES_URL is not set (the multi-node tests need PostgreSQL)"
    );
    None
}

/// A schema of its own in the test database, dropped when the cluster goes.
struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    async fn create(admin_url: &str) -> Self {
        let name = format!("nodes_{}_{}", std::process::id(), uuid_like(),);
        let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        Self {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// The URL a node connects with: the test database, this schema first.
    fn node_url(&self) -> String {
        let sep = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}options=-c%20search_path%3D{}%2Cpublic",
            self.admin_url, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await: a thread with its own runtime, best effort.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A short unique suffix: time and a counter, no extra dependency.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos:x}_{}", N.fetch_add(1, Ordering::Relaxed))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One server process.
pub struct Node {
    pub base: String,
    /// The server's own process id (the shell around it only waits).
    pub pid: u32,
    shell: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Node {
    /// Starts `snackbase serve` through a shell that stops it when our end of
    /// its stdin closes (also when this test process dies without Drop), and
    /// prints the server's pid first.
    fn spawn(env: &[(String, String)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("server.log");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#""$0" serve 2>"$LOG_PATH" & pid=$!; echo $pid; read _; kill $pid; wait $pid"#)
            .arg(BIN)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LOG_PATH", &log)
            .env("SNACKBASE_HOST", "127.0.0.1")
            .env("SNACKBASE_PORT", port.to_string())
            .env("SNACKBASE_DATA_DIR", dir.path().join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut shell = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(shell.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            base: format!("http://127.0.0.1:{port}"),
            pid: line.trim().parse().expect("the server's pid"),
            shell,
            log,
            _dir: dir,
        }
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(res) = client.get(format!("{}/health", self.base)).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            assert!(self.alive(), "node {} exited:\n{}", self.base, self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node {} did not come up:\n{}", self.base, self.log());
    }

    /// Whether the server process still runs (a zombie waiting for the
    /// shell to reap it does not).
    fn alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|stat| {
                let state = stat.rsplit_once(") ")?.1.chars().next()?;
                Some(state != 'Z' && state != 'X')
            })
            .unwrap_or(false)
    }

    /// SIGKILL: no shutdown, no flush, connections cut. (The shell around
    /// it reaps it when the node is dropped.)
    pub fn kill(&self) {
        let status = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        drop(self.shell.stdin.take());
        let _ = self.shell.wait();
    }
}

/// An answer: status and JSON body (`Null` when it is not JSON).
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub json: Value,
}

impl Res {
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.json);
        &self.json
    }
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    pub client: reqwest::Client,
    env: Vec<(String, String)>,
    schema: Schema,
}

impl Cluster {
    /// `n` nodes started together on an empty schema (so they migrate and
    /// bootstrap the superadmin concurrently); `None` when PostgreSQL is not
    /// configured (outside CI).
    pub async fn start(n: usize) -> Option<Self> {
        Self::start_with(n, &[]).await
    }

    pub async fn start_with(n: usize, extra: &[(&str, &str)]) -> Option<Self> {
        let admin_url = postgres_url()?;
        let schema = Schema::create(&admin_url).await;
        let mut env: Vec<(String, String)> = [
            ("SNACKBASE_DATABASE_URL", schema.node_url().as_str()),
            ("SNACKBASE_SECRET_KEY", SECRET),
            ("SNACKBASE_SUPERADMIN_EMAIL", ROOT),
            ("SNACKBASE_SUPERADMIN_PASSWORD", PASSWORD),
            ("SNACKBASE_LOG_LEVEL", "WARNING"),
            // Two clusters of three may run at once: 6 × 6 connections
            // stay well below PostgreSQL's default 100.
            ("SNACKBASE_DB_POOL_SIZE", "6"),
            ("SNACKBASE_DB_MAX_OVERFLOW", "0"),
            // Tests send everything from one address; limits are asked for.
            ("SNACKBASE_RATE_LIMIT_ENABLED", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v.to_string()));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let nodes: Vec<Node> = (0..n).map(|_| Node::spawn(&env)).collect();
        for node in &nodes {
            node.wait_ready(&client).await;
        }
        Some(Self {
            nodes,
            client,
            env,
            schema,
        })
    }

    /// Starts one more node on the same schema; its index.
    pub async fn add_node(&mut self) -> usize {
        let node = Node::spawn(&self.env);
        node.wait_ready(&self.client).await;
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    pub fn base(&self, node: usize) -> &str {
        &self.nodes[node].base
    }

    pub async fn send(
        &self,
        node: usize,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Res {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base(node)));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        Res {
            status,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, node: usize, path: &str, token: Option<&str>) -> Res {
        self.send(node, reqwest::Method::GET, path, token, None)
            .await
    }

    pub async fn post(&self, node: usize, path: &str, token: Option<&str>, body: Value) -> Res {
        self.send(node, reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn patch(&self, node: usize, path: &str, token: Option<&str>, body: Value) -> Res {
        self.send(node, reqwest::Method::PATCH, path, token, Some(body))
            .await
    }

    pub async fn put(&self, node: usize, path: &str, token: Option<&str>, body: Value) -> Res {
        self.send(node, reqwest::Method::PUT, path, token, Some(body))
            .await
    }

    pub async fn delete(&self, node: usize, path: &str, token: Option<&str>) -> Res {
        self.send(node, reqwest::Method::DELETE, path, token, None)
            .await
    }

    /// Logs in on `node`: the whole answer (token, refresh token, user).
    pub async fn login(&self, node: usize, account: &str, email: &str) -> Value {
        self.post(
            node,
            "/api/v1/auth/login",
            None,
            json!({"account": account, "email": email, "password": PASSWORD}),
        )
        .await
        .expect(200)
        .clone()
    }

    /// The superadmin's access token, logged in on `node`.
    pub async fn root(&self, node: usize) -> String {
        token(&self.login(node, "SY0000", ROOT).await)
    }

    /// Registers a new account with its first user (an admin) on `node`;
    /// the user's access token.
    pub async fn register(&self, node: usize, email: &str, account: &str) -> String {
        let body = self
            .post(
                node,
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "account_name": account}),
            )
            .await;
        token(body.expect(201))
    }

    /// Runs `sql` on a connection of its own, in the cluster's schema.
    pub async fn sql(&self, sql: &str) -> Vec<sqlx::postgres::PgRow> {
        let mut conn = sqlx::PgConnection::connect(&self.schema.node_url())
            .await
            .unwrap();
        sqlx::query(sql).fetch_all(&mut conn).await.unwrap()
    }

    /// Runs the `snackbase` CLI against the cluster's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let dir = tempfile::tempdir().unwrap();
        Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

/// The access token of a login or register answer.
pub fn token(body: &Value) -> String {
    body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {body}"))
        .to_string()
}

/// Waits until `check` holds, polling every 50 ms for up to `secs`.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened within {secs} s: {what}");
}
