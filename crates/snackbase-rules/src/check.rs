//! The type checker: rejects, before anything runs, expressions whose meaning
//! the evaluator and the SQL compiler could not agree on (unknown names,
//! comparisons across types, misuse of lists and JSON, wrong arities, …).

use std::fmt;

use crate::ast::{CompareOp, Expr, ExprKind, Literal, Span};
use crate::datetime::canonical_datetime;
use crate::schema::{FieldType, Schema};
use crate::scope::{
    depends_on_record, resolve, BuiltinMacro, Function, Scope, ScopeKind, Target, UserVar,
    MAX_TREE_DEPTH,
};

/// A type error. `Display` is `<message> at position <N>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at position {}", .span.start)]
pub struct CheckError {
    /// The offending sub-expression.
    pub span: Span,
    /// What is wrong with it.
    pub kind: CheckErrorKind,
}

/// The kinds of type error; each `Display` is the message without position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckErrorKind {
    /// A record field that the schema does not have.
    #[error("Unknown field '{0}'")]
    UnknownField(String),
    /// `NULL`, `True`, …: literals are lower case.
    #[error("Unknown name '{0}'. Did you mean '{1}'?")]
    KeywordCase(String, &'static str),
    /// A name that is not a variable of the scope.
    #[error("Unknown variable '{0}'")]
    UnknownVariable(String),
    /// A bare field name in a rule.
    #[error("Unknown variable '{0}'. Did you mean 'record.{0}'?")]
    BareFieldInRule(String),
    /// `user.*` or `account.*` in a filter.
    #[error("Context variables are not allowed in filters: '{0}'")]
    ContextNotAllowed(String),
    /// A macro call in a filter.
    #[error("Macros are not allowed in filters")]
    MacroInFilter,
    /// `record.owner.id`: fields have no members.
    #[error("'{0}' does not exist: fields have no members")]
    NoMembers(String),
    /// A bare root such as `user`.
    #[error("'{0}' is not a value; name one of its fields")]
    NotAValue(String),
    /// A function that does not exist.
    #[error("Unknown function: {0}")]
    UnknownFunction(String),
    /// A macro that is neither built in nor declared in the scope.
    #[error("Unknown macro: @{0}")]
    UnknownMacro(String),
    /// A call with the wrong number of arguments.
    #[error("{name}() expects {expected} argument{}, found {found}", plural(*.expected))]
    ArgumentCount {
        /// The function or `@macro` name.
        name: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// An argument of the wrong type.
    #[error("{name}() expects {expected}, found {found}")]
    ArgumentType {
        /// The function or `@macro` name.
        name: String,
        /// What it takes.
        expected: &'static str,
        /// The type given.
        found: Ty,
    },
    /// An argument of a built-in macro that reads the record.
    #[error("The arguments of @{0}() must not depend on the record")]
    RecordDependentArgument(String),
    /// `==`, `!=` or `in` across incompatible types.
    #[error("Cannot compare {left} with {right}")]
    Mismatch {
        /// The left operand's type.
        left: Ty,
        /// The right operand's type.
        right: Ty,
    },
    /// `<` and friends on a type without order.
    #[error("Cannot order values of type {0} with '{1}'")]
    Unorderable(Ty, &'static str),
    /// `~` or `!~` on something that is not text.
    #[error("'{0}' compares text, found {1}")]
    NotText(&'static str, Ty),
    /// `<` and friends with a `null` operand.
    #[error("Ordering with null is always false; use '==' or '!=' to test for null")]
    OrderingWithNull,
    /// A text literal compared with a datetime that is not a datetime.
    #[error("Invalid datetime literal '{0}'; expected RFC 3339, such as 2024-01-31T12:00:00Z")]
    InvalidDatetime(String),
    /// A JSON field used other than with `null`.
    #[error("A json value can only be compared with null")]
    JsonUsage,
    /// A list used other than with `null`, `in` or `contains`.
    #[error("A list can only be compared with null, or used on the right of 'in' or as the first argument of contains()")]
    ListUsage,
    /// The right side of `in` (or first argument of `contains`) is not a container.
    #[error("The right side of 'in' must be a list or text, found {0}")]
    NotAContainer(Ty),
    /// Unary minus on a non-number.
    #[error("Unary minus expects a number, found {0}")]
    NotANumber(Ty),
    /// A number literal that is infinite or NaN (only in hand-built trees).
    #[error("Number literal is not finite")]
    NonFinite,
    /// A tree deeper than [`MAX_TREE_DEPTH`].
    #[error("Expression is nested too deeply")]
    TooDeep,
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// The `null` literal.
    Null,
    /// A boolean (also every comparison and logical operator).
    Bool,
    /// A number.
    Number,
    /// Text (also select and reference fields).
    Text,
    /// A datetime field.
    Datetime,
    /// A JSON field.
    Json,
    /// A list of text (multiple-select fields, `user.groups`).
    TextList,
    /// The result of a SQL macro: not known statically.
    Any,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Null => "null",
            Ty::Bool => "boolean",
            Ty::Number => "number",
            Ty::Text => "text",
            Ty::Datetime => "datetime",
            Ty::Json => "json",
            Ty::TextList => "list",
            Ty::Any => "macro result",
        })
    }
}

impl Ty {
    pub(crate) fn of_field(ty: FieldType) -> Ty {
        match ty {
            FieldType::Text | FieldType::Reference | FieldType::Select { multiple: false } => {
                Ty::Text
            }
            FieldType::Number => Ty::Number,
            FieldType::Boolean => Ty::Bool,
            FieldType::Datetime => Ty::Datetime,
            FieldType::Json => Ty::Json,
            FieldType::Select { multiple: true } => Ty::TextList,
        }
    }

    pub(crate) fn of_target(target: Target<'_>) -> Ty {
        match target {
            Target::Field(_, ty) => Ty::of_field(ty),
            Target::User(UserVar::Groups) => Ty::TextList,
            Target::User(_) | Target::Account(_) => Ty::Text,
        }
    }
}

/// Checks `expr` as a rule or filter of `scope` over `schema`. An expression
/// that passes can be evaluated and compiled, and both give the same answer.
pub fn check(expr: &Expr, schema: &Schema, scope: &Scope) -> Result<(), CheckError> {
    let checker = Checker { schema, scope };
    let ty = checker.infer(expr, 0)?;
    condition(expr, ty)
}

type CResult<T> = Result<T, CheckError>;

fn err<T>(span: Span, kind: CheckErrorKind) -> CResult<T> {
    Err(CheckError { span, kind })
}

/// Values of every type but JSON can be used as conditions (truthiness).
fn condition(expr: &Expr, ty: Ty) -> CResult<()> {
    match ty {
        Ty::Json => err(expr.span, CheckErrorKind::JsonUsage),
        _ => Ok(()),
    }
}

struct Checker<'a> {
    schema: &'a Schema,
    scope: &'a Scope,
}

impl Checker<'_> {
    /// The type of `expr`. Kept to a small frame (work is done in helpers)
    /// because the checker recurses through it.
    fn infer(&self, expr: &Expr, depth: usize) -> CResult<Ty> {
        if depth > MAX_TREE_DEPTH {
            return err(expr.span, CheckErrorKind::TooDeep);
        }
        let next = depth + 1;
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::List(_) | ExprKind::Path(_) => self.leaf(expr),
            ExprKind::Not(inner) => self.condition_of(inner, next),
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items {
                    self.condition_of(item, next)?;
                }
                Ok(Ty::Bool)
            }
            ExprKind::Neg(inner) => self.negated(inner, next),
            ExprKind::Compare { op, lhs, rhs } => self.comparison(*op, lhs, rhs, depth),
            ExprKind::Call { name, args } => self.call(expr.span, name, args, depth),
            ExprKind::Macro { name, args } => self.macro_call(expr.span, name, args, depth),
        }
    }

    fn leaf(&self, expr: &Expr) -> CResult<Ty> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Literal(lit) => Ok(match lit {
                Literal::Null => Ty::Null,
                Literal::Bool(_) => Ty::Bool,
                Literal::Int(_) => Ty::Number,
                Literal::Float(f) if f.is_finite() => Ty::Number,
                Literal::Float(_) => return err(span, CheckErrorKind::NonFinite),
                Literal::Text(_) => Ty::Text,
            }),
            ExprKind::Path(path) => resolve(path, self.schema, self.scope)
                .map(Ty::of_target)
                .map_err(|kind| CheckError { span, kind }),
            _ => err(span, CheckErrorKind::ListUsage),
        }
    }

    /// Checks that `expr` can be used as a condition; its type is boolean.
    fn condition_of(&self, expr: &Expr, depth: usize) -> CResult<Ty> {
        let ty = self.infer(expr, depth)?;
        condition(expr, ty)?;
        Ok(Ty::Bool)
    }

    fn negated(&self, inner: &Expr, depth: usize) -> CResult<Ty> {
        match self.infer(inner, depth)? {
            ty @ (Ty::Number | Ty::Any) => Ok(ty),
            ty => err(inner.span, CheckErrorKind::NotANumber(ty)),
        }
    }

    fn comparison(&self, op: CompareOp, lhs: &Expr, rhs: &Expr, depth: usize) -> CResult<Ty> {
        match op {
            CompareOp::In | CompareOp::NotIn => self.membership(lhs, rhs, depth)?,
            CompareOp::Eq | CompareOp::Ne => self.equality(lhs, rhs, depth)?,
            CompareOp::Like | CompareOp::NotLike => self.text_match(op, lhs, rhs, depth)?,
            _ => self.ordering(op, lhs, rhs, depth)?,
        }
        Ok(Ty::Bool)
    }

    /// Lets a text literal stand for a datetime when the other side of a
    /// comparison is one (it must then parse as one). Does not recurse.
    fn coerce(expr: &Expr, ty: Ty, other: Ty) -> CResult<Ty> {
        match (&expr.kind, other) {
            (ExprKind::Literal(Literal::Text(text)), Ty::Datetime) => {
                match canonical_datetime(text) {
                    Some(_) => Ok(Ty::Datetime),
                    None => err(expr.span, CheckErrorKind::InvalidDatetime(text.clone())),
                }
            }
            _ => Ok(ty),
        }
    }

    /// Types of both sides of a comparison, with datetime literals resolved.
    fn pair(&self, lhs: &Expr, rhs: &Expr, depth: usize) -> CResult<(Ty, Ty)> {
        let left = self.infer(lhs, depth + 1)?;
        let right = Self::coerce(rhs, self.infer(rhs, depth + 1)?, left)?;
        let left = Self::coerce(lhs, left, right)?;
        Ok((left, right))
    }

    fn equality(&self, lhs: &Expr, rhs: &Expr, depth: usize) -> CResult<()> {
        let (left, right) = self.pair(lhs, rhs, depth)?;
        equatable(lhs.span.to(rhs.span), left, right)
    }

    fn ordering(&self, op: CompareOp, lhs: &Expr, rhs: &Expr, depth: usize) -> CResult<()> {
        let (left, right) = self.pair(lhs, rhs, depth)?;
        let span = lhs.span.to(rhs.span);
        for (ty, side) in [(left, lhs), (right, rhs)] {
            match ty {
                Ty::Null => return err(side.span, CheckErrorKind::OrderingWithNull),
                Ty::Bool | Ty::Json | Ty::TextList => {
                    return err(side.span, CheckErrorKind::Unorderable(ty, op.symbol()))
                }
                _ => {}
            }
        }
        match (left, right) {
            (Ty::Any, _) | (_, Ty::Any) => Ok(()),
            (l, r) if l == r => Ok(()),
            (l, r) => err(span, CheckErrorKind::Mismatch { left: l, right: r }),
        }
    }

    /// `~` / `!~`: text on both sides (`null` is allowed, and never matches).
    fn text_match(&self, op: CompareOp, lhs: &Expr, rhs: &Expr, depth: usize) -> CResult<()> {
        for side in [lhs, rhs] {
            match self.infer(side, depth + 1)? {
                Ty::Text | Ty::Null | Ty::Any => {}
                ty => return err(side.span, CheckErrorKind::NotText(op.symbol(), ty)),
            }
        }
        Ok(())
    }

    /// `item in container` (and `contains(container, item)`).
    fn membership(&self, item: &Expr, container: &Expr, depth: usize) -> CResult<()> {
        let item_ty = self.infer(item, depth + 1)?;
        if let ExprKind::List(elements) = &container.kind {
            let element_tys = self.args(elements, depth)?;
            // A datetime anywhere makes the whole membership a datetime one:
            // every other operand must then be a datetime (or null).
            let datetime = item_ty == Ty::Datetime || element_tys.contains(&Ty::Datetime);
            let item_ty = if datetime {
                Self::coerce(item, item_ty, Ty::Datetime)?
            } else {
                item_ty
            };
            for (element, element_ty) in elements.iter().zip(element_tys) {
                let element_ty = Self::coerce(element, element_ty, item_ty)?;
                equatable(element.span, item_ty, element_ty)?;
            }
            return Ok(());
        }
        let container_ty = self.infer(container, depth + 1)?;
        match container_ty {
            Ty::Null => Ok(()),
            Ty::TextList | Ty::Text => match item_ty {
                Ty::Text | Ty::Null | Ty::Any => Ok(()),
                _ => err(
                    item.span.to(container.span),
                    CheckErrorKind::Mismatch {
                        left: item_ty,
                        right: container_ty,
                    },
                ),
            },
            ty => err(container.span, CheckErrorKind::NotAContainer(ty)),
        }
    }

    fn args(&self, args: &[Expr], depth: usize) -> CResult<Vec<Ty>> {
        args.iter().map(|a| self.infer(a, depth + 1)).collect()
    }

    fn call(&self, span: Span, name: &str, args: &[Expr], depth: usize) -> CResult<Ty> {
        let Some(function) = Function::from_name(name) else {
            return err(span, CheckErrorKind::UnknownFunction(name.to_owned()));
        };
        let [first, second] = args else {
            return err(span, arity(name, 2, args.len()));
        };
        if function == Function::Contains {
            self.membership(second, first, depth)?;
            return Ok(Ty::Bool);
        }
        for (arg, ty) in args.iter().zip(self.args(args, depth)?) {
            if !matches!(ty, Ty::Text | Ty::Any) {
                return err(arg.span, arg_type(name, "text arguments", ty));
            }
        }
        Ok(Ty::Bool)
    }

    fn macro_call(&self, span: Span, name: &str, args: &[Expr], depth: usize) -> CResult<Ty> {
        if self.scope.kind() == ScopeKind::Filter {
            return err(span, CheckErrorKind::MacroInFilter);
        }
        let display = format!("@{name}");
        let Some(builtin) = BuiltinMacro::from_name(name) else {
            let Some(params) = self.scope.sql_macro_params(name) else {
                return err(span, CheckErrorKind::UnknownMacro(name.to_owned()));
            };
            if args.len() != params {
                return err(span, arity(&display, params, args.len()));
            }
            for (arg, ty) in args.iter().zip(self.args(args, depth)?) {
                if ty == Ty::TextList {
                    return err(arg.span, CheckErrorKind::ListUsage);
                }
            }
            return Ok(Ty::Any);
        };
        if args.len() != builtin.arity() {
            return err(span, arity(&display, builtin.arity(), args.len()));
        }
        let (expected, allowed): (&str, &[Ty]) = match builtin {
            BuiltinMacro::InTimeRange => ("number arguments", &[Ty::Number, Ty::Any]),
            _ => ("a text argument", &[Ty::Text, Ty::Null, Ty::Any]),
        };
        for (arg, ty) in args.iter().zip(self.args(args, depth)?) {
            if !allowed.contains(&ty) {
                return err(arg.span, arg_type(&display, expected, ty));
            }
            if depends_on_record(arg, self.schema, self.scope) {
                return err(
                    arg.span,
                    CheckErrorKind::RecordDependentArgument(name.to_owned()),
                );
            }
        }
        Ok(Ty::Bool)
    }
}

fn arity(name: &str, expected: usize, found: usize) -> CheckErrorKind {
    CheckErrorKind::ArgumentCount {
        name: name.to_owned(),
        expected,
        found,
    }
}

fn arg_type(name: &str, expected: &'static str, found: Ty) -> CheckErrorKind {
    CheckErrorKind::ArgumentType {
        name: name.to_owned(),
        expected,
        found,
    }
}

/// Whether `==` between the two types is meaningful.
fn equatable(span: Span, left: Ty, right: Ty) -> CResult<()> {
    match (left, right) {
        (Ty::Null, _) | (_, Ty::Null) => Ok(()),
        (Ty::Json, _) | (_, Ty::Json) => err(span, CheckErrorKind::JsonUsage),
        (Ty::TextList, _) | (_, Ty::TextList) => err(span, CheckErrorKind::ListUsage),
        (Ty::Any, _) | (_, Ty::Any) => Ok(()),
        (l, r) if l == r => Ok(()),
        (l, r) => err(span, CheckErrorKind::Mismatch { left: l, right: r }),
    }
}

#[cfg(test)]
mod tests;
