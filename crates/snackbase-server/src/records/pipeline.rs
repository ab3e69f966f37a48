//! The one write pipeline of records. Every record write (the single routes
//! and the batches) goes through it, in its transaction:
//!
//! access check → before-hooks → validation → write → one change in the
//! change log per record changed (cascades included) and the webhook outbox
//! rows for it → (the caller commits) → after-hooks.
//!
//! The changes are published to the in-process feed by the commit itself
//! (`db::feed`), so a rolled-back write publishes nothing.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::access::{self, Access};
use super::{sql, write};
use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::engine;
use crate::collections::compiled::{Catalog, Compiled};
use crate::collections::values::Mode;
use crate::db::feed::{self, Actor, NewChange};
use crate::db::statement::Statement;
use crate::db::{Operation, RecordChange, Tx};
use crate::error::ApiResult;
use crate::hooks::{Event, HookEvent};

/// The caller as the change feed records them.
pub fn actor(caller: &Principal) -> Actor {
    Actor {
        user_id: caller.user_id.as_deref().map(str::to_string),
        role: caller.role.clone(),
    }
}

/// A record event on behalf of the caller.
fn event(event: Event, caller: &Principal, c: &Compiled) -> HookEvent {
    let mut e = HookEvent::by(event, Some(&caller.account_id), caller.user_id.as_deref());
    e.collection = Some(c.name.clone());
    e
}

/// The caches moved on while a write relied on them without reading the
/// change generation first (PostgreSQL's one-statement writes, see
/// `handlers::confirmable`): nothing was written; take the full path.
#[derive(Debug, thiserror::Error)]
#[error("the caches moved on during the write")]
pub struct Stale;

pub fn stale() -> crate::error::ApiError {
    crate::error::ApiError::Internal(anyhow::Error::new(Stale))
}

/// Whether a write failed with [`Stale`].
pub fn is_stale(e: &crate::error::ApiError) -> bool {
    matches!(e, crate::error::ApiError::Internal(cause) if cause.downcast_ref::<Stale>().is_some())
}

/// Shapes a record for a response: the caller's readable fields only.
pub async fn respond(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    mut record: Map<String, Value>,
) -> ApiResult<Map<String, Value>> {
    match access::optional(state, tx, caller, c, Operation::Read).await? {
        Some(read) => read.project(&mut record),
        None => {
            record.retain(|k, _| crate::collections::schema::SYSTEM_FIELDS.contains(&k.as_str()))
        }
    }
    Ok(record)
}

/// Refuses a write to a collection that requires an electronic signature
/// when the request carries none (checked before anything is written).
fn require_signature(caller: &Principal, c: &Compiled) -> ApiResult<()> {
    if c.audit.require_signature && caller.signature.is_none() {
        return Err(crate::audit::record::signature_required(&c.name));
    }
    Ok(())
}

/// Logs a change and queues its webhook deliveries, in the write's
/// transaction. A webhook receives the record as the caller who made the
/// change may read it (as the response shows it).
async fn emit(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    catalog: &Catalog,
    write: Option<&Statement>,
    change: NewChange<'_>,
) -> ApiResult<Option<Arc<RecordChange>>> {
    let Some(c) = catalog.get(change.collection) else {
        return Ok(feed::record(tx, write, change).await?);
    };
    // On PostgreSQL the audit event is staged by the statement that logs
    // the change; on SQLite it is queued on the transaction once the log
    // has given the change its position.
    let event = crate::audit::record::event(&change, &c.audited_fields, &c.audit, caller);
    let (staged, event) = match event {
        Some(e) if tx.backend() == crate::db::Backend::Postgres => {
            (crate::audit::append::staging(&state.audit, tx, e)?, None)
        }
        other => (None, other),
    };
    let Some(change) = feed::record_with(tx, write, change, staged)
        .await
        .map_err(|e| write::map_write_error(c, e))?
    else {
        return Ok(None);
    };
    if let Some(mut event) = event {
        crate::audit::record::note_change_seq(&mut event, change.seq);
        crate::audit::append(&state.audit, tx, event).await?;
    }
    let record = change.after.as_ref().or(change.before.as_ref());
    if let (true, Some(record)) = (crate::webhooks::outbox::listened(c, &change), record) {
        let shown = respond(state, tx, caller, c, record.clone()).await?;
        crate::webhooks::outbox::enqueue(tx, c, &change, &shown).await?;
    }
    Ok(Some(change))
}

/// Checks and inserts one record, around the record hooks; returns it as the
/// caller may see it, and the after-event to fire once committed.
///
/// `confirm`: the change generation row's value the caller and the caches
/// were taken under without reading it; the `INSERT` then happens only if
/// the row still holds it. Until that statement has confirmed them, what the
/// caches said may be out of date, so any failure up to it (a collection or
/// grant not seen yet, nothing inserted) is [`Stale`]: nothing was written,
/// and the full path answers.
pub async fn create(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    body: &Map<String, Value>,
    confirm: Option<i64>,
) -> ApiResult<(Map<String, Value>, HookEvent)> {
    let record = match insert(state, tx, caller, c, body, confirm).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(stale()),
        Err(_) if confirm.is_some() => return Err(stale()),
        Err(e) => return Err(e),
    };
    let mut after = event(Event::RecordAfterCreate, caller, c);
    after.record = Some(record.clone());
    let shown = respond(state, tx, caller, c, record).await?;
    Ok((shown, after))
}

/// [`create`] up to its write: the stored record, or `None` when the
/// generation guard let nothing be inserted.
async fn insert(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    body: &Map<String, Value>,
    confirm: Option<i64>,
) -> ApiResult<Option<Map<String, Value>>> {
    let create = access::require(state, tx, caller, c, Operation::Create).await?;
    require_signature(caller, c)?;
    let resolved = crate::files::record::apply_modifiers(c, None, body)?;
    let body = &*resolved;
    create.check_writable(body, Operation::Create)?;
    let mut before = event(Event::RecordBeforeCreate, caller, c);
    before.record = Some(body.clone());
    let before = state.hooks.before(state, before).await?;
    let body = before.record.clone().unwrap_or_default();
    let catalog = state.catalog.catalog(tx).await?;
    let (record, insert) =
        write::prepare_insert(tx, &catalog, c, caller, &body, confirm, |record| {
            if create.allows(c, caller, record)? {
                Ok(())
            } else {
                Err(engine::denied(caller, Operation::Create, &c.name))
            }
        })
        .await?;
    // Files named by the record are claimed for it in this transaction
    // (which then is no longer a lone write).
    crate::files::record::sync(tx, &caller.account_id, c, None, &record).await?;
    // With no webhook to queue, the INSERT, its change-log row and its
    // staged audit event are the only write: on PostgreSQL it runs alone,
    // one round trip, no BEGIN/COMMIT.
    if c.subscriptions(&caller.account_id, Operation::Create)
        .next()
        .is_none()
    {
        tx.last_write();
    }
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let who = actor(caller);
    let logged = emit(
        state,
        tx,
        caller,
        &catalog,
        Some(&insert),
        NewChange {
            account_id: &caller.account_id,
            collection: &c.name,
            operation: Operation::Create,
            record_id: &id,
            before: None,
            after: Some(&record),
            actor: &who,
        },
    )
    .await?;
    Ok(logged.map(|_| record))
}

/// Whether the caller may read `record` with `read`: no read permission at all
/// is a 403, a record the rule hides is a 404.
pub fn readable(
    c: &Compiled,
    caller: &Principal,
    record: Map<String, Value>,
    read: Option<Access>,
) -> ApiResult<(Map<String, Value>, Access)> {
    let Some(read) = read else {
        return Err(engine::denied(caller, Operation::Read, &c.name));
    };
    if !read.allows(c, caller, &record)? {
        return Err(write::record_not_found());
    }
    Ok((record, read))
}

/// Loads a record the caller may read (else 404) and checks `op` on it (else 403).
pub async fn load_for(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    id: &str,
    op: Operation,
) -> ApiResult<(Map<String, Value>, Access)> {
    let record = sql::fetch_one(tx, c, &caller.account_id, id)
        .await?
        .ok_or_else(write::record_not_found)?;
    let read = access::optional(state, tx, caller, c, Operation::Read).await?;
    if op == Operation::Read {
        return readable(c, caller, record, read);
    }
    let access = may_change(state, tx, caller, c, &record, read, op).await?;
    Ok((record, access))
}

/// Checks `op` on a loaded record: one the caller may not read is a 404 (as
/// if missing), one the rule of `op` refuses a 403.
async fn may_change(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    record: &Map<String, Value>,
    read: Option<Access>,
    op: Operation,
) -> ApiResult<Access> {
    match &read {
        Some(read) if read.allows(c, caller, record)? => {}
        _ => return Err(write::record_not_found()),
    }
    let access = access::require(state, tx, caller, c, op).await?;
    if !access.allows(c, caller, record)? {
        return Err(engine::denied(caller, op, &c.name));
    }
    Ok(access)
}

/// Checks and applies an update; returns the record as the caller may see it.
///
/// The stored row is read once, without a lock; the `UPDATE` is guarded by
/// the row's version and logged in the same statement, so on PostgreSQL an
/// update with no webhook to queue is one read and one write, without
/// BEGIN and COMMIT. If another update came in between (the guard matched
/// no row), the update runs again on the row read `FOR UPDATE` in a
/// transaction: checks and before-hooks see the record as it then is.
/// `confirm` as for [`create`]: the row's read confirms it (the read reading
/// the generation row beside the record); up to then a failure is [`Stale`].
#[allow(clippy::too_many_arguments)]
pub async fn update(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    id: &str,
    body: &Map<String, Value>,
    mode: Mode,
    confirm: Option<i64>,
) -> ApiResult<(Map<String, Value>, HookEvent)> {
    for lock in [false, true] {
        let check = confirm.is_some() && !lock;
        let read = sql::fetch_versioned(tx, c, &caller.account_id, id, lock, check).await;
        // Until the read has confirmed the generation, the collection the
        // statement was built from may be out of date.
        let (found, seen) = match read {
            Err(_) if check => return Err(stale()),
            read => read?,
        };
        if check && seen != confirm {
            return Err(stale());
        }
        let (previous, version) = found.ok_or_else(write::record_not_found)?;
        let read = access::optional(state, tx, caller, c, Operation::Read).await?;
        let update = may_change(state, tx, caller, c, &previous, read, Operation::Update).await?;
        require_signature(caller, c)?;
        // `field+` / `field-` apply to the row as this write reads it.
        let resolved = crate::files::record::apply_modifiers(c, Some(&previous), body)?;
        let body = &*resolved;
        update.check_writable(body, Operation::Update)?;
        let mut before = event(Event::RecordBeforeUpdate, caller, c);
        before.record = Some(body.clone());
        before.previous = Some(previous.clone());
        let before = state.hooks.before(state, before).await?;
        let body = before.record.clone().unwrap_or_default();
        let catalog = state.catalog.catalog(tx).await?;
        let (record, statement) = write::prepare_update(
            tx,
            &catalog,
            c,
            caller,
            &previous,
            version.as_deref(),
            &body,
            mode,
        )
        .await?;
        crate::files::record::sync(tx, &caller.account_id, c, Some(&previous), &record).await?;
        if c.subscriptions(&caller.account_id, Operation::Update)
            .next()
            .is_none()
        {
            tx.last_write();
        }
        let who = actor(caller);
        let logged = emit(
            state,
            tx,
            caller,
            &catalog,
            Some(&statement),
            NewChange {
                account_id: &caller.account_id,
                collection: &c.name,
                operation: Operation::Update,
                record_id: id,
                before: Some(&previous),
                after: Some(&record),
                actor: &who,
            },
        )
        .await?;
        if logged.is_none() {
            // Another update won the race; nothing was written.
            tx.write_missed();
            continue;
        }
        let mut after = event(Event::RecordAfterUpdate, caller, c);
        after.record = Some(record.clone());
        after.previous = Some(previous);
        let shown = respond(state, tx, caller, c, record).await?;
        return Ok((shown, after));
    }
    // Read FOR UPDATE, the row cannot have changed; it can have gone.
    Err(write::record_not_found())
}

/// Checks and deletes records, around the record hooks; returns the
/// after-events. Records removed or changed by `on_delete` are changes too.
pub async fn delete(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    c: &Compiled,
    ids: &[String],
) -> ApiResult<Vec<HookEvent>> {
    let mut afters = Vec::with_capacity(ids.len());
    for id in ids {
        let (previous, _) = load_for(state, tx, caller, c, id, Operation::Delete).await?;
        require_signature(caller, c)?;
        let mut before = event(Event::RecordBeforeDelete, caller, c);
        before.previous = Some(previous.clone());
        state.hooks.before(state, before).await?;
        let mut after = event(Event::RecordAfterDelete, caller, c);
        after.previous = Some(previous);
        afters.push(after);
    }
    let catalog = state.catalog.catalog(tx).await?;
    let changes = write::delete(tx, &catalog, c, &caller.account_id, ids).await?;
    let who = actor(caller);
    for change in &changes {
        if let (Operation::Delete, Some(cc)) = (change.operation, catalog.get(&change.collection)) {
            crate::files::record::forget(tx, &caller.account_id, cc, &change.before).await?;
        }
        emit(
            state,
            tx,
            caller,
            &catalog,
            None,
            NewChange {
                account_id: &caller.account_id,
                collection: &change.collection,
                operation: change.operation,
                record_id: &change.id,
                before: Some(&change.before),
                after: change.after.as_ref(),
                actor: &who,
            },
        )
        .await?;
    }
    Ok(afters)
}
