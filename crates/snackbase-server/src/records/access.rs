//! What a caller may do with a collection's records: the grants of their role
//! for an operation, and the fields those grants open. The superadmin is not
//! subject to rules.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::engine::{self, Env, Grant};
use crate::authz::model::{Fields, Operation};
use crate::collections::compiled::Compiled;
use crate::collections::schema::SYSTEM_FIELDS;
use crate::collections::store::Collection;
use crate::collections::view::View;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, FieldError};

pub struct Access {
    /// `None` for the superadmin: everything is allowed.
    pub grants: Option<Arc<Vec<Grant>>>,
    pub fields: Fields,
    pub env: Option<Env>,
}

impl Access {
    /// Whether the caller may act on this record (a stored row or create data).
    pub fn allows(
        &self,
        c: &Compiled,
        caller: &Principal,
        record: &Map<String, Value>,
    ) -> ApiResult<bool> {
        match (&self.grants, &self.env) {
            (Some(grants), Some(env)) => engine::allows(grants, env, c, caller, record),
            _ => Ok(true),
        }
    }

    /// The collection as this caller sees it: only the fields they may use.
    pub fn visible<'a>(&self, c: &'a Compiled) -> View<'a> {
        match &self.fields {
            Fields::List(list) => View::only(c, list),
            Fields::All => View::all(c),
        }
    }

    /// Removes the fields the caller may not read (system fields stay).
    pub fn project(&self, record: &mut Map<String, Value>) {
        if let Fields::List(list) = &self.fields {
            record.retain(|k, _| {
                SYSTEM_FIELDS.contains(&k.as_str()) || k == "expand" || list.contains(k)
            });
        }
    }

    /// Refuses a body that writes fields outside the allowed ones (422 naming them).
    pub fn check_writable(&self, body: &Map<String, Value>, op: Operation) -> ApiResult<()> {
        let Fields::List(list) = &self.fields else {
            return Ok(());
        };
        let mut denied: Vec<&String> = body
            .keys()
            .filter(|k| !list.contains(k) && !SYSTEM_FIELDS.contains(&k.as_str()))
            .collect();
        denied.sort();
        let details: Vec<FieldError> = denied
            .into_iter()
            .map(|f| {
                FieldError::new(
                    f,
                    "field_not_allowed",
                    format!("You may not {} the field '{f}'", op.name()),
                )
            })
            .collect();
        ApiError::from_field_errors(details).map_or(Ok(()), Err)
    }
}

/// The caller's access for `op`; a caller without any grant is refused
/// (401 when anonymous, 403 otherwise), and so is an API key whose scope
/// leaves the collection out (403).
pub async fn require(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Collection,
    op: Operation,
) -> ApiResult<Access> {
    match optional(state, tx, caller, c, op).await? {
        Some(a) => Ok(a),
        None => Err(engine::denied(caller, op, &c.name)),
    }
}

/// [`optional`] from the caches alone: `None` when something is not cached
/// (or the caller is out of its scope: [`optional`] gives the error).
pub fn optional_cached(
    state: &AppState,
    caller: &Principal,
    c: &Collection,
    op: Operation,
) -> Option<Option<Access>> {
    if !caller.reaches(&c.name) {
        return None; // the full path says why
    }
    if caller.is_superadmin() {
        return Some(Some(Access {
            grants: None,
            fields: Fields::All,
            env: None,
        }));
    }
    let (grants, macros) = state.authz.cached(caller.role_id.0, &c.name, op)?;
    Some(access_of(state, grants, macros))
}

fn access_of(
    state: &AppState,
    grants: Arc<Vec<Grant>>,
    macros: Arc<crate::authz::engine::Macros>,
) -> Option<Access> {
    if grants.is_empty() {
        return None;
    }
    Some(Access {
        fields: engine::fields_of(&grants),
        grants: Some(grants),
        env: Some(Env {
            db: state.db.clone(),
            macros,
        }),
    })
}

/// The caller's access for `op`, or `None` when no rule grants it; a 403
/// for an API key whose scope leaves the collection out.
pub async fn optional(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Collection,
    op: Operation,
) -> ApiResult<Option<Access>> {
    caller.require_reach(&c.name)?;
    if caller.is_superadmin() {
        return Ok(Some(Access {
            grants: None,
            fields: Fields::All,
            env: None,
        }));
    }
    let grants = engine::grants(&state.authz, tx, caller.role_id.0, &c.name, op).await?;
    if grants.is_empty() {
        return Ok(None);
    }
    let macros = state.authz.macros(tx).await?;
    Ok(access_of(state, grants, macros))
}
