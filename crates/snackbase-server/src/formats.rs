//! One parser per text format, shared by every feature that accepts it, so a
//! value one route accepts another does not refuse: email addresses (record
//! `email` fields, user accounts, invitations), web URLs (record `url`
//! fields; webhook targets go through the same `url` crate in their SSRF check)
//! and datetimes (record fields, `field=value` tests, filters and rules).

use chrono::{DateTime, Utc};

/// A date or date-time, read by the rule language's own parser (so a value a
/// record accepts, a filter accepts, and the other way round): `2024-01-31`
/// (midnight UTC), `2024-01-31T12:00[:05[.123456]]` with `T`, `t` or a space,
/// and an optional `Z` or `±HH[:MM]` offset (none means UTC); years 0001–9999;
/// fractions past microseconds are cut.
pub fn datetime(raw: &str) -> Option<DateTime<Utc>> {
    let canonical = snackbase_rules::canonical_datetime(raw)?;
    DateTime::parse_from_rfc3339(&canonical)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An email address split into its local part (as written) and its domain
/// (lowercased), if it is one: RFC 5321 syntax (`email_address`), at most 254
/// characters, a domain name with a dot and a top-level label of at least two
/// letters (no address literals such as `a@[127.0.0.1]`).
pub fn email(raw: &str) -> Option<(&str, String)> {
    let s = raw.trim();
    if s.len() > 254 || !email_address::EmailAddress::is_valid(s) {
        return None;
    }
    let (local, domain) = s.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let is_name = domain.contains('.')
        && !domain.starts_with('[')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic());
    is_name.then_some((local, domain))
}

/// Whether `raw` is an absolute `http` or `https` URL with a host (parsed by
/// the `url` crate), written without spaces.
pub fn web_url(raw: &str) -> bool {
    if raw.chars().any(char::is_whitespace) {
        return false;
    }
    // The authority is written, not repaired (`http:///x` is not `http://x`).
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &raw[7..]
    } else if lower.starts_with("https://") {
        &raw[8..]
    } else {
        return false;
    };
    if rest.is_empty() || rest.starts_with(['/', '?', '#', '.']) {
        return false;
    }
    url::Url::parse(raw).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str()
                .is_some_and(|h| !h.is_empty() && !h.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email(" Ada@Example.COM "),
            Some(("Ada", "example.com".to_string()))
        );
        for ok in [
            "a.b+tag@example.co",
            "o'brien@example.org",
            "x_y@sub.example.io",
        ] {
            assert!(email(ok).is_some(), "{ok}");
        }
        for bad in [
            "nope",
            "a@b",
            "a@example.c",
            "a@[127.0.0.1]",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@example.123",
        ] {
            assert!(email(bad).is_none(), "{bad}");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(250))).is_none());
    }

    #[test]
    fn datetimes() {
        let at = |s: &str| datetime(s).map(|t| t.to_rfc3339());
        assert_eq!(at("2024-01-02"), Some("2024-01-02T00:00:00+00:00".into()));
        assert_eq!(
            at("2024-01-02 03:04"),
            Some("2024-01-02T03:04:00+00:00".into())
        );
        assert_eq!(
            at("2024-01-02T03:04:05.1234567+02:00"),
            Some("2024-01-02T01:04:05.123456+00:00".into())
        );
        for bad in ["2024-02-30", "yesterday", "2024-01-02T25:00", "10000-01-01"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://example.com/x?y=1#z",
            "http://localhost:8080",
            "HTTPS://EXAMPLE.COM",
            "http://[::1]/",
        ] {
            assert!(web_url(ok), "{ok}");
        }
        for bad in [
            "ftp://x",
            "example.com",
            "http://",
            "https://exa mple.com",
            "javascript:alert(1)",
            "http:///path",
        ] {
            assert!(!web_url(bad), "{bad}");
        }
    }
}
