//! A real OpenID Connect provider for the OAuth tests: npm
//! `oauth2-mock-server` (it enforces PKCE) behind `tools/oidc-mock/control.mjs`,
//! one control process per test, which makes providers on free ports of
//! 127.0.0.1 and bends their answers on request.
//!
//! It needs `node` and `npm ci` in `tools/oidc-mock`. Without them the test
//! is skipped with a notice, unless `SNACKBASE_REQUIRE_OIDC=1` (CI), where a
//! skip is a failure.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

fn tool_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/oidc-mock")
}

/// Whether the provider can run; panics when it must and cannot.
pub fn oidc_available() -> bool {
    let installed = tool_dir().join("node_modules/oauth2-mock-server").is_dir()
        && Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if installed {
        return true;
    }
    assert!(
        std::env::var("SNACKBASE_REQUIRE_OIDC").as_deref() != Ok("1"),
        "the OIDC test provider is missing (node, and `npm ci` in tools/oidc-mock) and SNACKBASE_REQUIRE_OIDC=1"
    );
    eprintln!("skipped: the OIDC test provider needs node and `npm ci --prefix tools/oidc-mock`");
    false
}

/// The control process; stopped when dropped.
pub struct OidcMock {
    control: String,
    http: reqwest::Client,
    child: Child,
}

/// One provider of the mock.
pub struct Provider {
    pub id: String,
    pub issuer: String,
}

impl OidcMock {
    pub fn start() -> Self {
        let mut child = Command::new("node")
            .arg(tool_dir().join("control.mjs"))
            .arg("0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the OIDC mock");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the mock's first line");
        let first: Value = serde_json::from_str(&line).expect("the mock's control address");
        Self {
            control: first["control"].as_str().expect("control").to_string(),
            http: reqwest::Client::new(),
            child,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .http
            .request(method, format!("{}{path}", self.control))
            .json(&body)
            .send()
            .await
            .expect("the mock's control API");
        assert!(res.status().is_success(), "mock {path}: {}", res.status());
        res.json().await.expect("json")
    }

    /// A new provider whose users are `user` (`sub`, `email`, `email_verified`).
    pub async fn provider(&self, user: Value) -> Provider {
        let p = self
            .call(reqwest::Method::POST, "/providers", json!({ "user": user }))
            .await;
        Provider {
            id: p["id"].as_str().unwrap().to_string(),
            issuer: p["issuer"].as_str().unwrap().to_string(),
        }
    }

    /// The identity the provider's next tokens carry.
    pub async fn set_user(&self, p: &Provider, user: Value) {
        self.call(
            reqwest::Method::PUT,
            &format!("/providers/{}/user", p.id),
            user,
        )
        .await;
    }

    /// Bends the provider's next token answers (`nonce`, `iss`, `aud`,
    /// `exp_offset`, `token_error`; null clears one).
    pub async fn tamper(&self, p: &Provider, how: Value) {
        self.call(
            reqwest::Method::PUT,
            &format!("/providers/{}/tamper", p.id),
            how,
        )
        .await;
    }

    /// Restarts the provider with a new signing key (the old one leaves its JWKS).
    pub async fn rotate(&self, p: &Provider) {
        self.call(
            reqwest::Method::POST,
            &format!("/providers/{}/rotate", p.id),
            json!({}),
        )
        .await;
    }

    /// A GitHub stand-in whose user is `user` (`id`, `login`) with `emails`
    /// (`email`, `primary`, `verified`); its base URL serves the API too.
    pub async fn github(&self, user: Value, emails: Value) -> Provider {
        let g = self
            .call(
                reqwest::Method::POST,
                "/github",
                json!({"user": user, "emails": emails}),
            )
            .await;
        Provider {
            id: g["id"].as_str().unwrap().to_string(),
            issuer: g["base_url"].as_str().unwrap().to_string(),
        }
    }

    pub async fn set_github_user(&self, g: &Provider, user: Value, emails: Value) {
        self.call(
            reqwest::Method::PUT,
            &format!("/github/{}/user", g.id),
            json!({"user": user, "emails": emails}),
        )
        .await;
    }

    pub async fn stats(&self, p: &Provider) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/providers/{}/stats", p.id),
            Value::Null,
        )
        .await
    }
}

impl Drop for OidcMock {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
