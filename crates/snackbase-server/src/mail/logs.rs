//! The email log: one row per message the server sends or fails to send
//! (`email_logs`), listed at `/admin/email/logs` for the superadmin.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::listing::paging;
use crate::http::{ApiPath, ApiQuery};
use crate::{on_pool, on_tx};

/// What the log keeps of a message.
pub struct Entry<'a> {
    pub account_id: Option<&'a str>,
    pub template_type: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub variables: &'a [(&'a str, &'a str)],
    /// `Err` with the cause when sending failed.
    pub outcome: &'a Result<(), String>,
}

/// Variables whose values are never stored: tokens and the links that carry them.
fn secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "url", "link", "password", "secret", "code"]
        .iter()
        .any(|s| name.contains(s))
}

/// Writes a log row in its own transaction. A failure is logged, not returned:
/// the message has already gone (or failed) either way.
pub async fn record(db: &Db, entry: Entry<'_>) {
    let variables: Map<String, Value> = entry
        .variables
        .iter()
        .map(|(k, v)| {
            let v = if secret(k) { "[redacted]" } else { v };
            (k.to_string(), Value::String(v.to_string()))
        })
        .collect();
    let variables = Value::Object(variables).to_string();
    let (status, error) = match entry.outcome {
        Ok(()) => ("sent", None),
        Err(e) => ("failed", Some(e.as_str())),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    let written = async {
        let mut tx = db.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO email_logs (id, account_id, template_type, recipient_email, subject, status, \
             provider, error_message, variables, sent_at) VALUES ($1, $2, $3, $4, $5, $6, 'smtp', $7, $8, $9)"
        )
        .bind(&id)
        .bind(entry.account_id)
        .bind(entry.template_type)
        .bind(entry.recipient)
        .bind(entry.subject)
        .bind(status)
        .bind(error)
        .bind(&variables)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok::<_, ApiError>(())
    };
    if let Err(e) = written.await {
        tracing::error!(error = ?e, "the email log entry could not be written");
    }
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct EmailLog {
    pub id: String,
    pub account_id: Option<String>,
    /// The template's key (`invitation`).
    pub template_type: String,
    pub recipient_email: String,
    pub subject: String,
    /// `sent` or `failed`.
    pub status: String,
    /// Always `smtp`.
    pub provider: String,
    pub error_message: Option<String>,
    /// The template's variables; tokens and links read `[redacted]`.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub variables: Variables,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: DateTime<Utc>,
}

/// JSON stored as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Variables(pub Value);

impl TryFrom<String> for Variables {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(Self)
    }
}

const SELECT: &str =
    "SELECT id, account_id, template_type, recipient_email, subject, status, provider, \
                      error_message, variables, sent_at FROM email_logs";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailLogQuery {
    /// `sent` or `failed`.
    pub status_filter: Option<String>,
    pub template_type: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`: messages at or after it.
    pub start_date: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (that whole day included): messages up to it.
    pub end_date: Option<String>,
    pub page: Option<i64>,
    /// 1 to 100, default 25.
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailLogList {
    pub logs: Vec<EmailLog>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A date-time, or a date (its start; with `end`, the start of the next day).
fn bound(field: &str, raw: Option<&str>, end: bool) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| if end { d.succ_opt() } else { Some(d) })
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                "invalid_datetime",
                format!("{field} must be an RFC 3339 date-time or a YYYY-MM-DD date"),
            )
        })
}

/// The email log, newest first.
#[utoipa::path(get, path = "/admin/email/logs", tag = "email", params(EmailLogQuery), security(("bearer" = [])),
    responses((status = 200, body = EmailLogList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_email_logs(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<EmailLogQuery>,
) -> ApiResult<Json<EmailLogList>> {
    let (page, page_size, offset) = paging(q.page, q.page_size, 25)?;
    let status = match q.status_filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("sent" | "failed")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid(
                "status_filter",
                "invalid_status",
                "status_filter must be sent or failed",
            ))
        }
    };
    let template = q.template_type.filter(|t| !t.trim().is_empty());
    let start = bound("start_date", q.start_date.as_deref(), false)?;
    let end = bound("end_date", q.end_date.as_deref(), true)?;
    // An RFC 3339 end is inclusive; a date's end is the next day's start, exclusive.
    let end_inclusive = q
        .end_date
        .as_deref()
        .is_some_and(|s| DateTime::parse_from_rfc3339(s.trim()).is_ok());
    let end_op = if end_inclusive { "<=" } else { "<" };
    let filter = format!(
        "($1 IS NULL OR status = $1) AND ($2 IS NULL OR template_type = $2) \
         AND ($3 IS NULL OR sent_at >= $3) AND ($4 IS NULL OR sent_at {end_op} $4)"
    );
    let list_sql =
        format!("{SELECT} WHERE {filter} ORDER BY sent_at DESC, id DESC LIMIT $5 OFFSET $6");
    let count_sql = format!("SELECT COUNT(*) FROM email_logs WHERE {filter}");
    let (logs, total) = on_pool!(&state.db, |p| {
        let logs = sqlx::query_as::<_, EmailLog>(&list_sql)
            .bind(&status)
            .bind(&template)
            .bind(start)
            .bind(end)
            .bind(page_size)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&status)
            .bind(&template)
            .bind(start)
            .bind(end)
            .fetch_one(p)
            .await?;
        Ok::<_, sqlx::Error>((logs, total))
    })?;
    Ok(Json(EmailLogList {
        logs,
        total,
        page,
        page_size,
    }))
}

/// One email log entry.
#[utoipa::path(get, path = "/admin/email/logs/{log_id}", tag = "email", params(("log_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = EmailLog), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_email_log(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(log_id): ApiPath<String>,
) -> ApiResult<Json<EmailLog>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = on_pool!(&state.db, |p| {
        sqlx::query_as::<_, EmailLog>(&sql)
            .bind(&log_id)
            .fetch_optional(p)
            .await
    })?;
    row.map(Json)
        .ok_or_else(|| ApiError::not_found("Email log entry not found"))
}
