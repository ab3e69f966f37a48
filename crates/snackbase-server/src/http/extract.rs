//! Extractors that turn every rejection into an [`ApiError`].

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::limits::BodyInfo;
use crate::error::{ApiError, FieldError};

/// A JSON body. Missing or wrong content type: 415. Malformed JSON: 400.
/// Well-formed JSON of the wrong shape (missing or unknown fields, wrong types): 422
/// naming the field. Oversized bodies: 413.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "Expected a request body with Content-Type: application/json".into(),
            ));
        }
        let ApiBody(bytes) = ApiBody::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The raw request body, read whole. Too large: 413 naming the limit; not
/// arrived within the body deadline: 408; otherwise unreadable: 400.
pub struct ApiBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let info = req.extensions().get::<BodyInfo>().cloned();
        Bytes::from_request(req, state)
            .await
            .map(ApiBody)
            .map_err(|e| {
                let too_large = matches!(&e, BytesRejection::FailedToBufferBody(inner)
                    if inner.status().as_u16() == 413);
                BodyInfo::error(info.as_ref(), too_large, &e.body_text())
            })
    }
}

/// Parses JSON, distinguishing syntax errors (400) from shape errors (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    if parsed.is_ok() {
        if let Err(trailing) = de.end() {
            return Err(ApiError::bad_request(format!("Malformed JSON: {trailing}")));
        }
    }
    match parsed {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    Err(ApiError::bad_request(format!("Malformed JSON: {inner}")))
                }
                serde_json::error::Category::Io => {
                    Err(ApiError::bad_request("Could not read the request body"))
                }
                serde_json::error::Category::Data => {
                    let message = clean_serde_message(&inner.to_string());
                    let (field, code) = field_and_code(&path, &message);
                    Err(ApiError::Validation {
                        message: if field == "body" {
                            message.clone()
                        } else {
                            format!("{field}: {message}")
                        },
                        details: vec![FieldError::new(field, code, message)],
                    })
                }
            }
        }
    }
}

fn clean_serde_message(message: &str) -> String {
    // serde_json appends " at line L column C"; that position is of no use to clients.
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn field_and_code(path: &str, message: &str) -> (String, &'static str) {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next());
    let join = |leaf: &str| {
        if path.is_empty() || path == "." {
            leaf.to_string()
        } else {
            format!("{path}.{leaf}")
        }
    };
    match (missing, unknown) {
        (Some(f), _) => (join(f), "required"),
        // The path of an unknown field already ends with it.
        (_, Some(f)) if path.ends_with(f) => (path.to_string(), "unknown_field"),
        (_, Some(f)) => (join(f), "unknown_field"),
        _ if path.is_empty() || path == "." => ("body".to_string(), "invalid_type"),
        _ => (path.to_string(), "invalid_type"),
    }
}

/// A query string; a malformed one is a 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                let message = err.into_inner().to_string();
                let field = if path.is_empty() || path == "." {
                    "query".to_string()
                } else {
                    path
                };
                ApiError::Validation {
                    message: format!("Invalid query parameter {field}: {message}"),
                    details: vec![FieldError::new(field, "invalid_query", message)],
                }
            })
    }
}

/// Path parameters; a value of the wrong type is a 404 (the resource cannot exist).
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| {
                ApiError::not_found(format!("Not found: {}", e.body_text()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<i64>,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_are_422() {
        let e = parse_json::<Body>(b"{\"name\":").unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        let e = parse_json::<Body>(b"{}").unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
        match e {
            ApiError::Validation { details, .. } => assert_eq!(details[0].field, "name"),
            other => panic!("{other:?}"),
        }
        let e = parse_json::<Body>(br#"{"name":"a","count":"x"}"#).unwrap_err();
        match e {
            ApiError::Validation { details, .. } => assert_eq!(details[0].field, "count"),
            other => panic!("{other:?}"),
        }
        let e = parse_json::<Body>(br#"{"name":"a","evil":1}"#).unwrap_err();
        match e {
            ApiError::Validation { details, .. } => {
                assert_eq!(details[0].field, "evil");
                assert_eq!(details[0].code, "unknown_field");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_json::<Body>(br#"{"name":"a"} trailing"#).is_err());
    }
}
