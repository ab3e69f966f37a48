//! Streaming a multipart part into the storage: the size limit is enforced
//! while reading (the write is aborted the moment it is exceeded, so nothing
//! stays behind), the type is sniffed from the first bytes and checked
//! before anything is written, and the SHA-256 is computed on the way.

use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError};
use sha2::{Digest as _, Sha256};

use super::key::Key;
use super::sniff;
use super::storage::Storage;
use crate::error::{ApiError, ApiResult};
use crate::http::limits::BodyInfo;

/// What one upload may be.
pub struct Rules<'a> {
    /// The largest size, in bytes.
    pub max_size: u64,
    /// Allowed MIME types (`image/png`, `image/*`, `*`); empty: any.
    pub mime_types: &'a [String],
    /// The field named in errors.
    pub field: &'a str,
}

impl Rules<'_> {
    fn allows(&self, mime: &str) -> bool {
        self.mime_types.is_empty() || self.mime_types.iter().any(|m| mime_matches(m, mime))
    }
}

/// Whether the allow-list entry `pattern` admits `mime`.
pub fn mime_matches(pattern: &str, mime: &str) -> bool {
    let pattern = pattern.trim();
    if pattern == "*" || pattern == "*/*" {
        return true;
    }
    match pattern.strip_suffix("/*") {
        Some(family) => mime
            .split_once('/')
            .is_some_and(|(f, _)| f.eq_ignore_ascii_case(family)),
        None => pattern.eq_ignore_ascii_case(mime),
    }
}

/// An object that was written completely.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: Key,
    pub size: u64,
    pub mime_type: &'static str,
    pub sha256: String,
}

/// Reads `field` to its end into `key`, under `rules`. On any error nothing
/// is left in the storage.
pub async fn store(
    storage: &Storage,
    field: &mut Field<'_>,
    key: Key,
    client_name: &str,
    rules: &Rules<'_>,
    body: Option<&BodyInfo>,
) -> ApiResult<Stored> {
    let too_large =
        || ApiError::PayloadTooLarge(usize::try_from(rules.max_size).unwrap_or(usize::MAX));
    // The head: enough bytes to sniff (or the whole file, when smaller).
    let mut head: Vec<Bytes> = Vec::new();
    let mut head_len = 0usize;
    let mut ended = false;
    while head_len < sniff::HEAD {
        match field.chunk().await.map_err(|e| read_error(&e, body))? {
            Some(chunk) => {
                head_len += chunk.len();
                head.push(chunk);
                if head_len as u64 > rules.max_size {
                    return Err(too_large());
                }
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let joined: Vec<u8> = head.iter().flat_map(|b| b.iter().copied()).collect();
    let mime = sniff::sniff(&joined[..joined.len().min(sniff::HEAD)], client_name);
    if !rules.allows(mime) {
        return Err(ApiError::invalid(
            rules.field,
            "mime_type_not_allowed",
            format!("Files of type {mime} are not allowed here"),
        ));
    }

    let mut upload = storage.upload(&key);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let written: ApiResult<()> = async {
        for chunk in head {
            size += chunk.len() as u64;
            hasher.update(&chunk);
            upload.write(chunk).await?;
        }
        if !ended {
            while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e, body))? {
                size += chunk.len() as u64;
                if size > rules.max_size {
                    return Err(too_large());
                }
                hasher.update(&chunk);
                upload.write(chunk).await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = written {
        upload.abort().await;
        return Err(e);
    }
    upload.finish().await?;
    Ok(Stored {
        key,
        size,
        mime_type: mime,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// The error for a part that could not be read: the body deadline (408), a
/// body cut short or malformed (400).
pub fn read_error(e: &MultipartError, body: Option<&BodyInfo>) -> ApiError {
    BodyInfo::error(body, false, &e.body_text())
}

#[cfg(test)]
mod tests {
    use super::mime_matches;

    #[test]
    fn allow_list_entries_match_exactly_or_by_family() {
        assert!(mime_matches("image/png", "image/png"));
        assert!(mime_matches("image/*", "image/jpeg"));
        assert!(mime_matches("*", "application/pdf"));
        assert!(!mime_matches("image/*", "text/plain"));
        assert!(!mime_matches("image/png", "image/pngx"));
    }
}
