//! The in-memory evaluator. It never panics; on a checked expression it gives
//! the same answer as the SQL the compiler produces.

use std::cmp::Ordering;

use crate::ast::{CompareOp, Expr, ExprKind, Span};
use crate::datetime::canonical_datetime;
use crate::schema::{FieldType, Schema};
use crate::scope::{is_datetime, resolve, BuiltinMacro, Function, Scope, Target, MAX_TREE_DEPTH};
use crate::value::{int_to_float, Value};

/// What an expression is evaluated against: the record, the caller's
/// identity, the clock and the SQL macros.
pub trait Context {
    /// The value at `path`: `["record", field]` (bare filter names arrive in
    /// this form too), `["user", "id" | "email" | "role" | "account_id" |
    /// "groups"]` or `["account", "id" | "slug"]`. Missing values are
    /// [`Value::Null`]. Datetime fields are RFC 3339 text, multiple-select
    /// fields lists of text, JSON fields any value (JSON `null` as
    /// [`Value::Null`]).
    fn resolve(&self, path: &[&str]) -> Value;

    /// The current hour of the day in UTC, `0..=23`, for `@in_time_range`.
    fn now_hour_utc(&self) -> u8;

    /// Runs SQL macro `@name` with its evaluated arguments. By default there
    /// are no SQL macros.
    fn call_sql_macro(&self, name: &str, args: &[Value]) -> Result<Value, MacroError> {
        let _ = args;
        Err(MacroError::new(format!(
            "SQL macro @{name} is not available here"
        )))
    }
}

/// A failure reported by a macro hook of [`Context`] or
/// [`SqlContext`](crate::SqlContext).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MacroError {
    /// What went wrong, fit to show to an administrator.
    pub message: String,
}

impl MacroError {
    /// A macro error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// An evaluation failure (which callers should treat as a denial).
/// `Display` is `<message> at position <N>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at position {}", .span.start)]
pub struct EvalError {
    /// The expression that failed.
    pub span: Span,
    /// Why.
    pub kind: EvalErrorKind,
}

/// The kinds of evaluation failure. None occurs in a checked expression
/// except [`EvalErrorKind::Macro`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalErrorKind {
    /// A function that does not exist.
    #[error("Unknown function: {0}")]
    UnknownFunction(String),
    /// A call with the wrong number of arguments.
    #[error("{name}() expects {expected} argument{}, found {found}", crate::check::plural(*.expected))]
    ArgumentCount {
        /// The function or `@macro` name.
        name: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// A SQL macro failed.
    #[error("Macro @{name} failed: {error}")]
    Macro {
        /// The macro name, without `@`.
        name: String,
        /// The hook's error.
        error: MacroError,
    },
    /// A tree deeper than [`MAX_TREE_DEPTH`].
    #[error("Expression is nested too deeply")]
    TooDeep,
}

/// Evaluates `expr` (a rule or filter of `scope` over `schema`) against `ctx`
/// and casts the result to a boolean by truthiness.
///
/// `and`/`or` short-circuit; function and macro arguments are all evaluated.
/// The schema gives field types: number fields compare as floats and
/// datetime fields as instants.
pub fn evaluate(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    ctx: &dyn Context,
) -> Result<bool, EvalError> {
    evaluate_value(expr, schema, scope, ctx).map(|v| v.is_truthy())
}

/// Like [`evaluate`], but returns the raw value.
pub fn evaluate_value(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    ctx: &dyn Context,
) -> Result<Value, EvalError> {
    Evaluator { schema, scope, ctx }.eval(expr, 0)
}

struct Evaluator<'a> {
    schema: &'a Schema,
    scope: &'a Scope,
    ctx: &'a dyn Context,
}

type EResult<T> = Result<T, EvalError>;

fn fail<T>(span: Span, kind: EvalErrorKind) -> EResult<T> {
    Err(EvalError { span, kind })
}

impl Evaluator<'_> {
    /// Evaluates one node. Kept to a small frame (the work is done in
    /// helpers) because evaluation recurses through it.
    fn eval(&self, expr: &Expr, depth: usize) -> EResult<Value> {
        if depth > MAX_TREE_DEPTH {
            return fail(expr.span, EvalErrorKind::TooDeep);
        }
        let next = depth + 1;
        match &expr.kind {
            ExprKind::Literal(lit) => Ok(lit.to_value()),
            ExprKind::Path(_) => Ok(self.path(expr)),
            ExprKind::List(items) => self.list(items, next),
            ExprKind::Not(inner) => self.not(inner, next),
            ExprKind::Neg(inner) => self.neg(inner, next),
            ExprKind::And(items) => self.all_of(items, next),
            ExprKind::Or(items) => self.any_of(items, next),
            ExprKind::Compare { op, lhs, rhs } => self.comparison(*op, lhs, rhs, next),
            ExprKind::Call { name, args } => self.call(expr.span, name, args, next),
            ExprKind::Macro { name, args } => self.macro_call(expr.span, name, args, next),
        }
    }

    fn list(&self, items: &[Expr], depth: usize) -> EResult<Value> {
        self.all(items, depth).map(Value::List)
    }

    fn not(&self, inner: &Expr, depth: usize) -> EResult<Value> {
        let value = self.eval(inner, depth)?;
        Ok(Value::Bool(!value.is_truthy()))
    }

    fn neg(&self, inner: &Expr, depth: usize) -> EResult<Value> {
        self.eval(inner, depth).map(negate)
    }

    fn comparison(&self, op: CompareOp, lhs: &Expr, rhs: &Expr, depth: usize) -> EResult<Value> {
        let left = self.eval(lhs, depth)?;
        let right = self.eval(rhs, depth)?;
        let datetime = self.is_datetime(lhs) || self.is_datetime(rhs);
        Ok(Value::Bool(compare(op, left, right, datetime)))
    }

    fn path(&self, expr: &Expr) -> Value {
        match &expr.kind {
            ExprKind::Path(path) => match resolve(path, self.schema, self.scope) {
                Ok(target) => self.field(target),
                Err(_) => self.ctx.resolve(&path.as_strs()),
            },
            _ => Value::Null,
        }
    }

    fn all_of(&self, items: &[Expr], depth: usize) -> EResult<Value> {
        for item in items {
            if !self.eval(item, depth)?.is_truthy() {
                return Ok(Value::Bool(false));
            }
        }
        Ok(Value::Bool(true))
    }

    fn any_of(&self, items: &[Expr], depth: usize) -> EResult<Value> {
        for item in items {
            if self.eval(item, depth)?.is_truthy() {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(false))
    }

    fn call(&self, span: Span, name: &str, args: &[Expr], depth: usize) -> EResult<Value> {
        let values = self.all(args, depth)?;
        self.called(span, name, args, values)
    }

    /// A function call, its arguments evaluated.
    fn called(&self, span: Span, name: &str, args: &[Expr], values: Vec<Value>) -> EResult<Value> {
        let Some(function) = Function::from_name(name) else {
            return fail(span, EvalErrorKind::UnknownFunction(name.to_owned()));
        };
        let [first, second] =
            <[Value; 2]>::try_from(values).map_err(|v| arity(span, name, 2, v.len()))?;
        Ok(Value::Bool(match function {
            Function::Contains => {
                let datetime = args.iter().any(|a| self.is_datetime(a));
                compare(CompareOp::In, second, first, datetime)
            }
            Function::StartsWith | Function::EndsWith => match (first, second) {
                (Value::Text(s), Value::Text(p)) if function == Function::StartsWith => {
                    s.starts_with(p.as_str())
                }
                (Value::Text(s), Value::Text(p)) => s.ends_with(p.as_str()),
                _ => false,
            },
        }))
    }

    fn macro_call(&self, span: Span, name: &str, args: &[Expr], depth: usize) -> EResult<Value> {
        let values = self.all(args, depth)?;
        self.macro_called(span, name, values)
    }

    /// A macro call, its arguments evaluated.
    fn macro_called(&self, span: Span, name: &str, values: Vec<Value>) -> EResult<Value> {
        match BuiltinMacro::from_name(name) {
            Some(builtin) if values.len() == builtin.arity() => {
                Ok(Value::Bool(self.builtin(builtin, &values)))
            }
            Some(builtin) => Err(arity(
                span,
                &format!("@{name}"),
                builtin.arity(),
                values.len(),
            )),
            None => self
                .ctx
                .call_sql_macro(name, &values)
                .map_err(|error| EvalError {
                    span,
                    kind: EvalErrorKind::Macro {
                        name: name.to_owned(),
                        error,
                    },
                }),
        }
    }

    fn all(&self, items: &[Expr], depth: usize) -> EResult<Vec<Value>> {
        items.iter().map(|e| self.eval(e, depth)).collect()
    }

    /// The value of a resolved path; number fields are always floats.
    fn field(&self, target: Target<'_>) -> Value {
        let value = self.ctx.resolve(&target.context_path());
        match (target, value) {
            (Target::Field(_, FieldType::Number), Value::Int(i)) => Value::Float(int_to_float(i)),
            (_, value) => value,
        }
    }

    fn is_datetime(&self, expr: &Expr) -> bool {
        is_datetime(expr, self.schema, self.scope)
    }

    fn builtin(&self, builtin: BuiltinMacro, args: &[Value]) -> bool {
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match builtin {
            BuiltinMacro::HasRole => {
                let role = self.ctx.resolve(&["user", "role"]);
                role != Value::Null && role.rule_eq(&arg(0))
            }
            BuiltinMacro::HasGroup => arg(0).rule_in(&self.ctx.resolve(&["user", "groups"])),
            BuiltinMacro::OwnsRecord | BuiltinMacro::IsCreator => {
                let user = self.ctx.resolve(&["user", "id"]);
                let creator = self.field(Target::Field("created_by", FieldType::Text));
                user != Value::Null && creator.rule_eq(&user)
            }
            BuiltinMacro::InTimeRange => {
                in_time_range(&arg(0), &arg(1), f64::from(self.ctx.now_hour_utc()))
            }
        }
    }
}

fn arity(span: Span, name: &str, expected: usize, found: usize) -> EvalError {
    EvalError {
        span,
        kind: EvalErrorKind::ArgumentCount {
            name: name.to_owned(),
            expected,
            found,
        },
    }
}

fn negate(value: Value) -> Value {
    match value {
        Value::Int(i) => i
            .checked_neg()
            .map_or_else(|| Value::Float(-int_to_float(i)), Value::Int),
        Value::Float(f) => Value::Float(-f),
        _ => Value::Null,
    }
}

pub(crate) fn in_time_range(start: &Value, end: &Value, hour: f64) -> bool {
    let number = |v: &Value| match v {
        Value::Int(i) => Some(int_to_float(*i)),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (number(start), number(end)) {
        (Some(start), Some(end)) if start <= end => start <= hour && hour < end,
        (Some(start), Some(end)) => hour >= start || hour < end,
        _ => false,
    }
}

/// A datetime operand brought to canonical text; `Err` if it is not a datetime.
fn datetime(value: Value) -> Result<Value, ()> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Text(text) => canonical_datetime(&text).map(Value::Text).ok_or(()),
        _ => Err(()),
    }
}

/// One comparison, as the language defines it. With `datetime`, both sides
/// are compared as instants: values that are not datetimes are unequal to
/// everything and unordered.
pub(crate) fn compare(op: CompareOp, left: Value, right: Value, datetime: bool) -> bool {
    if !datetime {
        return compare_plain(op, &left, &right);
    }
    match op {
        CompareOp::In | CompareOp::NotIn => {
            let right = match right {
                Value::List(items) => Value::List(
                    items
                        .into_iter()
                        .filter_map(|v| self::datetime(v).ok())
                        .collect(),
                ),
                other => other,
            };
            match self::datetime(left) {
                Ok(left) => compare_plain(op, &left, &right),
                Err(()) => op == CompareOp::NotIn,
            }
        }
        _ => match (self::datetime(left), self::datetime(right)) {
            (Ok(left), Ok(right)) => compare_plain(op, &left, &right),
            _ => matches!(op, CompareOp::Ne | CompareOp::NotLike),
        },
    }
}

fn compare_plain(op: CompareOp, left: &Value, right: &Value) -> bool {
    let ordering = || left.rule_cmp(right);
    match op {
        CompareOp::Eq => left.rule_eq(right),
        CompareOp::Ne => !left.rule_eq(right),
        CompareOp::Lt => ordering() == Some(Ordering::Less),
        CompareOp::Le => matches!(ordering(), Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => ordering() == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ordering(), Some(Ordering::Greater | Ordering::Equal)),
        CompareOp::In => left.rule_in(right),
        CompareOp::NotIn => !left.rule_in(right),
        CompareOp::Like => left.rule_like(right),
        CompareOp::NotLike => !left.rule_like(right),
    }
}

#[cfg(test)]
mod tests;
