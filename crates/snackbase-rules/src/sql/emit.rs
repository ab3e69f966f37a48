//! Expression-to-SQL translation. A *condition* is compiled for a
//! [`Polarity`]: two-valued SQL (never `NULL`) where its value is observed,
//! or index-friendly SQL that may be `NULL` instead of false where only
//! `TRUE` matters; *scalars* may be `NULL`.

use super::compare::param_for;
use super::{quote_ident, CompileError, Dialect, ParamBinder, SqlContext, SqlParam, MAX_SQL_BYTES};
use crate::ast::{CompareOp, Expr, ExprKind, Span};
use crate::check::Ty;
use crate::eval::{evaluate_value, Context, MacroError};
use crate::schema::Schema;
use crate::scope::{
    depends_on_record, is_datetime, resolve, BuiltinMacro, Function, Scope, Target, MAX_TREE_DEPTH,
};
use crate::value::Value;

/// A compiled sub-expression.
#[derive(Debug, Clone)]
pub(super) enum Operand {
    /// Known before the query runs.
    Const(Value),
    /// A nullable scalar: a column, `-column`, a macro result.
    Scalar { sql: String, ty: Ty },
    /// A two-valued boolean.
    Cond(String),
    /// A list literal with record-dependent items.
    List(Vec<Operand>),
}

pub(super) type CResult<T> = Result<T, CompileError>;

/// How the SQL of a condition is consumed, which decides whether it may be
/// `NULL` where the evaluator says false.
///
/// SQL's three-valued logic only differs from the evaluator's two values
/// where a `NULL` is *observed*: `NOT NULL` is `NULL`, not true, and a `NULL`
/// compared as a value is not `FALSE`. `WHERE`, `AND` and `OR` treat a `NULL`
/// exactly like `FALSE` as far as *being `TRUE`* is concerned (`x AND NULL`
/// and `x OR NULL` are `TRUE` exactly when they would be with `FALSE`), so
/// below them a condition only has to be `TRUE` exactly when the evaluator
/// says true. There the compiler emits plain, index-friendly comparisons
/// (`"status" = $1`) instead of null-safe ones (`IS NOT DISTINCT FROM`,
/// `COALESCE(…, FALSE)`), which PostgreSQL cannot match to a b-tree index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Polarity {
    /// The value is observed (under `not`, as an operand of a comparison, a
    /// list element, a function or macro argument): the SQL must be `TRUE` or
    /// `FALSE`, never `NULL`.
    Exact,
    /// Only `TRUE` selects a record: the predicate itself, and operands of
    /// `and` / `or` in a positive position. The SQL must be `TRUE` exactly
    /// when the evaluator says true, and may be `NULL` instead of `FALSE`.
    Positive,
}

pub(super) fn compile_checked(
    expr: &Expr,
    schema: &Schema,
    scope: &Scope,
    ctx: &dyn SqlContext,
    binder: ParamBinder,
) -> CResult<(String, ParamBinder)> {
    let mut compiler = Compiler {
        schema,
        scope,
        ctx,
        binder,
    };
    // The predicate follows `WHERE` (or `AND` under it): only `TRUE` selects.
    let operand = compiler.operand(expr, 0, Polarity::Positive)?;
    let sql = compiler.condition(operand, Polarity::Positive);
    Ok((sql, compiler.binder))
}

/// Lets the evaluator compute record-independent parts from a [`SqlContext`].
struct Fold<'a>(&'a dyn SqlContext);

impl Context for Fold<'_> {
    fn resolve(&self, path: &[&str]) -> Value {
        self.0.resolve(path)
    }

    fn now_hour_utc(&self) -> u8 {
        self.0.now_hour_utc()
    }
}

pub(super) struct Compiler<'a> {
    schema: &'a Schema,
    scope: &'a Scope,
    pub(super) ctx: &'a dyn SqlContext,
    pub(super) binder: ParamBinder,
}

impl Compiler<'_> {
    pub(super) fn dialect(&self) -> Dialect {
        self.binder.dialect
    }

    fn column(&self, name: &str) -> String {
        match self.ctx.table_alias() {
            Some(alias) => format!("{}.{}", quote_ident(alias), quote_ident(name)),
            None => quote_ident(name),
        }
    }

    /// Binds `param` for a scalar of type `ty` (datetimes are cast in PostgreSQL).
    pub(super) fn placeholder(&mut self, ty: Ty, param: SqlParam) -> String {
        let placeholder = self.binder.bind(param);
        match (ty, self.dialect()) {
            (Ty::Datetime, Dialect::Postgres) => format!("CAST({placeholder} AS TIMESTAMPTZ)"),
            _ => placeholder,
        }
    }

    /// Compiles one node. This function and the ones it recurses through keep
    /// their frames small (the work is done in non-recursive helpers), so the
    /// deepest accepted trees fit on a small stack even in debug builds.
    ///
    /// A [`Operand::Cond`] compiled for [`Polarity::Positive`] may only be
    /// consumed by [`condition`](Self::condition) with the same polarity;
    /// every node that observes a value compiles its children as
    /// [`Polarity::Exact`].
    fn operand(&mut self, expr: &Expr, depth: usize, polarity: Polarity) -> CResult<Operand> {
        if depth > MAX_TREE_DEPTH {
            return Err(CompileError::TooDeep { span: expr.span });
        }
        if !depends_on_record(expr, self.schema, self.scope) {
            return self.fold(expr);
        }
        let next = depth + 1;
        match &expr.kind {
            ExprKind::Literal(lit) => Ok(Operand::Const(lit.to_value())),
            ExprKind::List(items) => self.list(items, next),
            ExprKind::Path(_) => self.path(expr),
            ExprKind::Not(inner) => {
                let inner = self.operand(inner, next, Polarity::Exact)?;
                Ok(self.negation(inner))
            }
            ExprKind::Neg(inner) => {
                let inner = self.operand(inner, next, Polarity::Exact)?;
                Ok(self.minus(inner))
            }
            ExprKind::And(items) => self.junction(items, " AND ", next, polarity),
            ExprKind::Or(items) => self.junction(items, " OR ", next, polarity),
            ExprKind::Compare { op, lhs, rhs } => {
                self.comparison(expr.span, *op, (lhs, rhs), next, polarity)
            }
            ExprKind::Call { name, args } => self.call(expr.span, name, args, next, polarity),
            ExprKind::Macro { name, args } => {
                self.macro_call(expr.span, name, args, next, polarity)
            }
        }
    }

    /// A record-independent node, computed now with the evaluator.
    fn fold(&self, expr: &Expr) -> CResult<Operand> {
        let value = evaluate_value(expr, self.schema, self.scope, &Fold(self.ctx))?;
        Ok(Operand::Const(value))
    }

    fn list(&mut self, items: &[Expr], depth: usize) -> CResult<Operand> {
        let mut operands = Vec::with_capacity(items.len());
        for item in items {
            operands.push(self.operand(item, depth, Polarity::Exact)?);
        }
        Ok(Operand::List(operands))
    }

    fn path(&self, expr: &Expr) -> CResult<Operand> {
        let ExprKind::Path(path) = &expr.kind else {
            return Ok(Operand::Const(Value::Null));
        };
        match resolve(path, self.schema, self.scope) {
            Ok(Target::Field(name, ty)) => Ok(Operand::Scalar {
                sql: self.column(name),
                ty: Ty::of_field(ty),
            }),
            Ok(target) => Ok(Operand::Const(self.ctx.resolve(&target.context_path()))),
            Err(kind) => Err(CompileError::Check(crate::CheckError {
                span: expr.span,
                kind,
            })),
        }
    }

    fn negation(&mut self, inner: Operand) -> Operand {
        Operand::Cond(format!("(NOT {})", self.condition(inner, Polarity::Exact)))
    }

    fn minus(&mut self, inner: Operand) -> Operand {
        let ty = match &inner {
            Operand::Scalar { ty, .. } => *ty,
            _ => Ty::Number,
        };
        Operand::Scalar {
            sql: format!("(-{})", self.scalar(inner)),
            ty,
        }
    }

    fn comparison(
        &mut self,
        span: Span,
        op: CompareOp,
        (lhs, rhs): (&Expr, &Expr),
        depth: usize,
        polarity: Polarity,
    ) -> CResult<Operand> {
        let datetime = self.is_datetime(lhs) || self.is_datetime(rhs);
        let left = self.operand(lhs, depth, Polarity::Exact)?;
        let right = self.operand(rhs, depth, Polarity::Exact)?;
        self.compared(span, op, (left, right), datetime, polarity)
    }

    fn compared(
        &mut self,
        span: Span,
        op: CompareOp,
        (left, right): (Operand, Operand),
        datetime: bool,
        polarity: Polarity,
    ) -> CResult<Operand> {
        // A negated comparison observes the value of the comparison, so the
        // comparison itself must be two-valued.
        let cond = match op {
            CompareOp::Eq => self.equal(left, right, datetime, polarity),
            CompareOp::Ne => self.not_equal(left, right, datetime),
            CompareOp::In => self.member(left, right, datetime, span, polarity)?,
            CompareOp::NotIn => format!(
                "(NOT {})",
                self.member(left, right, datetime, span, Polarity::Exact)?
            ),
            CompareOp::Like => self.like(left, right, polarity),
            CompareOp::NotLike => format!("(NOT {})", self.like(left, right, Polarity::Exact)),
            _ => self.order(op, left, right, polarity),
        };
        Ok(Operand::Cond(cond))
    }

    fn call(
        &mut self,
        span: Span,
        name: &str,
        args: &[Expr],
        depth: usize,
        polarity: Polarity,
    ) -> CResult<Operand> {
        let mut operands = Vec::with_capacity(args.len());
        for arg in args {
            operands.push(self.operand(arg, depth, Polarity::Exact)?);
        }
        let datetime = args.iter().any(|arg| self.is_datetime(arg));
        self.called(span, name, operands, datetime, polarity)
    }

    fn called(
        &mut self,
        span: Span,
        name: &str,
        mut operands: Vec<Operand>,
        datetime: bool,
        polarity: Polarity,
    ) -> CResult<Operand> {
        let (Some(second), Some(first)) = (operands.pop(), operands.pop()) else {
            return Ok(Operand::Cond("FALSE".to_owned()));
        };
        Ok(Operand::Cond(match Function::from_name(name) {
            Some(Function::Contains) => self.member(second, first, datetime, span, polarity)?,
            Some(function) => self.affix(function, first, second, polarity),
            None => "FALSE".to_owned(),
        }))
    }

    fn macro_call(
        &mut self,
        span: Span,
        name: &str,
        args: &[Expr],
        depth: usize,
        polarity: Polarity,
    ) -> CResult<Operand> {
        match BuiltinMacro::from_name(name) {
            Some(BuiltinMacro::OwnsRecord | BuiltinMacro::IsCreator) => {
                Ok(self.owns_record(polarity))
            }
            Some(_) => Ok(Operand::Cond("FALSE".to_owned())),
            None => {
                let mut sql_args = Vec::with_capacity(args.len());
                for arg in args {
                    let operand = self.operand(arg, depth, Polarity::Exact)?;
                    sql_args.push(self.scalar(operand));
                }
                self.sql_macro(span, name, &sql_args)
            }
        }
    }

    fn owns_record(&mut self, polarity: Polarity) -> Operand {
        let creator = Operand::Scalar {
            sql: self.column("created_by"),
            ty: Ty::Text,
        };
        match self.ctx.resolve(&["user", "id"]) {
            Value::Null => Operand::Cond("FALSE".to_owned()),
            user => Operand::Cond(self.equal(creator, Operand::Const(user), false, polarity)),
        }
    }

    /// `and` / `or`: both keep the polarity of their position (see
    /// [`Polarity`]).
    fn junction(
        &mut self,
        items: &[Expr],
        joiner: &str,
        depth: usize,
        polarity: Polarity,
    ) -> CResult<Operand> {
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            let operand = self.operand(item, depth, polarity)?;
            parts.push(self.condition(operand, polarity));
        }
        Ok(Operand::Cond(format!("({})", parts.join(joiner))))
    }

    /// The truthiness of an operand: two-valued when `polarity` is
    /// [`Polarity::Exact`], else possibly `NULL` where it is false.
    pub(super) fn condition(&mut self, operand: Operand, polarity: Polarity) -> String {
        match operand {
            Operand::Const(value) => self.binder.bind(SqlParam::Bool(value.is_truthy())),
            Operand::Cond(sql) => sql,
            Operand::Scalar { sql, ty } => {
                let test = match ty {
                    Ty::Bool | Ty::Any => sql,
                    Ty::Number => format!("{sql} <> 0"),
                    Ty::Text => format!("{sql} <> ''"),
                    Ty::Datetime => return format!("({sql} IS NOT NULL)"),
                    Ty::TextList => match self.dialect() {
                        Dialect::Sqlite => format!("json_array_length({sql}) > 0"),
                        Dialect::Postgres => format!("jsonb_array_length({sql}) > 0"),
                    },
                    Ty::Json | Ty::Null => return "FALSE".to_owned(),
                };
                match (polarity, ty) {
                    (Polarity::Exact, _) => format!("COALESCE({test}, FALSE)"),
                    // A column or a parenthesised macro result.
                    (Polarity::Positive, Ty::Bool | Ty::Any) => test,
                    (Polarity::Positive, _) => format!("({test})"),
                }
            }
            Operand::List(items) => self.binder.bind(SqlParam::Bool(!items.is_empty())),
        }
    }

    /// A scalar SQL expression for an operand (constants bound as they are).
    pub(super) fn scalar(&mut self, operand: Operand) -> String {
        match operand {
            Operand::Const(value) => match param_for(Ty::Any, &value) {
                Some(param) => self.binder.bind(param),
                None => "NULL".to_owned(),
            },
            Operand::Scalar { sql, .. } | Operand::Cond(sql) => sql,
            Operand::List(_) => "NULL".to_owned(),
        }
    }

    pub(super) fn ty(operand: &Operand) -> Ty {
        match operand {
            Operand::Scalar { ty, .. } => *ty,
            Operand::Cond(_) => Ty::Bool,
            Operand::Const(_) | Operand::List(_) => Ty::Any,
        }
    }

    fn is_datetime(&self, expr: &Expr) -> bool {
        is_datetime(expr, self.schema, self.scope)
    }

    fn sql_macro(&mut self, span: Span, name: &str, sql_args: &[String]) -> CResult<Operand> {
        let fragment = self
            .ctx
            .sql_macro(name, sql_args, &mut self.binder)
            .map_err(|error| CompileError::Macro {
                name: name.to_owned(),
                error,
                span,
            })?;
        if fragment.len() > MAX_SQL_BYTES {
            return Err(CompileError::TooLarge { span });
        }
        if !self.binder.tokens_valid(&fragment) {
            return Err(CompileError::Macro {
                name: name.to_owned(),
                error: MacroError::new("the macro's SQL contains a NUL character"),
                span,
            });
        }
        Ok(Operand::Scalar {
            sql: format!("({fragment})"),
            ty: Ty::Any,
        })
    }
}
