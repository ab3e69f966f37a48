//! The walk over expressions, functions, ordering and windows.

use super::allow::*;
use super::*;

impl Walk {
    pub(super) fn exprs(&mut self, exprs: &mut [Expr]) -> Checked {
        exprs.iter_mut().try_for_each(|e| self.expr(e))
    }

    pub(super) fn boxed(&mut self, e: &mut Option<Box<Expr>>) -> Checked {
        match e {
            Some(e) => self.expr(e),
            None => Ok(()),
        }
    }

    pub(super) fn order_by(&mut self, exprs: &mut [OrderByExpr]) -> Checked {
        for OrderByExpr {
            expr,
            options: _,
            with_fill,
        } in exprs
        {
            if with_fill.is_some() {
                return Err(unsupported("WITH FILL"));
            }
            self.expr(expr)?;
        }
        Ok(())
    }

    pub(super) fn window_spec(&mut self, spec: &mut WindowSpec) -> Checked {
        let WindowSpec {
            window_name: _,
            partition_by,
            order_by,
            window_frame,
        } = spec;
        self.exprs(partition_by)?;
        self.order_by(order_by)?;
        if let Some(WindowFrame {
            units: _,
            start_bound,
            end_bound,
        }) = window_frame
        {
            for bound in std::iter::once(start_bound).chain(end_bound.as_mut()) {
                match bound {
                    WindowFrameBound::CurrentRow => {}
                    WindowFrameBound::Preceding(e) | WindowFrameBound::Following(e) => {
                        self.boxed(e)?
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn expr(&mut self, e: &mut Expr) -> Checked {
        self.enter()?;
        match e {
            Expr::Identifier(ident) => {
                if ident.quote_style.is_none() {
                    if let Some(Marker::Param(_)) = marker(&ident.value) {
                        self.uses += 1;
                    } else if SESSION_WORDS.contains(&ident.value.to_ascii_lowercase().as_str()) {
                        return Err(format!(
                            "'{ident}' is a reserved word in a macro; quote a column with this name (\"{ident}\")"
                        ));
                    }
                }
            }
            Expr::CompoundIdentifier(parts) => {
                if parts.len() > 2 {
                    return Err(format!(
                        "{} (qualify a column by its table only)",
                        not_allowed(e)
                    ));
                }
            }
            Expr::Value(ValueWithSpan { value, span: _ }) => literal(value)?,
            Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x)
            | Expr::Nested(x) => self.expr(x)?,
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Expr::In {
                expr,
                target,
                negated: _,
                global: false,
            } => {
                self.expr(expr)?;
                match target {
                    InTarget::List(list) => self.exprs(list)?,
                    InTarget::Subquery(query) => self.query(query)?,
                    other => return Err(not_allowed(other)),
                }
            }
            Expr::Between {
                expr,
                negated: _,
                low,
                high,
            } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)?;
            }
            Expr::BinaryOp { left, op, right } => {
                binary_operator(op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some: _,
            }
            | Expr::AllOp {
                left,
                compare_op,
                right,
            } => {
                binary_operator(compare_op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::Like {
                negated: _,
                any: false,
                expr,
                pattern,
                escape_char,
            }
            | Expr::ILike {
                negated: _,
                any: false,
                expr,
                pattern,
                escape_char,
            }
            | Expr::SimilarTo {
                negated: _,
                expr,
                pattern,
                escape_char,
            } => {
                self.expr(expr)?;
                self.expr(pattern)?;
                self.boxed(escape_char)?;
            }
            Expr::UnaryOp { op, expr } => {
                match op {
                    UnaryOperator::Plus
                    | UnaryOperator::Minus
                    | UnaryOperator::Not
                    | UnaryOperator::BitwiseNot => {}
                    other => return Err(not_allowed(other)),
                }
                self.expr(expr)?;
            }
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                data_type,
                format: None,
            } => {
                plain_type(data_type)?;
                self.expr(expr)?;
            }
            Expr::TypedString(TypedString {
                data_type,
                value: ValueWithSpan { value, span: _ },
                uses_odbc_syntax: false,
            }) => {
                plain_type(data_type)?;
                literal(value)?;
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                self.expr(timestamp)?;
                self.expr(time_zone)?;
            }
            Expr::Extract {
                field: _,
                syntax: _,
                expr,
            }
            | Expr::Ceil { expr, field: _ }
            | Expr::Floor { expr, field: _ } => self.expr(expr)?,
            Expr::Position { expr, r#in } => {
                self.expr(expr)?;
                self.expr(r#in)?;
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                special: _,
                shorthand: _,
            } => {
                self.expr(expr)?;
                self.boxed(substring_from)?;
                self.boxed(substring_for)?;
            }
            Expr::Trim {
                trim_where: _,
                trim_what,
                expr,
                trim_characters,
            } => {
                self.expr(expr)?;
                self.boxed(trim_what)?;
                if let Some(chars) = trim_characters {
                    self.exprs(chars)?;
                }
            }
            Expr::Collate { expr, collation } => {
                // A collation name (NOCASE, "C"), not a path to one.
                if !matches!(collation.0.as_slice(), [ObjectNamePart::Identifier(_)]) {
                    return Err(not_allowed(collation));
                }
                self.expr(expr)?;
            }
            Expr::Function(function) => self.function(function)?,
            Expr::Case {
                case_token: _,
                end_token: _,
                operand,
                conditions,
                else_result,
            } => {
                self.boxed(operand)?;
                for when in conditions {
                    self.expr(&mut when.condition)?;
                    self.expr(&mut when.result)?;
                }
                self.boxed(else_result)?;
            }
            Expr::Exists {
                subquery,
                negated: _,
            } => self.query(subquery)?,
            Expr::Subquery(query) => self.query(query)?,
            Expr::Tuple(exprs) => self.exprs(exprs)?,
            Expr::Array(array) => self.exprs(&mut array.elem)?,
            Expr::Interval(interval) => self.expr(&mut interval.value)?,
            other => return Err(not_allowed(other)),
        }
        self.depth -= 1;
        Ok(())
    }

    pub(super) fn function(&mut self, function: &mut Function) -> Checked {
        let Function {
            name,
            uses_odbc_syntax,
            parameters,
            args,
            within_group,
            filter,
            null_treatment,
            over,
        } = function;
        let known = single_plain(name)
            .is_some_and(|i| FUNCTIONS.contains(&i.value.to_ascii_lowercase().as_str()));
        if !known {
            return Err(format!(
                "Function '{name}' is not allowed in a macro (allowed: {})",
                FUNCTIONS.join(", ")
            ));
        }
        if *uses_odbc_syntax
            || !matches!(parameters, FunctionArguments::None)
            || null_treatment.is_some()
        {
            return Err(not_allowed(function));
        }
        match args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => return Err(not_allowed(function)),
            FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: _,
                args,
                clauses,
            }) => {
                for arg in args {
                    match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => self.expr(e)?,
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => {}
                        other => return Err(not_allowed(other)),
                    }
                }
                for clause in clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(exprs) => self.order_by(exprs)?,
                        other => return Err(not_allowed(other)),
                    }
                }
            }
        }
        self.order_by(within_group)?;
        self.boxed(filter)?;
        match over {
            None | Some(WindowType::NamedWindow(_)) => {}
            Some(WindowType::WindowSpec(spec)) => self.window_spec(spec)?,
        }
        Ok(())
    }
}
