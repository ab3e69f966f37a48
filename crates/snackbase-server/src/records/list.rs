//! `GET /records/{collection}`: paging (offset, or a cursor forwards with
//! `cursor` and backwards with `cursor_before`), sorting on several keys,
//! projection, equality parameters, `filter=` in the rule language, optional
//! total and `expand=`.
//!
//! A cursor is the position of one record in the list's order: its sort
//! values (the id last), as URL-safe base64 of a JSON array. `cursor` lists
//! the records after it, `cursor_before` those before it (queried in the
//! reverse order with the inverted keyset comparison, then put back in
//! order). Keyset paging is stable under concurrent writes: a record that
//! existed is neither repeated nor skipped by inserts between pages.

use std::sync::Arc;

use crate::auth::AccountId;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::sql::{self, Param};
use crate::cache::{statement_key, ResultCache, MAX_ROWS_KEPT};
use crate::collections::schema::FieldKind;
use crate::collections::search::{self, Search};
use crate::collections::values::{self, ColumnKind, Stored};
use crate::collections::view::View;
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
    /// The cursor came as `cursor_before`: the page before it.
    pub before: bool,
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
fn column_of(c: &View<'_>, name: &str) -> Option<ColumnKind> {
    match name {
        "id" | "created_by" | "updated_by" => Some(ColumnKind::Text),
        "created_at" | "updated_at" => Some(ColumnKind::Time),
        _ => c.field(name).map(values::column_kind),
    }
}

/// Converts a query-string value for an equality test on a column.
fn param_for(c: &View<'_>, name: &str, raw: &str) -> ApiResult<Param> {
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

pub fn parse(c: &View<'_>, query: Option<&str>, max_limit: i64) -> ApiResult<ListQuery> {
    let mut q = ListQuery {
        skip: 0,
        limit: DEFAULT_LIMIT.min(max_limit),
        sort: Vec::new(),
        fields: None,
        equals: Vec::new(),
        filter: None,
        cursor: None,
        before: false,
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
            "cursor" | "cursor_before" => {
                let before = key == "cursor_before";
                if q.cursor.is_some() && q.before != before {
                    return Err(bad(
                        "cursor_before",
                        "cursor_conflict",
                        "Use cursor or cursor_before, not both",
                    ));
                }
                q.cursor = Some(decode_cursor(&key, &value)?);
                q.before = before;
            }
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
                cursor_param_name(&q),
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
        let name = cursor_param_name(&q);
        return Err(bad(
            name,
            "cursor_with_skip",
            format!("Use {name} or skip, not both"),
        ));
    }
    if let Some(values) = &q.cursor {
        let name = cursor_param_name(&q);
        if values.len() != q.sort.len() {
            return Err(bad(
                name,
                "invalid_cursor",
                "The cursor does not match this sort",
            ));
        }
        // Every value must be one of its column's kind (or null where the
        // column may hold NULL), so that no forged cursor reaches the database
        // with a value it cannot compare.
        for ((column, kind, _), value) in q.sort.iter().zip(values) {
            if value.is_null() && NOT_NULL_COLUMNS.contains(&column.as_str()) {
                return Err(invalid_cursor(name));
            }
            cursor_param(name, *kind, value)?;
        }
    }
    Ok(q)
}

/// The parameter that carried the cursor, for errors.
fn cursor_param_name(q: &ListQuery) -> &'static str {
    if q.before {
        "cursor_before"
    } else {
        "cursor"
    }
}

fn invalid_cursor(param: &str) -> ApiError {
    bad(param, "invalid_cursor", "The cursor is not valid")
}

/// The sort as the statement runs it: reversed for `cursor_before`.
fn effective_sort(q: &ListQuery) -> Vec<(String, ColumnKind, bool)> {
    q.sort
        .iter()
        .map(|(name, kind, desc)| (name.clone(), *kind, *desc != q.before))
        .collect()
}

pub fn encode_cursor(values: &[Value]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Value::Array(values.to_vec()).to_string())
}

fn decode_cursor(param: &str, raw: &str) -> ApiResult<Vec<Value>> {
    let invalid = || invalid_cursor(param);
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
fn cursor_param(param: &str, kind: ColumnKind, v: &Value) -> ApiResult<Option<Param>> {
    let invalid = || invalid_cursor(param);
    Ok(match (kind, v) {
        (_, Value::Null) => None,
        // NUL cannot be stored in a text column (PostgreSQL refuses it in a parameter).
        (ColumnKind::Text, Value::String(s)) if s.contains('\0') => return Err(invalid()),
        (ColumnKind::Text, Value::String(s)) => Some(Param::Text(s.clone())),
        (ColumnKind::Number, Value::Number(n)) => Some(Param::Stored(Stored::Number(Some(
            n.as_f64().filter(|f| f.is_finite()).ok_or_else(invalid)?,
        )))),
        (ColumnKind::Bool, Value::Bool(b)) => Some(Param::Stored(Stored::Bool(Some(*b)))),
        (ColumnKind::Time, Value::String(s)) => Some(Param::Stored(Stored::Time(Some(
            values::parse_time(s).ok_or_else(invalid)?,
        )))),
        _ => return Err(invalid()),
    })
}

/// The keyset predicate "after this cursor" in the order `sort` (NULLs sort
/// first ascending and last descending, on both backends). With the sort
/// reversed, it is "before this cursor" in the list's order.
fn cursor_predicate(
    sort: &[(String, ColumnKind, bool)],
    param: &str,
    values: &[Value],
    s: &mut Statement,
) -> ApiResult<()> {
    let mut disjuncts = Vec::new();
    let mut equal_prefix: Vec<String> = Vec::new();
    for ((name, kind, desc), value) in sort.iter().zip(values) {
        let col = format!("t.{}", quote_ident(name));
        // One token per sort value, used in every disjunct that needs it.
        let token = cursor_param(param, *kind, value)?.map(|p| s.token(p));
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
    /// The position of the page's last record, when records follow it.
    pub next_cursor: Option<String>,
    /// The position of the page's first record, when records precede it.
    pub prev_cursor: Option<String>,
    /// More records lie in the direction of paging: after the page (offset
    /// and `cursor`), before it (`cursor_before`).
    pub has_more: bool,
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

/// How the page's statement reports the total and the change generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// The page alone; the total is a statement of its own.
    Separate,
    /// One statement (PostgreSQL): every row of the page also carries, after
    /// the record's columns, the change generation row's value, the total
    /// and the statement's snapshot (`pg_current_snapshot()` as text). The
    /// total is NULL without `count`, and also when it was counted under the
    /// given snapshot and the account's change log holds nothing that
    /// snapshot did not see (see `records::counts`: the kept total stands).
    Inline { counted_under: Option<&'a str> },
}

/// Builds the list statements. `extra` is an additional SQL predicate on `t`
/// (the read rules, a compiled `filter=`).
pub fn build(
    backend: crate::db::Backend,
    c: &View<'_>,
    account_id: &str,
    q: &ListQuery,
    extra: Option<Statement>,
    shape: Shape<'_>,
) -> ApiResult<ListSql> {
    let whole = c.compiled();
    let search = q
        .search
        .as_ref()
        .map(|s| search::clause(backend, whole, s))
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
        .unwrap_or_else(|| Statement::new(&format!("{} t", quote_ident(&whole.table))));
    let mut count = Statement::new("SELECT COUNT(*) FROM ");
    count.append(&from).push(" WHERE ").append(&conditions);
    let sort = effective_sort(q);
    if let Some(values) = &q.cursor {
        conditions.push(" AND ");
        cursor_predicate(&sort, cursor_param_name(q), values, &mut conditions)?;
    }
    let order: Vec<String> = sort
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
    // total does not count). The one-statement shape carries its own total.
    let counted = shape == Shape::Separate && q.count && q.search.is_some() && q.cursor.is_none();
    let mut select = Statement::new(&format!(
        "SELECT {}{}",
        c.select_list(),
        if counted { ", COUNT(*) OVER ()" } else { "" }
    ));
    if let Shape::Inline { counted_under } = shape {
        // Uncorrelated sub-selects: each runs once for the statement, and
        // only when its value is needed (the count not when the log shows
        // no change since the snapshot it was kept under).
        select.push(", (SELECT value FROM cache_generation WHERE id = 1), ");
        match (q.count, counted_under) {
            (false, _) => select.push("NULL"),
            (true, None) => select.push("(").append(&count).push(")"),
            (true, Some(snapshot)) => {
                let snapshot = select.token(Param::Text(snapshot.to_string()));
                select
                    .push("CASE WHEN EXISTS (SELECT 1 FROM record_changes WHERE account_id = ")
                    .bind(Param::Text(account_id.to_string()))
                    .push(&format!(
                        " AND xid >= pg_snapshot_xmin({snapshot}::pg_snapshot) \
                         AND NOT pg_visible_in_snapshot(xid, {snapshot}::pg_snapshot)) THEN ("
                    ))
                    .append(&count)
                    .push(") END")
            }
        };
        select.push(", pg_current_snapshot()::text");
    }
    select
        .push(" FROM ")
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

/// Runs the list query (one more row than the limit, to know whether more
/// records lie in the direction of paging). With `cache` (and the generation
/// read before `tx` began), the page is looked up there first and kept there
/// (see `cache::ResultCache`: only where the database stands the same).
pub async fn run(
    tx: &mut crate::db::Tx,
    c: &View<'_>,
    account_id: &AccountId,
    q: &ListQuery,
    extra: Option<Statement>,
    cache: Option<(&ResultCache<Arc<Page>>, u64)>,
) -> ApiResult<Page> {
    let statements = build(tx.backend(), c, account_id, q, extra, Shape::Separate)?;
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
    c: &View<'_>,
    q: &ListQuery,
    statements: &ListSql,
) -> ApiResult<Page> {
    let cols = c.columns();
    let (items, counted) = if statements.counted {
        sql::fetch_records_counted(tx, &statements.select, &statements.params, &cols).await?
    } else {
        let items = sql::fetch_records(tx, &statements.select, &statements.params, &cols).await?;
        (items, None)
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
    Ok(page(q, items, total))
}

/// The page of the rows a list statement returned (one more than the limit
/// when more records lie in the direction of paging; in the reverse order
/// for `cursor_before`).
pub fn page(q: &ListQuery, mut items: Vec<Map<String, Value>>, total: Option<i64>) -> Page {
    let more = items.len() as i64 > q.limit;
    items.truncate(q.limit as usize);
    if q.before {
        // Read in the reverse order: put the page back in the list's order.
        items.reverse();
    }
    let ranked = q.search.as_ref().is_some_and(|s| s.ranked);
    // Records after the page: more were read going forwards; going
    // backwards, the cursor's own position follows it.
    let after = q.before || more;
    // Records before the page: more were read going backwards; going
    // forwards, the cursor's position or the skipped rows precede it.
    let before = if q.before {
        more
    } else {
        q.cursor.is_some() || q.skip > 0
    };
    let position = |record: Option<&Map<String, Value>>| {
        record.filter(|_| !ranked).map(|r| {
            encode_cursor(
                &q.sort
                    .iter()
                    .map(|(n, _, _)| r.get(n).cloned().unwrap_or(Value::Null))
                    .collect::<Vec<_>>(),
            )
        })
    };
    let next_cursor = after.then(|| position(items.last())).flatten();
    let prev_cursor = before.then(|| position(items.first())).flatten();
    Page {
        items,
        total,
        next_cursor,
        prev_cursor,
        has_more: more,
    }
}

/// Keeps the listed fields and the system fields (and `expand`).
pub fn project(record: &mut Map<String, Value>, fields: &[String]) {
    record.retain(|k, _| {
        crate::collections::schema::SYSTEM_FIELDS.contains(&k.as_str())
            || k == "expand"
            || fields.iter().any(|f| f == k)
    });
}
