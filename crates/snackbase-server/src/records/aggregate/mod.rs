//! `GET /records/{collection}/aggregate`: counts, sums, averages, minima and
//! maxima of the records the caller may list, optionally per group.
//!
//! The security is exactly the list's: the caller's account, their read rules
//! and `filter=` in the `WHERE` (one helper builds both, see
//! `listing::read_predicate`), and only the fields they may read
//! (`Access::visible`) can be aggregated or grouped by. `having=` is parsed by
//! the rules crate and only comparisons of aggregates with numbers are
//! accepted; every number is bound, every identifier comes from the schema.
//! Result keys: see docs/aggregation.md.

use axum::extract::{OriginalUri, State};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::Row as _;
use std::sync::Arc;
use utoipa::ToSchema;

mod having;

use super::access;
use super::handlers::load_collection;
use super::listing::{read_predicate, rule_time_limit};
use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::model::Operation;
use crate::cache::{statement_key, MAX_ROWS_KEPT};
use crate::collections::schema::FieldKind;
use crate::collections::values::{self, ColumnKind};
use crate::collections::view::View;
use crate::db::dialect::quote_ident;
use crate::db::statement::Statement;
use crate::db::values::{Param, ReadColumn as _};
use crate::db::{Backend, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiPath;

/// At most this many groups are returned (`total_groups` counts them all).
pub const MAX_GROUPS: i64 = 1000;
/// At most this many functions in `functions=`.
pub const MAX_FUNCTIONS: usize = 10;
/// At most this many fields in `group_by=`.
pub const MAX_GROUP_FIELDS: usize = 5;
/// The longest `functions=`, `group_by=` or `having=` accepted, in bytes.
const MAX_PARAM_LEN: usize = 2000;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl Func {
    fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => Self::Count,
            "sum" => Self::Sum,
            "avg" => Self::Avg,
            "min" => Self::Min,
            "max" => Self::Max,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Avg => "avg",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

/// One aggregate: a function over a field (`None`: `count()`, every row).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub func: Func,
    pub field: Option<String>,
    /// The kind of the aggregated column (`Number` for `count()`).
    kind: ColumnKind,
}

impl Aggregate {
    /// The result key: `count`, `count_<f>`, `sum_<f>`, `avg_<f>`, `min_<f>`, `max_<f>`.
    pub fn key(&self) -> String {
        match &self.field {
            None => self.func.name().to_string(),
            Some(f) => format!("{}_{f}", self.func.name()),
        }
    }

    /// Whether the result is a number (what `having=` may compare).
    fn is_numeric(&self) -> bool {
        matches!(self.func, Func::Count | Func::Sum | Func::Avg) || self.kind == ColumnKind::Number
    }

    /// The SQL expression; numbers are REAL on SQLite whatever the rows hold.
    fn sql(&self, backend: Backend) -> String {
        let col = self.field.as_ref().map(|f| format!("t.{}", quote_ident(f)));
        let expr = match (self.func, &col) {
            (Func::Count, None) => return "COUNT(*)".into(),
            (Func::Count, Some(col)) => return format!("COUNT({col})"),
            (func, col) => format!(
                "{}({})",
                func.name().to_ascii_uppercase(),
                col.as_deref().unwrap_or("NULL")
            ),
        };
        match (backend, self.kind) {
            (Backend::Sqlite, ColumnKind::Number) => format!("CAST({expr} AS REAL)"),
            _ => expr,
        }
    }
}

/// An answer: the groups (at most [`MAX_GROUPS`]) and their number.
pub type Answer = (Vec<Map<String, Value>>, i64);

/// A parsed aggregation request.
#[derive(Debug)]
pub struct AggregateQuery {
    pub functions: Vec<Aggregate>,
    pub group_by: Vec<(String, ColumnKind)>,
    pub filter: Option<String>,
    pub having: Option<String>,
}

fn bad(param: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, code, message)
}

/// A field or system field the caller may use, with its column kind and
/// field type (`None` for system fields).
fn column_of(c: &View<'_>, name: &str) -> Option<(ColumnKind, Option<FieldKind>)> {
    match name {
        "id" | "created_by" | "updated_by" => Some((ColumnKind::Text, None)),
        "created_at" | "updated_at" => Some((ColumnKind::Time, None)),
        _ => c
            .field(name)
            .map(|f| (values::column_kind(f), Some(f.kind))),
    }
}

fn unknown_field(param: &str, name: &str) -> ApiError {
    bad(param, "unknown_field", format!("Unknown field '{name}'"))
}

/// One aggregate of a field name, checked against what the function accepts.
fn aggregate_of(c: &View<'_>, param: &str, func: Func, arg: &str) -> ApiResult<Aggregate> {
    if arg.is_empty() || arg == "*" {
        return match func {
            Func::Count => Ok(Aggregate {
                func,
                field: None,
                kind: ColumnKind::Number,
            }),
            _ => Err(bad(
                param,
                "invalid_aggregate",
                format!("{}() needs a field", func.name()),
            )),
        };
    }
    let (kind, field_kind) = column_of(c, arg).ok_or_else(|| unknown_field(param, arg))?;
    let fits = match func {
        Func::Count => true,
        Func::Sum | Func::Avg => field_kind == Some(FieldKind::Number),
        Func::Min | Func::Max => matches!(
            kind,
            ColumnKind::Number | ColumnKind::Text | ColumnKind::Time
        ),
    };
    if !fits {
        let what = field_kind.map(FieldKind::name).unwrap_or("system");
        return Err(bad(
            param,
            "invalid_aggregate",
            format!(
                "{}() cannot aggregate the {what} field '{arg}'",
                func.name()
            ),
        ));
    }
    Ok(Aggregate {
        func,
        field: Some(arg.to_string()),
        kind,
    })
}

/// Parses one `name(arg)` of `functions=`.
fn parse_call(c: &View<'_>, raw: &str) -> ApiResult<Aggregate> {
    let syntax = || {
        bad(
            "functions",
            "invalid_syntax",
            format!("'{raw}' is not of the form name(field), e.g. count() or sum(total)"),
        )
    };
    let (name, rest) = raw.split_once('(').ok_or_else(syntax)?;
    let arg = rest.strip_suffix(')').ok_or_else(syntax)?.trim();
    let name = name.trim();
    if arg.contains(['(', ')']) {
        return Err(syntax());
    }
    let func = Func::parse(name).ok_or_else(|| {
        bad(
            "functions",
            "unknown_function",
            format!("Unknown function '{name}' (count, sum, avg, min, max)"),
        )
    })?;
    aggregate_of(c, "functions", func, arg)
}

pub fn parse(c: &View<'_>, query: Option<&str>) -> ApiResult<AggregateQuery> {
    let mut functions_raw = None;
    let mut group_raw = None;
    let mut filter = None;
    let mut having = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match key.as_ref() {
            "functions" => &mut functions_raw,
            "group_by" => &mut group_raw,
            "filter" => &mut filter,
            "having" => &mut having,
            "account_id" | "account" => continue,
            name => {
                return Err(bad(
                    name,
                    "unknown_parameter",
                    format!("Unknown query parameter '{name}'"),
                ))
            }
        };
        if key != "filter" && value.len() > MAX_PARAM_LEN {
            return Err(bad(&key, "too_long", format!("{key} is too long")));
        }
        *slot = Some(value.into_owned()).filter(|v| !v.trim().is_empty());
    }
    let functions_raw = functions_raw.ok_or_else(|| {
        bad(
            "functions",
            "required",
            "functions is required, e.g. functions=count(),sum(total)",
        )
    })?;
    let mut q = AggregateQuery {
        functions: Vec::new(),
        group_by: Vec::new(),
        filter,
        having,
    };
    let mut keys: Vec<String> = Vec::new();
    for name in group_raw.iter().flat_map(|g| g.split(',')).map(str::trim) {
        let (kind, _) = column_of(c, name).ok_or_else(|| unknown_field("group_by", name))?;
        if kind == ColumnKind::Json {
            return Err(bad(
                "group_by",
                "invalid_group",
                format!("Cannot group by the json field '{name}'"),
            ));
        }
        if keys.iter().any(|k| k == name) {
            return Err(bad(
                "group_by",
                "duplicate",
                format!("'{name}' appears twice"),
            ));
        }
        keys.push(name.to_string());
        q.group_by.push((name.to_string(), kind));
    }
    if q.group_by.len() > MAX_GROUP_FIELDS {
        return Err(bad(
            "group_by",
            "too_many",
            format!("At most {MAX_GROUP_FIELDS} group fields"),
        ));
    }
    let calls: Vec<&str> = functions_raw.split(',').map(str::trim).collect();
    if calls.len() > MAX_FUNCTIONS {
        return Err(bad(
            "functions",
            "too_many",
            format!("At most {MAX_FUNCTIONS} functions"),
        ));
    }
    for call in calls {
        let a = parse_call(c, call)?;
        let key = a.key();
        if keys.contains(&key) {
            return Err(bad(
                "functions",
                "duplicate",
                format!("The result key '{key}' appears twice"),
            ));
        }
        keys.push(key);
        q.functions.push(a);
    }
    Ok(q)
}

/// On SQLite, the index that walks the account's rows in storage order, when
/// an aggregate reads a column that is not a group field and no `filter=` is
/// given. The planner would otherwise walk the index of the group fields,
/// which avoids sorting the groups but reads each row at a random place in
/// the table: on a table larger than the page cache, most of those reads go
/// to the file (100,000 rows: about 5 times slower than in storage order).
/// The listing index `(account_id, created_at, id)` follows the order rows
/// were written in. With `filter=`, the planner keeps its choice: an index of
/// the filtered field may reach far fewer rows.
pub async fn storage_order(
    tx: &mut Tx,
    c: &View<'_>,
    q: &AggregateQuery,
) -> Result<Option<String>, sqlx::Error> {
    let uncovered = q.functions.iter().any(|a| {
        a.field
            .as_ref()
            .is_some_and(|f| !q.group_by.iter().any(|(g, _)| g == f))
    });
    let Tx::Sqlite(t) = tx else {
        return Ok(None);
    };
    if !uncovered || q.filter.is_some() {
        return Ok(None);
    }
    let name = crate::collections::ddl::indexes(c.compiled())
        .swap_remove(0)
        .name;
    // Tables made before the listing index ended with `id` have another one.
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = $1)",
    )
    .bind(&name)
    .fetch_one(t.conn())
    .await?;
    Ok(exists.then_some(name))
}

/// Builds the statement. `extra` is the read rules and `filter=` on `t`;
/// `index` the one to read the rows through ([`storage_order`]), if any.
/// Columns: the group fields, the aggregates, then the number of groups.
pub fn build(
    c: &View<'_>,
    account_id: &str,
    q: &AggregateQuery,
    extra: Option<Statement>,
    backend: Backend,
    index: Option<&str>,
) -> ApiResult<(String, Vec<Param>)> {
    let groups: Vec<String> = q
        .group_by
        .iter()
        .map(|(name, _)| format!("t.{}", quote_ident(name)))
        .collect();
    let mut select: Vec<String> = groups.clone();
    select.extend(q.functions.iter().map(|a| a.sql(backend)));
    select.push("COUNT(*) OVER ()".into());
    let mut s = Statement::new(&format!(
        "SELECT {} FROM {} t{} WHERE t.\"account_id\" = ",
        select.join(", "),
        quote_ident(&c.compiled().table),
        index
            .map(|index| format!(" INDEXED BY {}", quote_ident(index)))
            .unwrap_or_default()
    ));
    s.bind(Param::Text(account_id.to_string()));
    if let Some(predicate) = extra {
        s.push(" AND (").append(&predicate).push(")");
    }
    if !groups.is_empty() {
        s.push(&format!(" GROUP BY {}", groups.join(", ")));
    }
    if let Some(having) = &q.having {
        s.push(" HAVING ")
            .append(&having::compile(c, having, backend)?);
    }
    if !groups.is_empty() {
        let order: Vec<String> = groups
            .iter()
            .map(|g| format!("{g} ASC NULLS FIRST"))
            .collect();
        s.push(&format!(" ORDER BY {}", order.join(", ")));
    }
    s.push(" LIMIT ").bind(Param::Int(MAX_GROUPS));
    Ok(s.finish())
}

/// What a column of the result holds, to read it typed.
#[derive(Clone, Copy)]
enum Out {
    Count,
    Typed(ColumnKind),
}

/// Runs the statement: the groups (at most [`MAX_GROUPS`]) and their number.
async fn run(
    tx: &mut Tx,
    q: &AggregateQuery,
    sql: &str,
    params: &[Param],
) -> Result<(Vec<Map<String, Value>>, i64), sqlx::Error> {
    let mut outs: Vec<(String, Out)> = q
        .group_by
        .iter()
        .map(|(name, kind)| (name.clone(), Out::Typed(*kind)))
        .collect();
    outs.extend(q.functions.iter().map(|a| {
        let out = match (a.func, a.kind) {
            (Func::Count, _) => Out::Count,
            (Func::Sum | Func::Avg, _) => Out::Typed(ColumnKind::Number),
            (_, kind) => Out::Typed(kind),
        };
        (a.key(), out)
    }));
    tx.count_statement(sql);
    let outs = &outs;
    crate::on_tx!(tx, |conn| {
        let rows = params
            .iter()
            .fold(sqlx::query(sql), |query, p| {
                crate::db::values::BindParam::bind_param(query, p)
            })
            .fetch_all(conn)
            .await?;
        let mut total = 0;
        let mut results = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut map = Map::with_capacity(outs.len());
            for (i, (key, out)) in outs.iter().enumerate() {
                let value = match out {
                    Out::Count => Value::from(row.try_get::<i64, _>(i)?),
                    Out::Typed(kind) => row.read_json(i, *kind)?,
                };
                map.insert(key.clone(), value);
            }
            total = row.try_get::<i64, _>(outs.len())?;
            results.push(map);
        }
        Ok((results, total))
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateResponse {
    /// One object per group: the group fields under their names, then the
    /// aggregates (`count`, `count_<f>`, `sum_<f>`, `avg_<f>`, `min_<f>`, `max_<f>`).
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<Map<String, Value>>,
    /// The number of groups, even past the ones returned.
    pub total_groups: i64,
}

/// Aggregates the records of the caller's account that their read rule
/// allows: `functions` (required), `group_by`, `filter`, `having`.
#[utoipa::path(get, path = "/records/{collection}/aggregate", tag = "records",
    params(("collection" = String, Path),
        ("functions" = String, Query, description = "count(), count(f), sum(f), avg(f), min(f), max(f), comma-separated"),
        ("group_by" = Option<String>, Query), ("filter" = Option<String>, Query),
        ("having" = Option<String>, Query, description = "e.g. count() > 5 && sum(total) >= 100")),
    security(("bearer" = [])),
    responses((status = 200, body = AggregateResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn aggregate_records(
    State(state): State<AppState>,
    caller: Principal,
    ApiPath(collection): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<AggregateResponse>> {
    let generation = state.aggregates.generation();
    let mut tx = state.db.begin_read_as(caller.tenant()).await?;
    let c = load_collection(&state, &mut tx, &collection).await?;
    let read = access::require(&state, &mut tx, &caller, &c, Operation::Read).await?;
    let visible = read.visible(&c);
    let q = parse(&visible, uri.query())?;
    let backend = tx.backend();
    let extra = read_predicate(&read, &caller, &c, &visible, q.filter.as_deref(), backend)?;
    let index = storage_order(&mut tx, &visible, &q).await?;
    let (sql, params) = build(
        &visible,
        &caller.account_id,
        &q,
        extra,
        backend,
        index.as_deref(),
    )?;
    let limit = rule_time_limit(&mut tx, &read).await?;
    // An answer is kept unless SQL macros (which may read the clock) are part
    // of the rules; a kept answer is served only where it was computed.
    let kept = match limit {
        None => state.aggregates.stand(&mut tx, generation).await?,
        Some(_) => None,
    }
    .map(|stand| (stand, statement_key(&sql, &params)));
    if let Some(answer) = kept
        .as_ref()
        .and_then(|(stand, key)| state.aggregates.get(key, *stand))
    {
        return Ok(Json(AggregateResponse {
            results: answer.0.clone(),
            total_groups: answer.1,
        }));
    }
    let ran = run(&mut tx, &q, &sql, &params).await;
    drop(limit);
    let (results, total_groups) = match ran {
        Ok(done) => {
            if let Some((stand, key)) = kept.filter(|_| done.0.len() <= MAX_ROWS_KEPT) {
                state
                    .aggregates
                    .put(key, stand, Arc::new((done.0.clone(), done.1)));
            }
            done
        }
        // As in the list: a rule that fails at run time denies (nothing is
        // counted); any other database error is a 500, never an empty result.
        Err(cause) => {
            let cause = anyhow::Error::from(cause);
            if read.grants.is_some() && crate::db::is_rule_failure(&cause) {
                tracing::warn!(collection = %c.name, error = %cause, "the read rule failed at run time; nothing is aggregated");
                (Vec::new(), 0)
            } else {
                return Err(ApiError::Internal(cause));
            }
        }
    };
    Ok(Json(AggregateResponse {
        results,
        total_groups,
    }))
}
