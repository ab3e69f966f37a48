//! Record changes as audit entries, and electronic signatures on record writes.
//!
//! A record change is one entry with a column per changed field, in schema
//! order (listed by the API as one entry per column): on a create every
//! field with a value, on an update the fields whose value changed, on a
//! delete every field that had a value (a change that touches no audited
//! field gives one entry without a column). System fields are
//! left out (the record id, the account and the author are the entry's own
//! columns); excluded fields are skipped, PII fields read `***`.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use super::append::{ESignature, Event};
use super::settings::Policy;
use super::Column;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::feed::NewChange;
use crate::error::{ApiError, ApiResult};

/// The key of an entry's metadata that holds its change's position in the
/// change log.
const CHANGE_SEQ: &str = "change_seq";

/// What a masked value reads.
pub const MASK: &str = "***";

/// Carries the caller's password for an electronic signature.
pub const PASSWORD_HEADER: &str = "x-signature-password";
/// Carries the meaning of an electronic signature (why the change is made).
pub const REASON_HEADER: &str = "x-signature-reason";

/// A value as an entry keeps it: strings as they are, anything else as JSON;
/// `None` for null.
pub fn value_text(v: &Value, masked: bool) -> Option<String> {
    match v {
        Value::Null => None,
        _ if masked => Some(MASK.to_string()),
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A field of the collection as the audit sees it.
#[derive(Debug, Clone)]
pub struct AuditedField {
    pub name: String,
    pub masked: bool,
}

/// Notes in `event`'s metadata its change's position in the change log,
/// known only once the change is logged.
pub fn note_change_seq(event: &mut Event, seq: i64) {
    if let Some(Value::Object(extra)) = &mut event.extra {
        extra.insert(CHANGE_SEQ.into(), seq.into());
    }
}

/// The entries of one record change; `None` when the collection is not
/// audited. Its position in the change log is added once known
/// ([`note_change_seq`]; on PostgreSQL by the sealer, from the staged row).
pub fn event(
    change: &NewChange<'_>,
    fields: &[AuditedField],
    policy: &Policy,
    caller: &Principal,
) -> Option<Event> {
    if !policy.enabled {
        return None;
    }
    let empty = Map::new();
    let before = change.before.unwrap_or(&empty);
    let after = change.after.unwrap_or(&empty);
    let columns = fields
        .iter()
        .filter(|f| !policy.excludes(&f.name))
        .filter_map(|f| {
            let old = before.get(&f.name).filter(|v| !v.is_null());
            let new = after.get(&f.name).filter(|v| !v.is_null());
            if old == new {
                return None;
            }
            Some(Column {
                name: Some(f.name.clone()),
                old: old.and_then(|v| value_text(v, f.masked)),
                new: new.and_then(|v| value_text(v, f.masked)),
            })
        })
        .collect();
    let extra = super::caller_metadata(caller);
    Some(Event {
        account_id: Some(change.account_id.to_string()),
        operation: change.operation.name().to_ascii_uppercase(),
        table_name: change.collection.to_string(),
        record_id: change.record_id.to_string(),
        columns,
        actor: super::actor(caller),
        signature: caller.signature.as_deref().cloned(),
        extra: Some(Value::Object(extra)),
    })
}

/// The 403 of a write to a collection that requires a signature, without one.
pub fn signature_required(collection: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "Changes to '{collection}' require an electronic signature: send your password in \
         X-Signature-Password and the reason in X-Signature-Reason"
    ))
}

/// The electronic signature a request carries, checked: the caller's own
/// password (re-authentication) and a reason. `None` without the headers.
pub async fn from_headers(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Principal,
) -> ApiResult<Option<ESignature>> {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().map(str::trim).map(str::to_string))
    };
    let (password, reason) = match (header(PASSWORD_HEADER), header(REASON_HEADER)) {
        (None, None) => return Ok(None),
        (Some(Ok(p)), Some(Ok(r))) if !p.is_empty() && !r.is_empty() => (p, r),
        _ => {
            return Err(ApiError::invalid(
                "X-Signature-Reason",
                "signature_incomplete",
                "An electronic signature needs both X-Signature-Password and a non-empty X-Signature-Reason",
            ))
        }
    };
    if reason.chars().count() > 500 {
        return Err(ApiError::invalid(
            "X-Signature-Reason",
            "too_long",
            "The signature's reason is at most 500 characters",
        ));
    }
    let (Some(user_id), Some(email), false) = (
        caller.user_id.as_deref(),
        caller.email.as_deref(),
        caller.is_api_key(),
    ) else {
        return Err(ApiError::Forbidden(
            "Only a signed-in user can sign a change".into(),
        ));
    };
    if caller.impersonator.is_some() {
        return Err(ApiError::Forbidden(
            "A change cannot be signed while impersonating".into(),
        ));
    }
    let mut tx = state.db.read().await?;
    let hash: Option<String> = crate::on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)?;
    drop(tx);
    let ok = match hash {
        Some(hash) => crate::auth::password::verify(&hash, &password).await,
        None => {
            state.dummy_hash.burn(&password).await;
            false
        }
    };
    if !ok {
        return Err(ApiError::Forbidden(
            "The signature's password is wrong".into(),
        ));
    }
    Ok(Some(ESignature {
        username: email.to_string(),
        reason,
        at: super::append::now_text(),
    }))
}
