//! Email validation and normalisation (the domain is lowercased, the local part
//! kept as written, as the original did).

use crate::error::ApiError;

const SPECIAL_USE_TLDS: &[&str] = &["test", "local", "localhost", "invalid"];

/// Validates and normalises an email address; the error names `field`.
pub fn normalize(raw: &str, field: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::invalid(field, "invalid_email", "Enter a valid email address");
    let (local, domain) = crate::formats::email(raw).ok_or_else(invalid)?;
    // Accounts also refuse the special-use names that never receive mail.
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if SPECIAL_USE_TLDS.contains(&tld) {
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
