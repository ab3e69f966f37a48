//! Serving a stored object: streamed from the storage, whole or one byte
//! range (206, 416), with a strong `ETag` (the SHA-256; `If-None-Match` →
//! 304), the sniffed `Content-Type`, `nosniff`, and `Content-Disposition:
//! attachment` for types a browser would run (no stored XSS) or on request.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE,
    ETAG, IF_NONE_MATCH, RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse as _, Response};
use futures_util::StreamExt as _;

use super::key::Key;
use super::sniff;
use super::storage::Storage;
use crate::error::{ApiError, ApiResult};

/// What is served and how.
pub struct Served<'a> {
    pub key: &'a Key,
    pub size: u64,
    pub mime_type: &'a str,
    pub sha256: &'a str,
    /// The name offered to save the file as.
    pub name: &'a str,
    /// `?download=1`: always an attachment.
    pub download: bool,
    /// `Cache-Control`.
    pub cache: &'static str,
}

/// A `Range` that no byte of the object satisfies (416).
#[derive(Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A single byte range of a `size`-byte object: `Ok(None)` for none (or one
/// we ignore, such as several ranges), `Err` when unsatisfiable.
pub fn parse_range(
    header: Option<&HeaderValue>,
    size: u64,
) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(raw) = header.and_then(|h| h.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (start, end) = (start.trim(), end.trim());
    // Numbers that do not parse make the header invalid: ignored (200).
    let (Ok(a), Ok(b)) = (
        parse_bound(start, 0),
        parse_bound(end, size.saturating_sub(1)),
    ) else {
        return Ok(None);
    };
    let range = if start.is_empty() {
        // The last `b` bytes.
        if b == 0 || size == 0 {
            return Err(Unsatisfiable);
        }
        (size.saturating_sub(b), size - 1)
    } else {
        let b = b.min(size.saturating_sub(1));
        if a >= size || b < a {
            return Err(Unsatisfiable);
        }
        (a, b)
    };
    Ok(Some(range))
}

/// A bound of a range; `empty` when absent.
fn parse_bound(raw: &str, empty: u64) -> Result<u64, std::num::ParseIntError> {
    if raw.is_empty() {
        Ok(empty)
    } else {
        raw.parse()
    }
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag)
        })
}

/// The `Content-Disposition` for `name`: `inline` or `attachment`, the
/// name as ASCII and as RFC 8187 UTF-8.
fn disposition(name: &str, attachment: bool) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let kind = if attachment { "attachment" } else { "inline" };
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The response for `served`, given the request's headers.
pub async fn respond(
    storage: &Storage,
    served: &Served<'_>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let etag = format!("\"{}\"", served.sha256);
    let mut out = HeaderMap::new();
    let set = |out: &mut HeaderMap, name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(name, v);
        }
    };
    set(&mut out, ETAG, &etag);
    set(&mut out, CACHE_CONTROL, served.cache);
    set(&mut out, ACCEPT_RANGES, "bytes");
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if etag_matches(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    set(&mut out, CONTENT_TYPE, served.mime_type);
    out.insert(
        CONTENT_DISPOSITION,
        disposition(
            served.name,
            served.download || sniff::is_active_content(served.mime_type),
        ),
    );
    // Scripts in an attachment opened anyway: no origin to act for.
    out.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    let range = parse_range(headers.get(RANGE), served.size)
        .map_err(|Unsatisfiable| ApiError::RangeNotSatisfiable(served.size))?;
    let (status, range) = match range {
        Some((a, b)) => {
            set(
                &mut out,
                CONTENT_RANGE,
                &format!("bytes {a}-{b}/{}", served.size),
            );
            (StatusCode::PARTIAL_CONTENT, Some(a..b + 1))
        }
        None => (StatusCode::OK, None),
    };
    let length = range.as_ref().map_or(served.size, |r| r.end - r.start);
    set(&mut out, CONTENT_LENGTH, &length.to_string());
    let stream = if length == 0 {
        futures_util::stream::empty().boxed()
    } else {
        storage.read(served.key, range).await?
    };
    let body = Body::from_stream(stream.map(|r| {
        r.map_err(|e| {
            tracing::warn!(error = %e, "a file download failed midway");
            std::io::Error::other("storage read failed")
        })
    }));
    Ok((status, out, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(h: &str, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
        parse_range(Some(&HeaderValue::from_str(h).unwrap()), size)
    }

    #[test]
    fn ranges_are_clamped_or_refused() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(range("bytes=50-500", 100), Ok(Some((50, 99))));
        assert_eq!(range("bytes=100-", 100), Err(Unsatisfiable));
        assert_eq!(range("bytes=9-3", 100), Err(Unsatisfiable));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(range("items=0-1", 100), Ok(None));
        assert_eq!(range("bytes=x-1", 100), Ok(None));
        assert_eq!(parse_range(None, 100), Ok(None));
    }

    #[test]
    fn dispositions_never_break_the_header() {
        let v = disposition("a\"b\\c é.txt", true);
        let s = v.to_str().unwrap();
        assert!(s.starts_with("attachment; filename=\"a_b_c _.txt\""), "{s}");
        assert!(s.contains("UTF-8''a%22b%5Cc%20%C3%A9.txt"), "{s}");
    }
}
