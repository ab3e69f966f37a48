//! `GET /files/{collection}/{record_id}/{name}`: a record's file, served
//! exactly when the caller may read the record now (the read rule of `GET`
//! on the record) and the field holding the file is visible to them;
//! otherwise a 404, as if it did not exist. The caller may be the public
//! role of the account the request names, except for `protected` fields.

use axum::http::HeaderMap;
use axum::response::Response;

use super::download::{self, Served};
use super::key::{Key, Segment};
use super::meta;
use super::thumbs::{self, ThumbSize};
use crate::app::AppState;
use crate::auth::Principal;
use crate::collections::schema::FieldKind;
use crate::error::{ApiError, ApiResult};

pub async fn get_record_file(
    state: &AppState,
    user: &Principal,
    path: &str,
    download: bool,
    thumb: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("File not found");
    let (_, segments) = Key::parse(path).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let [collection, record_id, name] = segments.as_slice() else {
        return Err(not_found());
    };
    user.require_reach(collection.as_str())?;
    let Some((c, record)) =
        crate::records::readable(state, user, collection.as_str(), record_id.as_str()).await?
    else {
        return Err(not_found());
    };
    // Only a visible field that holds this very name.
    let field = c
        .fields
        .iter()
        .find(|f| {
            f.kind == FieldKind::File
                && super::record::names(record.get(&f.name)).contains(&name.as_str().to_string())
        })
        .ok_or_else(not_found)?;
    let protected = field.options.as_ref().and_then(|o| o.protected) == Some(true);
    if protected && user.is_public() {
        return Err(ApiError::Unauthorized(
            "This file needs a token (an access token or a file token)".into(),
        ));
    }
    let name = Segment::parse(name.as_str()).map_err(|_| not_found())?;
    let key = Key::upload(&user.account_id, &name);
    let row = meta::find(&state.db, &user.account_id, &key)
        .await?
        .ok_or_else(not_found)?;
    if let Some(raw) = thumb {
        let offered = raw == "100x100"
            || field
                .options
                .as_ref()
                .and_then(|o| o.thumbs.as_ref())
                .is_some_and(|t| t.iter().any(|s| s == raw));
        let size = ThumbSize::parse(raw).filter(|_| offered).ok_or_else(|| {
            ApiError::bad_request(format!(
                "The thumbnail size {raw:?} is not offered for this field"
            ))
        })?;
        if thumbs::supports(&row.mime_type) {
            let thumb_key = thumbs::key_of(&user.account_id, &name, &size).ok_or_else(not_found)?;
            let length = thumbs::ensure(
                &state.thumbnails,
                &state.storage,
                &key,
                &row.mime_type,
                &thumb_key,
                &size,
            )
            .await?;
            let etag = format!("{}-{}", row.sha256, size.as_str());
            return download::respond(
                &state.storage,
                &Served {
                    key: &thumb_key,
                    size: length,
                    mime_type: thumbs::output_mime(&row.mime_type),
                    sha256: &etag,
                    name: &row.original_name,
                    download,
                    cache: "private, no-cache",
                },
                headers,
            )
            .await;
        }
    }
    download::respond(
        &state.storage,
        &Served {
            key: &key,
            size: u64::try_from(row.size).unwrap_or_default(),
            mime_type: &row.mime_type,
            sha256: &row.sha256,
            name: &row.original_name,
            download,
            cache: "private, no-cache",
        },
        headers,
    )
    .await
}
