//! The SnackBase rule and filter language.
//!
//! One small expression language serves two purposes:
//!
//! - **access rules** (`record.created_by == user.id or @has_role('admin')`),
//!   which may use `record.*`, `user.*`, `account.*` and macros;
//! - **list filters** (`status == 'published' and views > 10`, or in the
//!   SDK's dialect `status = 'published' && views > 10`), which name record
//!   fields directly (bare `status` and `record.status` are the same) and may
//!   use nothing else.
//!
//! The pipeline is [`parse`] → [`check`] → [`evaluate`] (in memory, e.g. for a
//! record about to be created) or [`compile`] (to a parameterised SQL
//! predicate for SQLite or PostgreSQL, e.g. for list queries). For every
//! expression that passes [`check`], the compiled SQL selects exactly the
//! records the evaluator accepts; the crate's tests prove this against real
//! databases.
//!
//! This crate does no I/O: the caller supplies the schema ([`Schema`]), the
//! names in scope ([`Scope`]), the values ([`Context`] / [`SqlContext`]) and
//! runs the SQL.
//!
//! ```
//! use snackbase_rules::{check, compile, parse, Dialect, FieldType, Schema, Scope, SqlContext, SqlParam, Value};
//!
//! /// The caller's identity, as the server knows it.
//! struct Caller;
//!
//! impl SqlContext for Caller {
//!     fn resolve(&self, path: &[&str]) -> Value {
//!         match path {
//!             ["user", "id"] => Value::from("u1"),
//!             _ => Value::Null,
//!         }
//!     }
//!     fn now_hour_utc(&self) -> u8 {
//!         12
//!     }
//!     fn table_alias(&self) -> Option<&str> {
//!         Some("r")
//!     }
//! }
//!
//! let schema = Schema::from_fields([("title", FieldType::Text)])?;
//! let rule = parse("record.created_by == user.id or record.title == 'public'")?;
//! check(&rule, &schema, &Scope::rule())?;
//! let predicate = compile(&rule, &schema, &Scope::rule(), Dialect::Sqlite, &Caller, 1)?;
//! assert_eq!(predicate.sql, r#"(("r"."created_by" = $1) OR ("r"."title" = $2))"#);
//! assert_eq!(predicate.params, [SqlParam::Text("u1".into()), SqlParam::Text("public".into())]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Grammar
//!
//! ```text
//! expr        = or_expr ;
//! or_expr     = and_expr , { ( "or" | "||" ) , and_expr } ;
//! and_expr    = not_expr , { ( "and" | "&&" ) , not_expr } ;
//! not_expr    = ( "not" | "!" ) , not_expr | comparison ;
//! comparison  = unary , [ comp_op , unary                    (* never chained *)
//!                       | in_op , "(" , [ args ] , ")"       (* a list *)
//!                       | "is" , [ "not" ] , "null" ] ;
//! comp_op     = "==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~" | in_op ;
//! in_op       = "in" | "not" , "in" ;
//! unary       = "-" , unary | primary ;
//! primary     = literal | name | call | macro | list | "(" , expr , ")" ;
//! call        = IDENT , "(" , [ args ] , ")" ;
//! macro       = "@" , IDENT , "(" , [ args ] , ")" ;   (* no space after "@" *)
//! list        = "[" , [ args ] , "]" ;
//! args        = expr , { "," , expr } ;                (* no trailing comma *)
//! name        = IDENT , { "." , IDENT } ;              (* no spaces around "." *)
//! literal     = INTEGER | DECIMAL | STRING | DATE | "true" | "false" | "null" ;
//!
//! IDENT       = ( letter | "_" ) , { letter | digit | "_" } ;   (* ASCII *)
//! INTEGER     = digit , { digit } ;                    (* must fit in i64 *)
//! DECIMAL     = digit , { digit } , ( "." , { digit } , [ exponent ] | exponent ) ;
//! exponent    = ( "e" | "E" ) , [ "+" | "-" ] , digit , { digit } ;
//! STRING      = "'" , { char | escape } , "'" | '"' , { char | escape } , '"' ;
//! escape      = "\\" | "\'" | '\"' | "\n" | "\t" ;     (* any other "\" is itself *)
//! DATE        = (* JavaScript's Date text: Thu Jan 01 1970 00:00:00 GMT+0000 (zone) *) ;
//! ```
//!
//! Two spellings share this grammar: the language's own (`==`, `in [...]`,
//! `and`) and the SQL-like dialect of the official JavaScript SDK (`=`,
//! `IN (...)`, `IS NULL`, `&&`, `~` for "contains, ignoring case"); both
//! parse to the same tree. Keywords (`and or not in true false null`) are
//! lower case, except where an operator is expected: there `AND`, `IN`,
//! `NOT IN`, `IS NOT NULL` … are recognised in any case (elsewhere such
//! words are names). Parentheses after `in` make a list when empty, when
//! they hold a comma or a single literal. Whitespace separates tokens. A `-`
//! directly before a number literal makes a negative literal (so
//! `-9223372036854775808` is valid); before anything else it negates a
//! number. Precedence, lowest first: `or`, `and`, `not`, comparisons, unary
//! `-`.
//!
//! # Limits
//!
//! Sources longer than [`MAX_SOURCE_CHARS`] characters or nested deeper than
//! [`MAX_NESTING_DEPTH`] are syntax errors; integer literals outside `i64` are
//! syntax errors (they do not silently become floats). Every recursive pass
//! refuses trees deeper than [`MAX_TREE_DEPTH`], so hand-built trees cannot
//! exhaust the stack either.
//!
//! See `docs/rules.md` for the full reference: types, null semantics,
//! functions, macros, error messages and the storage the SQL assumes.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod check;
mod datetime;
mod eval;
mod lexer;
mod parser;
mod schema;
mod scope;
mod sql;
mod value;

pub use ast::{CompareOp, Expr, ExprKind, Literal, Path, Span};
pub use check::{check, CheckError, CheckErrorKind, Ty};
pub use datetime::canonical_datetime;
pub use eval::{evaluate, evaluate_value, Context, EvalError, EvalErrorKind, MacroError};
pub use lexer::TokenKind;
pub use parser::{
    parse, Expected, ParseError, ParseErrorKind, MAX_NESTING_DEPTH, MAX_SOURCE_CHARS,
};
pub use schema::{FieldType, Schema, SchemaError, MAX_FIELD_NAME_CHARS, SYSTEM_FIELDS};
pub use scope::{BuiltinMacro, Function, Scope, ScopeKind, MAX_TREE_DEPTH};
pub use sql::{
    compile, compile_fragment, number_tokens, CompileError, Dialect, ParamBinder, SqlContext,
    SqlFragment, SqlParam, SqlPredicate, MAX_SQL_BYTES, MAX_SQL_PARAMS, TOKEN_MARK,
};
pub use value::Value;
