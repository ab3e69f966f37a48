//! `GET /records/{collection}`: paging (offset or cursor), sorting on several
//! keys, projection, equality parameters,
//! `filter=` in the rule language, optional total and `expand=`.

use std::sync::Arc;

use crate::auth::AccountId;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::sql::{self, Param};
use crate::cache::{statement_key, ResultCache, MAX_ROWS_KEPT};
use crate::collections::schema::FieldKind;
use crate::collections::search::{self, Search};
use crate::collections::store::Collection;
use crate::collections::values::{self, ColumnKind, Stored};
use crate::db::dialect::quote_ident;
use crate::db::statement::Statement;
use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 30;

/// System columns declared NOT NULL.
const NOT_NULL_COLUMNS: [&str; 3] = ["id", "created_at", "updated_at"];

/// A parsed list request.
#[derive(Debug)]
pub struct ListQuery {
    pub skip: i64,
    pub limit: i64,
    pub sort: Vec<(String, ColumnKind, bool)>,
    pub fields: Option<Vec<String>>,
    pub equals: Vec<(String, Param)>,
    pub filter: Option<String>,
    pub cursor: Option<Vec<Value>>,
    pub count: bool,
    pub expand: Option<String>,
    /// `search=`: full-text search over the searchable fields.
    pub search: Option<Search>,
}

fn bad(param: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, code, message)
}

/// The names of a `fields=` projection; `None` for all fields (`*` or nothing).
pub fn field_names(value: &str) -> Option<Vec<String>> {
    let names: Vec<String> = value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!names.is_empty() && !names.iter().any(|n| n == "*")).then_some(names)
}

/// A `fields=` name the caller cannot see (unknown, or hidden from them).
pub fn unknown_field(name: &str) -> ApiError {
    bad("fields", "unknown_field", format!("Unknown field '{name}'"))
}

/// The kind of a field or system field usable in sort and equality parameters.
fn column_of(c: &Collection, name: &str) -> Option<ColumnKind> {
    match name {
        "id" | "created_by" | "updated_by" => Some(ColumnKind::Text),
        "created_at" | "updated_at" => Some(ColumnKind::Time),
        _ => c.field(name).map(values::column_kind),
    }
}

/// Converts a query-string value for an equality test on a column.
fn param_for(c: &Collection, name: &str, raw: &str) -> ApiResult<Param> {
    let kind = column_of(c, name).ok_or_else(|| {
        bad(
            name,
            "unknown_parameter",
            format!("Unknown query parameter '{name}'"),
        )
    })?;
    let field_kind = c.field(name).map(|f| f.kind);
    match kind {
        ColumnKind::Text => Ok(Param::Text(raw.to_string())),
        ColumnKind::Number => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| Param::Stored(Stored::Number(Some(n))))
            .ok_or_else(|| bad(name, "invalid_type", format!("'{name}' expects a number"))),
        ColumnKind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Param::Stored(Stored::Bool(Some(true)))),
            "false" | "0" => Ok(Param::Stored(Stored::Bool(Some(false)))),
            _ => Err(bad(
                name,
                "invalid_type",
                format!("'{name}' expects true or false"),
            )),
        },
        ColumnKind::Time => values::parse_time(raw)
            .map(|t| Param::Stored(Stored::Time(Some(t))))
            .ok_or_else(|| {
                bad(
                    name,
                    "invalid_datetime_format",
                    format!("'{name}' expects an ISO 8601 datetime"),
                )
            }),
        ColumnKind::Json => Err(bad(
            name,
            "unsupported_filter",
            format!(
                "'{name}' is a {} field; use filter= instead",
                field_kind.map(FieldKind::name).unwrap_or("json")
            ),
        )),
    }
}

pub fn parse(c: &Collection, query: Option<&str>, max_limit: i64) -> ApiResult<ListQuery> {
    let mut q = ListQuery {
        skip: 0,
        limit: DEFAULT_LIMIT.min(max_limit),
        sort: Vec::new(),
        fields: None,
        equals: Vec::new(),
        filter: None,
        cursor: None,
        count: true,
        expand: None,
        search: None,
    };
    let mut sort_raw = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "skip" => {
                q.skip = value
                    .parse()
                    .ok()
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| bad("skip", "out_of_range", "skip must be an integer ≥ 0"))?
            }
            "limit" => {
                q.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=max_limit).contains(l))
                    .ok_or_else(|| {
                        bad(
                            "limit",
                            "out_of_range",
                            format!("limit must be between 1 and {max_limit}"),
                        )
                    })?
            }
            "sort" => sort_raw = Some(value.into_owned()),
            "fields" => {
                q.fields = field_names(&value);
                for n in q.fields.iter().flatten() {
                    if column_of(c, n).is_none() && n != "account_id" {
                        return Err(unknown_field(n));
                    }
                }
            }
            "filter" => q.filter = Some(value.into_owned()).filter(|f| !f.trim().is_empty()),
            "cursor" => q.cursor = Some(decode_cursor(&value)?),
            "count" | "include_count" => {
                q.count = match value.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(bad(&key, "invalid_type", "count must be true or false")),
                }
            }
            "expand" => q.expand = Some(value.into_owned()),
            "search" => q.search = search::parse(c, &value)?,
            "account_id" | "account" => {}
            name => {
                let param = param_for(c, name, &value)?;
                q.equals.retain(|(n, _)| n != name);
                q.equals.push((name.to_string(), param));
            }
        }
    }
    if let Some(s) = &mut q.search {
        // An explicit sort replaces the relevance order.
        s.ranked = sort_raw.is_none();
        if s.ranked && q.cursor.is_some() {
            return Err(bad(
                "cursor",
                "cursor_with_search",
                "A search ordered by relevance pages with skip; give sort= to use cursors",
            ));
        }
    }
    let sort_raw = sort_raw.unwrap_or_else(|| "-created_at".to_string());
    for key in sort_raw.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let (name, descending) = match key.as_bytes()[0] {
            b'-' => (&key[1..], true),
            b'+' => (&key[1..], false),
            _ => (key, false),
        };
        let name = name.trim();
        let kind = column_of(c, name)
            .ok_or_else(|| bad("sort", "invalid_sort", format!("Cannot sort by '{name}'")))?;
        if kind == ColumnKind::Json {
            return Err(bad(
                "sort",
                "invalid_sort",
                format!("Cannot sort by the json field '{name}'"),
            ));
        }
        if q.sort.iter().any(|(n, _, _)| n == name) {
            return Err(bad(
                "sort",
                "invalid_sort",
                format!("'{name}' appears twice in sort"),
            ));
        }
        q.sort.push((name.to_string(), kind, descending));
    }
    if q.sort.len() > 5 {
        return Err(bad("sort", "invalid_sort", "At most 5 sort keys"));
    }
    if q.sort.is_empty() {
        q.sort.push(("created_at".into(), ColumnKind::Time, true));
    }
    // The id makes the order total, so that pages and cursors are stable.
    if !q.sort.iter().any(|(n, _, _)| n == "id") {
        let last_desc = q.sort.last().map(|s| s.2).unwrap_or(true);
        q.sort.push(("id".into(), ColumnKind::Text, last_desc));
    }
    if q.cursor.is_some() && q.skip != 0 {
        return Err(bad(
            "cursor",
            "cursor_with_skip",
            "Use cursor or skip, not both",
        ));
    }
    if let Some(values) = &q.cursor {
        if values.len() != q.sort.len() {
            return Err(bad(
                "cursor",
                "invalid_cursor",
                "The cursor does not match this sort",
            ));
        }
    }
    Ok(q)
}

pub fn encode_cursor(values: &[Value]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Value::Array(values.to_vec()).to_string())
}

fn decode_cursor(raw: &str) -> ApiResult<Vec<Value>> {
    let invalid = || bad("cursor", "invalid_cursor", "The cursor is not valid");
    if raw.len() > 4096 {
        return Err(invalid());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| invalid())?;
    match serde_json::from_slice::<Value>(&bytes).map_err(|_| invalid())? {
        Value::Array(values) => Ok(values),
        _ => Err(invalid()),
    }
}

/// Converts a cursor value back to a parameter of the column's kind.
fn cursor_param(kind: ColumnKind, v: &Value) -> ApiResult<Option<Param>> {
    let invalid = || bad("cursor", "invalid_cursor", "The cursor is not valid");
    Ok(match (kind, v) {
        (_, Value::Null) => None,
        (ColumnKind::Text, Value::String(s)) => Some(Param::Text(s.clone())),
        (ColumnKind::Number, Value::Number(n)) => Some(Param::Stored(Stored::Number(n.as_f64()))),
        (ColumnKind::Bool, Value::Bool(b)) => Some(Param::Stored(Stored::Bool(Some(*b)))),
        (ColumnKind::Time, Value::String(s)) => Some(Param::Stored(Stored::Time(Some(
            values::parse_time(s).ok_or_else(invalid)?,
        )))),
        _ => return Err(invalid()),
    })
}

/// The keyset predicate "after this cursor" for the sort (NULLs sort first
/// ascending and last descending, on both backends).
fn cursor_predicate(q: &ListQuery, values: &[Value], s: &mut Statement) -> ApiResult<()> {
    let mut disjuncts = Vec::new();
    let mut equal_prefix: Vec<String> = Vec::new();
    for ((name, kind, desc), value) in q.sort.iter().zip(values) {
        let col = format!("t.{}", quote_ident(name));
        // One token per sort value, used in every disjunct that needs it.
        let token = cursor_param(*kind, value)?.map(|p| s.token(p));
        let after = match (&token, desc) {
            (None, false) => Some(format!("{col} IS NOT NULL")),
            (None, true) => None,
            (Some(v), false) => Some(format!("{col} > {v}")),
            (Some(v), true) => Some(format!("({col} < {v} OR {col} IS NULL)")),
        };
        if let Some(after) = after {
            let mut parts = equal_prefix.clone();
            parts.push(after);
            disjuncts.push(format!("({})", parts.join(" AND ")));
        }
        match token {
            None => equal_prefix.push(format!("{col} IS NULL")),
            Some(v) => equal_prefix.push(format!("{col} = {v}")),
        }
    }
    if disjuncts.is_empty() {
        s.push("FALSE");
    } else {
        s.push(&format!("({})", disjuncts.join(" OR ")));
    }
    Ok(())
}

/// The result of a list query.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Map<String, Value>>,
    pub total: Option<i64>,
    pub next_cursor: Option<String>,
}

/// The statements of a list query: the page and the count.
pub struct ListSql {
    pub select: String,
    pub params: Vec<Param>,
    pub count: String,
    pub count_params: Vec<Param>,
    /// The select's last column is the total (`COUNT(*) OVER ()`): a search
    /// finds its matches once for the page and the total, not twice. The
    /// count statement is still needed for a page past the last match.
    pub counted: bool,
}

/// Builds the list statements. `extra` is an additional SQL predicate on `t`
/// (the read rules, a compiled `filter=`).
pub fn build(
    backend: crate::db::Backend,
    c: &Collection,
    account_id: &str,
    q: &ListQuery,
    extra: Option<Statement>,
) -> ApiResult<ListSql> {
    let cols = sql::columns(c);
    let search = q
        .search
        .as_ref()
        .map(|s| search::clause(backend, c, s))
        .unwrap_or_default();
    let mut conditions = Statement::new("t.\"account_id\" = ");
    conditions.bind(Param::Text(account_id.to_string()));
    if !search.predicate.is_empty() {
        conditions.push(" AND ").append(&search.predicate);
    }
    if let Some(predicate) = extra {
        conditions.push(" AND (").append(&predicate).push(")");
    }
    for (name, p) in &q.equals {
        conditions
            .push(&format!(" AND t.{} = ", quote_ident(name)))
            .bind(p.clone());
    }
    let from = search
        .from
        .clone()
        .unwrap_or_else(|| Statement::new(&format!("{} t", quote_ident(&c.table))));
    let mut count = Statement::new("SELECT COUNT(*) FROM ");
    count.append(&from).push(" WHERE ").append(&conditions);
    if let Some(values) = &q.cursor {
        conditions.push(" AND ");
        cursor_predicate(q, values, &mut conditions)?;
    }
    let order: Vec<String> = q
        .sort
        .iter()
        .map(|(name, _, desc)| {
            // Columns that are never NULL get no NULLS clause, so that an index can serve the order.
            let never_null = NOT_NULL_COLUMNS.contains(&name.as_str());
            let direction = match (desc, never_null) {
                (true, true) => "DESC",
                (false, true) => "ASC",
                (true, false) => "DESC NULLS LAST",
                (false, false) => "ASC NULLS FIRST",
            };
            format!("t.{} {direction}", quote_ident(name))
        })
        .collect();
    // A search computes every match before the page anyway (to rank or sort
    // them): the total comes with the page (not past a cursor, which the
    // total does not count).
    let counted = q.count && q.search.is_some() && q.cursor.is_none();
    let mut select = Statement::new(&format!(
        "SELECT {}{} FROM ",
        sql::select_list(&cols, "t"),
        if counted { ", COUNT(*) OVER ()" } else { "" }
    ));
    select
        .append(&from)
        .push(" WHERE ")
        .append(&conditions)
        .push(" ORDER BY ");
    if let Some(rank) = &search.rank {
        select.append(rank).push(", ");
    }
    select
        .push(&format!("{} LIMIT ", order.join(", ")))
        .bind(Param::Int(q.limit + 1))
        .push(" OFFSET ")
        .bind(Param::Int(q.skip));
    let (select, params) = select.finish();
    let (count, count_params) = count.finish();
    Ok(ListSql {
        select,
        params,
        count,
        count_params,
        counted,
    })
}

/// Runs the list query (one more row than the limit, to know whether a next
/// page exists). With `cache` (and the generation read before `tx` began),
/// the page is looked up there first and kept there (see
/// `cache::ResultCache`: only where the database stands the same).
pub async fn run(
    tx: &mut crate::db::Tx,
    c: &Collection,
    account_id: &AccountId,
    q: &ListQuery,
    extra: Option<Statement>,
    cache: Option<(&ResultCache<Arc<Page>>, u64)>,
) -> ApiResult<Page> {
    let statements = build(tx.backend(), c, account_id, q, extra)?;
    let kept = match cache {
        Some((cache, generation)) => cache.stand(tx, generation).await?.map(|stand| {
            let mut key = statement_key(&statements.select, &statements.params);
            if q.count {
                key.push('\u{0}');
                key.push_str(&statement_key(&statements.count, &statements.count_params));
            }
            (cache, stand, key)
        }),
        None => None,
    };
    if let Some(page) = kept
        .as_ref()
        .and_then(|(cache, stand, key)| cache.get(key, *stand))
    {
        return Ok(Page::clone(&page));
    }
    let page = fetch(tx, c, q, &statements).await?;
    if let Some((cache, stand, key)) = kept.filter(|_| page.items.len() <= MAX_ROWS_KEPT) {
        cache.put(key, stand, Arc::new(page.clone()));
    }
    Ok(page)
}

async fn fetch(
    tx: &mut crate::db::Tx,
    c: &Collection,
    q: &ListQuery,
    statements: &ListSql,
) -> ApiResult<Page> {
    let cols = sql::columns(c);
    let (mut items, counted) = if statements.counted {
        sql::fetch_records_counted(tx, &statements.select, &statements.params, &cols).await?
    } else {
        let items = sql::fetch_records(tx, &statements.select, &statements.params, &cols).await?;
        (items, None)
    };
    let more = items.len() as i64 > q.limit;
    items.truncate(q.limit as usize);
    let ranked = q.search.as_ref().is_some_and(|s| s.ranked);
    let next_cursor = match (more && !ranked, items.last()) {
        (true, Some(last)) => Some(encode_cursor(
            &q.sort
                .iter()
                .map(|(n, _, _)| last.get(n).cloned().unwrap_or(Value::Null))
                .collect::<Vec<_>>(),
        )),
        _ => None,
    };
    let total = match (q.count, counted) {
        (false, _) => None,
        (true, Some(total)) => Some(total),
        // No row: no match, unless the page starts past the last one.
        (true, None) if statements.counted && q.skip == 0 => Some(0),
        (true, None) => {
            Some(sql::scalar_i64(tx, &statements.count, &statements.count_params).await?)
        }
    };
    Ok(Page {
        items,
        total,
        next_cursor,
    })
}

/// Keeps the listed fields and the system fields (and `expand`).
pub fn project(record: &mut Map<String, Value>, fields: &[String]) {
    record.retain(|k, _| {
        crate::collections::schema::SYSTEM_FIELDS.contains(&k.as_str())
            || k == "expand"
            || fields.iter().any(|f| f == k)
    });
}
