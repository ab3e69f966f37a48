//! The HTTP side of the benchmark: the API client, and the accounts and users
//! it sets up.

use super::*;

pub(crate) struct Api {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
}

impl Api {
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Result<Value> {
        let url = format!("{}{}", self.base, path);
        let mut req = match method {
            "GET" => self.http.get(&url),
            "POST" => self.http.post(&url),
            "PUT" => self.http.put(&url),
            other => bail!("method {other}"),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status}: {text}");
        }
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }

    pub(crate) async fn login(&self, account: &str, email: &str, password: &str) -> Result<String> {
        let r = self
            .call(
                "POST",
                "/api/v1/auth/login",
                Some(json!({"account": account, "email": email, "password": password})),
                None,
            )
            .await?;
        r["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no token in {r}"))
    }

    pub(crate) async fn inspector(&self, token: &str) -> Result<Value> {
        self.call("GET", "/api/v1/admin/realtime", None, Some(token))
            .await
    }
}

/// A plain user of an account: who owns which records.
#[derive(Clone)]
pub(crate) struct User {
    pub(crate) account_id: String,
    pub(crate) user_id: String,
    /// The one group the user is a member of (`--rule group`).
    pub(crate) group: String,
    pub(crate) token: String,
}

impl User {
    /// Who else receives what this user receives: the user (owner rule),
    /// or its group in its account (group rule).
    pub(crate) fn audience(&self, rule: Rule) -> String {
        match rule {
            Rule::Owner => self.user_id.clone(),
            Rule::Group => format!("{}/{}", self.account_id, self.group),
        }
    }
}

pub(crate) struct Account {
    pub(crate) admin_token: String,
}
