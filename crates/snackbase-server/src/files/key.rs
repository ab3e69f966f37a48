//! Storage keys, built only from validated parts. A [`Segment`] is one path
//! segment that cannot climb, hide or smuggle anything; a [`Key`] is a
//! sequence of them, so no request path reaches the storage unchecked.

use std::fmt;

use crate::auth::AccountId;

/// The longest segment (most filesystems' name limit), in bytes.
pub const MAX_SEGMENT: usize = 255;
/// The longest readable stem kept from a client's file name, in bytes.
const MAX_STEM: usize = 100;

/// Why a path segment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    #[error("a path segment is empty")]
    Empty,
    #[error("a path segment may not be '.' or '..'")]
    Dots,
    #[error("a path segment is longer than {MAX_SEGMENT} bytes")]
    TooLong,
    #[error("a path segment may not contain '/', '\\', NUL or control characters")]
    Forbidden,
}

/// One validated path segment: not empty, not `.` or `..`, at most 255
/// bytes, without `/`, `\`, NUL, control characters or a leading `.`
/// (no hidden files, no `..` in disguise).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Segment(String);

impl Segment {
    pub fn parse(raw: &str) -> Result<Self, SegmentError> {
        if raw.is_empty() {
            return Err(SegmentError::Empty);
        }
        if raw == "." || raw == ".." {
            return Err(SegmentError::Dots);
        }
        if raw.len() > MAX_SEGMENT {
            return Err(SegmentError::TooLong);
        }
        if raw.starts_with('.')
            || raw
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_control() || c == '\u{FEFF}')
        {
            return Err(SegmentError::Forbidden);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key in the storage: validated segments joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// The key of a file uploaded through `POST /files/upload`:
    /// `{account}/uploads/{name}`, where `name` is a [`stored_name`] (it
    /// carries the random part).
    pub fn upload(account: &AccountId, name: &Segment) -> Self {
        Self(format!("{account}/uploads/{name}"))
    }

    /// The key of a record's file: `{account}/{collection}/{record}/{name}`.
    pub fn record(
        account: &AccountId,
        collection: &Segment,
        record_id: &Segment,
        name: &Segment,
    ) -> Self {
        Self(format!("{account}/{collection}/{record_id}/{name}"))
    }

    /// A key from a request path (`a/b/c`): every segment validated.
    pub fn parse(raw: &str) -> Result<(Self, Vec<Segment>), SegmentError> {
        let segments = raw
            .split('/')
            .map(Segment::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((Self(raw.to_string()), segments))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name a file is stored under: a readable, sanitized stem of the
/// client's name (ASCII letters, digits, `-` and `_`; anything else becomes
/// `_`), a random suffix so that two uploads of `a.png` never collide, and
/// the lower-cased extension: `my_photo_k3j9x2m1qa.png`.
pub fn stored_name(original: &str) -> Segment {
    // Only the last component of whatever path the client sent.
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let (stem, ext) = match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (base, ""),
    };
    let mut clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.truncate(MAX_STEM);
    let clean = clean.trim_matches('_');
    let stem = if clean.is_empty() { "file" } else { clean };
    let ext: String = ext
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect::<String>()
        .to_ascii_lowercase();
    let suffix = random_suffix();
    let name = if ext.is_empty() {
        format!("{stem}_{suffix}")
    } else {
        format!("{stem}_{suffix}.{ext}")
    };
    Segment(name)
}

/// The readable part of a client's file name, for the metadata and
/// `Content-Disposition`: the last component, control characters removed,
/// at most 255 bytes.
pub fn display_name(original: &str) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    while name.len() > MAX_SEGMENT {
        name.pop();
    }
    if name.trim().is_empty() {
        "file".into()
    } else {
        name
    }
}

fn random_suffix() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..10)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_segments_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "a\0b",
            "a\nb",
            "a\u{7f}b",
            &"x".repeat(256),
        ] {
            assert!(Segment::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Segment::parse(&"x".repeat(255)).is_ok());
        assert!(Segment::parse("photo_1.png").is_ok());
    }

    #[test]
    fn keys_from_paths_check_every_segment() {
        assert!(Key::parse("AB0001/uploads/a.png").is_ok());
        for bad in [
            "/etc/passwd",
            "AB0001/../AB0002/x",
            "AB0001//x",
            "AB0001/uploads/",
            "AB0001/uploads/..",
        ] {
            assert!(Key::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn stored_names_keep_a_readable_stem_and_never_collide() {
        let a = stored_name("My Photo (1).PNG");
        let b = stored_name("My Photo (1).PNG");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("My_Photo__1_"), "{a}");
        assert!(a.as_str().ends_with(".png"), "{a}");
        for hostile in ["../../etc/passwd", "..", "", "\0", "a\\..\\b.txt", ".env"] {
            let name = stored_name(hostile);
            assert!(
                Segment::parse(name.as_str()).is_ok(),
                "{hostile:?} -> {name}"
            );
        }
        assert!(stored_name(&"é".repeat(300)).as_str().len() <= MAX_SEGMENT);
        assert_eq!(display_name("C:\\Users\\me\\cv.pdf"), "cv.pdf");
    }
}
