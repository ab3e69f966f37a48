//! Rate limits per client address (the whole API, and the auth routes more
//! strictly) and per account and email (login), with `governor`'s GCRA
//! counters. The counters are per node; the login lockout that several nodes
//! must share lives in the database (`auth::lockout`).

mod client_ip;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota};

pub use client_ip::ClientIp;

use crate::config::{RateLimits, ServerLimits};
use crate::error::ApiError;

/// The node's rate-limit counters.
pub struct Limiter {
    enabled: bool,
    api_prefix: String,
    trusted_proxies: Vec<ipnet::IpNet>,
    per_minute: DefaultKeyedRateLimiter<IpAddr>,
    per_hour: DefaultKeyedRateLimiter<IpAddr>,
    auth: DefaultKeyedRateLimiter<IpAddr>,
    login: DefaultKeyedRateLimiter<String>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// The routes whose every call is a guess at a secret: they share the
/// stricter per-address auth limit. `path` is relative to the API prefix.
fn is_auth_route(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    matches!(
        path,
        "/auth/login" | "/auth/register" | "/auth/refresh" | "/setup"
    ) || (path.starts_with("/invitations/") && path.ends_with("/accept"))
        || path.starts_with("/auth/")
            && [
                "forgot-password",
                "reset-password",
                "verify-email",
                "send-verification",
                "resend-verification",
                "verify-reset-token",
            ]
            .iter()
            .any(|p| path.ends_with(p))
}

impl Limiter {
    pub fn new(limits: &RateLimits, server: &ServerLimits, api_prefix: &str) -> Arc<Self> {
        let per_hour = Quota::per_hour(nonzero(limits.per_hour));
        Arc::new(Self {
            enabled: limits.enabled,
            api_prefix: api_prefix.to_string(),
            trusted_proxies: server.trusted_proxies.clone(),
            per_minute: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                limits.per_minute,
            ))),
            per_hour: DefaultKeyedRateLimiter::keyed(per_hour),
            auth: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                limits.auth_per_minute,
            ))),
            login: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                limits.login_per_minute,
            ))),
        })
    }

    /// Counts one login attempt for `key` (the account and email); a 429 when
    /// there were too many in the last minute.
    pub fn check_login(&self, key: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        check(
            &self.login,
            &key.to_string(),
            "Too many login attempts for this account and email",
        )
    }

    /// Forgets counters that are full again (keeps memory bounded).
    pub fn sweep(&self) {
        for limiter in [&self.per_minute, &self.per_hour, &self.auth] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.login.retain_recent();
        self.login.shrink_to_fit();
    }

    /// Forgets counters that are full again, once a minute, until `stop`.
    pub async fn sweep_until(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => self.sweep(),
                _ = stop.changed() => return,
            }
        }
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    message: &str,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(limiter.clock().now());
        ApiError::TooManyRequests {
            message: message.to_string(),
            retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}

/// Finds the client's address (see [`ClientIp`]) for the layers inside.
pub async fn identify(
    State(limiter): State<Arc<Limiter>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ip) = client_ip::resolve(&req, &limiter.trusted_proxies) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// Applies the per-address limits to API requests: the general one, and the
/// auth one on auth routes. Health probes and the admin UI's files are not
/// limited.
pub async fn limit(State(limiter): State<Arc<Limiter>>, req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
    if limiter.enabled {
        if let (Some(ip), Some(path)) = (ip, req.uri().path().strip_prefix(&limiter.api_prefix)) {
            let outcome = check(
                &limiter.per_minute,
                &ip,
                "Too many requests from this address",
            )
            .and_then(|()| {
                check(
                    &limiter.per_hour,
                    &ip,
                    "Too many requests from this address",
                )
            })
            .and_then(|()| {
                if is_auth_route(req.method(), path) {
                    check(
                        &limiter.auth,
                        &ip,
                        "Too many authentication requests from this address",
                    )
                } else {
                    Ok(())
                }
            });
            if let Err(err) = outcome {
                return err.into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_routes_are_recognised() {
        for path in [
            "/auth/login",
            "/auth/register",
            "/auth/refresh",
            "/setup",
            "/invitations/abc/accept",
            "/auth/forgot-password",
        ] {
            assert!(is_auth_route(&Method::POST, path), "{path}");
        }
        assert!(!is_auth_route(&Method::GET, "/auth/login"));
        assert!(!is_auth_route(&Method::POST, "/records/posts"));
        assert!(!is_auth_route(&Method::POST, "/auth/logout"));
    }
}
