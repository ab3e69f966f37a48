//! Full-text search on record lists (`?search=`): the index each backend
//! keeps for a collection's searchable fields, its DDL, and the fragments a
//! list statement uses to match and rank. See docs/search.md.
//!
//! - **SQLite**: one contentless FTS5 table per collection, `fts_<table>`,
//!   with the trigram tokenizer (substring matching, case-insensitive) and one
//!   column `f_<field>` per searchable field, keyed by the collection table's
//!   rowid. Triggers on the collection table keep it in sync in the writing
//!   statement, so a rolled-back write (or savepoint) leaves it unchanged.
//!   Ranked with `bm25()`. Queries shorter than three characters cannot use
//!   trigrams: they fall back to `LIKE` over the searchable columns.
//! - **PostgreSQL**: one GIN trigram index (`pg_trgm`, `gin_trgm_ops`) per
//!   searchable column, matched with `ILIKE '%…%'` (LIKE-escaped, bound) and
//!   ranked with `word_similarity()`. Indexes on columns need no sync.
//!
//! Identifiers come from validated schemas and are quoted; the search text is
//! always a bound value, quoted as one FTS5 string (so FTS5 operators in it
//! are plain text) or LIKE-escaped.

use sha2::{Digest, Sha256};

use super::schema::Field;
use super::store::Collection;
use super::view::View;
use crate::db::dialect::quote_ident;
use crate::db::statement::Statement;
use crate::db::values::Param;
use crate::db::Backend;
use crate::error::{ApiError, ApiResult};
use crate::http::listing::escape_like;

/// Trigrams need this many characters; shorter queries use `LIKE` on SQLite.
pub const MIN_TRIGRAM_CHARS: usize = 3;
/// The longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A parsed `search=`: the text and the searchable fields the caller can see.
#[derive(Debug, Clone)]
pub struct Search {
    pub text: String,
    pub fields: Vec<String>,
    /// Results are ordered by relevance (no `sort=` was given).
    pub ranked: bool,
}

/// The names of a collection's searchable fields, in schema order.
pub fn searchable(c: &Collection) -> Vec<&str> {
    c.fields
        .iter()
        .filter(|f| is_searchable(f))
        .map(|f| f.name.as_str())
        .collect()
}

fn is_searchable(f: &Field) -> bool {
    f.searchable && f.kind.is_textual()
}

/// Parses `search=` against the fields the caller can see. Empty (or blank)
/// text is no search; a collection without a visible searchable field is a 422.
pub fn parse(c: &View<'_>, raw: &str) -> ApiResult<Option<Search>> {
    // NUL cannot be part of a query string on either backend.
    let text: String = raw.trim().chars().filter(|ch| *ch != '\0').collect();
    if text.is_empty() {
        return Ok(None);
    }
    let fields: Vec<String> = c
        .fields()
        .filter(|f| is_searchable(f))
        .map(|f| f.name.clone())
        .collect();
    if fields.is_empty() {
        return Err(ApiError::invalid(
            "search",
            "search_not_supported",
            format!(
                "Collection '{}' has no searchable field; mark text fields \"searchable\": true",
                c.compiled().name
            ),
        ));
    }
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::invalid(
            "search",
            "search_too_long",
            format!("search is at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok(Some(Search {
        text,
        fields,
        ranked: true,
    }))
}

/// The FTS5 table of a collection table (SQLite).
fn fts_table(table: &str) -> String {
    format!("fts_{table}")
}

/// The FTS5 column of a field: prefixed, so that no field name collides with
/// FTS5's reserved column names (`rank`, `rowid`).
fn fts_column(field: &str) -> String {
    format!("f_{field}")
}

fn trigger(table: &str, suffix: &str) -> String {
    format!("fts_{table}_{suffix}")
}

/// The trigram index of a searchable column (PostgreSQL).
fn trigram_index(table: &str, field: &str) -> String {
    let key = format!("{table}|search|{field}");
    format!("st_{}", &hex::encode(Sha256::digest(key.as_bytes()))[..20])
}

/// The statements that create a collection's search index (none without a
/// searchable field), and on SQLite index the rows it already has.
pub fn create(backend: Backend, c: &Collection) -> Vec<String> {
    let fields = searchable(c);
    if fields.is_empty() {
        return Vec::new();
    }
    let table = quote_ident(&c.table);
    match backend {
        Backend::Postgres => fields
            .iter()
            .map(|f| {
                format!(
                    "CREATE INDEX {} ON {table} USING gin ({} gin_trgm_ops)",
                    quote_ident(&trigram_index(&c.table, f)),
                    quote_ident(f)
                )
            })
            .collect(),
        Backend::Sqlite => {
            let fts = quote_ident(&fts_table(&c.table));
            let fts_cols = fields
                .iter()
                .map(|f| quote_ident(&fts_column(f)))
                .collect::<Vec<_>>()
                .join(", ");
            let cols = |prefix: &str| {
                fields
                    .iter()
                    .map(|f| format!("{prefix}{}", quote_ident(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let insert_new = format!(
                "INSERT INTO {fts} (rowid, {fts_cols}) VALUES (new.rowid, {});",
                cols("new.")
            );
            let delete_old = format!("DELETE FROM {fts} WHERE rowid = old.rowid;");
            vec![
                format!(
                    "CREATE VIRTUAL TABLE {fts} USING fts5({fts_cols}, content='', contentless_delete=1, tokenize='trigram')"
                ),
                format!(
                    "CREATE TRIGGER {} AFTER INSERT ON {table} BEGIN {insert_new} END",
                    quote_ident(&trigger(&c.table, "ai"))
                ),
                format!(
                    "CREATE TRIGGER {} AFTER DELETE ON {table} BEGIN {delete_old} END",
                    quote_ident(&trigger(&c.table, "ad"))
                ),
                format!(
                    "CREATE TRIGGER {} AFTER UPDATE OF {} ON {table} BEGIN {delete_old} {insert_new} END",
                    quote_ident(&trigger(&c.table, "au")),
                    cols("")
                ),
                format!(
                    "INSERT INTO {fts} (rowid, {fts_cols}) SELECT rowid, {} FROM {table}",
                    cols("")
                ),
            ]
        }
    }
}

/// The statements that drop a collection's search index.
pub fn drop(backend: Backend, c: &Collection) -> Vec<String> {
    match backend {
        Backend::Postgres => searchable(c)
            .iter()
            .map(|f| {
                format!(
                    "DROP INDEX IF EXISTS {}",
                    quote_ident(&trigram_index(&c.table, f))
                )
            })
            .collect(),
        Backend::Sqlite => {
            let mut out: Vec<String> = ["ai", "ad", "au"]
                .iter()
                .map(|s| {
                    format!(
                        "DROP TRIGGER IF EXISTS {}",
                        quote_ident(&trigger(&c.table, s))
                    )
                })
                .collect();
            out.push(format!(
                "DROP TABLE IF EXISTS {}",
                quote_ident(&fts_table(&c.table))
            ));
            out
        }
    }
}

/// The statements a schema change needs around its column changes: `before`
/// (drop what refers to columns about to change) and `after` (create and fill).
/// SQLite rebuilds the FTS table when the searchable fields change in any way
/// (added, removed, renamed); PostgreSQL drops and creates only the column
/// indexes that differ (a renamed field's index is rebuilt under its name).
pub fn change(
    backend: Backend,
    current: &Collection,
    next: &Collection,
) -> (Vec<String>, Vec<String>) {
    let (old, new) = (searchable(current), searchable(next));
    match backend {
        Backend::Sqlite if old == new => (Vec::new(), Vec::new()),
        Backend::Sqlite => {
            let before = if old.is_empty() {
                Vec::new()
            } else {
                drop(backend, current)
            };
            (before, create(backend, next))
        }
        Backend::Postgres => {
            let table = quote_ident(&next.table);
            let before = old
                .iter()
                .filter(|f| !new.contains(f))
                .map(|f| {
                    format!(
                        "DROP INDEX IF EXISTS {}",
                        quote_ident(&trigram_index(&current.table, f))
                    )
                })
                .collect();
            let after = new
                .iter()
                .filter(|f| !old.contains(f))
                .map(|f| {
                    format!(
                        "CREATE INDEX {} ON {table} USING gin ({} gin_trgm_ops)",
                        quote_ident(&trigram_index(&next.table, f)),
                        quote_ident(f)
                    )
                })
                .collect();
            (before, after)
        }
    }
}

/// What a search adds to a list statement on `t`.
#[derive(Default)]
pub struct Clause {
    /// What replaces `<table> t` after `FROM` (SQLite's FTS match joined to
    /// the table, the match first), if anything.
    pub from: Option<Statement>,
    /// ANDed into the `WHERE` (the `LIKE`/`ILIKE` match), possibly empty.
    pub predicate: Statement,
    /// The relevance order, before the sort keys, when ranked.
    pub rank: Option<Statement>,
}

/// The text as one FTS5 string, restricted to the given columns: FTS5
/// operators and quotes in the text are plain characters.
pub fn fts_query(text: &str, fields: &[String]) -> String {
    let columns: Vec<String> = fields.iter().map(|f| fts_column(f)).collect();
    format!(
        "{{{}}} : \"{}\"",
        columns.join(" "),
        text.replace('"', "\"\"")
    )
}

/// `(t.a LIKE p ESCAPE '\' OR t.b LIKE p …)`; `ILIKE` on PostgreSQL.
fn like_any(backend: Backend, s: &Search, out: &mut Statement) {
    let pattern = out.token(Param::Text(format!("%{}%", escape_like(&s.text))));
    let op = match backend {
        Backend::Sqlite => "LIKE",
        Backend::Postgres => "ILIKE",
    };
    let alternatives: Vec<String> = s
        .fields
        .iter()
        .map(|f| format!("t.{} {op} {pattern} ESCAPE '\\'", quote_ident(f)))
        .collect();
    out.push(&format!("({})", alternatives.join(" OR ")));
}

/// The join, predicate and rank of a search over collection `c`.
pub fn clause(backend: Backend, c: &Collection, s: &Search) -> Clause {
    let mut clause = Clause::default();
    match backend {
        Backend::Sqlite if s.text.chars().count() >= MIN_TRIGRAM_CHARS => {
            let fts = quote_ident(&fts_table(&c.table));
            // CROSS JOIN keeps the match as the outer loop: the planner could
            // otherwise walk the account's index and probe the FTS per row.
            let mut from = Statement::new(&format!(
                "(SELECT rowid AS rid, bm25({fts}) AS score FROM {fts} WHERE {fts} MATCH "
            ));
            from.bind(Param::Text(fts_query(&s.text, &s.fields)))
                .push(&format!(
                    ") s CROSS JOIN {} t ON t.rowid = s.rid",
                    quote_ident(&c.table)
                ));
            clause.from = Some(from);
            if s.ranked {
                // bm25: lower is more relevant.
                clause.rank = Some(Statement::new("s.score ASC"));
            }
        }
        // Too short for trigrams: a scan with LIKE, in the sort's order.
        Backend::Sqlite => like_any(backend, s, &mut clause.predicate),
        Backend::Postgres => {
            like_any(backend, s, &mut clause.predicate);
            if s.ranked {
                let mut rank = Statement::default();
                let text = rank.token(Param::Text(s.text.clone()));
                let scores: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| format!("word_similarity({text}, t.{})", quote_ident(f)))
                    .collect();
                rank.push(&format!("GREATEST({}) DESC", scores.join(", ")));
                clause.rank = Some(rank);
            }
        }
    }
    clause
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_are_one_quoted_string() {
        let fields = vec!["title".to_string(), "body".to_string()];
        assert_eq!(
            fts_query("a\" OR b*", &fields),
            "{f_title f_body} : \"a\"\" OR b*\""
        );
        assert_eq!(fts_query("NEAR(x", &fields[..1]), "{f_title} : \"NEAR(x\"");
    }

    #[test]
    fn index_names_are_stable_and_distinct() {
        assert_eq!(trigram_index("col_a", "x"), trigram_index("col_a", "x"));
        assert_ne!(trigram_index("col_a", "x"), trigram_index("col_a", "y"));
        assert!(trigram_index("col_a", "x").len() < 63);
    }
}
