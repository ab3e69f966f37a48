//! `having=`: comparisons of numeric aggregates with numbers, joined by
//! `&&`/`||`/`!`, parsed by the rules crate and compiled here; every number
//! is bound, every aggregate is checked like those of `functions=`.

use snackbase_rules::{self as rules, CompareOp, ExprKind, Literal};

use super::{aggregate_of, Func};
use crate::collections::view::View;
use crate::db::statement::Statement;
use crate::db::values::Param;
use crate::db::Backend;
use crate::error::{ApiError, ApiResult, FieldError};

fn having_error(code: &str, message: String, position: usize) -> ApiError {
    ApiError::Validation {
        message: message.clone(),
        details: vec![FieldError::new("having", code, message).at(position)],
    }
}

/// Compiles `having=` (comparisons of numeric aggregates with numbers,
/// joined by `&&`/`||`/`!`) into a predicate on `t`'s groups.
pub(super) fn compile(c: &View<'_>, source: &str, backend: Backend) -> ApiResult<Statement> {
    let expr = rules::parse(source)
        .map_err(|e| having_error("having_syntax", e.to_string(), e.position))?;
    let mut s = Statement::default();
    having_expr(c, &expr, backend, &mut s)?;
    Ok(s)
}

fn having_expr(
    c: &View<'_>,
    e: &rules::Expr,
    backend: Backend,
    s: &mut Statement,
) -> ApiResult<()> {
    let invalid = |message: &str| having_error("having_invalid", message.into(), e.span.start);
    match &e.kind {
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            let joiner = if matches!(e.kind, ExprKind::And(_)) { " AND " } else { " OR " };
            s.push("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    s.push(joiner);
                }
                having_expr(c, part, backend, s)?;
            }
            s.push(")");
        }
        ExprKind::Not(inner) => {
            s.push("(NOT ");
            having_expr(c, inner, backend, s)?;
            s.push(")");
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let op = match op {
                CompareOp::Eq => "=",
                CompareOp::Ne => "<>",
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
                _ => return Err(invalid("having compares aggregates with =, !=, <, <=, > or >=")),
            };
            let is_call = |e: &rules::Expr| matches!(e.kind, ExprKind::Call { .. });
            if !is_call(lhs) && !is_call(rhs) {
                return Err(invalid("Each comparison in having needs an aggregate, e.g. count() > 5"));
            }
            s.push("(");
            having_operand(c, lhs, backend, s)?;
            s.push(&format!(" {op} "));
            having_operand(c, rhs, backend, s)?;
            s.push(")");
        }
        _ => {
            return Err(invalid(
                "having is a comparison of aggregates with numbers, e.g. count() > 5 && sum(total) >= 100",
            ))
        }
    }
    Ok(())
}

fn having_operand(
    c: &View<'_>,
    e: &rules::Expr,
    backend: Backend,
    s: &mut Statement,
) -> ApiResult<()> {
    let invalid = |message: String| having_error("having_invalid", message, e.span.start);
    match &e.kind {
        ExprKind::Literal(Literal::Int(i)) => {
            s.bind(Param::Float(*i as f64));
        }
        ExprKind::Literal(Literal::Float(f)) if f.is_finite() => {
            s.bind(Param::Float(*f));
        }
        ExprKind::Call { name, args } => {
            let func = Func::parse(name).ok_or_else(|| {
                invalid(format!(
                    "Unknown function '{name}' (count, sum, avg, min, max)"
                ))
            })?;
            let arg = match args.as_slice() {
                [] => "",
                [a] => match &a.kind {
                    ExprKind::Path(p) if p.segments.len() == 1 => p.segments[0].as_str(),
                    _ => return Err(invalid(format!("{name}() takes a field name"))),
                },
                _ => return Err(invalid(format!("{name}() takes one field"))),
            };
            let a = aggregate_of(c, "having", func, arg)?;
            if !a.is_numeric() {
                return Err(invalid(format!("'{}' is not a number", a.key())));
            }
            s.push(&a.sql(backend));
        }
        _ => {
            return Err(invalid(
                "having compares aggregates such as count() or sum(total) with numbers".into(),
            ))
        }
    }
    Ok(())
}
