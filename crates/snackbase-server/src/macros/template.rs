//! SQL macro templates: validation when saved, and expansion into SQL.
//!
//! A macro is one `SELECT` (or `WITH … SELECT`). It reads collections only
//! through placeholders, `{posts}`, which expand to the collection's rows *of
//! the caller's account* under the alias `posts`; naming a table directly is refused. Values come in
//! as named parameters: the declared ones (`:status`), plus `:account_id` and
//! `:user_id`, which are always the caller's.

use std::collections::HashMap;

use crate::collections::store::table_name;
use crate::db::dialect::quote_ident;

pub const BUILT_IN_NAMES: [&str; 5] = [
    "has_role",
    "has_group",
    "owns_record",
    "is_creator",
    "in_time_range",
];
pub const IMPLICIT_PARAMS: [&str; 2] = ["account_id", "user_id"];
const MAX_SQL: usize = 10_000;

/// Words a macro may not contain outside string literals and placeholders.
const FORBIDDEN: &[&str] = &[
    "insert",
    "update",
    "delete",
    "drop",
    "alter",
    "create",
    "attach",
    "detach",
    "pragma",
    "vacuum",
    "reindex",
    "grant",
    "revoke",
    "truncate",
    "copy",
    "call",
    "do",
    "lock",
    "set",
    "reset",
    "listen",
    "notify",
    "load",
    "replace",
    "merge",
    "accounts",
    "users",
    "roles",
    "permissions",
    "groups",
    "group_members",
    "macros",
    "auth_sessions",
    "refresh_tokens",
    "collections",
    "collection_migrations",
    "sqlite_master",
    "sqlite_schema",
    "sqlite_temp_master",
    "information_schema",
    "pg_catalog",
    "_sqlx_migrations",
    "dblink",
    "lo_import",
    "lo_export",
];

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Collection(String),
    Param(String),
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits a template into text, `{collection}` and `:param` pieces.
fn pieces(sql: &str) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                // A string literal, copied as it is ('' escapes a quote).
                text.push(c);
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err("Unterminated string literal".into());
                    };
                    text.push(d);
                    i += 1;
                    if d == '\'' {
                        if chars.get(i) == Some(&'\'') {
                            text.push('\'');
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            '{' => {
                let end = chars[i..]
                    .iter()
                    .position(|&d| d == '}')
                    .ok_or("Unclosed '{'")?
                    + i;
                let name: String = chars[i + 1..end].iter().collect();
                if name.is_empty() || !name.chars().all(is_ident_char) {
                    return Err(format!("'{{{name}}}' is not a collection placeholder"));
                }
                out.push(Piece::Text(std::mem::take(&mut text)));
                out.push(Piece::Collection(name));
                i = end + 1;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                text.push_str("::");
                i += 2;
            }
            ':' if chars
                .get(i + 1)
                .is_some_and(|d| d.is_ascii_alphabetic() || *d == '_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && is_ident_char(chars[end]) {
                    end += 1;
                }
                out.push(Piece::Text(std::mem::take(&mut text)));
                out.push(Piece::Param(chars[start..end].iter().collect()));
                i = end;
            }
            '$' | '?' | ';' | '"' | '`' | '[' => {
                return Err(format!("'{c}' is not allowed in a macro (use :name parameters and {{collection}} placeholders)"));
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                return Err("Comments are not allowed in a macro".into())
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                return Err("Comments are not allowed in a macro".into())
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    out.push(Piece::Text(text));
    Ok(out)
}

/// Validates a template against its declared parameters and the collections
/// that exist. Returns a message fit for the admin.
pub fn validate(sql: &str, params: &[String], collections: &[String]) -> Result<(), String> {
    let trimmed = sql.trim();
    if trimmed.is_empty() || trimmed.len() > MAX_SQL {
        return Err(format!("A macro query has 1 to {MAX_SQL} characters"));
    }
    let first = trimmed
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if first != "select" && first != "with" {
        return Err("Macro query must be a SELECT statement".into());
    }
    for p in params {
        if p.is_empty()
            || !p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || !p.chars().all(is_ident_char)
        {
            return Err(format!("Parameter '{p}' is not a valid name"));
        }
        if IMPLICIT_PARAMS.contains(&p.as_str()) {
            return Err(format!("'{p}' is always available; do not declare it"));
        }
    }
    for piece in pieces(trimmed)? {
        match piece {
            Piece::Text(text) => {
                let mut word = String::new();
                let mut in_string = false;
                for c in text.chars().chain(std::iter::once(' ')) {
                    if c == '\'' {
                        in_string = !in_string;
                        word.clear();
                        continue;
                    }
                    if in_string {
                        continue;
                    }
                    if is_ident_char(c) {
                        word.push(c);
                    } else if !word.is_empty() {
                        let lower = word.to_ascii_lowercase();
                        if FORBIDDEN.contains(&lower.as_str())
                            || lower.starts_with("col_")
                            || lower.starts_with("pg_")
                        {
                            return Err(format!("Macro query cannot contain '{word}' (read collections through {{name}} placeholders)"));
                        }
                        word.clear();
                    }
                }
            }
            Piece::Collection(name) => {
                if !collections.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    return Err(format!("Collection '{name}' does not exist"));
                }
            }
            Piece::Param(name) => {
                if !params.contains(&name) && !IMPLICIT_PARAMS.contains(&name.as_str()) {
                    return Err(format!("Parameter ':{name}' is not declared"));
                }
            }
        }
    }
    Ok(())
}

/// Expands a (validated) template: `{c}` becomes the account's rows of `c`,
/// `:p` becomes `values[p]` (SQL expressions such as placeholders).
pub fn expand(
    sql: &str,
    account_sql: &str,
    values: &HashMap<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    for piece in pieces(sql.trim())? {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Collection(name) => out.push_str(&format!(
                "(SELECT * FROM {} WHERE \"account_id\" = {account_sql}) AS {}",
                quote_ident(&table_name(&name)),
                quote_ident(&name.to_ascii_lowercase())
            )),
            Piece::Param(name) => out.push_str(
                values
                    .get(&name)
                    .ok_or_else(|| format!("No value for ':{name}'"))?,
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(sql: &str) -> Result<(), String> {
        validate(sql, &["status".into()], &["posts".into()])
    }

    #[test]
    fn templates_are_checked() {
        assert!(ok(
            "SELECT COUNT(*) FROM {posts} WHERE status = :status AND created_by = :user_id"
        )
        .is_ok());
        assert!(ok("select 'it''s; drop' || :status").is_ok());
        assert!(ok("SELECT x::text FROM {posts}").is_ok());
        assert!(ok("DELETE FROM {posts}").is_err());
        assert!(ok("SELECT 1; DROP TABLE users").is_err());
        assert!(ok("SELECT * FROM users").is_err());
        assert!(ok("SELECT * FROM col_posts").is_err());
        assert!(ok("SELECT * FROM \"col_posts\"").is_err());
        assert!(ok("SELECT * FROM {ghosts}").is_err());
        assert!(ok("SELECT :nope").is_err());
        assert!(ok("SELECT 1 -- hidden").is_err());
        assert!(ok("SELECT $1").is_err());
        assert!(ok("WITH x AS (SELECT 1) SELECT * FROM x").is_ok());
    }

    #[test]
    fn expansion_scopes_collections() {
        let mut values = HashMap::new();
        values.insert("status".to_string(), "$3".to_string());
        let sql = expand(
            "SELECT COUNT(*) FROM {posts} WHERE status = :status",
            "$1",
            &values,
        )
        .unwrap();
        assert_eq!(sql, "SELECT COUNT(*) FROM (SELECT * FROM \"col_posts\" WHERE \"account_id\" = $1) AS \"posts\" WHERE status = $3");
    }
}
