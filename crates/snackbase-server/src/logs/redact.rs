//! Query strings are logged with the values of secret-looking parameters
//! (tokens, passwords, keys, signatures) replaced, and paths with their token
//! segments replaced, so a log never holds a credential that was put in a URL.

use std::borrow::Cow;

pub const REDACTED: &str = "[redacted]";

/// Parameter names whose values are never logged (matched case-insensitively,
/// as a substring of the decoded-enough name).
const SECRET_WORDS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "pwd",
    "secret",
    "key",
    "signature",
    "auth",
    "credential",
    "session",
    "code",
];

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    // Percent-encoded names (`pass%77ord`) are rare; an encoded name is
    // treated as secret rather than decoded.
    name.contains('%') || SECRET_WORDS.iter().any(|w| name.contains(w))
}

/// The query string with the values of secret parameters replaced.
pub fn query(q: &str) -> String {
    if !q.split('&').any(|pair| is_secret(name_of(pair))) {
        return q.to_string();
    }
    q.split('&')
        .map(|pair| {
            let name = name_of(pair);
            if is_secret(name) {
                format!("{name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Path segments that carry a secret: the one after `invitations` (an
/// invitation token; the admin routes name invitations by UUID, which is
/// kept), after the token routes of auth (`reset-password`, `verify-email`,
/// ...), and any long token-like segment that is not a UUID.
pub fn path(p: &str) -> Cow<'_, str> {
    // Pairs of (previous segment, segment), without allocating.
    let pairs = || std::iter::once("").chain(p.split('/')).zip(p.split('/'));
    if !pairs().any(|(before, s)| is_secret_segment(before, s)) {
        return Cow::Borrowed(p);
    }
    Cow::Owned(
        pairs()
            .map(|(before, s)| {
                if is_secret_segment(before, s) {
                    REDACTED
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn is_secret_segment(before: &str, s: &str) -> bool {
    if s.is_empty() || is_uuid(s) {
        return false;
    }
    TOKEN_PARENTS.contains(&before)
        || (s.len() >= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)))
}

/// Segments after which the next one is a token.
const TOKEN_PARENTS: &[&str] = &[
    "invitations",
    "reset-password",
    "verify-email",
    "verify-reset-token",
    "verify",
    "magic-link",
];

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn name_of(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        assert_eq!(
            query("token=abc&page=2&Password=hunter2&refresh_token=x"),
            "token=[redacted]&page=2&Password=[redacted]&refresh_token=[redacted]"
        );
        assert_eq!(
            query("api_key=k1&filter=a%3D1"),
            "api_key=[redacted]&filter=a%3D1"
        );
        assert_eq!(query("page=1&sort=-created_at"), "page=1&sort=-created_at");
        assert_eq!(query("pass%77ord=x"), "pass%77ord=[redacted]");
        assert_eq!(query("token"), "token=[redacted]");
    }

    #[test]
    fn tokens_in_paths_are_redacted() {
        let token = "5a0c".repeat(16);
        assert_eq!(
            path(&format!("/api/v1/invitations/{token}")),
            "/api/v1/invitations/[redacted]"
        );
        assert_eq!(
            path(&format!("/api/v1/invitations/{token}/accept")),
            "/api/v1/invitations/[redacted]/accept"
        );
        assert_eq!(
            path("/api/v1/invitations/short"),
            "/api/v1/invitations/[redacted]"
        );
        // Admin routes name invitations by UUID: kept.
        let id = "0190f0e2-7c1a-7b3e-9c4d-2f6a8b1c3d4e";
        assert_eq!(
            path(&format!("/api/v1/invitations/{id}/resend")),
            format!("/api/v1/invitations/{id}/resend")
        );
        assert_eq!(path("/api/v1/invitations"), "/api/v1/invitations");
        assert_eq!(
            path(&format!("/api/v1/auth/reset-password/{token}")),
            "/api/v1/auth/reset-password/[redacted]"
        );
        assert_eq!(
            path(&format!("/api/v1/records/posts/{id}")),
            format!("/api/v1/records/posts/{id}")
        );
        assert_eq!(
            path(&format!("/api/v1/files/{token}")),
            "/api/v1/files/[redacted]"
        );
    }
}
