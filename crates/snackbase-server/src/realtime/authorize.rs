//! Who receives a change, and what they see of it: the collection's read
//! rule of the subscriber's role evaluated on the record in memory, and its
//! readable fields, exactly as a GET would show the record. Grants come from
//! the authorization cache (a database read per role and collection when it
//! is cold, never per subscriber); a message is built once per role.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::hub::{Ops, Out, Refused};
use crate::app::AppState;
use crate::auth::Principal;
use crate::collections::compiled::Compiled;
use crate::db::feed::RecordChange;
use crate::db::Operation;
use crate::records::access::{self, Access};

fn internal(e: impl std::fmt::Display) -> Refused {
    tracing::warn!(error = %e, "a realtime authorization failed");
    Refused {
        code: "internal_error",
        message: "The subscription could not be checked".into(),
    }
}

/// A collection by name, compiled, from the catalog cache.
pub async fn collection(state: &AppState, name: &str) -> Result<Arc<Compiled>, Refused> {
    if let Some(c) = state
        .catalog
        .cached()
        .and_then(|cat| cat.get(name).cloned())
    {
        return Ok(c);
    }
    let mut tx = state.db.read().await.map_err(internal)?;
    let catalog = state.catalog.catalog(&mut tx).await.map_err(internal)?;
    catalog.get(name).cloned().ok_or_else(|| Refused {
        code: "collection_not_found",
        message: format!("Collection '{name}' not found"),
    })
}

/// What access and messages are shared by: the role (the superadmin apart).
fn role_key(who: &Principal) -> i64 {
    if who.is_superadmin() {
        -1
    } else {
        who.role_id.0
    }
}

/// The read access of roles to collections, resolved once per dispatch (a
/// few roles and collections: looked up without allocating).
#[derive(Default)]
pub struct Grants {
    by: Vec<(i64, String, Option<Arc<Access>>)>,
}

impl Grants {
    /// `who`'s read access to `c`; `None` when no grant allows reading.
    pub async fn access(
        &mut self,
        state: &AppState,
        who: &Principal,
        c: &Compiled,
    ) -> Result<Option<Arc<Access>>, Refused> {
        if !who.reaches(&c.name) {
            // Before the cache: access is shared by role, scope is the key's.
            return Err(Refused {
                code: "forbidden",
                message: "API key is not scoped to this collection".into(),
            });
        }
        let role = role_key(who);
        if let Some((.., found)) = self
            .by
            .iter()
            .find(|(r, name, _)| *r == role && *name == c.name)
        {
            return Ok(found.clone());
        }
        let found = match access::optional_cached(state, who, c, Operation::Read) {
            Some(found) => found,
            None => {
                let mut tx = state.db.read().await.map_err(internal)?;
                access::optional(state, &mut tx, who, c, Operation::Read)
                    .await
                    .map_err(internal)?
            }
        }
        .map(Arc::new);
        self.by.push((role, c.name.clone(), found.clone()));
        Ok(found)
    }
}

/// The messages of one change, built once per role, operation and name (a
/// handful: looked up without allocating).
#[derive(Default)]
pub struct Messages {
    by: Vec<(i64, Operation, Box<str>, Out)>,
}

impl Messages {
    /// What `who` receives of `change` on its subscription `name` with
    /// `operations`: a create, update or delete as they may see it, or nothing.
    /// An update that makes the record readable is a create for them, one
    /// that makes it unreadable a delete.
    #[allow(clippy::too_many_arguments)]
    pub async fn event(
        &mut self,
        state: &AppState,
        grants: &mut Grants,
        who: &Principal,
        c: &Compiled,
        name: &str,
        operations: Ops,
        change: &RecordChange,
    ) -> Option<Out> {
        if who.account_id.as_str() != change.account_id {
            return None;
        }
        let read = grants.access(state, who, c).await.ok()??;
        let can = |record: &Option<Map<String, Value>>| {
            record
                .as_ref()
                .is_some_and(|r| read.allows(c, who, r).unwrap_or(false))
        };
        let (op, record) = match change.operation {
            Operation::Create if can(&change.after) => (Operation::Create, &change.after),
            Operation::Delete if can(&change.before) => (Operation::Delete, &change.before),
            Operation::Update => match (can(&change.before), can(&change.after)) {
                (true, true) => (Operation::Update, &change.after),
                (false, true) => (Operation::Create, &change.after),
                (true, false) => (Operation::Delete, &change.before),
                (false, false) => return None,
            },
            _ => return None,
        };
        if !operations.contains(op) {
            return None;
        }
        let role = role_key(who);
        if let Some((.., out)) = self
            .by
            .iter()
            .find(|(r, o, n, _)| *r == role && *o == op && **n == *name)
        {
            return Some(out.clone());
        }
        let mut data = record.clone()?;
        read.project(&mut data);
        let at = change
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let out = Out {
            text: json!({
                "type": format!("{name}.{}", op.name()),
                "timestamp": at,
                "seq": change.seq,
                "data": data,
            })
            .to_string()
            .into(),
            seq: Some(change.seq),
        };
        self.by.push((role, op, name.into(), out.clone()));
        Some(out)
    }
}

/// [`Messages::event`] for a single subscriber (a replay).
pub async fn event(
    state: &AppState,
    grants: &mut Grants,
    who: &Principal,
    c: &Compiled,
    name: &str,
    operations: Ops,
    change: &RecordChange,
) -> Option<Out> {
    Messages::default()
        .event(state, grants, who, c, name, operations, change)
        .await
}
