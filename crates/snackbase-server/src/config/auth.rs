//! Email verification, password reset and impersonation settings.

use std::time::Duration;

use super::limits::range;
use super::{ConfigError, Source};

#[derive(Debug, Clone)]
pub struct AuthFlows {
    /// Whether login needs a verified email in accounts that do not say.
    pub require_email_verification: bool,
    /// How long a verification link stays valid.
    pub verification_token_ttl: Duration,
    /// How long a password reset link stays valid.
    pub reset_token_ttl: Duration,
    /// Account admins may impersonate the non-admin users of their account
    /// (the superadmin always may impersonate anyone but itself).
    pub admin_impersonation: bool,
}

impl AuthFlows {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let verification: u64 = range(
            "AUTH_VERIFICATION_TOKEN_SECONDS",
            s.parsed("AUTH_VERIFICATION_TOKEN_SECONDS")?,
            60,
            30 * 86_400,
        )?;
        let reset: u64 = range(
            "AUTH_RESET_TOKEN_SECONDS",
            s.parsed("AUTH_RESET_TOKEN_SECONDS")?,
            60,
            86_400,
        )?;
        Ok(Self {
            require_email_verification: s.boolean("AUTH_REQUIRE_EMAIL_VERIFICATION")?,
            verification_token_ttl: Duration::from_secs(verification),
            reset_token_ttl: Duration::from_secs(reset),
            admin_impersonation: s.boolean("AUTH_ADMIN_IMPERSONATION")?,
        })
    }
}
