//! What names mean: the roots a rule or filter may use, the functions and
//! built-in macros, and how a dotted path resolves against a [`Schema`].

use std::collections::BTreeMap;

use crate::ast::{Expr, ExprKind, Path};
use crate::check::CheckErrorKind;
use crate::schema::{FieldType, Schema};

/// How deep a syntax tree may be for the checker, evaluator and compiler.
/// Parsed trees stay below this (each of the [`MAX_NESTING_DEPTH`] levels
/// adds at most four tree levels); deeper hand-built trees are refused
/// instead of exhausting the stack.
///
/// [`MAX_NESTING_DEPTH`]: crate::MAX_NESTING_DEPTH
pub const MAX_TREE_DEPTH: usize = 320;

/// Whether an expression is a list filter or an access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    /// A `?filter=` expression: bare field names and `record.<field>` refer to
    /// record fields; no `user.*`, `account.*` or macros.
    Filter,
    /// An access rule: `record.<field>`, `user.*`, `account.*` and macros.
    Rule,
}

/// The names an expression may use: its [`ScopeKind`] plus, for rules, the
/// SQL macros that exist and how many parameters each takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    kind: ScopeKind,
    sql_macros: BTreeMap<String, usize>,
}

impl Scope {
    /// The scope of list filters.
    pub fn filter() -> Self {
        Self {
            kind: ScopeKind::Filter,
            sql_macros: BTreeMap::new(),
        }
    }

    /// The scope of access rules, with no SQL macros yet.
    pub fn rule() -> Self {
        Self {
            kind: ScopeKind::Rule,
            sql_macros: BTreeMap::new(),
        }
    }

    /// Declares the SQL macro `@name(…)` taking `params` arguments. Built-in
    /// macros take precedence over SQL macros of the same name.
    pub fn with_sql_macro(mut self, name: impl Into<String>, params: usize) -> Self {
        self.sql_macros.insert(name.into(), params);
        self
    }

    /// Whether this is a filter or a rule scope.
    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// The parameter count of SQL macro `name` (without `@`), if declared.
    pub fn sql_macro_params(&self, name: &str) -> Option<usize> {
        self.sql_macros.get(name).copied()
    }
}

/// The functions of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `contains(container, item)`: `item in container`.
    Contains,
    /// `starts_with(text, prefix)`.
    StartsWith,
    /// `ends_with(text, suffix)`.
    EndsWith,
}

impl Function {
    /// The function called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "contains" => Some(Self::Contains),
            "starts_with" => Some(Self::StartsWith),
            "ends_with" => Some(Self::EndsWith),
            _ => None,
        }
    }

    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::StartsWith => "starts_with",
            Self::EndsWith => "ends_with",
        }
    }
}

/// The built-in macros (rules only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinMacro {
    /// `@has_role(name)`: `user.role` is non-null and equals `name`.
    HasRole,
    /// `@has_group(name)`: `name in user.groups`.
    HasGroup,
    /// `@owns_record()`: `user.id` is non-null and equals `record.created_by`.
    OwnsRecord,
    /// `@is_creator()`: the same as `@owns_record()`.
    IsCreator,
    /// `@in_time_range(start_hour, end_hour)`: the current UTC hour `h`
    /// satisfies `start <= h < end`, or, when `start > end` (a range across
    /// midnight such as 22..6), `h >= start or h < end`.
    InTimeRange,
}

impl BuiltinMacro {
    /// The built-in macro called `name` (without `@`), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "has_role" => Some(Self::HasRole),
            "has_group" => Some(Self::HasGroup),
            "owns_record" => Some(Self::OwnsRecord),
            "is_creator" => Some(Self::IsCreator),
            "in_time_range" => Some(Self::InTimeRange),
            _ => None,
        }
    }

    /// The number of arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            Self::HasRole | Self::HasGroup => 1,
            Self::OwnsRecord | Self::IsCreator => 0,
            Self::InTimeRange => 2,
        }
    }
}

/// The `user.*` variables of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserVar {
    Id,
    Email,
    Role,
    AccountId,
    Groups,
}

/// The `account.*` variables of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountVar {
    Id,
    Slug,
}

/// What a path refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'p> {
    Field(&'p str, FieldType),
    User(UserVar),
    Account(AccountVar),
}

impl Target<'_> {
    /// The path handed to a context: `["record", field]`, `["user", …]`, `["account", …]`.
    pub(crate) fn context_path(&self) -> [&str; 2] {
        match self {
            Target::Field(name, _) => ["record", name],
            Target::User(var) => [
                "user",
                match var {
                    UserVar::Id => "id",
                    UserVar::Email => "email",
                    UserVar::Role => "role",
                    UserVar::AccountId => "account_id",
                    UserVar::Groups => "groups",
                },
            ],
            Target::Account(var) => [
                "account",
                match var {
                    AccountVar::Id => "id",
                    AccountVar::Slug => "slug",
                },
            ],
        }
    }
}

/// Resolves `path` in `scope` against `schema`.
pub(crate) fn resolve<'p>(
    path: &'p Path,
    schema: &Schema,
    scope: &Scope,
) -> Result<Target<'p>, CheckErrorKind> {
    let segments: Vec<&str> = path.segments.iter().map(String::as_str).collect();
    let field = |name: &'p str, rest: &[&str]| match schema.field_type(name) {
        None => Err(match literal_word(name) {
            Some(word) if rest.is_empty() => CheckErrorKind::KeywordCase(name.to_owned(), word),
            _ => CheckErrorKind::UnknownField(name.to_owned()),
        }),
        Some(_) if !rest.is_empty() => Err(CheckErrorKind::NoMembers(path.to_string())),
        Some(ty) => Ok(Target::Field(name, ty)),
    };
    let named = |i: usize| path.segments.get(i).map_or("", String::as_str);
    match (scope.kind, segments.as_slice()) {
        (_, []) => Err(CheckErrorKind::UnknownVariable(String::new())),
        (ScopeKind::Filter, ["record", _, rest @ ..]) => field(named(1), rest),
        (ScopeKind::Filter, ["user" | "account", ..]) => {
            Err(CheckErrorKind::ContextNotAllowed(path.to_string()))
        }
        (ScopeKind::Filter, [_, rest @ ..]) => field(named(0), rest),
        (ScopeKind::Rule, ["record" | "user" | "account"]) => {
            Err(CheckErrorKind::NotAValue(path.to_string()))
        }
        (ScopeKind::Rule, ["record", _, rest @ ..]) => field(named(1), rest),
        (ScopeKind::Rule, ["user", var]) => Ok(Target::User(match *var {
            "id" => UserVar::Id,
            "email" => UserVar::Email,
            "role" => UserVar::Role,
            "account_id" => UserVar::AccountId,
            "groups" => UserVar::Groups,
            _ => return Err(CheckErrorKind::UnknownVariable(path.to_string())),
        })),
        (ScopeKind::Rule, ["account", var]) => Ok(Target::Account(match *var {
            "id" => AccountVar::Id,
            "slug" => AccountVar::Slug,
            _ => return Err(CheckErrorKind::UnknownVariable(path.to_string())),
        })),
        (ScopeKind::Rule, [name]) if schema.field_type(name).is_some() => {
            Err(CheckErrorKind::BareFieldInRule((*name).to_owned()))
        }
        (ScopeKind::Rule, [name]) => Err(match literal_word(name) {
            Some(word) => CheckErrorKind::KeywordCase((*name).to_owned(), word),
            None => CheckErrorKind::UnknownVariable(path.to_string()),
        }),
        (ScopeKind::Rule, _) => Err(CheckErrorKind::UnknownVariable(path.to_string())),
    }
}

/// The literal keyword `name` spells in another case (`NULL`, `True`):
/// literals are lower case, so such a name is looked up as a field.
fn literal_word(name: &str) -> Option<&'static str> {
    ["null", "true", "false"]
        .into_iter()
        .find(|word| name.eq_ignore_ascii_case(word))
}

/// Whether `expr` reads the record (a record field, `@owns_record()`,
/// `@is_creator()`) or calls a SQL macro, i.e. whether it cannot be computed
/// before the query runs. Trees deeper than [`MAX_TREE_DEPTH`] count as
/// dependent.
pub(crate) fn depends_on_record(expr: &Expr, schema: &Schema, scope: &Scope) -> bool {
    fn walk(expr: &Expr, schema: &Schema, scope: &Scope, depth: usize) -> bool {
        if depth > MAX_TREE_DEPTH {
            return true;
        }
        let any = |items: &[Expr]| items.iter().any(|e| walk(e, schema, scope, depth + 1));
        match &expr.kind {
            ExprKind::Literal(_) => false,
            ExprKind::Path(path) => match resolve(path, schema, scope) {
                Ok(target) => matches!(target, Target::Field(..)),
                Err(_) => {
                    scope.kind == ScopeKind::Filter
                        || path.segments.first().is_some_and(|root| root == "record")
                }
            },
            ExprKind::Not(inner) | ExprKind::Neg(inner) => walk(inner, schema, scope, depth + 1),
            ExprKind::Compare { lhs, rhs, .. } => {
                walk(lhs, schema, scope, depth + 1) || walk(rhs, schema, scope, depth + 1)
            }
            ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => any(items),
            ExprKind::Call { args, .. } => any(args),
            ExprKind::Macro { name, args } => match BuiltinMacro::from_name(name) {
                Some(BuiltinMacro::OwnsRecord | BuiltinMacro::IsCreator) => true,
                Some(_) => any(args),
                None => true,
            },
        }
    }
    walk(expr, schema, scope, 0)
}

/// Whether a comparison with `expr` on one side compares datetimes: `expr` is
/// a datetime field, or a list literal with a datetime field among its items.
pub(crate) fn is_datetime(expr: &Expr, schema: &Schema, scope: &Scope) -> bool {
    let field = |e: &Expr| match &e.kind {
        ExprKind::Path(path) => matches!(
            resolve(path, schema, scope),
            Ok(Target::Field(_, FieldType::Datetime))
        ),
        _ => false,
    };
    match &expr.kind {
        ExprKind::List(items) => items.iter().any(field),
        _ => field(expr),
    }
}
