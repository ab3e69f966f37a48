//! The typed syntax tree. Every node carries the [`Span`] of the source text it
//! came from, so later stages (checker, evaluator, compiler) can point at it.
//!
//! [`Expr`] implements [`Display`](fmt::Display), printing source text that
//! parses back to the same tree (compound operands are parenthesised).
//! Printing recurses over the tree, which is fine for parsed trees (see
//! [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)); do not print hand-built
//! trees thousands of levels deep.

use std::fmt;

use crate::value::Value;

/// A half-open range of 0-based **character** (not byte) offsets in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Offset of the first character.
    pub start: usize,
    /// Offset one past the last character.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// One expression node with its source span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it came from.
    pub span: Span,
}

impl Expr {
    /// A node of `kind` covering `span`.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`, `true`, `42`, `-1.5`, `'text'`.
    Literal(Literal),
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// A dotted name: `record.title`, `user.id`, or a bare `title` in filters.
    Path(Path),
    /// `not e` (or `!e`).
    Not(Box<Expr>),
    /// `-e` on a non-literal operand (negative literals are folded into [`Literal`]).
    Neg(Box<Expr>),
    /// `a and b and …` (or `&&`): at least two operands, evaluated left to right.
    And(Vec<Expr>),
    /// `a or b or …` (or `||`): at least two operands, evaluated left to right.
    Or(Vec<Expr>),
    /// `lhs op rhs`; comparisons do not chain.
    Compare {
        /// The operator.
        op: CompareOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// A function call `name(args…)`: `contains`, `starts_with`, `ends_with`.
    Call {
        /// The name as written (may be unknown; the checker rejects it).
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A macro call `@name(args…)`; `name` is stored without the `@`.
    Macro {
        /// The macro name without `@`.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
}

/// A literal scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// A decimal number (`1.5`, `1.`, `-0.25`).
    Float(f64),
    /// A string literal after unescaping.
    Text(String),
}

impl Literal {
    /// The literal as a runtime [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::Int(*i),
            Literal::Float(f) => Value::Float(*f),
            Literal::Text(s) => Value::Text(s.clone()),
        }
    }
}

/// A dotted name, split into its segments (`record.title` → `["record", "title"]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    /// The segments; never empty for parsed paths.
    pub segments: Vec<String>,
}

impl Path {
    /// A path from its segments.
    pub fn new<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            segments: segments.into_iter().map(Into::into).collect(),
        }
    }

    /// The segments as string slices, as [`Context`](crate::Context) receives them.
    pub fn as_strs(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("."))
    }
}

/// Comparison operators (all non-associative, one per comparison). The
/// SDK's spellings parse to these too: `=` to [`CompareOp::Eq`], `IN (…)`
/// to [`CompareOp::In`] with a list, `IS NULL` to `== null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: list membership or substring.
    In,
    /// `not in`: the negation of `in`.
    NotIn,
    /// `~`: the left text contains the right one, ignoring ASCII case.
    Like,
    /// `!~`: the negation of `~`.
    NotLike,
}

impl CompareOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::Like => "~",
            CompareOp::NotLike => "!~",
        }
    }

    /// Whether this is one of `<`, `<=`, `>`, `>=`.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
        )
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(lit) => write_literal(f, lit),
            ExprKind::List(items) => {
                f.write_str("[")?;
                write_args(f, items)?;
                f.write_str("]")
            }
            ExprKind::Path(path) => write!(f, "{path}"),
            ExprKind::Not(inner) => {
                f.write_str("not ")?;
                write_operand(
                    f,
                    inner,
                    matches!(inner.kind, ExprKind::And(_) | ExprKind::Or(_)),
                )
            }
            ExprKind::Neg(inner) => write!(f, "-({inner})"),
            ExprKind::And(items) => write_chain(f, items, " and "),
            ExprKind::Or(items) => write_chain(f, items, " or "),
            ExprKind::Compare { op, lhs, rhs } => {
                write_operand(f, lhs, !is_unary_level(lhs))?;
                write!(f, " {} ", op.symbol())?;
                write_operand(f, rhs, !is_unary_level(rhs))
            }
            ExprKind::Call { name, args } => {
                write!(f, "{name}(")?;
                write_args(f, args)?;
                f.write_str(")")
            }
            ExprKind::Macro { name, args } => {
                write!(f, "@{name}(")?;
                write_args(f, args)?;
                f.write_str(")")
            }
        }
    }
}

/// Whether `e` can stand as a comparison operand without parentheses.
fn is_unary_level(e: &Expr) -> bool {
    !matches!(
        e.kind,
        ExprKind::And(_) | ExprKind::Or(_) | ExprKind::Not(_) | ExprKind::Compare { .. }
    )
}

fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn write_chain(f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_operand(
            f,
            item,
            matches!(item.kind, ExprKind::And(_) | ExprKind::Or(_)),
        )?;
    }
    Ok(())
}

fn write_args(f: &mut fmt::Formatter<'_>, args: &[Expr]) -> fmt::Result {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{arg}")?;
    }
    Ok(())
}

fn write_literal(f: &mut fmt::Formatter<'_>, lit: &Literal) -> fmt::Result {
    match lit {
        Literal::Null => f.write_str("null"),
        Literal::Bool(b) => write!(f, "{b}"),
        Literal::Int(i) => write!(f, "{i}"),
        Literal::Float(x) => {
            // `Display` for f64 never uses exponents and round-trips; make
            // sure the text still reads as a decimal, not an integer.
            let text = x.to_string();
            if text.contains('.') || !x.is_finite() {
                f.write_str(&text)
            } else {
                write!(f, "{text}.0")
            }
        }
        Literal::Text(s) => {
            f.write_str("'")?;
            for c in s.chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    '\'' => f.write_str("\\'")?,
                    '\n' => f.write_str("\\n")?,
                    '\t' => f.write_str("\\t")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("'")
        }
    }
}
