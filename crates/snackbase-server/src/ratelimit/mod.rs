//! Rate limits per client address (the whole API, and the auth routes more
//! strictly), per account and email (login) and per mail asked for. The
//! general per-address limits are per node (`governor`'s GCRA counters). The
//! auth limits — the auth routes and API-key failures per address, login
//! attempts, mails — must hold across nodes: on PostgreSQL they are
//! fixed-window counters in the database ([`counters`]); on SQLite (one
//! node) they are `governor` counters too. The login lockout lives in the
//! database on both (`auth::lockout`).

mod client_ip;
mod counters;

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
use crate::db::Db;
use crate::error::ApiError;

/// The limits that hold across nodes on PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// The auth routes and failed API keys, per client address, per minute.
    Auth,
    /// Login attempts per account and email, per minute.
    Login,
    /// Mails asked for per kind, account and email, per hour.
    Mail,
}

impl Bucket {
    fn label(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Login => "login",
            Self::Mail => "mail",
        }
    }

    fn window(self) -> Duration {
        match self {
            Self::Auth | Self::Login => Duration::from_secs(60),
            Self::Mail => Duration::from_secs(3600),
        }
    }

    fn limit(self, limits: &RateLimits) -> u32 {
        match self {
            Self::Auth => limits.auth_per_minute,
            Self::Login => limits.login_per_minute,
            Self::Mail => limits.mail_per_hour,
        }
        .max(1)
    }

    /// What a 429 of this bucket says, unless the caller says more.
    fn message(self) -> &'static str {
        match self {
            Self::Auth => "Too many authentication requests from this address",
            Self::Login => "Too many login attempts for this account and email",
            Self::Mail => "Too many emails asked for this address; try again later",
        }
    }
}

/// The auth limits in this node's memory.
struct NodeCounters {
    auth: DefaultKeyedRateLimiter<String>,
    login: DefaultKeyedRateLimiter<String>,
    mail: DefaultKeyedRateLimiter<String>,
}

/// Where the auth limits count.
enum Shared {
    /// This node's memory (SQLite: the only node).
    Node(Box<NodeCounters>),
    /// The database every node shares (PostgreSQL).
    Cluster(counters::Counters),
}

/// The node's rate-limit counters.
pub struct Limiter {
    enabled: bool,
    limits: RateLimits,
    api_prefix: String,
    trusted_proxies: Vec<ipnet::IpNet>,
    per_minute: DefaultKeyedRateLimiter<IpAddr>,
    per_hour: DefaultKeyedRateLimiter<IpAddr>,
    shared: Shared,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// The routes whose every call is a guess at a secret: they share the
/// stricter per-address auth limit. `path` is relative to the API prefix.
/// The second-factor and OAuth routes are listed by prefix.
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
        || ["/auth/mfa/", "/auth/totp/", "/auth/oauth/"]
            .iter()
            .any(|p| path.starts_with(p))
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
    /// The limiter of a node over `db`: the auth limits count in the
    /// database on PostgreSQL, in memory on SQLite.
    pub fn new(limits: &RateLimits, server: &ServerLimits, api_prefix: &str, db: &Db) -> Arc<Self> {
        let per_hour = Quota::per_hour(nonzero(limits.per_hour));
        let shared = match db {
            Db::Postgres(pool, ..) => Shared::Cluster(counters::Counters::new(pool.clone())),
            Db::Sqlite { .. } => Shared::Node(Box::new(NodeCounters {
                auth: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                    limits.auth_per_minute,
                ))),
                login: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                    limits.login_per_minute,
                ))),
                mail: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nonzero(
                    limits.mail_per_hour,
                ))),
            })),
        };
        Arc::new(Self {
            enabled: limits.enabled,
            limits: limits.clone(),
            api_prefix: api_prefix.to_string(),
            trusted_proxies: server.trusted_proxies.clone(),
            per_minute: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nonzero(
                limits.per_minute,
            ))),
            per_hour: DefaultKeyedRateLimiter::keyed(per_hour),
            shared,
        })
    }

    /// Counts one attempt for `key` in `bucket` (login: the account and
    /// email's lockout key; mail: its kind, account and email, whether or not
    /// such a user exists); a 429 with the seconds left in the window past
    /// the bucket's limit. Across nodes on PostgreSQL.
    pub async fn check(&self, bucket: Bucket, key: &str) -> Result<(), ApiError> {
        self.hit(bucket, key, bucket.message()).await
    }

    /// Counts a failed credential that no route limit saw (an `X-API-Key`
    /// on any route) against the address's auth limit; a 429 past it.
    pub async fn count_auth_failure(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        match ip {
            Some(ip) => {
                self.hit(
                    Bucket::Auth,
                    &ip.to_string(),
                    "Too many authentication failures from this address",
                )
                .await
            }
            None => Ok(()),
        }
    }

    /// Counts a call of an auth route from `ip` (see [`Limiter::check_request`]).
    pub async fn check_auth_route(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.check(Bucket::Auth, &ip.to_string()).await
    }

    async fn hit(&self, bucket: Bucket, key: &str, message: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let too_many = |retry_after| ApiError::TooManyRequests {
            message: message.to_string(),
            retry_after,
        };
        match &self.shared {
            Shared::Node(node) => {
                let limiter = match bucket {
                    Bucket::Auth => &node.auth,
                    Bucket::Login => &node.login,
                    Bucket::Mail => &node.mail,
                };
                check(limiter, &key.to_string()).map_err(too_many)
            }
            Shared::Cluster(counters) => {
                let stored = counters::stored_key(bucket.label(), key);
                let limit = bucket.limit(&self.limits);
                match counters.hit(&stored, bucket.window(), limit).await? {
                    None => Ok(()),
                    Some(retry_after) => Err(too_many(retry_after)),
                }
            }
        }
    }

    /// Forgets counters that are full again (keeps memory bounded) and, on
    /// PostgreSQL, the rows of windows that ended.
    pub async fn sweep(&self) {
        for limiter in [&self.per_minute, &self.per_hour] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        match &self.shared {
            Shared::Node(node) => {
                for limiter in [&node.auth, &node.login, &node.mail] {
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            }
            Shared::Cluster(counters) => {
                if let Err(e) = counters.sweep().await {
                    tracing::warn!(error = %e, "could not sweep the rate counters");
                }
            }
        }
    }

    /// Sweeps once a minute, until `stop`.
    pub async fn sweep_until(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => self.sweep().await,
                _ = stop.changed() => return,
            }
        }
    }
}

/// Counts one for `key`; `Err(seconds to wait)` past the quota.
fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), u64> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(limiter.clock().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

impl Limiter {
    /// Records the client's address (see [`ClientIp`]) on the request.
    pub fn identify(&self, req: &mut Request) {
        if let Some(ip) = client_ip::resolve(req, &self.trusted_proxies) {
            req.extensions_mut().insert(ClientIp(ip));
        }
    }

    /// Applies the general per-address limits (this node's) to an API
    /// request. On an auth route, returns the address to count against the
    /// auth limit with [`Limiter::check_auth_route`] (kept apart: that may
    /// wait on the database, and a request is not `Sync`). Health probes
    /// and the admin UI's files are not limited.
    pub fn check_request(&self, req: &Request) -> Result<Option<IpAddr>, ApiError> {
        if !self.enabled {
            return Ok(None);
        }
        let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
        let (Some(ip), Some(path)) = (ip, req.uri().path().strip_prefix(&self.api_prefix)) else {
            return Ok(None);
        };
        let too_many = |retry_after| ApiError::TooManyRequests {
            message: "Too many requests from this address".into(),
            retry_after,
        };
        check(&self.per_minute, &ip).map_err(too_many)?;
        check(&self.per_hour, &ip).map_err(too_many)?;
        Ok(is_auth_route(req.method(), path).then_some(ip))
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
            "/auth/mfa/verify",
            "/auth/totp/disable",
            "/auth/oauth/google/callback",
        ] {
            assert!(is_auth_route(&Method::POST, path), "{path}");
        }
        assert!(!is_auth_route(&Method::GET, "/auth/login"));
        assert!(is_auth_route(&Method::GET, "/auth/verify-reset-token/abc"));
        assert!(!is_auth_route(&Method::POST, "/records/posts"));
        assert!(!is_auth_route(&Method::POST, "/auth/logout"));
    }
}
