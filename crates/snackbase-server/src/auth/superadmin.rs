//! The superadmin: a user of the system account `SY0000`, created by the CLI,
//! from the configuration at start, or through the one-time setup link.

use anyhow::Context as _;

use crate::db::{violated_constraint, ConstraintKind, Db, Tx};
use crate::error::ApiError;
use crate::on_tx;
use crate::users::model::{self, NewUser, UserRow};

pub const SYSTEM_ACCOUNT: &str = "SY0000";
pub const SYSTEM_SLUG: &str = "system";
pub const SYSTEM_NAME: &str = "SnackBase System";

/// Whether any superadmin exists.
pub async fn exists(db: &Db) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_read().await?;
    exists_in(&mut tx).await
}

async fn exists_in(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    let found = on_tx!(tx, |c| sqlx::query_scalar::<_, String>(
        "SELECT id FROM users WHERE account_id = $1 LIMIT 1"
    )
    .bind(SYSTEM_ACCOUNT)
    .fetch_optional(c)
    .await)?;
    Ok(found.is_some())
}

/// Creates the system account when missing.
pub async fn ensure_system_account(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO accounts (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (id) DO NOTHING"
    )
    .bind(SYSTEM_ACCOUNT)
    .bind(SYSTEM_SLUG)
    .bind(SYSTEM_NAME)
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Validates and creates a superadmin. Errors are client-facing (`ApiError`)
/// so that the setup route, the CLI and the start-up bootstrap share them.
/// Creates the superadmin; `via` (`setup`, `config`, `cli`) goes into its
/// `REGISTER` entry in the audit trail (the system chain).
pub async fn create(
    db: &Db,
    auditor: &crate::audit::Auditor,
    via: &str,
    email: &str,
    password: &str,
) -> Result<UserRow, ApiError> {
    let created = insert(db, auditor, via, email, password, false).await?;
    created.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the superadmin was not created")))
}

/// Creates the first superadmin, or nothing (`None`) when one exists:
/// decided in the creating transaction, under a lock that several nodes
/// starting together on one PostgreSQL database take in turn.
pub async fn create_first(
    db: &Db,
    auditor: &crate::audit::Auditor,
    via: &str,
    email: &str,
    password: &str,
) -> Result<Option<UserRow>, ApiError> {
    insert(db, auditor, via, email, password, true).await
}

async fn insert(
    db: &Db,
    auditor: &crate::audit::Auditor,
    via: &str,
    email: &str,
    password: &str,
    first_only: bool,
) -> Result<Option<UserRow>, ApiError> {
    let email = crate::auth::email::normalize(email, "email")?;
    crate::auth::password::enforce_policy(password, "password")?;
    let hash = crate::auth::password::hash(password).await?;
    let mut tx = db.begin().await?;
    if first_only {
        crate::db::dialect::lock_superadmin_bootstrap(&mut tx).await?;
        if exists_in(&mut tx).await? {
            return Ok(None);
        }
    }
    ensure_system_account(&mut tx).await?;
    let user = model::insert(
        &mut tx,
        &NewUser {
            account_id: SYSTEM_ACCOUNT,
            email: &email,
            password_hash: &hash,
            role_id: super::RoleId::ADMIN.0,
            is_active: true,
            email_verified: false,
        },
    )
    .await
    .map_err(|e| match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => {
            ApiError::conflict("A superadmin with this email already exists", Some("email"))
        }
        _ => ApiError::from(e),
    })?;
    let extra = serde_json::json!({"via": via, "superadmin": true});
    let created = super::trail::about("REGISTER", &user, Some(extra));
    crate::audit::append(auditor, &mut tx, created).await?;
    tx.commit().await?;
    Ok(Some(user))
}

/// Creates the superadmin named by `SNACKBASE_SUPERADMIN_EMAIL` and
/// `SNACKBASE_SUPERADMIN_PASSWORD` unless one exists already.
pub async fn bootstrap_from_config(
    db: &Db,
    auditor: &crate::audit::Auditor,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    if exists(db).await.context("checking for a superadmin")? {
        tracing::info!("a superadmin exists; SNACKBASE_SUPERADMIN_EMAIL is not applied");
        return Ok(());
    }
    match create_first(db, auditor, "config", email, password).await {
        Ok(Some(user)) => {
            tracing::info!(user_id = %user.id, account_id = SYSTEM_ACCOUNT, "created the superadmin from the configuration");
            Ok(())
        }
        Ok(None) => {
            tracing::info!("another node created the superadmin first; SNACKBASE_SUPERADMIN_EMAIL is not applied");
            Ok(())
        }
        Err(ApiError::Validation { details, .. }) => {
            let reasons: Vec<_> = details.iter().map(|d| d.message.as_str()).collect();
            let var = if details.iter().any(|d| d.field == "email") {
                "SNACKBASE_SUPERADMIN_EMAIL"
            } else {
                "SNACKBASE_SUPERADMIN_PASSWORD"
            };
            anyhow::bail!("invalid configuration: {var}: {}", reasons.join("; "))
        }
        Err(other) => Err(anyhow::anyhow!("creating the superadmin: {other}")),
    }
}
