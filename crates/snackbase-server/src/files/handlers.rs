//! The SDK's file routes: `POST /files/upload`, `GET /files/{path}`,
//! `DELETE /files/{path}`, and `POST /files/token`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequestParts, Multipart, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::download::{self, Served};
use super::key::{self, Key, Segment};
use super::meta::{self, NewFile};
use super::upload::{self, Rules};
use crate::app::AppState;
use crate::auth::{AccountId, AuthUser, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::limits::BodyInfo;
use crate::http::{ApiPath, ApiQuery};

/// The caller of a download: a token (bearer or `?token=`; an access token
/// or a file token, checked as every bearer token is), the superadmin in the
/// account it names (`X-Account-ID` or `?account_id=`), or without a token
/// the public role of the account the request names (record files only).
pub struct FileCaller(pub Principal);

impl FromRequestParts<AppState> for FileCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let query = |name: &str| {
            parts.uri.query().and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            })
        };
        let token =
            query("token").or_else(|| crate::auth::extract::bearer(parts).map(str::to_string));
        let Some(token) = token else {
            // The record routes' rule: the public role of a named account.
            return Principal::from_request_parts(parts, state).await.map(Self);
        };
        let named = parts
            .headers
            .get("x-account-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| query("account_id"));
        let AuthUser(user) = crate::auth::extract::from_file_token(parts, state, &token).await?;
        match named {
            Some(a) if user.is_superadmin() && a != user.account_id => {
                let mut tx = state.db.begin_read().await?;
                let account =
                    crate::accounts::model::find_by_id(&mut tx, &a.trim().to_ascii_uppercase())
                        .await?
                        .ok_or_else(|| ApiError::not_found("File not found"))?;
                Ok(Self(user.acting_in(account.id, account.slug)))
            }
            _ => Ok(Self(user)),
        }
    }
}

/// What the SDK reads of an upload (`files.upload` returns `file`).
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedFile {
    /// The client's file name.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// The type sniffed from the content.
    pub mime_type: String,
    /// The file's path under `/files/`: `{account_id}/uploads/{stored name}`.
    pub path: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadResponse {
    pub success: bool,
    pub file: UploadedFile,
    pub message: String,
}

fn multipart_error(e: MultipartRejection) -> ApiError {
    match e {
        MultipartRejection::InvalidBoundary(_) => ApiError::UnsupportedMediaType(
            "Expected a multipart/form-data body with a boundary".into(),
        ),
        other => ApiError::bad_request(other.body_text()),
    }
}

/// Uploads one file (multipart part `file`) into the caller's account. The
/// size limit (`SNACKBASE_MAX_FILE_SIZE`) is enforced while the file
/// streams in; its type is sniffed from its content and must be in
/// `SNACKBASE_ALLOWED_MIME_TYPES`.
#[utoipa::path(post, path = "/files/upload", tag = "files", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "One part named `file`"),
    responses((status = 201, body = UploadResponse), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_file(
    State(state): State<AppState>,
    user: AuthUser,
    body: Option<Extension<BodyInfo>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadResponse>)> {
    let mut multipart = multipart.map_err(multipart_error)?;
    let body = body.map(|Extension(b)| b);
    let rules = Rules {
        max_size: state.config.max_file_size,
        mime_types: &state.config.allowed_mime_types,
        field: "file",
    };
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| upload::read_error(&e, body.as_ref()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let client_name = field.file_name().unwrap_or("file").to_string();
        let key = Key::upload(&user.account_id, &key::stored_name(&client_name));
        let stored = upload::store(
            &state.storage,
            &mut field,
            key,
            &client_name,
            &rules,
            body.as_ref(),
        )
        .await?;
        let original_name = key::display_name(&client_name);
        let recorded = meta::insert(
            &state.db,
            &user.account_id,
            &NewFile {
                key: &stored.key,
                original_name: &original_name,
                size: stored.size,
                mime_type: stored.mime_type,
                sha256: &stored.sha256,
                created_by: Some(user.id()),
                for_field: None,
            },
        )
        .await;
        if let Err(e) = recorded {
            state.storage.delete_logged(&stored.key).await;
            return Err(e);
        }
        return Ok((
            StatusCode::CREATED,
            Json(UploadResponse {
                success: true,
                file: UploadedFile {
                    filename: original_name,
                    size: stored.size,
                    mime_type: stored.mime_type.to_string(),
                    path: stored.key.to_string(),
                },
                message: "File uploaded successfully".into(),
            }),
        ));
    }
    Err(ApiError::invalid(
        "file",
        "required",
        "The multipart part `file` is missing",
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// An access token or a file token, instead of the `Authorization` header.
    #[expect(
        dead_code,
        reason = "read by FileCaller; declared here for the OpenAPI document"
    )]
    pub token: Option<String>,
    /// `1` or `true`: always `Content-Disposition: attachment`.
    pub download: Option<String>,
    /// Record files: a thumbnail (`100x100`, or a size of the field's
    /// `thumbs`: `WxH`, `WxHt`, `WxHb`, `WxHf`, `0xH`, `Wx0`). PNG, JPEG, GIF and WebP
    /// only; other files are served as they are.
    pub thumb: Option<String>,
}

/// The stored key of an upload path, for a caller who may see it: the
/// account is the path's first segment, and must be the caller's own (the
/// superadmin may name any). Anything else is a 404, as if it did not exist.
fn upload_key(user: &Principal, path: &str) -> ApiResult<(AccountId, Key)> {
    let (key, segments) = Key::parse(path).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let not_found = || ApiError::not_found("File not found");
    let [account, uploads, _name] = segments.as_slice() else {
        return Err(not_found());
    };
    if uploads.as_str() != "uploads" {
        return Err(not_found());
    }
    let account = acting_account(user, account).ok_or_else(not_found)?;
    Ok((account, key))
}

/// Whether a download path names an upload (`{account}/uploads/{name}`)
/// rather than a record's file (`{collection}/{record_id}/{name}`; record
/// ids are never `uploads`).
fn is_upload_path(path: &str) -> bool {
    path.split('/').nth(1) == Some("uploads")
}

/// The account a caller may act in for a path naming `account`.
fn acting_account(user: &Principal, account: &Segment) -> Option<AccountId> {
    if user.account_id == account.as_str() {
        Some(user.account_id.clone())
    } else if user.is_superadmin() {
        Some(
            Principal::clone(user)
                .acting_in(account.to_string(), String::new())
                .account_id,
        )
    } else {
        None
    }
}

/// Refuses paths whose raw form hides a separator (`%2F`, `%5C`): after
/// decoding they would split or join differently than they were sent.
fn check_raw_path(uri: &axum::http::Uri) -> ApiResult<()> {
    let raw = uri.path().to_ascii_lowercase();
    if raw.contains("%2f") || raw.contains("%5c") || raw.contains("%00") {
        return Err(ApiError::bad_request(
            "A file path may not contain encoded separators or NUL",
        ));
    }
    Ok(())
}

fn wants_download(flag: Option<&str>) -> bool {
    matches!(flag, Some("1" | "true" | "yes"))
}

/// Downloads a file: one uploaded with `POST /files/upload`
/// (`{account}/uploads/{name}`, the caller's own account, not yet held by a
/// record), or a record's (`{collection}/{record_id}/{name}`, exactly when
/// the caller may read that record and field now). Both with `Range` (206/416), `ETag`/`If-None-Match` (304), the sniffed
/// `Content-Type`, `nosniff`, and active content (HTML, SVG, XML, JS) as an
/// attachment.
#[utoipa::path(get, path = "/files/{path}", tag = "files", security(("bearer" = [])),
    params(("path" = String, Path, description = "The `path` an upload returned; several segments"), DownloadQuery),
    responses((status = 200, description = "The file's bytes"), (status = 206, description = "A byte range"),
        (status = 304, description = "Not modified"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
pub async fn get_file(
    State(state): State<AppState>,
    FileCaller(caller): FileCaller,
    uri: axum::http::Uri,
    ApiPath(path): ApiPath<String>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_raw_path(&uri)?;
    let download = wants_download(query.download.as_deref());
    if !is_upload_path(&path) {
        return super::serve_record::get_record_file(
            &state,
            &caller,
            &path,
            download,
            query.thumb.as_deref(),
            &headers,
        )
        .await;
    }
    if caller.is_public() {
        return Err(ApiError::Unauthorized(
            "Could not validate credentials".into(),
        ));
    }
    let (account, key) = upload_key(&caller, &path)?;
    let row = meta::find(&state.db, &account, &key)
        .await?
        .filter(|row| row.collection.is_none())
        .ok_or_else(|| ApiError::not_found("File not found"))?;
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
        &headers,
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeleteResponse {
    pub success: bool,
}

/// Deletes a file uploaded with `POST /files/upload`: its uploader, an
/// admin of its account, or the superadmin.
#[utoipa::path(delete, path = "/files/{path}", tag = "files", security(("bearer" = [])),
    params(("path" = String, Path, description = "The `path` an upload returned")),
    responses((status = 200, body = DeleteResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_file(
    State(state): State<AppState>,
    user: AuthUser,
    uri: axum::http::Uri,
    ApiPath(path): ApiPath<String>,
) -> ApiResult<Json<DeleteResponse>> {
    check_raw_path(&uri)?;
    let (account, key) = upload_key(&user, &path)?;
    let row = meta::find(&state.db, &account, &key)
        .await?
        .filter(|row| row.collection.is_none())
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let own = row.created_by.as_deref() == Some(user.id());
    if !(own || user.administers(&row.account_id)) {
        return Err(ApiError::forbidden(
            "Only the uploader or an admin of the account may delete this file",
        ));
    }
    if meta::remove(&state.db, &account, &key).await? {
        state.storage.delete_logged(&key).await;
        super::record::delete_thumbs(&state, &key).await;
    }
    Ok(Json(DeleteResponse { success: true }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileTokenResponse {
    /// Valid for `expires_in` seconds, for downloads only (`?token=`).
    pub token: String,
    pub expires_in: i64,
}

/// A short-lived file token for the caller's session: it opens downloads
/// (`?token=`), nothing else, and dies with the session.
#[utoipa::path(post, path = "/files/token", tag = "files", security(("bearer" = [])),
    responses((status = 200, body = FileTokenResponse), (status = 401, body = ErrorBody)))]
pub async fn file_token(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<FileTokenResponse>> {
    let seconds = state.config.file_token_seconds;
    let token = state.tokens.issue_file(
        &crate::auth::tokens::Subject {
            user_id: user.id(),
            account_id: &user.account_id,
            email: user.email.as_deref().unwrap_or_default(),
            role: &user.role,
            session_id: user.session(),
        },
        chrono::Duration::seconds(seconds),
    )?;
    Ok(Json(FileTokenResponse {
        token,
        expires_in: seconds,
    }))
}
