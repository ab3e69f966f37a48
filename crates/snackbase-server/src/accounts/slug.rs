//! Account slugs: validation and the two generators of the original
//! (registration, and superadmin account creation).

use unicode_normalization::UnicodeNormalization as _;

use crate::error::ApiError;

/// Validates a slug given at registration (lowercased first): 3 to 32
/// characters, `^[a-z][a-z0-9-]*$`. The error codes are the original's.
pub fn validate_register_slug(slug: &str, field: &str) -> Result<(), ApiError> {
    let n = slug.chars().count();
    if n < 3 {
        return Err(ApiError::invalid(
            field,
            "slug_too_short",
            "Slug must be at least 3 characters",
        ));
    }
    if n > 32 {
        return Err(ApiError::invalid(
            field,
            "slug_too_long",
            "Slug must be at most 32 characters",
        ));
    }
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(ApiError::invalid(
            field,
            "slug_invalid_start",
            "Slug must start with a letter",
        ));
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ApiError::invalid(
            field,
            "slug_invalid_chars",
            "Slug may only contain lowercase letters, digits and hyphens",
        ));
    }
    Ok(())
}

/// Validates a slug given to `POST /accounts`: 3 to 32 of `[a-z0-9-]`.
pub fn validate_admin_slug(slug: &str, field: &str) -> Result<(), ApiError> {
    let n = slug.chars().count();
    if n < 3 {
        return Err(ApiError::invalid(
            field,
            "slug_too_short",
            "Slug must be at least 3 characters",
        ));
    }
    if n > 32 {
        return Err(ApiError::invalid(
            field,
            "slug_too_long",
            "Slug must be at most 32 characters",
        ));
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ApiError::invalid(
            field,
            "slug_invalid_chars",
            "Slug may only contain lowercase letters, digits and hyphens",
        ));
    }
    Ok(())
}

/// Collapses runs of characters outside `[a-z0-9]` into single hyphens.
fn hyphenate(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn truncate(s: &str, n: usize) -> String {
    s.chars()
        .take(n)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// The registration generator: ASCII-folds, hyphenates, drops leading digits,
/// truncates to 32, and falls back to `account`.
pub fn slug_for_registration(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(char::is_ascii)
        .collect::<String>()
        .to_ascii_lowercase();
    let slug = hyphenate(&folded);
    let slug = slug.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let slug = truncate(slug, 32);
    if slug.chars().count() < 3 {
        "account".into()
    } else {
        slug
    }
}

/// The `POST /accounts` generator: hyphenates (no folding), keeps leading
/// digits, prefixes `account-` when short, truncates to 32.
pub fn slug_for_account(name: &str) -> String {
    let slug = hyphenate(&name.trim().to_lowercase());
    let slug = if slug.chars().count() < 3 {
        format!("account-{slug}").trim_end_matches('-').to_string()
    } else {
        slug
    };
    let slug = truncate(&slug, 32);
    if slug.chars().count() < 3 {
        "account".into()
    } else {
        slug
    }
}

/// `base`, then `base-1`, `base-2`, … truncated so the whole stays within 32.
pub fn with_suffix(base: &str, n: u32) -> String {
    if n == 0 {
        return base.to_string();
    }
    let suffix = format!("-{n}");
    format!("{}{suffix}", truncate(base, 32 - suffix.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_examples() {
        assert_eq!(
            slug_for_registration("Acme Corporation"),
            "acme-corporation"
        );
        assert_eq!(slug_for_registration("123 Beta!!"), "beta");
        assert_eq!(slug_for_registration("Café Müller & Co."), "cafe-muller-co");
        assert_eq!(slug_for_registration("12"), "account");
        assert_eq!(slug_for_registration(&"x".repeat(40)).len(), 32);
    }

    #[test]
    fn account_examples() {
        assert_eq!(slug_for_account("ab"), "account-ab");
        assert_eq!(slug_for_account("42 Things"), "42-things");
        assert_eq!(slug_for_account("Über"), "ber");
        assert_eq!(with_suffix("acme", 2), "acme-2");
        assert_eq!(with_suffix(&"a".repeat(32), 1).len(), 32);
    }

    #[test]
    fn validation_codes() {
        let code = |r: Result<(), ApiError>| match r {
            Err(ApiError::Validation { details, .. }) => details[0].code.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(code(validate_register_slug("ab", "s")), "slug_too_short");
        assert_eq!(
            code(validate_register_slug("1abc", "s")),
            "slug_invalid_start"
        );
        assert_eq!(
            code(validate_register_slug("ab_c", "s")),
            "slug_invalid_chars"
        );
        assert!(validate_admin_slug("1abc", "s").is_ok());
    }
}
