//! The SQL compiler: a checked expression becomes a parameterised `WHERE`
//! predicate for SQLite or PostgreSQL that selects exactly the records for
//! which [`evaluate`](crate::evaluate) is true.
//!
//! Values are always bound parameters (`$1`, `$2`, … in both dialects);
//! identifiers come only from the [`Schema`] and are double-quoted.
//!
//! Wherever the value of a condition is observed (under `not`, as an operand
//! of a comparison, …) its SQL is two-valued (never SQL `NULL`: null-safe
//! `IS` / `IS NOT DISTINCT FROM`, `COALESCE(…, FALSE)`), so `not` means the
//! same in SQL as in the evaluator. Where only `TRUE` selects a record (the
//! predicate itself and `and` / `or` around it), a comparison with a known
//! non-`NULL` value is a plain, index-friendly `"status" = $1`, which is
//! `NULL` exactly where the evaluator says false.

mod compare;
mod emit;

use crate::ast::{Expr, Span};
use crate::check::{check, CheckError};
use crate::eval::{EvalError, MacroError};
use crate::schema::Schema;
use crate::scope::Scope;
use crate::value::Value;

/// The SQL dialect to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite (3.38 or later, for the built-in JSON functions).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A value to bind to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParam {
    /// SQL `NULL` (the compiler itself writes `NULL` instead of binding it;
    /// macro hooks may bind it).
    Null,
    /// A boolean (SQLite stores it as 0/1).
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Float(f64),
    /// Text. Datetimes are bound as canonical text (cast in PostgreSQL).
    Text(String),
}

/// A compiled predicate: SQL text with placeholders `$first…`, and the values
/// to bind to them in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlPredicate {
    /// A boolean SQL expression, fit to follow `WHERE` or `AND` (under a
    /// `WHERE`). It is `TRUE` exactly for the records the evaluator accepts,
    /// and `FALSE` *or `NULL`* for the others: do not negate it or use its
    /// value (wrap it in `COALESCE(…, FALSE)` for that).
    pub sql: String,
    /// The parameters; `params[i]` binds to `$(first_param_index + i)`.
    pub params: Vec<SqlParam>,
}

/// Collects parameters while compiling; handed to [`SqlContext::sql_macro`]
/// so that a macro can bind values of its own.
///
/// [`bind`](ParamBinder::bind) returns an opaque token to embed in the SQL.
/// When compilation ends, tokens become `$N` placeholders numbered in order of
/// first appearance, and parameters whose SQL was discarded are dropped, so
/// every parameter of a [`SqlPredicate`] is referenced.
#[derive(Debug)]
pub struct ParamBinder {
    dialect: Dialect,
    params: Vec<SqlParam>,
}

/// Delimits parameter tokens in SQL under construction (never valid in SQL):
/// a token is `TOKEN_MARK`, the parameter's index, `TOKEN_MARK`.
pub const TOKEN_MARK: char = '\u{0}';

/// A compiled predicate whose placeholders are still tokens (see
/// [`TOKEN_MARK`]; token `i` stands for `params[i]`, and a parameter may be
/// unreferenced): a piece of a larger statement that numbers the
/// placeholders once, in order of appearance, when it is complete.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFragment {
    /// See [`SqlPredicate::sql`]; placeholders are tokens.
    pub sql: String,
    /// The values the tokens index.
    pub params: Vec<SqlParam>,
}

impl ParamBinder {
    /// Adds a parameter and returns the token standing for its placeholder.
    pub fn bind(&mut self, param: SqlParam) -> String {
        self.params.push(param);
        format!("{TOKEN_MARK}{}{TOKEN_MARK}", self.params.len() - 1)
    }

    /// The dialect being produced.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether every token mark in `sql` belongs to a token of this binder.
    fn tokens_valid(&self, sql: &str) -> bool {
        let pieces: Vec<&str> = sql.split(TOKEN_MARK).collect();
        pieces.len() % 2 == 1
            && pieces
                .iter()
                .skip(1)
                .step_by(2)
                .all(|t| t.parse::<usize>().is_ok_and(|i| i < self.params.len()))
    }

    /// Replaces tokens by `$first…` and keeps the parameters they reference.
    /// `None` if the SQL holds a stray token mark.
    fn finish(self, sql: &str, first: usize) -> Option<SqlPredicate> {
        let (sql, params) = number_tokens(sql, &self.params, first)?;
        Some(SqlPredicate { sql, params })
    }
}

/// Numbers the tokens of `sql` (see [`TOKEN_MARK`]; token `i` stands for
/// `params[i]`) as `$first…` in order of first appearance: a token used
/// twice is one placeholder, and parameters no token references are left
/// out. Returns the SQL and the parameters in placeholder order; `None` if
/// the SQL holds a stray mark or a token without a parameter.
pub fn number_tokens<T: Clone>(sql: &str, params: &[T], first: usize) -> Option<(String, Vec<T>)> {
    let mut numbers: Vec<Option<usize>> = vec![None; params.len()];
    let mut kept = Vec::new();
    let mut out = String::with_capacity(sql.len());
    let mut pieces = sql.split(TOKEN_MARK);
    out.push_str(pieces.next()?);
    while let Some(token) = pieces.next() {
        let index: usize = token.parse().ok()?;
        let number = match *numbers.get(index)? {
            Some(number) => number,
            None => {
                kept.push(params.get(index)?.clone());
                let number = first + kept.len() - 1;
                numbers[index] = Some(number);
                number
            }
        };
        out.push('$');
        out.push_str(&number.to_string());
        out.push_str(pieces.next()?);
    }
    Some((out, kept))
}

/// What the compiler needs from the caller: the identity and the clock (whose
/// values are bound as parameters), the table alias, and SQL macros.
pub trait SqlContext {
    /// The value of `["user", …]` or `["account", …]` (see
    /// [`Context::resolve`](crate::Context::resolve)); never asked for
    /// record paths.
    fn resolve(&self, path: &[&str]) -> Value;

    /// The current hour of the day in UTC, `0..=23`, for `@in_time_range`.
    fn now_hour_utc(&self) -> u8;

    /// A table alias to qualify column names with (`"alias"."field"`). Give
    /// one: on SQLite, membership in a multiple-select field whose name is
    /// also a column of `json_each` (`key`, `value`, `type`, `atom`, `id`,
    /// `parent`, `fullkey`, `path`, `json`, `root`) needs it.
    fn table_alias(&self) -> Option<&str> {
        None
    }

    /// Compiles SQL macro `@name(args…)` to a scalar SQL expression. `args`
    /// are the arguments already compiled to SQL expressions (columns,
    /// parameter tokens or `NULL`), to be embedded as they are; further values
    /// must be bound through `params` and their tokens embedded likewise. The
    /// fragment must not contain NUL characters. By default there are no SQL
    /// macros.
    fn sql_macro(
        &self,
        name: &str,
        args: &[String],
        params: &mut ParamBinder,
    ) -> Result<String, MacroError> {
        let _ = (args, params);
        Err(MacroError::new(format!(
            "SQL macro @{name} cannot be used in queries"
        )))
    }
}

/// Why an expression could not be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    /// The expression does not type-check.
    #[error(transparent)]
    Check(#[from] CheckError),
    /// Computing a record-independent part failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A SQL macro hook failed.
    #[error("Macro @{name} cannot be compiled: {error} at position {}", .span.start)]
    Macro {
        /// The macro name, without `@`.
        name: String,
        /// The hook's error.
        error: MacroError,
        /// The macro call.
        span: Span,
    },
    /// `first_param_index` was 0.
    #[error("The first parameter index must be at least 1")]
    InvalidFirstParam,
    /// The SQL or its parameter list would exceed the compiler's limits.
    #[error("The compiled query would be too large at position {}", .span.start)]
    TooLarge {
        /// The expression that grew too large.
        span: Span,
    },
    /// See [`SqlContext::table_alias`].
    #[error("Field '{field}' needs a table alias for membership tests on SQLite at position {}", .span.start)]
    NeedsTableAlias {
        /// The field.
        field: String,
        /// Where it is tested.
        span: Span,
    },
    /// A tree deeper than [`MAX_TREE_DEPTH`](crate::MAX_TREE_DEPTH).
    #[error("Expression is nested too deeply at position {}", .span.start)]
    TooDeep {
        /// The node past the limit.
        span: Span,
    },
}

/// The longest SQL the compiler produces, in bytes.
pub const MAX_SQL_BYTES: usize = 1 << 20;

/// The most parameters the compiler binds.
pub const MAX_SQL_PARAMS: usize = 30_000;

/// Compiles `expr` (a rule or filter of `scope` over `schema`) into a
/// predicate for `dialect`, numbering placeholders from `first_param_index`.
///
/// The expression is checked first. Its parts that do not depend on the
/// record (`user.*`, `account.*`, literals, `@has_role`, `@has_group`,
/// `@in_time_range`, …) are computed here with the evaluator's semantics and
/// bound as parameters.
///
/// The result is meant for a `WHERE` clause: it may be `NULL` where the
/// evaluator says false (see [`SqlPredicate::sql`]), which lets comparisons
/// of indexed columns with known values use the index.
pub fn compile(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    dialect: Dialect,
    ctx: &dyn SqlContext,
    first_param_index: usize,
) -> Result<SqlPredicate, CompileError> {
    if first_param_index == 0 {
        return Err(CompileError::InvalidFirstParam);
    }
    let (sql, binder) = compile_tokens(expr, schema, scope, dialect, ctx)?;
    let predicate = binder
        .finish(&sql, first_param_index)
        .ok_or_else(|| CompileError::Macro {
            name: String::new(),
            error: MacroError::new("a macro's SQL contains a NUL character"),
            span: expr.span,
        })?;
    if predicate.params.len() > MAX_SQL_PARAMS {
        return Err(CompileError::TooLarge { span: expr.span });
    }
    Ok(predicate)
}

/// [`compile`] without numbering: the predicate with its placeholders as
/// tokens, to be composed into a larger statement.
pub fn compile_fragment(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    dialect: Dialect,
    ctx: &dyn SqlContext,
) -> Result<SqlFragment, CompileError> {
    let (sql, binder) = compile_tokens(expr, schema, scope, dialect, ctx)?;
    if !binder.tokens_valid(&sql) {
        return Err(CompileError::Macro {
            name: String::new(),
            error: MacroError::new("a macro's SQL contains a NUL character"),
            span: expr.span,
        });
    }
    if binder.params.len() > MAX_SQL_PARAMS {
        return Err(CompileError::TooLarge { span: expr.span });
    }
    Ok(SqlFragment {
        sql,
        params: binder.params,
    })
}

fn compile_tokens(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    dialect: Dialect,
    ctx: &dyn SqlContext,
) -> Result<(String, ParamBinder), CompileError> {
    check(expr, schema, scope)?;
    let binder = ParamBinder {
        dialect,
        params: Vec::new(),
    };
    let (sql, binder) = emit::compile_checked(expr, schema, scope, ctx, binder)?;
    if sql.len() > MAX_SQL_BYTES {
        return Err(CompileError::TooLarge { span: expr.span });
    }
    Ok((sql, binder))
}

/// Double-quotes an identifier, doubling embedded quotes.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests;
