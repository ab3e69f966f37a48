//! Who an external identity is here (`user_identities`): the user an issuer +
//! subject is linked to, or the user (and account) a first login creates,
//! under the provider's rules: allowed email domains, whether sign-up is open,
//! whether a verified email may link to an existing user.

use crate::accounts::model::{self as accounts, AccountRow};
use crate::accounts::slug;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::RoleId;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::on_tx;
use crate::users::model::{self as users, NewUser, UserRow};

use super::provider::Identity;
use super::rules::Rules;

/// The user a login signs in, and what it created.
pub struct SignedIn {
    pub account: AccountRow,
    pub user: UserRow,
    pub new_user: bool,
    pub new_account: bool,
}

/// An external identity linked to a user, as listed on the user.
#[derive(Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LinkedIdentity {
    pub id: String,
    pub provider_name: String,
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_login_at: chrono::DateTime<chrono::Utc>,
}

/// The identities linked to `user_id`.
pub async fn of_user(tx: &mut Tx, user_id: &str) -> Result<Vec<LinkedIdentity>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as::<_, LinkedIdentity>(
        "SELECT id, provider_name, issuer, subject, email, created_at, last_login_at \
         FROM user_identities WHERE user_id = $1 ORDER BY created_at"
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Finds or makes the user `identity` signs in as. `account` is the account
/// the login was started for; None lets a known identity sign in to the
/// account it last used, and an unknown one make a new account.
pub async fn sign_in(
    tx: &mut Tx,
    provider_name: &str,
    rules: &Rules,
    account: Option<&AccountRow>,
    account_name: Option<&str>,
    identity: &Identity,
) -> ApiResult<SignedIn> {
    let email = match &identity.email {
        Some(e) => Some(crate::auth::email::normalize(e, "email").map_err(|_| {
            ApiError::bad_request("The identity provider shared an email address that is not valid")
        })?),
        None => None,
    };
    if let Some(email) = &email {
        rules.check_domain(email)?;
    } else if !rules.allowed_domains.is_empty() {
        return Err(ApiError::forbidden(
            "This provider only admits listed email domains, and it shared no email address",
        ));
    }
    if let Some(found) = linked(tx, account.map(|a| a.id.as_str()), identity).await? {
        return existing(tx, found, email.as_deref()).await;
    }
    let email = email.ok_or_else(|| {
        ApiError::bad_request("The identity provider did not share an email address")
    })?;
    match account {
        Some(account) => join_account(tx, provider_name, rules, account, &email, identity).await,
        None => new_account(tx, provider_name, rules, account_name, &email, identity).await,
    }
}

/// The user linked to `identity` (in `account`, or the most recently used).
async fn linked(
    tx: &mut Tx,
    account: Option<&str>,
    identity: &Identity,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let in_account = if account.is_some() {
        " AND account_id = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, user_id FROM user_identities WHERE issuer = $1 AND subject = $2{in_account} \
         ORDER BY last_login_at DESC LIMIT 1"
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, (String, String)>(&sql)
            .bind(&identity.issuer)
            .bind(&identity.subject);
        if let Some(account) = account {
            q = q.bind(account);
        }
        q.fetch_optional(c).await
    })
}

async fn existing(
    tx: &mut Tx,
    (identity_id, user_id): (String, String),
    email: Option<&str>,
) -> ApiResult<SignedIn> {
    let user = users::find_by_id(tx, &user_id)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(|| ApiError::Unauthorized("This user is deactivated".into()))?;
    let account = accounts::find_by_id(tx, &user.account_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("This user's account no longer exists".into()))?;
    let now = crate::http::time::now();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE user_identities SET last_login_at = $2, email = COALESCE($3, email) WHERE id = $1"
    )
    .bind(&identity_id)
    .bind(now)
    .bind(email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(SignedIn {
        account,
        user,
        new_user: false,
        new_account: false,
    })
}

async fn join_account(
    tx: &mut Tx,
    provider_name: &str,
    rules: &Rules,
    account: &AccountRow,
    email: &str,
    identity: &Identity,
) -> ApiResult<SignedIn> {
    if let Some(user) = users::find_by_email(tx, &account.id, email).await? {
        if !rules.link_existing {
            return Err(ApiError::conflict(
                "A user with this email already exists in this account; this provider may not \
                 sign in as them (its configuration does not allow linking)",
                Some("email"),
            ));
        }
        if !identity.email_verified {
            return Err(ApiError::conflict(
                "A user with this email already exists in this account, and the identity \
                 provider has not verified the address, so it cannot be linked",
                Some("email"),
            ));
        }
        if !user.is_active {
            return Err(ApiError::Unauthorized("This user is deactivated".into()));
        }
        link(tx, provider_name, &user, identity).await?;
        crate::auth::links::mark_verified(tx, &user.id).await?;
        let user = users::find_by_id(tx, &user.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok(SignedIn {
            account: account.clone(),
            user,
            new_user: false,
            new_account: false,
        });
    }
    if !rules.allow_signup {
        return Err(ApiError::forbidden(
            "Sign-up through this provider is closed for this account; ask an admin to invite you",
        ));
    }
    let role_id = users::role_id(tx, &rules.default_role)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "The provider's default role '{}' does not exist",
                rules.default_role
            ))
        })?;
    let user = create_user(tx, &account.id, email, role_id, identity.email_verified).await?;
    link(tx, provider_name, &user, identity).await?;
    Ok(SignedIn {
        account: account.clone(),
        user,
        new_user: true,
        new_account: false,
    })
}

async fn new_account(
    tx: &mut Tx,
    provider_name: &str,
    rules: &Rules,
    account_name: Option<&str>,
    email: &str,
    identity: &Identity,
) -> ApiResult<SignedIn> {
    if !rules.allow_signup {
        return Err(ApiError::forbidden(
            "Sign-up through this provider is closed",
        ));
    }
    let name = account_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("account").to_string());
    let base = slug::slug_for_registration(&name);
    let mut candidate = base.clone();
    while accounts::slug_taken(tx, &candidate).await? {
        let suffix = hex::encode(rand::random::<[u8; 3]>());
        candidate = format!("{}-{suffix}", base.chars().take(25).collect::<String>());
    }
    let account = accounts::insert(tx, &candidate, &name).await?;
    let user = create_user(
        tx,
        &account.id,
        email,
        RoleId::ADMIN.0,
        identity.email_verified,
    )
    .await?;
    link(tx, provider_name, &user, identity).await?;
    Ok(SignedIn {
        account,
        user,
        new_user: true,
        new_account: true,
    })
}

/// A user who signs in through providers: their password is a random one
/// nobody knows (a reset can set a real one).
async fn create_user(
    tx: &mut Tx,
    account_id: &str,
    email: &str,
    role_id: i64,
    email_verified: bool,
) -> ApiResult<UserRow> {
    let unknown = hex::encode(rand::random::<[u8; 32]>());
    let hash = crate::auth::password::hash(&unknown).await?;
    Ok(users::insert(
        tx,
        &NewUser {
            account_id,
            email,
            password_hash: &hash,
            role_id,
            is_active: true,
            email_verified,
        },
    )
    .await?)
}

async fn link(
    tx: &mut Tx,
    provider_name: &str,
    user: &UserRow,
    identity: &Identity,
) -> Result<(), sqlx::Error> {
    if user.account_id == SYSTEM_ACCOUNT {
        return Err(sqlx::Error::Protocol(
            "the system account's users never sign in through providers".into(),
        ));
    }
    let now = crate::http::time::now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO user_identities (id, user_id, account_id, provider_name, issuer, subject, \
         email, created_at, last_login_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(provider_name)
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(&identity.email)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
