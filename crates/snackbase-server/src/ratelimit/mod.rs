//! Rate limits per client address (the whole API, and the auth routes more
//! strictly) and per account and email (login), with `governor`'s GCRA
//! counters. The counters are per node; the login lockout that several nodes
//! must share lives in the database (`auth::lockout`).

mod client_ip;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::Method;
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
    mail: DefaultKeyedRateLimiter<String>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// The routes whose every call is a guess at a secret: they share the
/// stricter per-address auth limit. `path` is relative to the API prefix.
fn is_auth_route(method: &Method, path: &str) -> bool {
    if method == Method::GET {
        return path.starts_with("/auth/verify-reset-token/");
    }
    if method != Method::POST {
        return false;
    }
    matches!(
        path,
        "/auth/login" | "/auth/register" | "/auth/refresh" | "/setup"
    ) || (path.starts_with("/invitations/") && path.ends_with("/accept"))
        || path == "/auth/mfa/verify"
        || path.starts_with("/auth/totp/")
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
            mail: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nonzero(limits.mail_per_hour))),
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

    /// Counts one mail asked for `key` (its kind, account and email, whether
    /// or not such a user exists); a 429 past the hourly limit.
    pub fn check_mail(&self, key: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        check(
            &self.mail,
            &key.to_string(),
            "Too many emails asked for this address; try again later",
        )
    }

    /// Counts a failed credential that no route limit saw (an `X-API-Key`
    /// on any route) against the address's auth limit; a 429 past it.
    pub fn count_auth_failure(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        match ip {
            Some(ip) if self.enabled => check(
                &self.auth,
                &ip,
                "Too many authentication failures from this address",
            ),
            _ => Ok(()),
        }
    }

    /// Forgets counters that are full again (keeps memory bounded).
    pub fn sweep(&self) {
        for limiter in [&self.per_minute, &self.per_hour, &self.auth] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in [&self.login, &self.mail] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
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

impl Limiter {
    /// Records the client's address (see [`ClientIp`]) on the request.
    pub fn identify(&self, req: &mut Request) {
        if let Some(ip) = client_ip::resolve(req, &self.trusted_proxies) {
            req.extensions_mut().insert(ClientIp(ip));
        }
    }

    /// Applies the per-address limits to an API request: the general one, and
    /// the auth one on auth routes. Health probes and the admin UI's files
    /// are not limited.
    pub fn check_request(&self, req: &Request) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
        let (Some(ip), Some(path)) = (ip, req.uri().path().strip_prefix(&self.api_prefix)) else {
            return Ok(());
        };
        check(&self.per_minute, &ip, "Too many requests from this address")?;
        check(&self.per_hour, &ip, "Too many requests from this address")?;
        if is_auth_route(req.method(), path) {
            check(
                &self.auth,
                &ip,
                "Too many authentication requests from this address",
            )?;
        }
        Ok(())
    }
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
        assert!(is_auth_route(&Method::GET, "/auth/verify-reset-token/abc"));
        assert!(!is_auth_route(&Method::POST, "/records/posts"));
        assert!(!is_auth_route(&Method::POST, "/auth/logout"));
    }
}
