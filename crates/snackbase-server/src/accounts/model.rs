//! The account row and the queries on it shared by auth and accounts.

use chrono::{DateTime, Utc};

use super::codes;
use crate::db::{dialect, Tx};
use crate::error::ApiError;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether login needs a verified email; `None` follows the server default.
    pub require_email_verification: Option<bool>,
    /// Whether its admins must sign in with a second factor (TOTP); `None`: no.
    pub require_admin_mfa: Option<bool>,
}

impl AccountRow {
    /// Whether its users must verify their email before they can log in.
    pub fn requires_verification(&self, server_default: bool) -> bool {
        self.require_email_verification.unwrap_or(server_default)
    }
}

const SELECT_ACCOUNT: &str =
    "SELECT id, slug, name, created_at, updated_at, require_email_verification, require_admin_mfa FROM accounts";

pub async fn find_by_id(tx: &mut Tx, id: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("{SELECT_ACCOUNT} WHERE id = $1");
    on_tx!(tx, |c| sqlx::query_as::<_, AccountRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub async fn find_by_slug(tx: &mut Tx, slug: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("{SELECT_ACCOUNT} WHERE slug = $1");
    on_tx!(tx, |c| sqlx::query_as::<_, AccountRow>(&sql)
        .bind(slug)
        .fetch_optional(c)
        .await)
}

/// Resolves the `account` of a login: a code (`XX####`, any case) first, then a slug.
pub async fn resolve(tx: &mut Tx, account: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    let upper = account.trim().to_ascii_uppercase();
    if codes::is_code(&upper) {
        if let Some(found) = find_by_id(tx, &upper).await? {
            return Ok(Some(found));
        }
    }
    find_by_slug(tx, &account.trim().to_lowercase()).await
}

/// Inserts an account under the next free code. Safe under concurrent creation:
/// allocation is serialised by [`dialect::lock_account_codes`] inside `tx`.
pub async fn insert(tx: &mut Tx, slug: &str, name: &str) -> Result<AccountRow, ApiError> {
    dialect::lock_account_codes(tx).await?;
    let highest = on_tx!(tx, |c| sqlx::query_scalar::<_, Option<String>>(
        "SELECT MAX(id) FROM accounts WHERE id NOT LIKE 'SY%'"
    )
    .fetch_one(c)
    .await)?;
    let id = codes::successor(highest.as_deref())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("account codes exhausted")))?;
    let now = crate::http::time::now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO accounts (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)"
    )
    .bind(&id)
    .bind(slug)
    .bind(name)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(AccountRow {
        id,
        slug: slug.to_string(),
        name: name.to_string(),
        created_at: now,
        updated_at: now,
        require_email_verification: None,
        require_admin_mfa: None,
    })
}

/// Whether a slug is taken.
pub async fn slug_taken(tx: &mut Tx, slug: &str) -> Result<bool, sqlx::Error> {
    Ok(find_by_slug(tx, slug).await?.is_some())
}
