//! Audit entries as rows, and the filters of the list and the export.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::chain::Content;
use crate::auth::Principal;
use crate::db::statement::Statement;
use crate::db::values::Param;
use crate::error::{ApiError, ApiResult};

/// The columns of an entry, in the order [`Row`] reads them, of a stored
/// row of `audit_log` or of a row of [`entries`].
pub const COLUMNS: &str = "id, chain, sequence, account_id, operation, table_name, record_id, \
    column_name, old_value, new_value, user_id, user_email, user_name, es_username, es_reason, \
    es_timestamp, ip_address, user_agent, request_id, occurred_at, extra_metadata, previous_hash, \
    checksum, columns";

/// The API's id of the first column of a stored entry of several columns
/// (`columns` set) is `SEVERAL + row id × COLUMNS_PER_ENTRY`, the next ones
/// follow; an entry of one column (or none) keeps its row id. Stored ids stay
/// far below 2^40, and the largest API id below 2^53 (a JavaScript number).
pub const SEVERAL: i64 = 1 << 40;
const PER_ENTRY: i64 = super::chain::COLUMNS_PER_ENTRY as i64;

/// The stored row and the column within it (1-based; 0: an entry of one
/// column) of an API id.
pub fn locate(id: i64) -> (i64, i64) {
    if id >= SEVERAL {
        ((id - SEVERAL) / PER_ENTRY, (id - SEVERAL) % PER_ENTRY + 1)
    } else {
        (id, 0)
    }
}

/// The entries as the API lists them, as a table to select [`COLUMNS`] from
/// (and `row_id`, `ord`: the stored row and the column, see [`locate`]): a
/// stored entry of several columns is one entry per column, with the stored
/// entry's checksum and previous hash.
pub fn entries(backend: crate::db::Backend) -> &'static str {
    match backend {
        crate::db::Backend::Sqlite => SQLITE_ENTRIES,
        crate::db::Backend::Postgres => POSTGRES_ENTRIES,
    }
}

/// [`entries`]: `id`, `column_name`, `old_value` and `new_value` of a column
/// `c`, the columns shared by all its rows.
macro_rules! entries_sql {
    ($join:literal, $id:literal, $ord:literal, $name:literal, $old:literal, $new:literal) => {
        concat!(
            "(SELECT CASE WHEN l.columns IS NULL THEN l.id ELSE ",
            $id,
            " END AS id, \
             l.chain, l.sequence, l.account_id, l.operation, l.table_name, l.record_id, \
             CASE WHEN l.columns IS NULL THEN l.column_name ELSE ",
            $name,
            " END AS column_name, \
             CASE WHEN l.columns IS NULL THEN l.old_value ELSE ",
            $old,
            " END AS old_value, \
             CASE WHEN l.columns IS NULL THEN l.new_value ELSE ",
            $new,
            " END AS new_value, \
             l.user_id, l.user_email, l.user_name, l.es_username, l.es_reason, l.es_timestamp, \
             l.ip_address, l.user_agent, l.request_id, l.occurred_at, l.extra_metadata, \
             l.previous_hash, l.checksum, CAST(NULL AS TEXT) AS columns, l.id AS row_id, \
             ",
            $ord,
            " AS ord FROM audit_log l ",
            $join,
            ") AS entries"
        )
    };
}

const SQLITE_ENTRIES: &str = entries_sql!(
    "LEFT JOIN json_each(l.columns) AS c",
    "1099511627776 + l.id * 1024 + c.key",
    "COALESCE(c.key + 1, 0)",
    "json_extract(c.value, '$[0]')",
    "json_extract(c.value, '$[1]')",
    "json_extract(c.value, '$[2]')"
);

const POSTGRES_ENTRIES: &str = entries_sql!(
    "LEFT JOIN LATERAL json_array_elements(CAST(l.columns AS json)) WITH ORDINALITY AS c(v, n) ON TRUE",
    "1099511627776 + l.id * 1024 + c.n - 1",
    "COALESCE(c.n, 0)",
    "c.v ->> 0",
    "c.v ->> 1",
    "c.v ->> 2"
);

/// How many entries the API counts in the stored rows it selects from.
pub fn counted(backend: crate::db::Backend) -> &'static str {
    match backend {
        crate::db::Backend::Sqlite => {
            "SELECT COALESCE(SUM(CASE WHEN columns IS NULL THEN 1 ELSE json_array_length(columns) END), 0) FROM audit_log"
        }
        crate::db::Backend::Postgres => {
            "SELECT COALESCE(SUM(CASE WHEN columns IS NULL THEN 1 ELSE json_array_length(CAST(columns AS json)) END), 0) FROM audit_log"
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub chain: String,
    pub sequence: i64,
    pub account_id: Option<String>,
    pub operation: String,
    pub table_name: String,
    pub record_id: String,
    pub column_name: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    pub es_username: Option<String>,
    pub es_reason: Option<String>,
    pub es_timestamp: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub occurred_at: String,
    pub extra_metadata: Option<String>,
    pub previous_hash: String,
    pub checksum: String,
    /// A stored entry of several columns: their JSON text (see
    /// [`Content::columns`]); never set in what the API lists.
    pub columns: Option<String>,
}

impl Row {
    /// The hashed content, the previous hash and the checksum, taken apart
    /// without copies (verification).
    pub fn into_parts(self) -> (Content, String, String) {
        let content = Content {
            chain: self.chain,
            sequence: self.sequence,
            account_id: self.account_id,
            operation: self.operation,
            table_name: self.table_name,
            record_id: self.record_id,
            column_name: self.column_name,
            old_value: self.old_value,
            new_value: self.new_value,
            user_id: self.user_id,
            user_email: self.user_email,
            user_name: self.user_name,
            es_username: self.es_username,
            es_reason: self.es_reason,
            es_timestamp: self.es_timestamp,
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            request_id: self.request_id,
            occurred_at: self.occurred_at,
            extra_metadata: self.extra_metadata,
            columns: self.columns,
        };
        (content, self.previous_hash, self.checksum)
    }

    /// The hashed content of the entry.
    pub fn content(&self) -> Content {
        Content {
            chain: self.chain.clone(),
            sequence: self.sequence,
            account_id: self.account_id.clone(),
            operation: self.operation.clone(),
            table_name: self.table_name.clone(),
            record_id: self.record_id.clone(),
            column_name: self.column_name.clone(),
            old_value: self.old_value.clone(),
            new_value: self.new_value.clone(),
            user_id: self.user_id.clone(),
            user_email: self.user_email.clone(),
            user_name: self.user_name.clone(),
            es_username: self.es_username.clone(),
            es_reason: self.es_reason.clone(),
            es_timestamp: self.es_timestamp.clone(),
            ip_address: self.ip_address.clone(),
            user_agent: self.user_agent.clone(),
            request_id: self.request_id.clone(),
            occurred_at: self.occurred_at.clone(),
            extra_metadata: self.extra_metadata.clone(),
            columns: self.columns.clone(),
        }
    }
}

/// An entry as the API shows it (the SDK's `AuditLog`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub id: i64,
    /// `null`: a system event (no account).
    pub account_id: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, or an auth event (`LOGIN`, ...).
    pub operation: String,
    pub table_name: String,
    pub record_id: String,
    pub column_name: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    pub es_username: Option<String>,
    pub es_reason: Option<String>,
    pub es_timestamp: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub occurred_at: String,
    pub checksum: String,
    pub previous_hash: String,
    #[schema(value_type = Object)]
    pub extra_metadata: Option<Value>,
    /// The chain the entry belongs to (`account:<id>` or `system`).
    pub chain: String,
    /// Its position in that chain.
    pub sequence: i64,
}

impl From<Row> for AuditLog {
    fn from(r: Row) -> Self {
        Self {
            extra_metadata: r
                .extra_metadata
                .as_deref()
                .map(|t| serde_json::from_str(t).unwrap_or(Value::String(t.to_string()))),
            id: r.id,
            account_id: r.account_id,
            operation: r.operation,
            table_name: r.table_name,
            record_id: r.record_id,
            column_name: r.column_name,
            old_value: r.old_value,
            new_value: r.new_value,
            user_id: r.user_id,
            user_email: r.user_email,
            user_name: r.user_name,
            es_username: r.es_username,
            es_reason: r.es_reason,
            es_timestamp: r.es_timestamp,
            ip_address: r.ip_address,
            user_agent: r.user_agent,
            request_id: r.request_id,
            occurred_at: r.occurred_at,
            checksum: r.checksum,
            previous_hash: r.previous_hash,
            chain: r.chain,
            sequence: r.sequence,
        }
    }
}

/// The filters of the list and the export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// The superadmin only; `system` for system events. Others see their own account.
    pub account_id: Option<String>,
    /// A collection or system table (`users`, `roles`, ...), any case.
    pub table_name: Option<String>,
    pub record_id: Option<String>,
    pub user_id: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `LOGIN`, ... (any case).
    pub operation: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`: entries at or after it.
    pub from_date: Option<String>,
    /// RFC 3339 (entries before it) or `YYYY-MM-DD` (entries on or before that day).
    pub to_date: Option<String>,
    pub skip: Option<i64>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// `id` (default: the order entries were written in), `occurred_at`,
    /// `table_name`, `operation` or `user_email`.
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    pub sort_order: Option<String>,
    /// Export only: `json` (default), `csv` or `pdf`.
    pub format: Option<String>,
    /// Export of a PDF only: `base64` (default, what the SDK reads) or `binary`.
    pub encoding: Option<String>,
}

/// Formats a time as entries keep it.
fn stored(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn date_bound(field: &str, raw: &str, end_of_day: bool) -> ApiResult<String> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end_of_day {
            day + Duration::days(1)
        } else {
            day
        };
        let t = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        return t.map(stored).ok_or_else(|| bad_date(field));
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| stored(t.with_timezone(&chrono::Utc)))
        .map_err(|_| bad_date(field))
}

fn bad_date(field: &str) -> ApiError {
    ApiError::invalid(
        field,
        "invalid_datetime",
        format!("{field} must be an RFC 3339 date-time or a YYYY-MM-DD date"),
    )
}

fn bounded(field: &str, raw: &Option<String>, max: usize) -> ApiResult<Option<String>> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(v) if v.chars().count() > max => Err(ApiError::invalid(
            field,
            "too_long",
            format!("{field} is at most {max} characters"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// The `WHERE` clause of `filters` as `caller` may see: the superadmin every
/// account (or the one named), an account admin only their own; anyone else
/// is refused.
pub fn scope(caller: &Principal, filters: &Filters) -> ApiResult<Statement> {
    let mut w = Statement::new(" WHERE 1 = 1");
    let named = bounded("account_id", &filters.account_id, 64)?;
    if caller.is_superadmin() {
        match named.as_deref() {
            None => {}
            Some(a) if a.eq_ignore_ascii_case("system") => {
                w.push(" AND chain = ")
                    .bind(Param::Text(super::chain::SYSTEM_CHAIN.into()));
            }
            Some(a) => {
                w.push(" AND chain = ")
                    .bind(Param::Text(super::chain::chain_of(Some(
                        &a.to_ascii_uppercase(),
                    ))));
            }
        }
    } else if caller.administers(&caller.account_id) && !caller.is_api_key() {
        if named
            .as_deref()
            .is_some_and(|a| !a.eq_ignore_ascii_case(&caller.account_id))
        {
            return Err(ApiError::forbidden(
                "An account admin sees only their own account's audit trail",
            ));
        }
        // An account's entries are its chain (and the chain's index serves).
        w.push(" AND chain = ")
            .bind(Param::Text(super::chain::chain_of(Some(
                &caller.account_id,
            ))));
    } else {
        return Err(ApiError::forbidden(
            "Only the superadmin and account admins may read the audit trail",
        ));
    }
    if let Some(t) = bounded("table_name", &filters.table_name, 128)? {
        w.push(" AND LOWER(table_name) = ")
            .bind(Param::Text(t.to_ascii_lowercase()));
    }
    if let Some(r) = bounded("record_id", &filters.record_id, 128)? {
        w.push(" AND record_id = ").bind(Param::Text(r));
    }
    if let Some(u) = bounded("user_id", &filters.user_id, 128)? {
        w.push(" AND user_id = ").bind(Param::Text(u));
    }
    if let Some(op) = bounded("operation", &filters.operation, 32)? {
        w.push(" AND operation = ")
            .bind(Param::Text(op.to_ascii_uppercase()));
    }
    if let Some(from) = bounded("from_date", &filters.from_date, 64)? {
        w.push(" AND occurred_at >= ")
            .bind(Param::Text(date_bound("from_date", &from, false)?));
    }
    if let Some(to) = bounded("to_date", &filters.to_date, 64)? {
        w.push(" AND occurred_at < ")
            .bind(Param::Text(date_bound("to_date", &to, true)?));
    }
    Ok(w)
}

/// `ORDER BY` of the filters (always ending with the id, so pages are
/// stable). The default is the id, newest first: the order entries were
/// written in (the account index serves it).
pub fn order(filters: &Filters) -> ApiResult<String> {
    let column = match filters.sort_by.as_deref().map(str::trim).unwrap_or("id") {
        c @ ("occurred_at" | "id" | "table_name" | "operation" | "user_email") => c,
        "" => "id",
        _ => {
            return Err(ApiError::invalid(
                "sort_by",
                "invalid_sort",
                "sort_by must be one of occurred_at, id, table_name, operation, user_email",
            ))
        }
    };
    let dir = match filters
        .sort_order
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") | Some("desc") => "DESC",
        Some("asc") => "ASC",
        Some(_) => {
            return Err(ApiError::invalid(
                "sort_order",
                "invalid_sort",
                "sort_order must be asc or desc",
            ))
        }
    };
    // Over [`entries`]: the stored row, then the column within it (the
    // order of the API's ids).
    Ok(match column {
        "id" => format!(" ORDER BY row_id {dir}, ord {dir}"),
        column => format!(" ORDER BY {column} {dir}, row_id {dir}, ord {dir}"),
    })
}

/// `skip` and `limit`, checked.
pub fn window(filters: &Filters) -> ApiResult<(i64, i64)> {
    let skip = filters.skip.unwrap_or(0);
    let limit = filters.limit.unwrap_or(50);
    if skip < 0 {
        return Err(ApiError::invalid(
            "skip",
            "out_of_range",
            "skip must be at least 0",
        ));
    }
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "limit must be between 1 and 500",
        ));
    }
    Ok((skip, limit))
}
