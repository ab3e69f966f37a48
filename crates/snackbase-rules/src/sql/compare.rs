//! The SQL of comparisons, membership and text functions, with constants
//! bound according to the type of what they are compared with.
//!
//! Each condition is built for a [`Polarity`]. In a positive position a
//! comparison of a record value with a known non-`NULL` value is a plain SQL
//! comparison (`"status" = $1`, `"n" < $2`, `"status" IN ($1, $2)`), which
//! is `NULL` where the evaluator says false (the record value is `NULL`) and
//! can be matched to an index; where the value is observed, the null-safe
//! two-valued forms (`IS` / `IS NOT DISTINCT FROM`, `COALESCE(…, FALSE)`)
//! are kept.

use super::emit::{CResult, Compiler, Operand, Polarity};
use super::{quote_ident, CompileError, Dialect, SqlParam, MAX_SQL_BYTES};
use crate::ast::{CompareOp, Span};
use crate::check::Ty;
use crate::datetime::canonical_datetime;
use crate::eval::compare;
use crate::scope::Function;
use crate::value::{int_to_float, Value};

/// `json_each` columns that shadow unqualified outer columns in SQLite.
const JSON_EACH_COLUMNS: [&str; 10] = [
    "key", "value", "type", "atom", "id", "parent", "fullkey", "path", "json", "root",
];

/// The parameter to bind for `value` compared with a `ty` scalar, or `None`
/// when the value can never equal (or be ordered with) such a scalar.
pub(super) fn param_for(ty: Ty, value: &Value) -> Option<SqlParam> {
    match (ty, value) {
        (Ty::Number, Value::Int(i)) => Some(SqlParam::Float(int_to_float(*i))),
        (Ty::Any, Value::Int(i)) => Some(SqlParam::Int(*i)),
        (Ty::Number | Ty::Any, Value::Float(f)) => Some(SqlParam::Float(*f)),
        (Ty::Text | Ty::Any, Value::Text(s)) => Some(SqlParam::Text(s.clone())),
        (Ty::Bool | Ty::Any, Value::Bool(b)) => Some(SqlParam::Bool(*b)),
        (Ty::Datetime, Value::Text(s)) => canonical_datetime(s).map(SqlParam::Text),
        _ => None,
    }
}

impl Compiler<'_> {
    /// `left == right`; `datetime` as in [`compare`].
    ///
    /// Null-safe, except that in a positive position a value compared with a
    /// non-`NULL` constant is `=`: where the value is `NULL`, SQL's `NULL`
    /// stands for the evaluator's false.
    pub(super) fn equal(
        &mut self,
        left: Operand,
        right: Operand,
        datetime: bool,
        polarity: Polarity,
    ) -> String {
        match (left, right) {
            (Operand::Const(a), Operand::Const(b)) => {
                bool_sql(compare(CompareOp::Eq, a, b, datetime))
            }
            (Operand::Const(value), other) | (other, Operand::Const(value)) => {
                if value == Value::Null {
                    return format!("({} IS NULL)", self.scalar(other));
                }
                let ty = Self::ty(&other);
                // `param_for` never gives a `NULL` parameter.
                let Some(param) = param_for(ty, &value) else {
                    return "FALSE".to_owned();
                };
                let placeholder = self.placeholder(ty, param);
                let sql = self.scalar(other);
                match polarity {
                    Polarity::Positive => format!("({sql} = {placeholder})"),
                    Polarity::Exact => self.not_distinct(&sql, &placeholder),
                }
            }
            (left, right) => {
                let (a, b) = (self.scalar(left), self.scalar(right));
                self.not_distinct(&a, &b)
            }
        }
    }

    /// `left != right`, always two-valued: it is true where the record value
    /// is `NULL`, so a plain `<>` would not do even in a positive position.
    pub(super) fn not_equal(&mut self, left: Operand, right: Operand, datetime: bool) -> String {
        match (left, right) {
            (Operand::Const(Value::Null), other) | (other, Operand::Const(Value::Null))
                if !matches!(other, Operand::Const(_)) =>
            {
                format!("({} IS NOT NULL)", self.scalar(other))
            }
            (left, right) => format!(
                "(NOT {})",
                self.equal(left, right, datetime, Polarity::Exact)
            ),
        }
    }

    fn not_distinct(&self, a: &str, b: &str) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("({a} IS {b})"),
            Dialect::Postgres => format!("({a} IS NOT DISTINCT FROM {b})"),
        }
    }

    /// `<`, `<=`, `>`, `>=`: false when either side is null or incomparable
    /// (`NULL` in a positive position).
    pub(super) fn order(
        &mut self,
        op: CompareOp,
        left: Operand,
        right: Operand,
        polarity: Polarity,
    ) -> String {
        let ty = match (Self::ty(&left), Self::ty(&right)) {
            (Ty::Any, ty) | (ty, _) => ty,
        };
        let side = |compiler: &mut Self, operand: Operand| match operand {
            Operand::Const(value) => param_for(ty, &value).map(|p| compiler.placeholder(ty, p)),
            other => Some(compiler.scalar(other)),
        };
        let (Some(a), Some(b)) = (side(self, left), side(self, right)) else {
            return "FALSE".to_owned();
        };
        let collate = match (ty, self.dialect()) {
            (Ty::Text, Dialect::Postgres) => " COLLATE \"C\"",
            _ => "",
        };
        let test = format!("({a}{collate} {} {b})", op.symbol());
        match polarity {
            Polarity::Exact => format!("COALESCE({test}, FALSE)"),
            Polarity::Positive => test,
        }
    }

    /// `item in container`.
    pub(super) fn member(
        &mut self,
        item: Operand,
        container: Operand,
        datetime: bool,
        span: Span,
        polarity: Polarity,
    ) -> CResult<String> {
        Ok(match container {
            Operand::List(elements) => {
                let item_len = match &item {
                    Operand::Scalar { sql, .. } | Operand::Cond(sql) => sql.len(),
                    _ => 8,
                };
                if item_len.saturating_mul(elements.len()) > MAX_SQL_BYTES {
                    return Err(CompileError::TooLarge { span });
                }
                let terms: Vec<String> = elements
                    .into_iter()
                    .map(|element| self.equal(item.clone(), element, datetime, polarity))
                    .collect();
                any_of(&terms)
            }
            Operand::Const(Value::List(values)) => self.member_of_values(item, &values, polarity),
            Operand::Const(Value::Text(text)) => match item {
                Operand::Const(_) => "FALSE".to_owned(),
                item => {
                    let haystack = self.binder.bind(SqlParam::Text(text));
                    let needle = self.scalar(item);
                    self.substring(&needle, &haystack, polarity)
                }
            },
            Operand::Const(_) => "FALSE".to_owned(),
            Operand::Scalar {
                sql,
                ty: Ty::TextList,
            } => {
                let needle = match item {
                    Operand::Const(Value::Text(text)) => self.binder.bind(SqlParam::Text(text)),
                    Operand::Const(_) => return Ok("FALSE".to_owned()),
                    item => self.scalar(item),
                };
                match self.dialect() {
                    Dialect::Sqlite => {
                        let unqualified = self.ctx.table_alias().is_none();
                        if let Some(field) = JSON_EACH_COLUMNS
                            .iter()
                            .find(|c| unqualified && sql == quote_ident(c))
                        {
                            return Err(CompileError::NeedsTableAlias {
                                field: (*field).to_owned(),
                                span,
                            });
                        }
                        condition_of(
                            polarity,
                            &format!("{needle} IN (SELECT value FROM json_each({sql}))"),
                        )
                    }
                    Dialect::Postgres => {
                        condition_of(polarity, &format!("{sql} @> jsonb_build_array({needle})"))
                    }
                }
            }
            Operand::Scalar { sql, .. } => {
                let needle = match item {
                    Operand::Const(Value::Text(text)) => self.binder.bind(SqlParam::Text(text)),
                    Operand::Const(_) => return Ok("FALSE".to_owned()),
                    item => self.scalar(item),
                };
                self.substring(&needle, &sql, polarity)
            }
            Operand::Cond(_) => "FALSE".to_owned(),
        })
    }

    /// A non-constant `item` in a list of known values.
    fn member_of_values(&mut self, item: Operand, values: &[Value], polarity: Polarity) -> String {
        let ty = Self::ty(&item);
        let params: Vec<SqlParam> = values.iter().filter_map(|v| param_for(ty, v)).collect();
        let sql = self.scalar(item);
        let mut terms = Vec::new();
        if !params.is_empty() {
            let placeholders: Vec<String> = params
                .into_iter()
                .map(|p| self.placeholder(ty, p))
                .collect();
            let test = format!("{sql} IN ({})", placeholders.join(", "));
            terms.push(condition_of(polarity, &test));
        }
        if values.contains(&Value::Null) {
            terms.push(format!("({sql} IS NULL)"));
        }
        any_of(&terms)
    }

    fn substring(&self, needle: &str, haystack: &str, polarity: Polarity) -> String {
        let test = match self.dialect() {
            Dialect::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Dialect::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        };
        condition_of(polarity, &test)
    }

    /// `text ~ pattern`: `text` contains `pattern`, ASCII letters matching
    /// in either case.
    ///
    /// Both sides are lowered with ASCII rules only, which the evaluator
    /// and both databases agree on whatever their locale: SQLite's `lower`
    /// only knows ASCII, and on PostgreSQL (whose `lower` and `ILIKE` follow
    /// the locale) `translate` lowers `A`–`Z`. A known pattern becomes a
    /// bound `LIKE` pattern `%…%` with its `%`, `_` and `\` escaped; a
    /// pattern from the record is searched for with `instr` / `strpos`.
    pub(super) fn like(&mut self, text: Operand, pattern: Operand, polarity: Polarity) -> String {
        if let (Operand::Const(text), Operand::Const(pattern)) = (&text, &pattern) {
            return bool_sql(text.rule_like(pattern));
        }
        let test = match pattern {
            Operand::Const(Value::Text(pattern)) => {
                let Some(text) = self.lowered(text) else {
                    return "FALSE".to_owned();
                };
                let pattern = format!("%{}%", escape_like(&pattern.to_ascii_lowercase()));
                let pattern = self.binder.bind(SqlParam::Text(pattern));
                format!("{text} LIKE {pattern} ESCAPE '\\'")
            }
            pattern => {
                let (Some(text), Some(pattern)) = (self.lowered(text), self.lowered(pattern))
                else {
                    return "FALSE".to_owned();
                };
                match self.dialect() {
                    Dialect::Sqlite => format!("instr({text}, {pattern}) > 0"),
                    Dialect::Postgres => format!("strpos({text}, {pattern}) > 0"),
                }
            }
        };
        condition_of(polarity, &test)
    }

    /// A text operand with its ASCII letters lowered; `None` for a constant
    /// that is not text (it matches nothing).
    fn lowered(&mut self, operand: Operand) -> Option<String> {
        match operand {
            Operand::Const(Value::Text(text)) => {
                Some(self.binder.bind(SqlParam::Text(text.to_ascii_lowercase())))
            }
            Operand::Const(_) => None,
            other => {
                let any = Self::ty(&other) == Ty::Any;
                let sql = self.scalar(other);
                Some(match self.dialect() {
                    Dialect::Sqlite => format!("lower({sql})"),
                    // A macro's result may not be text.
                    Dialect::Postgres if any => {
                        format!("translate(CAST({sql} AS TEXT), {ASCII_UPPER}, {ASCII_LOWER})")
                    }
                    Dialect::Postgres => format!("translate({sql}, {ASCII_UPPER}, {ASCII_LOWER})"),
                })
            }
        }
    }

    /// `starts_with` / `ends_with`.
    ///
    /// These stay function calls even in a positive position: the forms a
    /// b-tree index can serve (`LIKE 'p%'`, `^@`, a range `>= p AND < p'`)
    /// only match a prefix test under the `C` collation (or
    /// `text_pattern_ops`), not under an arbitrary default collation.
    pub(super) fn affix(
        &mut self,
        function: Function,
        text: Operand,
        affix: Operand,
        polarity: Polarity,
    ) -> String {
        let side = |compiler: &mut Self, operand: Operand| match operand {
            Operand::Const(Value::Text(s)) => Some(compiler.binder.bind(SqlParam::Text(s))),
            Operand::Const(_) => None,
            other => Some(compiler.scalar(other)),
        };
        let (Some(s), Some(p)) = (side(self, text), side(self, affix)) else {
            return "FALSE".to_owned();
        };
        let test = match (function, self.dialect()) {
            (Function::StartsWith, Dialect::Sqlite) => {
                format!("substr({s}, 1, length({p})) = {p}")
            }
            (Function::StartsWith, Dialect::Postgres) => format!("left({s}, length({p})) = {p}"),
            (_, Dialect::Sqlite) => format!(
                "length({s}) >= length({p}) AND substr({s}, length({s}) - length({p}) + 1) = {p}"
            ),
            (_, Dialect::Postgres) => format!("right({s}, length({p})) = {p}"),
        };
        condition_of(polarity, &test)
    }
}

/// `test` (a boolean SQL expression that is `NULL` where it is false) as a
/// condition of `polarity`.
fn condition_of(polarity: Polarity, test: &str) -> String {
    match polarity {
        Polarity::Exact => format!("COALESCE({test}, FALSE)"),
        Polarity::Positive => format!("({test})"),
    }
}

/// The arguments of PostgreSQL's `translate` that lower ASCII letters.
const ASCII_UPPER: &str = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
const ASCII_LOWER: &str = "'abcdefghijklmnopqrstuvwxyz'";

/// `text` with the `LIKE` wildcards `%` and `_` and the escape character
/// `\` escaped, so that it matches itself only.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn bool_sql(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_owned()
}

fn any_of(terms: &[String]) -> String {
    match terms {
        [] => "FALSE".to_owned(),
        [one] => one.clone(),
        _ => format!("({})", terms.join(" OR ")),
    }
}
