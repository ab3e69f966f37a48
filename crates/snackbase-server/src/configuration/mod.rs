//! TEMPORARY (oauth branch): the read side of the configuration store, until
//! the store itself lands.

use serde_json::{Map, Value};

use crate::app::App;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::error::ApiError;
use crate::on_tx;

pub struct Resolved {
    pub id: String,
    pub account_id: String,
    pub provider_name: String,
    pub display_name: String,
    pub values: Map<String, Value>,
}

type Row = (String, String, String, String, String, Option<String>);

pub async fn resolve(
    state: &App,
    category: &str,
    provider_name: &str,
    account_id: Option<&str>,
) -> Result<Option<Resolved>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let owners = [account_id.unwrap_or(SYSTEM_ACCOUNT), SYSTEM_ACCOUNT];
    for owner in owners {
        let row: Option<Row> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT id, account_id, provider_name, display_name, config, secrets FROM configurations \
             WHERE category = $1 AND provider_name = $2 AND account_id = $3 AND enabled = TRUE"
        )
        .bind(category)
        .bind(provider_name)
        .bind(owner)
        .fetch_optional(c)
        .await
        })?;
        if let Some((id, account_id, provider_name, display_name, config, secrets)) = row {
            let mut values: Map<String, Value> =
                serde_json::from_str(&config).map_err(ApiError::internal)?;
            if let Some(sealed) = secrets {
                let opened = state
                    .sealer
                    .open("configuration", &sealed)
                    .map_err(ApiError::internal)?;
                let secrets: Map<String, Value> =
                    serde_json::from_str(&opened).map_err(ApiError::internal)?;
                values.extend(secrets);
            }
            return Ok(Some(Resolved {
                id,
                account_id,
                provider_name,
                display_name,
                values,
            }));
        }
    }
    Ok(None)
}

pub async fn enabled(
    state: &App,
    category: &str,
    account_id: Option<&str>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut tx = state.db.begin_read().await?;
    let rows: Vec<(String, String, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT provider_name, display_name, account_id FROM configurations \
         WHERE category = $1 AND (account_id = $2 OR account_id = $3) AND enabled = TRUE \
         ORDER BY priority, provider_name"
    )
    .bind(category)
    .bind(account_id.unwrap_or(SYSTEM_ACCOUNT))
    .bind(SYSTEM_ACCOUNT)
    .fetch_all(c)
    .await)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, display, _) in rows {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, display));
        }
    }
    Ok(out)
}
