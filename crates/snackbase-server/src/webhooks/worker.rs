//! The delivery worker: claims due deliveries, posts them signed, and records
//! the outcome; failures are retried with exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ssrf::{GuardedResolver, Refused};
use super::{WebhookRow, SELECT};
use crate::app::AppState;
use crate::error::ApiResult;
use crate::on_pool;

#[derive(Debug, sqlx::FromRow)]
struct Due {
    id: String,
    webhook_id: String,
    event: String,
    payload: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
}

fn hmac_hex(secret: &str, parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// `X-SnackBase-Signature`: `sha256=<hex HMAC-SHA256 of the body>`. It does
/// not cover the time, so a captured delivery verifies forever; kept for
/// receivers written against it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret, &[body]))
}

/// `X-SnackBase-Signature-V2`: `t=<unix seconds>,sha256=<hex HMAC-SHA256 of
/// "<t>.<body>">`. The time is signed with the body, so a receiver can refuse
/// an old delivery replayed.
pub fn signature_v2(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mac = hmac_hex(secret, &[t.as_bytes(), b".", body]);
    format!("t={t},sha256={mac}")
}

/// The client deliveries go out with: no redirects, no proxy (a proxy would
/// resolve and connect out of the guard's sight), and the guarded resolver,
/// so every address it connects to for a host name is checked then.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    client_within(allow_private, Duration::from_secs(10))
}

/// The same client, giving up on a request after `timeout`.
fn client_within(allow_private: bool, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(allow_private)))
        .timeout(timeout)
        .build()
}

/// How long an attempt may take: 10 s, or half the job lease when that is
/// shorter, so that no attempt outlives its claim (another node would then
/// send the same delivery while this one still waits).
fn attempt_timeout(lease: Duration) -> Duration {
    Duration::from_secs(10).min(lease / 2)
}

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let tick = Duration::from_millis((state.config.webhook_retry_base_ms / 4).clamp(20, 1000));
    let timeout = attempt_timeout(state.config.job_lease);
    let client = match client_within(state.config.webhooks_allow_private_networks, timeout) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker could not start");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
        if let Err(e) = run_once(&state, &client).await {
            tracing::warn!(error = %e, "webhook delivery round failed");
        }
    }
}

/// Delivers what is due now; returns how many were attempted.
pub async fn run_once(state: &AppState, client: &reqwest::Client) -> ApiResult<usize> {
    let now = crate::http::time::now();
    let due: Vec<Due> = on_pool!(&state.db, |p| {
        sqlx::query_as::<_, Due>(
        "SELECT id, webhook_id, event, payload, attempts, next_attempt_at FROM webhook_deliveries \
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 10"
    )
    .bind(now)
    .fetch_all(p)
    .await
    })?;
    let mut attempted = 0;
    for d in due {
        // Claim it with a lease, so that another node (or round) does not
        // send it too; a node that dies holding it loses it when it ends.
        let lease = crate::http::time::now()
            + chrono::Duration::seconds(
                i64::try_from(state.config.job_lease.as_secs()).unwrap_or(60),
            );
        let mut tx = state.db.begin().await?;
        let claimed = crate::on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $3 WHERE id = $1 AND status = 'pending' AND next_attempt_at = $2"
        )
        .bind(&d.id)
        .bind(d.next_attempt_at)
        .bind(lease)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        if claimed != 1 {
            continue;
        }
        attempted += 1;
        let outcome = send(state, client, &d).await;
        record(state, &d, outcome).await?;
    }
    Ok(attempted)
}

/// `Ok(status)` for a 2xx answer, `Err((status, error))` otherwise.
async fn send(
    state: &AppState,
    client: &reqwest::Client,
    d: &Due,
) -> Result<u16, (Option<u16>, String)> {
    let sql = format!("{SELECT} WHERE id = $1");
    let hook = on_pool!(&state.db, |p| sqlx::query_as::<_, WebhookRow>(&sql)
        .bind(&d.webhook_id)
        .fetch_optional(p)
        .await)
    .map_err(|e| (None, e.to_string()))?
    .ok_or((None, "The webhook no longer exists".to_string()))?;
    post(
        client,
        state.config.webhooks_allow_private_networks,
        &hook,
        &d.id,
        &d.event,
        d.payload.clone().into_bytes(),
    )
    .await
}

/// Posts one delivery to the webhook's URL, signed with its secret and with
/// its headers: `Ok(status)` for a 2xx answer, `Err((status, error))`
/// otherwise (a refused target, a failed connection, another answer). The
/// worker's attempts and the immediate test delivery both go through here.
pub async fn post(
    client: &reqwest::Client,
    allow_private: bool,
    hook: &WebhookRow,
    delivery_id: &str,
    event: &str,
    body: Vec<u8>,
) -> Result<u16, (Option<u16>, String)> {
    // A literal address is connected to without resolving: check it here.
    // Host names are checked by the client's resolver, at connection time.
    let url = super::ssrf::check_target(&hook.url, allow_private).map_err(|e| (None, e))?;
    let timestamp = Utc::now().timestamp();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "SnackBase-Webhooks")
        .header("x-snackbase-event", event)
        .header("x-snackbase-delivery", delivery_id)
        .header("x-snackbase-timestamp", timestamp.to_string())
        .header("x-snackbase-signature", signature(&hook.secret, &body))
        .header(
            "x-snackbase-signature-v2",
            signature_v2(&hook.secret, timestamp, &body),
        );
    let headers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&hook.headers).unwrap_or_default();
    for (k, v) in headers {
        if let Some(v) = v.as_str() {
            request = request.header(k, v);
        }
    }
    match request.body(body).send().await {
        Ok(res) if res.status().is_success() => Ok(res.status().as_u16()),
        Ok(res) => Err((
            Some(res.status().as_u16()),
            format!("The receiver answered {}", res.status()),
        )),
        Err(e) => Err((None, describe(&e))),
    }
}

/// The delivery log's text for a failed request: the guard's refusal when it
/// was one (it is buried in the connection error), else the error itself.
fn describe(e: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<Refused>() {
            return refused.to_string();
        }
        source = s.source();
    }
    e.to_string()
}

async fn record(
    state: &AppState,
    d: &Due,
    outcome: Result<u16, (Option<u16>, String)>,
) -> ApiResult<()> {
    let attempts = d.attempts + 1;
    let now = crate::http::time::now();
    let mut tx = state.db.begin().await?;
    match outcome {
        Ok(status) => {
            state.metrics.webhook_attempt("delivered");
            crate::on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = $4 WHERE id = $1"
            )
            .bind(&d.id)
            .bind(attempts)
            .bind(i64::from(status))
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        Err((status, error)) => {
            let failed = attempts >= state.config.webhook_max_attempts;
            state
                .metrics
                .webhook_attempt(if failed { "failed" } else { "retry" });
            let delay = state
                .config
                .webhook_retry_base_ms
                .saturating_mul(1u64 << (attempts - 1).clamp(0, 20));
            let next = now + chrono::Duration::milliseconds(delay.min(86_400_000) as i64);
            tracing::warn!(delivery_id = %d.id, attempts, error = %error, "webhook delivery failed");
            crate::on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5, next_attempt_at = $6 WHERE id = $1"
            )
            .bind(&d.id)
            .bind(if failed { "failed" } else { "pending" })
            .bind(attempts)
            .bind(status.map(i64::from))
            .bind(&error)
            .bind(next)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        // Computed independently (Python's hmac module).
        let (secret, body) = ("0123456789abcdef-secret", br#"{"event":"test"}"#);
        assert_eq!(
            signature(secret, body),
            "sha256=5a36679cc769ed6dda498abf89fd22ba28b34a5783ccd105b94a0b360e16d2cb"
        );
        assert_eq!(
            signature_v2(secret, 1_700_000_000, body),
            "t=1700000000,sha256=9d322d56c41ad01d7726861c1bb7152729dcc4ff91426870e74a73ddb0a1a61e"
        );
    }

    #[test]
    fn an_attempt_ends_within_its_lease() {
        assert_eq!(
            attempt_timeout(Duration::from_secs(60)),
            Duration::from_secs(10)
        );
        assert_eq!(
            attempt_timeout(Duration::from_secs(4)),
            Duration::from_secs(2)
        );
    }

    #[tokio::test]
    async fn the_client_refuses_names_of_internal_addresses() {
        // Nothing listens on port 1: allowed, the attempt gets as far as a
        // refused connection; guarded, it never connects.
        let guarded = client(false).unwrap();
        let e = guarded
            .post("http://localhost:1/hook")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            describe(&e),
            "The host 'localhost' resolves to an internal address; webhooks may only call public hosts"
        );
        let open = client(true).unwrap();
        let e = open
            .post("http://localhost:1/hook")
            .send()
            .await
            .unwrap_err();
        assert!(e.is_connect(), "{e:?}");
        assert!(!describe(&e).contains("internal address"));
    }
}
