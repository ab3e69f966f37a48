//! Expression-to-SQL translation. Every function returning a *condition*
//! returns two-valued SQL (never `NULL`); *scalars* may be `NULL`.

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
    let operand = compiler.operand(expr, 0)?;
    let sql = compiler.condition(operand);
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
    fn operand(&mut self, expr: &Expr, depth: usize) -> CResult<Operand> {
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
                let inner = self.operand(inner, next)?;
                Ok(self.negation(inner))
            }
            ExprKind::Neg(inner) => {
                let inner = self.operand(inner, next)?;
                Ok(self.minus(inner))
            }
            ExprKind::And(items) => self.junction(items, " AND ", next),
            ExprKind::Or(items) => self.junction(items, " OR ", next),
            ExprKind::Compare { op, lhs, rhs } => self.comparison(expr.span, *op, lhs, rhs, next),
            ExprKind::Call { name, args } => self.call(expr.span, name, args, next),
            ExprKind::Macro { name, args } => self.macro_call(expr.span, name, args, next),
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
            operands.push(self.operand(item, depth)?);
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
        Operand::Cond(format!("(NOT {})", self.condition(inner)))
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
        lhs: &Expr,
        rhs: &Expr,
        depth: usize,
    ) -> CResult<Operand> {
        let datetime = self.is_datetime(lhs) || self.is_datetime(rhs);
        let left = self.operand(lhs, depth)?;
        let right = self.operand(rhs, depth)?;
        self.compared(span, op, left, right, datetime)
    }

    fn compared(
        &mut self,
        span: Span,
        op: CompareOp,
        left: Operand,
        right: Operand,
        datetime: bool,
    ) -> CResult<Operand> {
        let cond = match op {
            CompareOp::Eq => self.equal(left, right, datetime),
            CompareOp::Ne => format!("(NOT {})", self.equal(left, right, datetime)),
            CompareOp::In => self.member(left, right, datetime, span)?,
            CompareOp::NotIn => format!("(NOT {})", self.member(left, right, datetime, span)?),
            _ => self.order(op, left, right),
        };
        Ok(Operand::Cond(cond))
    }

    fn call(&mut self, span: Span, name: &str, args: &[Expr], depth: usize) -> CResult<Operand> {
        let mut operands = Vec::with_capacity(args.len());
        for arg in args {
            operands.push(self.operand(arg, depth)?);
        }
        let datetime = args.iter().any(|arg| self.is_datetime(arg));
        self.called(span, name, operands, datetime)
    }

    fn called(
        &mut self,
        span: Span,
        name: &str,
        mut operands: Vec<Operand>,
        datetime: bool,
    ) -> CResult<Operand> {
        let (Some(second), Some(first)) = (operands.pop(), operands.pop()) else {
            return Ok(Operand::Cond("FALSE".to_owned()));
        };
        Ok(Operand::Cond(match Function::from_name(name) {
            Some(Function::Contains) => self.member(second, first, datetime, span)?,
            Some(function) => self.affix(function, first, second),
            None => "FALSE".to_owned(),
        }))
    }

    fn macro_call(
        &mut self,
        span: Span,
        name: &str,
        args: &[Expr],
        depth: usize,
    ) -> CResult<Operand> {
        match BuiltinMacro::from_name(name) {
            Some(BuiltinMacro::OwnsRecord | BuiltinMacro::IsCreator) => Ok(self.owns_record()),
            Some(_) => Ok(Operand::Cond("FALSE".to_owned())),
            None => {
                let mut sql_args = Vec::with_capacity(args.len());
                for arg in args {
                    let operand = self.operand(arg, depth)?;
                    sql_args.push(self.scalar(operand));
                }
                self.sql_macro(span, name, &sql_args)
            }
        }
    }

    fn owns_record(&mut self) -> Operand {
        let creator = Operand::Scalar {
            sql: self.column("created_by"),
            ty: Ty::Text,
        };
        match self.ctx.resolve(&["user", "id"]) {
            Value::Null => Operand::Cond("FALSE".to_owned()),
            user => Operand::Cond(self.equal(creator, Operand::Const(user), false)),
        }
    }

    fn junction(&mut self, items: &[Expr], joiner: &str, depth: usize) -> CResult<Operand> {
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            let operand = self.operand(item, depth)?;
            parts.push(self.condition(operand));
        }
        Ok(Operand::Cond(format!("({})", parts.join(joiner))))
    }

    /// Two-valued truthiness of an operand.
    pub(super) fn condition(&mut self, operand: Operand) -> String {
        match operand {
            Operand::Const(value) => self.binder.bind(SqlParam::Bool(value.is_truthy())),
            Operand::Cond(sql) => sql,
            Operand::Scalar { sql, ty } => match ty {
                Ty::Bool | Ty::Any => format!("COALESCE({sql}, FALSE)"),
                Ty::Number => format!("COALESCE({sql} <> 0, FALSE)"),
                Ty::Text => format!("COALESCE({sql} <> '', FALSE)"),
                Ty::Datetime => format!("({sql} IS NOT NULL)"),
                Ty::TextList => match self.dialect() {
                    Dialect::Sqlite => format!("COALESCE(json_array_length({sql}) > 0, FALSE)"),
                    Dialect::Postgres => {
                        format!("COALESCE(jsonb_array_length({sql}) > 0, FALSE)")
                    }
                },
                Ty::Json | Ty::Null => "FALSE".to_owned(),
            },
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
