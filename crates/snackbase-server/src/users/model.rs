//! The user row and the queries on it shared by auth, accounts and users.

use chrono::{DateTime, Utc};

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub email: String,
    pub password_hash: String,
    pub role_id: i64,
    pub role_name: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    pub email_verified: bool,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// A confirmed TOTP enrolment (login then asks for a code).
    pub totp_enabled: bool,
}

pub const SELECT_USER: &str =
    "SELECT u.id, u.account_id, a.name AS account_name, u.email, u.password_hash, \
     u.role_id, r.name AS role_name, u.is_active, u.created_at, u.updated_at, u.last_login, \
     u.email_verified, u.email_verified_at, \
     EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp_enabled \
     FROM users u JOIN accounts a ON a.id = u.account_id JOIN roles r ON r.id = u.role_id";

pub async fn find_by_id(tx: &mut Tx, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT_USER} WHERE u.id = $1");
    on_tx!(tx, |c| sqlx::query_as::<_, UserRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub async fn find_by_email(
    tx: &mut Tx,
    account_id: &str,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT_USER} WHERE u.account_id = $1 AND u.email = $2");
    on_tx!(tx, |c| sqlx::query_as::<_, UserRow>(&sql)
        .bind(account_id)
        .bind(email)
        .fetch_optional(c)
        .await)
}

pub struct NewUser<'a> {
    pub account_id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role_id: i64,
    pub is_active: bool,
    /// The address is known to reach the user (an accepted invitation).
    pub email_verified: bool,
}

/// Inserts a user and returns the stored row.
pub async fn insert(tx: &mut Tx, user: &NewUser<'_>) -> Result<UserRow, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO users (id, account_id, email, password_hash, role_id, is_active, created_at, updated_at, \
             email_verified, email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
        )
        .bind(&id)
        .bind(user.account_id)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.role_id)
        .bind(user.is_active)
        .bind(now)
        .bind(user.email_verified)
        .bind(user.email_verified.then_some(now))
        .execute(&mut *c)
        .await.map(|r| r.rows_affected())
    })?;
    find_by_id(tx, &id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Looks a role up by id; returns its name.
pub async fn role_name(tx: &mut Tx, role_id: i64) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, String>(
        "SELECT name FROM roles WHERE id = $1"
    )
    .bind(role_id)
    .fetch_optional(c)
    .await)
}

/// Looks a role up by name; returns its id.
pub async fn role_id(tx: &mut Tx, name: &str) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM roles WHERE name = $1"
    )
    .bind(name)
    .fetch_optional(c)
    .await)
}
