//! SQL macros: named, read-only `SELECT`s defined by the superadmin and called
//! from rules as `@name(args…)`. They read collections only through
//! `{collection}` placeholders, which are always scoped to the caller's
//! account, run with a time limit, and are inlined as scalar subqueries in
//! list queries. A macro's syntax tree is checked against an allow-list
//! (`check`) when it is saved and again before every run.

mod check;
mod handlers;
pub mod run;
pub mod template;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::db::dialect::Backend;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::on_tx;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_macros, handlers::create_macro))
        .routes(routes!(
            handlers::get_macro,
            handlers::update_macro,
            handlers::patch_macro,
            handlers::delete_macro
        ))
        .routes(routes!(handlers::test_macro))
}

/// A stored macro.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MacroDef {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub sql_query: String,
    #[sqlx(try_from = "String")]
    pub parameters: ParamList,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

impl MacroDef {
    /// The checked template, in the dialect of `backend`. Checked anew at each
    /// use (about 20 µs), so a macro stored before the check existed, or
    /// before it tightened, fails here and its rule denies.
    pub fn template(&self, backend: Backend) -> Result<template::Template, String> {
        template::compile(&self.sql_query, &self.parameters, backend)
    }
}

/// Parameter names, stored as a JSON array.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamList(pub Vec<String>);

impl TryFrom<String> for ParamList {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(ParamList)
    }
}

impl std::ops::Deref for ParamList {
    type Target = Vec<String>;
    fn deref(&self) -> &Vec<String> {
        &self.0
    }
}

pub const SELECT: &str = "SELECT id, name, description, sql_query, parameters, created_at, updated_at, created_by FROM macros";

/// Every macro by name.
pub async fn load_all(tx: &mut Tx) -> ApiResult<Arc<HashMap<String, MacroDef>>> {
    let sql = format!("{SELECT} ORDER BY name");
    let defs = on_tx!(tx, |c| sqlx::query_as::<_, MacroDef>(&sql)
        .fetch_all(c)
        .await)?;
    Ok(Arc::new(
        defs.into_iter().map(|d| (d.name.clone(), d)).collect(),
    ))
}
