//! Files: uploads, downloads and their storage.
//!
//! Objects live in a [`storage::Storage`] (local disk or an S3-compatible
//! bucket, one `object_store` interface) under keys built only from
//! validated segments ([`key`]); each has a row in the `files` table
//! ([`meta`]), always read and written with the caller's account. Uploads
//! stream with their size limit enforced while reading and their type
//! sniffed from the content ([`upload`], [`sniff`]); downloads stream with
//! ranges, ETags and safe headers ([`download`]). Files nobody holds any
//! more are removed, also after a crash ([`sweep`]); the superadmin sees the
//! storage and its usage at `/admin/storage`. See docs/files.md.

mod admin;
pub mod download;
pub mod form;
mod handlers;
pub mod key;
pub mod meta;
pub mod record;
mod serve_record;
pub mod sniff;
pub mod storage;
pub mod sweep;
pub mod thumbs;
pub mod upload;

use utoipa::openapi::{Components, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use record::thumb_size_ok;
pub use storage::Storage;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    // The download path has several segments: axum routes it as a
    // wildcard, the OpenAPI document names it `{path}`.
    let (schemas, paths, method_router) = routes!(handlers::get_file, handlers::delete_file);
    let mut doc = OpenApi::default();
    doc.paths = paths;
    let mut components = Components::default();
    components.schemas.extend(schemas);
    doc.components = Some(components);
    OpenApiRouter::new()
        .routes(routes!(handlers::upload_file))
        .routes(routes!(handlers::file_token))
        .routes(routes!(admin::storage_info))
        .routes(routes!(admin::sweep_now))
        .merge(OpenApiRouter::with_openapi(doc).route("/files/{*path}", method_router))
        // The upload's size is checked while it streams (files::upload).
        .layer(axum::extract::DefaultBodyLimit::disable())
}
