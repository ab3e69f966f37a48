//! The `configurations` rows: reading, the API's view of one, and the
//! stored values (non-secret JSON, secrets sealed).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::catalog::{self, Provider};
use crate::app::App;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

/// The purpose secrets are sealed for (see `sealed`).
pub const SEAL_PURPOSE: &str = "configuration";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub category: String,
    pub provider_name: String,
    pub display_name: String,
    pub account_id: String,
    pub enabled: bool,
    pub is_default: bool,
    pub priority: i64,
    pub config: String,
    pub secrets: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

pub const SELECT: &str = "SELECT id, category, provider_name, display_name, account_id, enabled, \
     is_default, priority, config, secrets, created_at, updated_at, updated_by FROM configurations";

impl Row {
    pub fn is_system(&self) -> bool {
        self.account_id == SYSTEM_ACCOUNT
    }

    pub fn provider(&self) -> ApiResult<&'static Provider> {
        catalog::provider(&self.category, &self.provider_name).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "configuration {} names an unknown provider {}/{}",
                self.id,
                self.category,
                self.provider_name
            ))
        })
    }

    /// The non-secret values.
    pub fn plain(&self) -> ApiResult<Map<String, Value>> {
        serde_json::from_str(&self.config).map_err(ApiError::internal)
    }

    /// The secret values, opened.
    fn secrets_with(&self, sealer: &crate::sealed::Sealer) -> ApiResult<Map<String, Value>> {
        let Some(sealed) = &self.secrets else {
            return Ok(Map::new());
        };
        let json = sealer
            .open(SEAL_PURPOSE, sealed)
            .map_err(ApiError::internal)?;
        serde_json::from_str(&json).map_err(ApiError::internal)
    }

    /// Every stored value, secrets opened (no defaults).
    pub fn values(&self, app: &App) -> ApiResult<Map<String, Value>> {
        self.values_with(&app.sealer)
    }

    /// [`Row::values`] with a sealer of its own (outside the server).
    pub fn values_with(&self, sealer: &crate::sealed::Sealer) -> ApiResult<Map<String, Value>> {
        let mut all = self.plain()?;
        all.extend(self.secrets_with(sealer)?);
        Ok(all)
    }

    /// The stored values with each secret as [`catalog::MASK`].
    pub fn masked(&self) -> ApiResult<Map<String, Value>> {
        let mut all = self.plain()?;
        let provider = self.provider()?;
        if self.secrets.is_some() {
            for f in provider.fields().filter(|f| f.secret) {
                all.insert(f.name.into(), Value::String(catalog::MASK.into()));
            }
        }
        Ok(all)
    }

    pub fn view(&self) -> Configuration {
        Configuration {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            category: self.category.clone(),
            provider_name: self.provider_name.clone(),
            is_system: self.is_system(),
            is_builtin: catalog::provider(&self.category, &self.provider_name).is_some(),
            account_id: self.account_id.clone(),
            enabled: self.enabled,
            is_default: self.is_default,
            priority: self.priority,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Values as stored: the non-secret JSON and the sealed secrets (none when
/// there are no secret values).
pub fn seal(
    app: &App,
    provider: &Provider,
    values: Map<String, Value>,
) -> (String, Option<String>) {
    let (plain, secret) = provider.split(values);
    let sealed = (!secret.is_empty()).then(|| {
        app.sealer
            .seal(SEAL_PURPOSE, &Value::Object(secret).to_string())
    });
    (Value::Object(plain).to_string(), sealed)
}

/// A configuration as the API shows it (the SDK's `Configuration`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Configuration {
    pub id: String,
    pub display_name: String,
    pub category: String,
    pub provider_name: String,
    /// A system-wide configuration (of the system account).
    pub is_system: bool,
    /// The provider is in the built-in catalogue.
    pub is_builtin: bool,
    pub account_id: String,
    pub enabled: bool,
    pub is_default: bool,
    pub priority: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(tx: &mut Tx, id: &str) -> ApiResult<Option<Row>> {
    let sql = format!("{SELECT} WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// The rows of `account_id` (optionally of one category), by priority then name.
pub async fn list(tx: &mut Tx, account_id: &str, category: Option<&str>) -> ApiResult<Vec<Row>> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND ($2 IS NULL OR category = $2) \
         ORDER BY category, priority, display_name, id"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(account_id)
        .bind(category)
        .fetch_all(c)
        .await)?)
}

/// The enabled rows of `provider_name` (or of every provider) in `category`
/// for the account and the system.
pub async fn enabled_rows(
    tx: &mut Tx,
    category: &str,
    provider_name: Option<&str>,
    account_id: Option<&str>,
) -> ApiResult<Vec<Row>> {
    let sql = format!(
        "{SELECT} WHERE category = $1 AND ($2 IS NULL OR provider_name = $2) AND enabled = $3 \
         AND (account_id = $4 OR account_id = $5)"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(category)
        .bind(provider_name)
        .bind(true)
        .bind(SYSTEM_ACCOUNT)
        .bind(account_id.unwrap_or(SYSTEM_ACCOUNT))
        .fetch_all(c)
        .await)?)
}
