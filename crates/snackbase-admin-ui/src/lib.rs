//! The admin UI's built assets (`ui/dist`, committed), embedded in the binary
//! and served at `/admin` with a single-page-app fallback. `/` redirects there.
//! With `SNACKBASE_UI_DIR` set, assets are read from that folder instead (for UI work).

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../ui/dist"]
struct Assets;

/// Where assets come from.
#[derive(Clone, Debug, Default)]
pub enum Source {
    /// The build embedded at compile time.
    #[default]
    Embedded,
    /// A directory on disk (e.g. `ui/dist` while developing the UI).
    Disk(PathBuf),
}

pub fn router(source: Source) -> Router {
    let index_source = source.clone();
    Router::new()
        // The server trims trailing slashes, so `/admin/` arrives as `/admin`.
        .route("/", get(|| async { Redirect::temporary("/admin") }))
        .route(
            "/admin",
            get(move || serve(index_source.clone(), String::new())),
        )
        .route(
            "/admin/{*path}",
            get(move |Path(path): Path<String>| serve(source.clone(), path)),
        )
}

fn load(source: &Source, path: &str) -> Option<Vec<u8>> {
    match source {
        Source::Embedded => Assets::get(path).map(|f| f.data.into_owned()),
        Source::Disk(dir) => {
            if path
                .split('/')
                .any(|seg| seg == ".." || seg.starts_with('.'))
            {
                return None;
            }
            std::fs::read(dir.join(path)).ok()
        }
    }
}

async fn serve(source: Source, path: String) -> Response {
    let path = path.trim_start_matches('/');
    if !path.is_empty() {
        if let Some(bytes) = load(&source, path) {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            // Vite puts content-hashed files under assets/: safe to cache forever.
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            return asset(mime.as_ref(), cache, bytes);
        }
        // A missing file with an extension is a 404; anything else is a client route.
        if path
            .rsplit('/')
            .next()
            .is_some_and(|leaf| leaf.contains('.'))
        {
            return (StatusCode::NOT_FOUND, "Not found").into_response();
        }
    }
    match load(&source, "index.html") {
        Some(bytes) => asset("text/html; charset=utf-8", "no-cache", bytes),
        None => (StatusCode::NOT_FOUND, "The admin UI is not built").into_response(),
    }
}

fn asset(mime: &str, cache: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    if let Ok(value) = HeaderValue::from_str(mime) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
