//! `GET /audit-logs/export`: the filtered entries as JSON, CSV or PDF,
//! streamed from the database (JSON and CSV are never held in memory whole).
//!
//! JSON and CSV exports are signed: the digest is the SHA-256 of the
//! entries' checksums, one per line, in export order; the signature (ed25519,
//! the trail's key) covers the count, the time and the digest. Each entry's
//! checksum can be recomputed from its fields and `previous_hash`, so
//! `snackbase audit verify-export FILE` proves offline that no entry was
//! changed, dropped or added (see `offline.rs`). The PDF is the
//! human-readable copy (at most [`PDF_MAX_ENTRIES`] entries), with the
//! digest and signature printed at its end.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use base64::Engine as _;
use futures_util::TryStreamExt as _;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::query::{self, AuditLog, Filters, Row, COLUMNS};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::statement::Statement;
use crate::db::values::BindParam as _;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiQuery;

/// The most entries a PDF export holds.
pub const PDF_MAX_ENTRIES: usize = 5_000;

/// The `format` of a JSON export.
pub const FORMAT: &str = "snackbase-audit-export/1";

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 23] = [
    "id",
    "chain",
    "sequence",
    "account_id",
    "operation",
    "table_name",
    "record_id",
    "column_name",
    "old_value",
    "new_value",
    "user_id",
    "user_email",
    "user_name",
    "es_username",
    "es_reason",
    "es_timestamp",
    "ip_address",
    "user_agent",
    "request_id",
    "occurred_at",
    "extra_metadata",
    "previous_hash",
    "checksum",
];

/// The CSV row of an entry, in [`CSV_HEADER`] order.
pub fn csv_row(r: &Row) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        r.id.to_string(),
        r.chain.clone(),
        r.sequence.to_string(),
        o(&r.account_id),
        r.operation.clone(),
        r.table_name.clone(),
        r.record_id.clone(),
        o(&r.column_name),
        o(&r.old_value),
        o(&r.new_value),
        o(&r.user_id),
        o(&r.user_email),
        o(&r.user_name),
        o(&r.es_username),
        o(&r.es_reason),
        o(&r.es_timestamp),
        o(&r.ip_address),
        o(&r.user_agent),
        o(&r.request_id),
        r.occurred_at.clone(),
        o(&r.extra_metadata),
        r.previous_hash.clone(),
        r.checksum.clone(),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Pdf { binary: bool },
}

fn format(filters: &Filters) -> ApiResult<Format> {
    let binary = match filters.encoding.as_deref().map(str::trim) {
        None | Some("") | Some("base64") => false,
        Some("binary") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "encoding",
                "invalid_encoding",
                "encoding must be base64 or binary",
            ))
        }
    };
    match filters
        .format
        .as_deref()
        .map(|f| f.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("pdf") => Ok(Format::Pdf { binary }),
        Some(_) => Err(ApiError::invalid(
            "format",
            "invalid_format",
            "format must be json, csv or pdf",
        )),
    }
}

/// Streams the rows of `statement` into `each` (stopping at its error).
async fn each_row(
    state: &AppState,
    statement: &Statement,
    mut each: impl FnMut(Row) -> Result<(), String>,
) -> Result<(), String> {
    let (sql, params) = statement.finish();
    crate::on_pool!(&state.db, |p| {
        let mut q = sqlx::query_as::<_, Row>(&sql);
        for param in &params {
            q = q.bind_param(param);
        }
        let mut rows = q.fetch(p);
        while let Some(row) = rows.try_next().await.map_err(|e| e.to_string())? {
            each(row)?;
        }
        Ok(())
    })
}

/// The digest of the checksums seen so far.
struct Signing {
    hash: Sha256,
    count: u64,
}

impl Signing {
    fn new() -> Self {
        Self {
            hash: Sha256::new(),
            count: 0,
        }
    }

    fn add(&mut self, checksum: &str) {
        self.hash.update(checksum.as_bytes());
        self.hash.update(b"\n");
        self.count += 1;
    }

    /// (count, digest, signature).
    fn finish(self, state: &AppState, generated_at: &str) -> (u64, String, String) {
        let digest = hex::encode(self.hash.finalize());
        let signature = state.audit.signer.sign(&super::chain::export_message(
            self.count,
            generated_at,
            &digest,
        ));
        (self.count, digest, signature)
    }
}

/// Exports the filtered entries (no paging) as JSON (default), CSV or PDF.
#[utoipa::path(get, path = "/audit-logs/export", tag = "audit", params(Filters), security(("bearer" = [])),
    responses((status = 200, description = "The export (JSON, CSV, or PDF as base64 text unless encoding=binary)"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiQuery(filters): ApiQuery<Filters>,
) -> ApiResult<Response> {
    let format = format(&filters)?;
    let scope = query::scope(&caller, &filters)?;
    super::settled(&state).await?;
    let mut statement = Statement::new(&format!(
        "SELECT {COLUMNS} FROM {}",
        query::entries(state.db.backend())
    ));
    statement.append(&scope).push(&query::order(&filters)?);
    let generated_at = super::append::now_text();
    let stamp = generated_at.replace([':', '.'], "-");
    if let Format::Pdf { binary } = format {
        let mut rows = Vec::new();
        each_row(&state, &statement, |r| {
            if rows.len() >= PDF_MAX_ENTRIES {
                return Err(format!("more than {PDF_MAX_ENTRIES} entries"));
            }
            rows.push(r);
            Ok(())
        })
        .await
        .map_err(|e| {
            if e.starts_with("more than") {
                ApiError::invalid(
                    "format",
                    "too_many_entries",
                    format!("A PDF export holds at most {PDF_MAX_ENTRIES} entries: narrow the filters or export CSV"),
                )
            } else {
                ApiError::internal(anyhow::anyhow!(e))
            }
        })?;
        let mut signing = Signing::new();
        rows.iter().for_each(|r| signing.add(&r.checksum));
        let (count, digest, signature) = signing.finish(&state, &generated_at);
        let pdf = super::pdf::render(
            &rows,
            &generated_at,
            count,
            &digest,
            &signature,
            &state.audit.signer.public_key_hex(),
        );
        let response = if binary {
            Response::builder()
                .header(header::CONTENT_TYPE, "application/pdf")
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"audit-{stamp}.pdf\""),
                )
                .body(Body::from(pdf))
        } else {
            Response::builder()
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(Body::from(
                    base64::engine::general_purpose::STANDARD.encode(pdf),
                ))
        };
        return response.map_err(ApiError::internal);
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let worker = state.clone();
    let public_key = state.audit.signer.public_key_hex();
    let at = generated_at.clone();
    tokio::spawn(async move {
        let mut signing = Signing::new();
        let mut buffered = match format {
            Format::Json => format!(
                "{{\"format\":\"{FORMAT}\",\"generated_at\":\"{at}\",\"public_key\":\"{public_key}\",\"entries\":["
            )
            .into_bytes(),
            _ => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let _ = w.write_record(CSV_HEADER);
                w.into_inner().unwrap_or_default()
            }
        };
        let (sql, params) = statement.finish();
        // Rows are encoded as they arrive and handed over in chunks of about
        // 64 KiB; a client that stops reading stops the walk.
        let walked: Result<bool, String> = crate::on_pool!(&worker.db, |p| async {
            let mut q = sqlx::query_as::<_, Row>(&sql);
            for param in &params {
                q = q.bind_param(param);
            }
            let mut rows = q.fetch(p);
            let mut first = true;
            loop {
                let Some(row) = rows.try_next().await.map_err(|e| e.to_string())? else {
                    break Ok(true);
                };
                signing.add(&row.checksum);
                if format == Format::Json {
                    if !first {
                        buffered.push(b',');
                    }
                    buffered.push(b'\n');
                    serde_json::to_writer(&mut buffered, &AuditLog::from(row))
                        .map_err(|e| e.to_string())?;
                } else {
                    let mut w = csv::Writer::from_writer(&mut buffered);
                    w.write_record(csv_row(&row)).map_err(|e| e.to_string())?;
                    w.flush().map_err(|e| e.to_string())?;
                }
                first = false;
                if buffered.len() >= 64 * 1024 {
                    let chunk = Bytes::from(std::mem::take(&mut buffered));
                    if tx.send(Ok(chunk)).await.is_err() {
                        break Ok(false);
                    }
                }
            }
        }
        .await);
        match walked {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(error = %e, "audit export failed");
                let _ = tx
                    .send(Err(std::io::Error::other("the export failed")))
                    .await;
                return;
            }
        }
        let (count, digest, signature) = signing.finish(&worker, &at);
        let tail = match format {
            Format::Json => format!(
                "\n],\"count\":{count},\"digest\":\"{digest}\",\"signature\":\"{signature}\"}}\n"
            ),
            _ => format!("#signature,{count},{at},{digest},{signature},{public_key}\n"),
        };
        buffered.extend_from_slice(tail.as_bytes());
        let _ = tx.send(Ok(Bytes::from(buffered))).await;
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let (content_type, extension) = match format {
        Format::Json => ("application/json", "json"),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"audit-{stamp}.{extension}\""
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
