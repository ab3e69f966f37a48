//! SQL macro templates: the check when saved and before each run, and the
//! expansion into SQL.
//!
//! A macro is one query (see [`super::check`] for what it may contain). It
//! reads collections only through placeholders, `{posts}`, which expand to the
//! collection's rows *of the caller's account* (under the alias `posts`, unless
//! the query gives one). Values come in as named parameters: the declared ones
//! (`:status`), plus `:account_id` and `:user_id`, which are always the
//! caller's.
//!
//! The template is read by `sqlparser` in the dialect of the database in use:
//! placeholders become marker identifiers in its token stream, the syntax tree
//! goes through the allow-list, and what runs is the tree printed back (which
//! must read back to the same tree), not the text as written. Comments and
//! spacing are dropped; the text the superadmin wrote is what is stored.

use std::collections::HashMap;

use sqlparser::ast::{Query, Statement};
use sqlparser::dialect::{Dialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

use super::check::Walk;
use crate::collections::store::table_name;
use crate::db::dialect::{quote_ident, Backend};

pub const BUILT_IN_NAMES: [&str; 5] = [
    "has_role",
    "has_group",
    "owns_record",
    "is_creator",
    "in_time_range",
];
pub const IMPLICIT_PARAMS: [&str; 2] = ["account_id", "user_id"];
const MAX_SQL: usize = 10_000;

/// Placeholders are parsed as identifiers with this prefix: `…c_posts` for
/// `{posts}`, `…p_status` for `:status`. A template may not contain it itself.
const MARKER: &str = "snackbase_macro_";

/// A placeholder, as its marker identifier names it.
pub(super) enum Marker<'a> {
    Collection(&'a str),
    Param(&'a str),
}

pub(super) fn marker(word: &str) -> Option<Marker<'_>> {
    let rest = word.strip_prefix(MARKER)?;
    if let Some(name) = rest.strip_prefix("c_") {
        Some(Marker::Collection(name))
    } else {
        rest.strip_prefix("p_").map(Marker::Param)
    }
}

/// A piece of a checked template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Collection(String),
    Param(String),
}

/// A checked template: its query printed back from the syntax tree, cut at
/// the placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// The collections the template reads.
    pub fn collections(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Collection(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// The SQL: `{c}` becomes the account's rows of `c` (`account_sql` is the
    /// account id, a SQL expression such as a placeholder), `:p` becomes
    /// `values[p]` (SQL expressions such as placeholders).
    pub fn expand(
        &self,
        account_sql: &str,
        values: &HashMap<String, String>,
    ) -> Result<String, String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Collection(name) => out.push_str(&format!(
                    "(SELECT * FROM {} WHERE \"account_id\" = {account_sql})",
                    quote_ident(&table_name(name))
                )),
                Piece::Param(name) => out.push_str(
                    values
                        .get(name)
                        .ok_or_else(|| format!("No value for ':{name}'"))?,
                ),
            }
        }
        Ok(out)
    }
}

/// Checks a template against its declared parameters and the collections that
/// exist, in the dialect of `backend`. Returns a message fit for the admin.
pub fn validate(
    sql: &str,
    params: &[String],
    collections: &[String],
    backend: Backend,
) -> Result<(), String> {
    let template = compile(sql, params, backend)?;
    for name in template.collections() {
        if !collections.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            return Err(format!("Collection '{name}' does not exist"));
        }
    }
    Ok(())
}

/// Checks a template and prepares it for expansion. This runs before every
/// run too, so a macro stored under older rules fails (and its rule denies).
pub fn compile(sql: &str, params: &[String], backend: Backend) -> Result<Template, String> {
    compile_marked(sql, params, backend).map_err(|m| unmark(&m))
}

fn compile_marked(sql: &str, params: &[String], backend: Backend) -> Result<Template, String> {
    let sql = sql.trim();
    if sql.is_empty() || sql.len() > MAX_SQL {
        return Err(format!("A macro query has 1 to {MAX_SQL} characters"));
    }
    for (i, p) in params.iter().enumerate() {
        if !is_name(p) {
            return Err(format!("Parameter '{p}' is not a valid name"));
        }
        if IMPLICIT_PARAMS.contains(&p.as_str()) {
            return Err(format!("'{p}' is always available; do not declare it"));
        }
        if params[..i].contains(p) {
            return Err(format!("Parameter '{p}' is declared twice"));
        }
    }
    if sql.to_ascii_lowercase().contains(MARKER) {
        return Err(format!("A macro query cannot contain '{MARKER}'"));
    }
    let dialect = dialect(backend);
    let tokens = Tokenizer::new(dialect, sql)
        .tokenize_with_location()
        .map_err(|e| format!("The query cannot be read: {e}"))?;
    let tokens = mark_placeholders(tokens, params)?;
    let statements = Parser::new(dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| format!("The query cannot be read: {e}"))?;
    let mut query = only_query(statements)
        .ok_or("A macro query must be one SELECT statement (one statement, no ';')")?;
    let uses = Walk::default().run(&mut query)?;
    // What runs is the checked tree printed back; it must read back the same,
    // so nothing the check saw differs from what the database will read.
    let text = query.to_string();
    let again = Tokenizer::new(dialect, &text)
        .tokenize_with_location()
        .ok()
        .and_then(|tokens| {
            Parser::new(dialect)
                .with_tokens_with_locations(tokens)
                .parse_statements()
                .ok()
        })
        .and_then(only_query);
    if again.as_ref() != Some(&query) {
        return Err("The query uses syntax that cannot be checked; write it more plainly".into());
    }
    let pieces = cut(&text)?;
    let placed = pieces
        .iter()
        .filter(|p| !matches!(p, Piece::Text(_)))
        .count();
    if placed != uses {
        return Err(
            "A {collection} placeholder may only stand for a table, and a :parameter for a value"
                .into(),
        );
    }
    Ok(Template { pieces })
}

fn dialect(backend: Backend) -> &'static dyn Dialect {
    static SQLITE: SQLiteDialect = SQLiteDialect {};
    static POSTGRES: PostgreSqlDialect = PostgreSqlDialect {};
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn only_query(statements: Vec<Statement>) -> Option<Query> {
    match <[Statement; 1]>::try_from(statements) {
        Ok([Statement::Query(query)]) => Some(*query),
        _ => None,
    }
}

fn marker_token(value: String, span: sqlparser::tokenizer::Span) -> TokenWithSpan {
    TokenWithSpan {
        token: Token::Word(Word {
            value,
            quote_style: None,
            keyword: Keyword::NoKeyword,
        }),
        span,
    }
}

/// Replaces `{name}` (three tokens) and `:name` (two adjacent tokens) with
/// marker identifiers; refuses other placeholder syntax and unknown parameters.
fn mark_placeholders(
    tokens: Vec<TokenWithSpan>,
    params: &[String],
) -> Result<Vec<TokenWithSpan>, String> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let next = |n: usize| tokens.get(i + n).map(|t| &t.token);
        let span = tokens[i].span;
        match &tokens[i].token {
            Token::LBrace => match (next(1), next(2)) {
                (Some(Token::Word(w)), Some(Token::RBrace))
                    if w.quote_style.is_none() && is_name(&w.value) =>
                {
                    let name = w.value.to_ascii_lowercase();
                    out.push(marker_token(format!("{MARKER}c_{name}"), span));
                    i += 3;
                    continue;
                }
                _ => return Err("'{' may only open a collection placeholder: {name}".into()),
            },
            Token::Colon => {
                if let Some(Token::Word(w)) = next(1) {
                    if w.quote_style.is_none() && is_name(&w.value) {
                        let name = &w.value;
                        if !params.contains(name) && !IMPLICIT_PARAMS.contains(&name.as_str()) {
                            return Err(format!("Parameter ':{name}' is not declared"));
                        }
                        out.push(marker_token(format!("{MARKER}p_{name}"), span));
                        i += 2;
                        continue;
                    }
                }
            }
            Token::Placeholder(p) => {
                return Err(format!(
                    "'{p}' is not allowed in a macro (use :name parameters)"
                ))
            }
            _ => {}
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    Ok(out)
}

/// Cuts printed SQL at its marker identifiers.
fn cut(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        pieces.push(Piece::Text(rest[..at].to_string()));
        let word_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - at);
        let word = &rest[at..at + word_len];
        pieces.push(match marker(word) {
            Some(Marker::Collection(name)) => Piece::Collection(name.to_string()),
            Some(Marker::Param(name)) => Piece::Param(name.to_string()),
            None => return Err("The query uses syntax that cannot be checked".into()),
        });
        rest = &rest[at + word_len..];
    }
    pieces.push(Piece::Text(rest.to_string()));
    Ok(pieces)
}

/// Shows marker identifiers in a message as the placeholders they stand for.
fn unmark(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(MARKER) {
        out.push_str(&rest[..at]);
        let word_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - at);
        let word = &rest[at..at + word_len];
        match marker(word) {
            Some(Marker::Collection(name)) => out.push_str(&format!("{{{name}}}")),
            Some(Marker::Param(name)) => out.push_str(&format!(":{name}")),
            None => out.push_str(word),
        }
        rest = &rest[at + word_len..];
    }
    out.push_str(rest);
    out
}
