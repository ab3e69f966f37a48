//! Files of records. A `file` field holds stored names (one, or a list when
//! `multiple`). A file is uploaded first (`POST /files/upload`, or a
//! multipart record write, which uploads its parts the same way) and then
//! claimed by a record in the record's own transaction: the `files` row gets
//! the collection, record and field, after checking the field's `max_size`
//! and `mime_types`. A rolled-back write claims nothing. Files a write drops
//! have their row marked in the same transaction; the object goes after the
//! commit, then the row (`files::sweep` finishes what a crash interrupts).

use serde_json::{Map, Value};

use super::key::{Key, Segment};
use crate::auth::AccountId;
use crate::collections::compiled::Compiled;
use crate::collections::schema::{Field, FieldKind};
use crate::collections::values::Stored;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

/// The most files one field may hold.
pub const MAX_FILES: usize = 100;

/// The stored name a client's value names: a name, or the `path` an upload
/// returned (`{account}/uploads/{name}`; the account is checked when the
/// file is claimed).
fn name_of(raw: &str) -> Result<String, (&'static str, String)> {
    let name = match raw.split('/').collect::<Vec<_>>().as_slice() {
        [name] => *name,
        [_, "uploads", name] => *name,
        _ => {
            return Err((
                "invalid_file",
                "A file is a stored name or the path an upload returned".into(),
            ))
        }
    };
    Segment::parse(name)
        .map(|s| s.as_str().to_string())
        .map_err(|e| ("invalid_file", format!("Invalid file name: {e}")))
}

/// Validates a file field's value: a name (or upload path), or for a
/// multiple field a list of them.
pub fn convert(field: &Field, value: &Value) -> Result<Stored, (&'static str, String)> {
    let expected = |what: &str| ("invalid_type", format!("Expected {what}"));
    if field.is_multiple_file() {
        let Value::Array(items) = value else {
            return Err(expected("a list of files"));
        };
        if items.len() > MAX_FILES {
            return Err(("too_many_files", format!("At most {MAX_FILES} files")));
        }
        let mut names: Vec<Value> = Vec::new();
        for item in items {
            let Value::String(s) = item else {
                return Err(expected("a list of file names"));
            };
            let name = Value::String(name_of(s)?);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok(Stored::Json(Some(Value::Array(names))))
    } else {
        let Value::String(s) = value else {
            return Err(expected("a file name"));
        };
        Ok(Stored::Text(Some(name_of(s)?)))
    }
}

/// Resolves the file modifiers of a write body against the record as the
/// write reads it (`previous`; `None` for a create): `field+` appends names
/// to a multiple file field, `field-` removes names from a file field, as in
/// PocketBase. A plain `field` in the same body is the base they apply to;
/// otherwise the stored value is. Applied inside the write, on the row the
/// write changes, so two concurrent appends both land.
pub fn apply_modifiers<'a>(
    c: &Compiled,
    previous: Option<&Map<String, Value>>,
    body: &'a Map<String, Value>,
) -> ApiResult<std::borrow::Cow<'a, Map<String, Value>>> {
    let modifier = |key: &str| {
        let (name, op) = key
            .strip_suffix('+')
            .map(|n| (n, '+'))
            .or_else(|| key.strip_suffix('-').map(|n| (n, '-')))?;
        file_fields(c).find(|f| f.name == name).map(|f| (f, op))
    };
    if !body.keys().any(|k| modifier(k).is_some()) {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Map::new();
    let mut edits: Vec<(&Field, Vec<Value>, Vec<String>)> = Vec::new();
    for (key, value) in body {
        let Some((field, op)) = modifier(key) else {
            out.insert(key.clone(), value.clone());
            continue;
        };
        if op == '+' && !field.is_multiple_file() {
            return Err(ApiError::invalid(
                key,
                "not_multiple",
                format!("'{}' holds one file: set it, not {key}", field.name),
            ));
        }
        let items: Vec<Value> = match value {
            Value::Array(items) => items.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        let at = match edits.iter().position(|(f, _, _)| f.name == field.name) {
            Some(at) => at,
            None => {
                edits.push((field, Vec::new(), Vec::new()));
                edits.len() - 1
            }
        };
        if op == '+' {
            edits[at].1.extend(items);
        } else {
            for item in items {
                let Value::String(raw) = item else {
                    return Err(ApiError::invalid(
                        key,
                        "invalid_type",
                        "Expected the names of files to remove",
                    ));
                };
                let name = name_of(&raw).map_err(|(code, m)| ApiError::invalid(key, code, m))?;
                edits[at].2.push(name);
            }
        }
    }
    for (field, added, removed) in edits {
        let base = match out.get(&field.name) {
            Some(v) => names(Some(v)),
            None => names(previous.and_then(|p| p.get(&field.name))),
        };
        let mut list: Vec<Value> = base
            .into_iter()
            .filter(|n| !name_of(n).is_ok_and(|stored| removed.contains(&stored)))
            .map(Value::String)
            .collect();
        list.extend(added);
        let value = if field.is_multiple_file() {
            Value::Array(list)
        } else {
            list.pop().unwrap_or(Value::Null)
        };
        out.insert(field.name.clone(), value);
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Whether `size` is a thumbnail size: `WxH` with an optional `t`, `b` or
/// `f`, `0xH` or `Wx0`; sides up to 2000.
pub fn thumb_size_ok(size: &str) -> bool {
    super::thumbs::ThumbSize::parse(size).is_some()
}

/// Checks the options of a file field (`max_size`, `mime_types`, `thumbs`).
pub fn check_options(
    o: &crate::collections::schema::FieldOptions,
    err: &mut impl FnMut(&str, &str, String),
) {
    if o.max_size == Some(0) {
        err(
            "options",
            "option_range_invalid",
            "max_size must be at least 1 byte".into(),
        );
    }
    if let Some(types) = &o.mime_types {
        let valid = |t: &String| {
            t.split_once('/').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && t.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"/*.+-_".contains(&c))
            })
        };
        if !types.iter().all(valid) {
            err(
                "options",
                "mime_types_invalid",
                "mime_types are types such as image/png or image/*".into(),
            );
        }
    }
    if let Some(thumbs) = &o.thumbs {
        if thumbs.len() > 20 || !thumbs.iter().all(|t| thumb_size_ok(t)) {
            err(
                "options",
                "thumbs_invalid",
                "thumbs are at most 20 sizes such as 200x200, 0x300, 300x0, 200x200t, 200x200b or 200x200f, each side at most 2000".into(),
            );
        }
    }
}

/// The names a record's value of a file field holds.
pub fn names(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn file_fields(c: &Compiled) -> impl Iterator<Item = &Field> {
    c.fields.iter().filter(|f| f.kind == FieldKind::File)
}

/// Whether the collection has file fields.
pub fn has_files(c: &Compiled) -> bool {
    file_fields(c).next().is_some()
}

/// The keys of the files `previous` held that `record` no longer holds (all
/// of them when the record is gone): what to delete after the commit.
pub fn dropped(
    account: &AccountId,
    c: &Compiled,
    previous: &Map<String, Value>,
    record: Option<&Map<String, Value>>,
) -> Vec<Key> {
    let mut out = Vec::new();
    for field in file_fields(c) {
        let kept = record
            .map(|r| names(r.get(&field.name)))
            .unwrap_or_default();
        for name in names(previous.get(&field.name)) {
            if !kept.contains(&name) {
                if let Ok(segment) = Segment::parse(&name) {
                    out.push(Key::upload(account, &segment));
                }
            }
        }
    }
    out
}

/// In the write's transaction: claims the files `record` gained over
/// `previous` for it (each must be an upload of the caller's account, not
/// claimed by another record, within the field's limits) and forgets those
/// it lost.
pub async fn sync(
    tx: &mut Tx,
    account: &AccountId,
    c: &Compiled,
    previous: Option<&Map<String, Value>>,
    record: &Map<String, Value>,
) -> ApiResult<()> {
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    for field in file_fields(c) {
        let now = names(record.get(&field.name));
        let before = previous
            .map(|p| names(p.get(&field.name)))
            .unwrap_or_default();
        for name in now.iter().filter(|n| !before.contains(n)) {
            claim(tx, account, c, &id, field, name).await?;
        }
        for name in before.iter().filter(|n| !now.contains(n)) {
            release(tx, account, name).await?;
        }
    }
    Ok(())
}

/// Forgets the files of deleted records (their objects go after the commit).
pub async fn forget(
    tx: &mut Tx,
    account: &AccountId,
    c: &Compiled,
    previous: &Map<String, Value>,
) -> ApiResult<()> {
    for field in file_fields(c) {
        for name in names(previous.get(&field.name)) {
            release(tx, account, &name).await?;
        }
    }
    Ok(())
}

/// After a committed update or delete (a built-in after-hook): deletes the
/// objects of the files the record dropped, then their marked rows. A
/// failure leaves the mark, which the sweeper finishes (`files::sweep`). A
/// delete may have cascaded to other records' files: the sweeper is woken
/// to purge their marks.
pub async fn delete_dropped(state: &crate::app::AppState, event: &crate::hooks::HookEvent) {
    let (Some(name), Some(previous), Some(account)) = (
        event.collection.as_deref(),
        event.previous.as_ref(),
        event.caller_account.as_deref(),
    ) else {
        return;
    };
    let c = match state
        .catalog
        .cached()
        .and_then(|cat| cat.get(name).cloned())
    {
        Some(c) => c,
        None => {
            let loaded = async {
                let mut tx = state.db.begin_read().await?;
                crate::collections::compiled::get(&state.catalog, &mut tx, name).await
            };
            match loaded.await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(collection = name, error = %e, "dropped files not deleted");
                    state.file_sweeper.wake();
                    return;
                }
            }
        }
    };
    if event.event == crate::hooks::Event::RecordAfterDelete && !c.back_refs.is_empty() {
        state.file_sweeper.wake();
    }
    if !has_files(&c) {
        return;
    }
    let account = AccountId::from_stored(account);
    for key in dropped(&account, &c, previous, event.record.as_ref()) {
        let mut report = super::sweep::SweepReport::default();
        if let Err(e) = super::sweep::finish_dropped(state, &key, &mut report).await {
            tracing::warn!(key = %key, error = %e, "a dropped file was not deleted; the sweeper retries");
        }
    }
}

/// Deletes the thumbnails made of the file at `key` (`{account}/uploads/{name}`);
/// how many were deleted.
pub async fn delete_thumbs(state: &crate::app::AppState, key: &Key) -> u64 {
    let mut parts = key.as_str().split('/');
    let (Some(account), Some(_), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return 0;
    };
    let mut deleted = 0;
    match state
        .storage
        .list(&format!("{account}/thumbs/{name}"))
        .await
    {
        Ok(keys) => {
            for k in keys {
                if let Ok((k, _)) = Key::parse(&k) {
                    state.storage.delete_logged(&k).await;
                    deleted += 1;
                }
            }
        }
        Err(e) => tracing::warn!(key = %key, error = %e, "thumbnails not listed for deletion"),
    }
    deleted
}

fn unknown_file(field: &Field, name: &str) -> ApiError {
    ApiError::invalid(
        &field.name,
        "file_not_found",
        format!("No uploaded file {name} in this account"),
    )
}

#[derive(sqlx::FromRow)]
struct Claimed {
    size: i64,
    mime_type: String,
}

async fn claim(
    tx: &mut Tx,
    account: &AccountId,
    c: &Compiled,
    record_id: &str,
    field: &Field,
    name: &str,
) -> ApiResult<()> {
    let segment = Segment::parse(name).map_err(|_| unknown_file(field, name))?;
    let key = Key::upload(account, &segment);
    tx.before_write().await?;
    let claimed = on_tx!(&mut *tx, |conn| sqlx::query_as::<_, Claimed>(
        "UPDATE files SET collection = $1, record_id = $2, field = $3 \
         WHERE account_id = $4 AND key = $5 AND dropped_at IS NULL AND (collection IS NULL \
         OR (collection = $1 AND record_id = $2 AND field = $3)) \
         RETURNING size, mime_type"
    )
    .bind(&c.name)
    .bind(record_id)
    .bind(&field.name)
    .bind(account.as_str())
    .bind(key.as_str())
    .fetch_optional(conn)
    .await)?
    .ok_or_else(|| unknown_file(field, name))?;
    let options = field.options.clone().unwrap_or_default();
    if let Some(max) = options.max_size {
        if u64::try_from(claimed.size).unwrap_or(u64::MAX) > max {
            return Err(ApiError::invalid(
                &field.name,
                "file_too_large",
                format!("{name} is larger than {max} bytes"),
            ));
        }
    }
    if let Some(types) = &options.mime_types {
        if !types.is_empty()
            && !types
                .iter()
                .any(|t| super::upload::mime_matches(t, &claimed.mime_type))
        {
            return Err(ApiError::invalid(
                &field.name,
                "mime_type_not_allowed",
                format!("Files of type {} are not allowed here", claimed.mime_type),
            ));
        }
    }
    Ok(())
}

/// Marks the row of a file the write dropped; its object goes after the
/// commit (`delete_dropped`, or the sweeper after a crash).
async fn release(tx: &mut Tx, account: &AccountId, name: &str) -> ApiResult<()> {
    let Ok(segment) = Segment::parse(name) else {
        return Ok(());
    };
    let key = Key::upload(account, &segment);
    tx.before_write().await?;
    on_tx!(&mut *tx, |conn| sqlx::query(
        "UPDATE files SET dropped_at = $3 WHERE account_id = $1 AND key = $2 \
         AND dropped_at IS NULL"
    )
    .bind(account.as_str())
    .bind(key.as_str())
    .bind(crate::http::time::now())
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumb_sizes() {
        for ok in [
            "100x100", "0x300", "300x0", "200x200t", "200x200b", "200x200f",
        ] {
            assert!(thumb_size_ok(ok), "{ok}");
        }
        for bad in [
            "0x0", "x100", "100", "100x100q", "5000x10", "-1x10", "1e3x10",
        ] {
            assert!(!thumb_size_ok(bad), "{bad}");
        }
    }

    #[test]
    fn values_name_files_or_upload_paths() {
        assert_eq!(name_of("a_k3j9.png").unwrap(), "a_k3j9.png");
        assert_eq!(name_of("AA0001/uploads/a_k3j9.png").unwrap(), "a_k3j9.png");
        for bad in ["../x", "AA0001/other/x.png", "a/b/c/d", "..", "", "a\0b"] {
            assert!(name_of(bad).is_err(), "{bad:?}");
        }
    }
}
