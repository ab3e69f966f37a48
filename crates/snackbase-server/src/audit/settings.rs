//! What is audited, per collection: on or off, fields left out, and whether
//! changes need an electronic signature. A collection without a row is
//! audited in full and needs no signature. The rows are part of the compiled
//! collection catalog (they move the change generation), so every node uses
//! a change at once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::Tx;
use crate::on_tx;

/// A collection's audit settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub enabled: bool,
    /// Fields whose changes are not recorded.
    pub excluded_fields: Vec<String>,
    /// Record writes need an electronic signature (password and reason).
    pub require_signature: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            enabled: true,
            excluded_fields: Vec::new(),
            require_signature: false,
        }
    }
}

impl Policy {
    pub fn excludes(&self, field: &str) -> bool {
        self.excluded_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(field))
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    collection: String,
    enabled: bool,
    excluded_fields: String,
    require_signature: bool,
}

/// Every collection's settings, by lower-case name.
pub async fn load_all(tx: &mut Tx) -> Result<HashMap<String, Policy>, sqlx::Error> {
    let rows: Vec<Row> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT collection, enabled, excluded_fields, require_signature FROM audit_settings"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.collection.to_ascii_lowercase(),
                Policy {
                    enabled: r.enabled,
                    excluded_fields: serde_json::from_str(&r.excluded_fields).unwrap_or_default(),
                    require_signature: r.require_signature,
                },
            )
        })
        .collect())
}

/// Saves a collection's settings (`collection` as defined, any case).
pub async fn save(tx: &mut Tx, collection: &str, policy: &Policy) -> Result<(), sqlx::Error> {
    let excluded = serde_json::to_string(&policy.excluded_fields).unwrap_or_else(|_| "[]".into());
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO audit_settings (collection, enabled, excluded_fields, require_signature, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collection) DO UPDATE SET enabled = excluded.enabled, \
         excluded_fields = excluded.excluded_fields, require_signature = excluded.require_signature, \
         updated_at = excluded.updated_at"
    )
    .bind(collection.to_ascii_lowercase())
    .bind(policy.enabled)
    .bind(&excluded)
    .bind(policy.require_signature)
    .bind(super::append::now_text())
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}
