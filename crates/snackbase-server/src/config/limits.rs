//! Protection settings: rate limits, the auth lockout, trusted proxies, the
//! HTTP server's timeouts and caps, and realtime's limits.

use std::time::Duration;

use ipnet::IpNet;

use super::{ConfigError, Source};

/// Rate limits and the auth lockout. All counters except the lockout are per
/// node; the lockout lives in the database, so every node shares it.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub enabled: bool,
    /// Requests per client address per minute, over the whole API.
    pub per_minute: u32,
    /// Requests per client address per hour, over the whole API.
    pub per_hour: u32,
    /// Requests per client address per minute to the auth routes (login,
    /// register, refresh, setup, invitation acceptance).
    pub auth_per_minute: u32,
    /// Login attempts per account and email per minute.
    pub login_per_minute: u32,
    /// Mails asked for by anyone (password reset, verification) per account
    /// and email per hour, sent or not.
    pub mail_per_hour: u32,
    /// Consecutive failed logins of one account and email before the lockout starts.
    pub lockout_threshold: u32,
    /// The first lockout's length; each further failure doubles it.
    pub lockout_base: Duration,
    /// The longest lockout (before `lockout_max_failures`).
    pub lockout_max: Duration,
    /// After this many consecutive failures the account and email stay locked
    /// until an administrator sets a new password (NIST SP 800-63B: at most 100).
    pub lockout_max_failures: u32,
}

/// The HTTP server's defences against slow and greedy clients.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// A complete request head must arrive within this time of the connection
    /// opening or of the previous response (this also closes idle keep-alive
    /// connections).
    pub header_read_timeout: Duration,
    /// A request body must arrive whole within this time.
    pub body_timeout: Duration,
    /// Concurrent connections; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Longest accepted request target (path and query), bytes.
    pub max_uri_length: usize,
    /// Client addresses whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

pub(super) fn range<T: PartialOrd + std::fmt::Display + Copy>(
    key: &str,
    value: T,
    min: T,
    max: T,
) -> Result<T, ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::new(
            &format!("SNACKBASE_{key}"),
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

impl RateLimits {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let per_minute = range(
            "RATE_LIMIT_PER_MINUTE",
            s.parsed("RATE_LIMIT_PER_MINUTE")?,
            1,
            1_000_000,
        )?;
        let per_hour = range(
            "RATE_LIMIT_PER_HOUR",
            s.parsed("RATE_LIMIT_PER_HOUR")?,
            1,
            100_000_000,
        )?;
        if per_hour < per_minute {
            return Err(ConfigError::new(
                "SNACKBASE_RATE_LIMIT_PER_HOUR",
                "must be at least SNACKBASE_RATE_LIMIT_PER_MINUTE",
            ));
        }
        let lockout_base: u64 = range(
            "AUTH_LOCKOUT_BASE_SECONDS",
            s.parsed("AUTH_LOCKOUT_BASE_SECONDS")?,
            1,
            3600,
        )?;
        let lockout_max: u64 = range(
            "AUTH_LOCKOUT_MAX_SECONDS",
            s.parsed("AUTH_LOCKOUT_MAX_SECONDS")?,
            1,
            86_400,
        )?;
        if lockout_max < lockout_base {
            return Err(ConfigError::new(
                "SNACKBASE_AUTH_LOCKOUT_MAX_SECONDS",
                "must be at least SNACKBASE_AUTH_LOCKOUT_BASE_SECONDS",
            ));
        }
        let lockout_threshold = range(
            "AUTH_LOCKOUT_THRESHOLD",
            s.parsed("AUTH_LOCKOUT_THRESHOLD")?,
            1,
            100,
        )?;
        let lockout_max_failures = range(
            "AUTH_LOCKOUT_MAX_FAILURES",
            s.parsed("AUTH_LOCKOUT_MAX_FAILURES")?,
            lockout_threshold,
            100,
        )?;
        Ok(Self {
            enabled: s.boolean("RATE_LIMIT_ENABLED")?,
            per_minute,
            per_hour,
            auth_per_minute: range(
                "AUTH_RATE_LIMIT_PER_MINUTE",
                s.parsed("AUTH_RATE_LIMIT_PER_MINUTE")?,
                1,
                1_000_000,
            )?,
            login_per_minute: range(
                "LOGIN_RATE_LIMIT_PER_MINUTE",
                s.parsed("LOGIN_RATE_LIMIT_PER_MINUTE")?,
                1,
                1_000_000,
            )?,
            mail_per_hour: range(
                "MAIL_RATE_LIMIT_PER_HOUR",
                s.parsed("MAIL_RATE_LIMIT_PER_HOUR")?,
                1,
                1_000_000,
            )?,
            lockout_threshold,
            lockout_base: Duration::from_secs(lockout_base),
            lockout_max: Duration::from_secs(lockout_max),
            lockout_max_failures,
        })
    }
}

impl ServerLimits {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let header: u64 = range(
            "HEADER_READ_TIMEOUT_SECONDS",
            s.parsed("HEADER_READ_TIMEOUT_SECONDS")?,
            1,
            3600,
        )?;
        let body: u64 = range(
            "BODY_TIMEOUT_SECONDS",
            s.parsed("BODY_TIMEOUT_SECONDS")?,
            1,
            86_400,
        )?;
        let trusted_proxies = s
            .list("TRUSTED_PROXIES")?
            .iter()
            .map(|p| parse_net(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| ConfigError::new("SNACKBASE_TRUSTED_PROXIES", m))?;
        Ok(Self {
            header_read_timeout: Duration::from_secs(header),
            body_timeout: Duration::from_secs(body),
            max_connections: range(
                "MAX_CONNECTIONS",
                s.parsed("MAX_CONNECTIONS")?,
                1,
                1_000_000,
            )?,
            max_uri_length: range("MAX_URI_LENGTH", s.parsed("MAX_URI_LENGTH")?, 256, 65_000)?,
            trusted_proxies,
        })
    }
}

/// An address (`10.0.0.1`) or a network (`10.0.0.0/8`).
fn parse_net(raw: &str) -> Result<IpNet, String> {
    if let Ok(net) = raw.parse::<IpNet>() {
        return Ok(net);
    }
    raw.parse::<std::net::IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{raw:?} is neither an IP address nor a network (CIDR)"))
}

/// Realtime connections (docs/realtime.md): caps, queues and the replay window.
#[derive(Debug, Clone)]
pub struct RealtimeLimits {
    /// Open realtime connections on this node.
    pub max_connections: usize,
    /// Open realtime connections per user (per client address for the public role).
    pub max_per_user: usize,
    /// Messages queued for one connection; a client that falls this far
    /// behind is disconnected as a slow consumer.
    pub queue: usize,
    /// How far back a reconnecting client may ask to replay changes.
    pub replay_window: Duration,
    /// The most changes one replay sends before it asks for a resync instead.
    pub replay_events: usize,
}

impl RealtimeLimits {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let count = |key: &str, min: usize, max: usize| -> Result<usize, ConfigError> {
            range(key, s.parsed(key)?, min, max)
        };
        Ok(Self {
            max_connections: count("REALTIME_MAX_CONNECTIONS", 1, 1_000_000)?,
            max_per_user: count("REALTIME_MAX_PER_USER", 1, 100_000)?,
            queue: count("REALTIME_QUEUE", 8, 100_000)?,
            replay_window: Duration::from_secs(
                count("REALTIME_REPLAY_SECONDS", 0, 30 * 86_400)? as u64
            ),
            replay_events: count("REALTIME_REPLAY_EVENTS", 0, 1_000_000)?,
        })
    }
}
