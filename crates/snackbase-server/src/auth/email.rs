//! Email validation and normalisation (the domain is lowercased, the local part
//! kept as written, as the original did).

use crate::error::ApiError;

const SPECIAL_USE_TLDS: &[&str] = &["test", "local", "localhost", "invalid"];

/// Validates and normalises an email address; the error names `field`.
pub fn normalize(raw: &str, field: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let invalid = || ApiError::invalid(field, "invalid_email", "Enter a valid email address");
    if trimmed.len() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
        return Err(invalid());
    }
    let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
    let domain = domain.to_ascii_lowercase();
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if !domain.contains('.')
        || domain.starts_with('[')
        || SPECIAL_USE_TLDS.contains(&tld)
        || tld.len() < 2
    {
        return Err(invalid());
    }
    Ok(format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn lowercases_the_domain_only() {
        assert_eq!(
            normalize("Admin@Acme.COM", "email").unwrap(),
            "Admin@acme.com"
        );
        assert!(normalize("a@localhost", "email").is_err());
        assert!(normalize("a@x.test", "email").is_err());
        assert!(normalize("nope", "email").is_err());
        assert!(normalize("a@example.com", "email").is_ok());
    }
}
