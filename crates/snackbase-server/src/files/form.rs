//! Record writes as `multipart/form-data`: the form becomes the JSON body
//! the write pipeline takes. Files are parts named after their field; they
//! are uploaded first (streamed, limits enforced while reading, exactly as
//! `POST /files/upload`) and named in the body, so the pipeline claims them
//! in the record's transaction. `field+` appends to a multiple field,
//! `field-` (a text part holding a stored name) removes a file. Other parts
//! are field values: text converted by the field's type, or one JSON object
//! in a part named `@jsonPayload` or `data`. If the write fails, the
//! caller [`discard`]s the uploads.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use tower::{Layer as _, ServiceExt as _};

use super::key::{self, Key};
use super::meta::{self, NewFile};
use super::upload::{self, Rules};
use crate::app::AppState;
use crate::auth::{AccountId, Principal};
use crate::collections::compiled::Compiled;
use crate::collections::schema::FieldKind;
use crate::error::{ApiError, ApiResult};
use crate::http::limits::BodyInfo;
use crate::http::ApiJson;

/// A record write's body: JSON, or a multipart form.
pub enum RecordInput {
    Json(Value),
    Form(Multipart, Option<BodyInfo>),
}

impl FromRequest<AppState> for RecordInput {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<Self> {
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if !multipart {
            let ApiJson(v) = ApiJson::<Value>::from_request(req, state).await?;
            return Ok(Self::Json(v));
        }
        let info = req.extensions().get::<BodyInfo>().cloned();
        // Files are limited while they stream (and text parts below), not
        // by the JSON body limit.
        let unlimited = axum::extract::DefaultBodyLimit::disable()
            .layer(tower::service_fn(|r: Request| async move {
                Ok::<_, std::convert::Infallible>(r)
            }))
            .oneshot(req)
            .await;
        let Ok(unlimited) = unlimited;
        let form = Multipart::from_request(unlimited, state)
            .await
            .map_err(|e: MultipartRejection| ApiError::bad_request(e.body_text()))?;
        Ok(Self::Form(form, info))
    }
}

/// A file this request uploaded.
pub struct Uploaded {
    key: Key,
}

/// Forgets and deletes what a failed write uploaded.
pub async fn discard(state: &AppState, account: &AccountId, uploaded: &[Uploaded]) {
    for file in uploaded {
        if let Err(e) = meta::remove(&state.db, account, &file.key).await {
            tracing::warn!(key = %file.key, error = %e, "an upload of a failed write was not forgotten");
        }
        state.storage.delete_logged(&file.key).await;
    }
}

/// Reads a multipart record write into the JSON body for `c` (`field+` and
/// `field-` stay modifiers, which the write applies to the row it changes:
/// `files::record::apply_modifiers`). Returns the body and what was uploaded (which the caller discards if the write fails;
/// a failure here discards it already).
pub async fn read(
    state: &AppState,
    caller: &Principal,
    c: &Compiled,
    mut form: Multipart,
    info: Option<&BodyInfo>,
) -> ApiResult<(Map<String, Value>, Vec<Uploaded>)> {
    let mut uploaded = Vec::new();
    let result = read_parts(state, caller, c, &mut form, info, &mut uploaded).await;
    match result {
        Ok(body) => Ok((body, uploaded)),
        Err(e) => {
            discard(state, &caller.account_id, &uploaded).await;
            Err(e)
        }
    }
}

/// What a form does to one file field: sets its files, appends, removes.
#[derive(Default)]
struct FileEdit {
    field: String,
    set: Option<Vec<Value>>,
    add: Vec<Value>,
    remove: Vec<Value>,
}

fn edit_of<'a>(edits: &'a mut Vec<FileEdit>, field: &str) -> &'a mut FileEdit {
    match edits.iter().position(|e| e.field == field) {
        Some(at) => &mut edits[at],
        None => {
            edits.push(FileEdit {
                field: field.to_string(),
                ..FileEdit::default()
            });
            edits.last_mut().expect("just pushed")
        }
    }
}

async fn read_parts(
    state: &AppState,
    caller: &Principal,
    c: &Compiled,
    form: &mut Multipart,
    info: Option<&BodyInfo>,
    uploaded: &mut Vec<Uploaded>,
) -> ApiResult<Map<String, Value>> {
    let mut body = Map::new();
    let mut text_budget = state.config.max_body_size;
    let mut files: Vec<FileEdit> = Vec::new();
    while let Some(mut part) = form
        .next_field()
        .await
        .map_err(|e| upload::read_error(&e, info))?
    {
        let raw = part.name().unwrap_or_default().to_string();
        let (name, op) = match raw.strip_suffix('+') {
            Some(n) => (n.to_string(), '+'),
            None => match raw.strip_suffix('-') {
                Some(n) => (n.to_string(), '-'),
                None => (raw.clone(), '='),
            },
        };
        let field = c.fields.iter().find(|f| f.name == name);
        let is_file = field.is_some_and(|f| f.kind == FieldKind::File);
        if is_file && part.file_name().is_some() && op != '-' {
            let Some(field) = field else { continue };
            let options = field.options.clone().unwrap_or_default();
            let max = options.max_size.map_or(state.config.max_file_size, |m| {
                m.min(state.config.max_file_size)
            });
            let types = options
                .mime_types
                .clone()
                .unwrap_or_else(|| state.config.allowed_mime_types.clone());
            let client_name = part.file_name().unwrap_or("file").to_string();
            let key = Key::upload(&caller.account_id, &key::stored_name(&client_name));
            let rules = Rules {
                max_size: max,
                mime_types: &types,
                field: &field.name,
            };
            let stored =
                upload::store(&state.storage, &mut part, key, &client_name, &rules, info).await?;
            let recorded = meta::insert(
                &state.db,
                &caller.account_id,
                &NewFile {
                    key: &stored.key,
                    original_name: &key::display_name(&client_name),
                    size: stored.size,
                    mime_type: stored.mime_type,
                    sha256: &stored.sha256,
                    created_by: caller.user_id.as_deref(),
                    for_field: Some(&field.name),
                },
            )
            .await;
            if let Err(e) = recorded {
                state.storage.delete_logged(&stored.key).await;
                return Err(e);
            }
            let stored_name = stored
                .key
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            uploaded.push(Uploaded { key: stored.key });
            let edit = edit_of(&mut files, &field.name);
            let stored_name = Value::String(stored_name);
            match (&mut edit.set, op) {
                (None, '+') => edit.add.push(stored_name),
                (set, _) => set.get_or_insert_with(Vec::new).push(stored_name),
            }
            continue;
        }
        // A text part: read within what is left of the body limit.
        let mut text = Vec::new();
        while let Some(chunk) = part
            .chunk()
            .await
            .map_err(|e| upload::read_error(&e, info))?
        {
            if chunk.len() > text_budget {
                return Err(ApiError::PayloadTooLarge(state.config.max_body_size));
            }
            text_budget -= chunk.len();
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text)
            .map_err(|_| ApiError::bad_request(format!("The part {raw} is not UTF-8 text")))?;
        if raw == "@jsonPayload" || raw == "data" {
            match crate::http::extract::parse_json::<Value>(text.as_bytes())? {
                Value::Object(map) => body.extend(map),
                _ => {
                    return Err(ApiError::invalid(
                        &raw,
                        "invalid_body",
                        "The JSON part must hold an object",
                    ))
                }
            }
            continue;
        }
        if is_file && op == '-' {
            let edit = edit_of(&mut files, &name);
            if let Some(set) = &mut edit.set {
                set.retain(|v| v.as_str() != Some(text.as_str()));
            }
            edit.remove.push(Value::String(text));
            continue;
        }
        let value = match field.map(|f| f.kind) {
            Some(FieldKind::Number) => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::String(text.clone()), Value::Number),
            Some(FieldKind::Boolean) => match text.trim() {
                "true" | "1" | "on" => Value::Bool(true),
                "false" | "0" | "off" => Value::Bool(false),
                _ => Value::String(text.clone()),
            },
            Some(FieldKind::Json) => {
                serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))
            }
            Some(_) if field.is_some_and(|f| f.is_multiple_select() || f.is_multiple_file()) => {
                // Repeated parts build the list.
                let mut list = match body.remove(&name) {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                list.push(Value::String(text.clone()));
                Value::Array(list)
            }
            _ if text.is_empty() && field.is_some_and(|f| f.kind != FieldKind::Text) => Value::Null,
            _ => Value::String(text.clone()),
        };
        body.insert(name, value);
    }
    for edit in files {
        let multiple = c
            .fields
            .iter()
            .any(|f| f.name == edit.field && f.is_multiple_file());
        if let Some(list) = edit.set {
            let value = if multiple {
                Value::Array(list)
            } else {
                list.last().cloned().unwrap_or(Value::Null)
            };
            body.insert(edit.field.clone(), value);
        }
        if !edit.add.is_empty() {
            body.insert(format!("{}+", edit.field), Value::Array(edit.add));
        }
        if !edit.remove.is_empty() {
            body.insert(format!("{}-", edit.field), Value::Array(edit.remove));
        }
    }
    Ok(body)
}
