//! The allow-list a macro's syntax tree must pass before it may run.
//!
//! The walk accepts only what it names and refuses everything else, so syntax
//! that a later `sqlparser` adds is refused until someone reviews it (structs
//! are destructured field by field, so a new field does not compile).
//!
//! - The statement is one query: `SELECT`, set operations (`UNION` …),
//!   `VALUES`, `WITH` (also `RECURSIVE`), `ORDER BY`, `LIMIT`/`OFFSET`/`FETCH`.
//! - In `FROM`: `{collection}` placeholders, the names of the query's own
//!   `WITH` tables that are in scope, subqueries and joins of these. No other
//!   table, view, catalog, schema-qualified or quoted name, and no
//!   table-valued function.
//! - In expressions: columns, `:parameters`, plain literals, the usual
//!   operators, `CASE`, `CAST` to plain types, subqueries (walked the same
//!   way) and the functions of [`FUNCTIONS`].
//!
//! Placeholders reach the walk as marker identifiers (see `template`); the walk
//! counts those it finds where a table (`{collection}`) or a value
//! (`:parameter`) belongs, so the caller can refuse markers anywhere else.

mod allow;
mod expr;
mod query;

use sqlparser::ast::{
    BinaryOperator, CastKind, Cte, DataType, Distinct, Expr, Fetch, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList, FunctionArguments, GroupByExpr,
    Ident, InTarget, Join, JoinConstraint, JoinOperator, LimitClause, NamedWindowDefinition,
    NamedWindowExpr, ObjectName, ObjectNamePart, Offset, OrderBy, OrderByExpr, OrderByKind, Query,
    Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableAlias,
    TableAliasColumnDef, TableFactor, TableWithJoins, TypedString, UnaryOperator, Value,
    ValueWithSpan, Values, WildcardAdditionalOptions, WindowFrame, WindowFrameBound, WindowSpec,
    WindowType, With,
};

use super::template::{marker, Marker};

/// How deep queries and expressions may nest.
const MAX_DEPTH: usize = 128;

type Checked = Result<(), String>;

/// One walk over a query. `uses` counts the placeholders found where they
/// belong; `scope` holds the names of the `WITH` tables visible at this point.
#[derive(Default)]
pub(super) struct Walk {
    uses: usize,
    depth: usize,
    scope: Vec<String>,
}

fn unsupported(what: &str) -> String {
    format!("{what} is not allowed in a macro")
}

fn not_allowed(e: &impl std::fmt::Display) -> String {
    let mut shown = e.to_string();
    if shown.len() > 80 {
        let mut end = 77;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push_str("...");
    }
    format!("'{shown}' is not allowed in a macro")
}

/// The one plain, unquoted identifier of a name (`x`, not `s.x`, `"x"` or `f(x)`).
fn single_plain(name: &ObjectName) -> Option<&Ident> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] if ident.quote_style.is_none() => Some(ident),
        _ => None,
    }
}

fn is_plain_word(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Walk {
    /// Checks a query; returns how many placeholders stand where they belong.
    /// Each `{collection}` in `FROM` without an alias gets the collection's
    /// name as its alias.
    pub(super) fn run(mut self, query: &mut Query) -> Result<usize, String> {
        self.query(query)?;
        Ok(self.uses)
    }

    fn enter(&mut self) -> Checked {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("The query nests too deeply".into());
        }
        Ok(())
    }
}
