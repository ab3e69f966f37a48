//! DDL for collection tables, per backend. Identifiers come only from validated
//! schemas (`[A-Za-z][A-Za-z0-9_]*`) and are always quoted; nothing else is
//! interpolated. Constraints that must change with the schema (required,
//! defaults, references) are enforced by the server, so schema changes never
//! need a table rebuild; the table holds types, the tenant key and indexes.

use sha2::{Digest, Sha256};

use super::schema::Field;
use super::store::{Collection, IndexDef};
use crate::collections::values::{column_kind, ColumnKind};
use crate::db::dialect::quote_ident;
use crate::db::Backend;

pub fn column_type(backend: Backend, kind: ColumnKind) -> &'static str {
    match (backend, kind) {
        (_, ColumnKind::Text) => "TEXT",
        (Backend::Sqlite, ColumnKind::Number) => "REAL",
        (Backend::Postgres, ColumnKind::Number) => "DOUBLE PRECISION",
        (Backend::Sqlite, ColumnKind::Bool) => "INTEGER",
        (Backend::Postgres, ColumnKind::Bool) => "BOOLEAN",
        (Backend::Sqlite, ColumnKind::Time) => "TEXT",
        (Backend::Postgres, ColumnKind::Time) => "TIMESTAMPTZ",
        (Backend::Sqlite, ColumnKind::Json) => "TEXT",
        (Backend::Postgres, ColumnKind::Json) => "JSONB",
    }
}

fn time_type(backend: Backend) -> &'static str {
    column_type(backend, ColumnKind::Time)
}

pub fn column_sql(backend: Backend, field: &Field) -> String {
    format!(
        "{} {}",
        quote_ident(&field.name),
        column_type(backend, column_kind(field))
    )
}

/// A physical index: a deterministic short name and its statement.
pub struct PhysicalIndex {
    pub name: String,
    pub sql: String,
    pub unique: bool,
    /// The indexed columns, `account_id` first.
    pub columns: Vec<String>,
}

fn index(table: &str, unique: bool, columns: &[&str]) -> PhysicalIndex {
    let key = format!("{table}|{unique}|{}", columns.join(","));
    let name = format!("ix_{}", &hex::encode(Sha256::digest(key.as_bytes()))[..20]);
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if unique { "UNIQUE " } else { "" },
        quote_ident(&name),
        quote_ident(table),
        cols.join(", ")
    );
    PhysicalIndex {
        name,
        sql,
        unique,
        columns: columns.iter().map(|c| c.to_string()).collect(),
    }
}

/// Every index a collection needs: `(account_id, created_at, id)` for listing,
/// `(account_id, f)` UNIQUE for unique fields, `(account_id, f, id)` for
/// references, and the chosen ones. Non-unique indexes end with `id`, the
/// tie-breaker of every sort, so that a page can be read in index order.
pub fn indexes(c: &Collection) -> Vec<PhysicalIndex> {
    let mut out = vec![index(&c.table, false, &["account_id", "created_at", "id"])];
    for f in &c.fields {
        if f.unique {
            out.push(index(&c.table, true, &["account_id", &f.name]));
        } else if f.kind == super::schema::FieldKind::Reference {
            out.push(index(&c.table, false, &["account_id", &f.name, "id"]));
        }
    }
    for idx in &c.indexes {
        let mut cols = vec!["account_id"];
        cols.extend(idx.fields.iter().map(String::as_str));
        if !idx.unique {
            cols.push("id");
        }
        let candidate = index(&c.table, idx.unique, &cols);
        if !out.iter().any(|o| o.name == candidate.name) {
            out.push(candidate);
        }
    }
    out
}

/// `CREATE TABLE` plus its indexes.
pub fn create_table(backend: Backend, c: &Collection) -> Vec<String> {
    let t = time_type(backend);
    let mut columns = vec![
        "\"id\" TEXT PRIMARY KEY".to_string(),
        "\"account_id\" TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE".to_string(),
        format!("\"created_at\" {t} NOT NULL"),
        "\"created_by\" TEXT".to_string(),
        format!("\"updated_at\" {t} NOT NULL"),
        "\"updated_by\" TEXT".to_string(),
    ];
    columns.extend(c.fields.iter().map(|f| column_sql(backend, f)));
    let mut statements = vec![format!(
        "CREATE TABLE {} ({})",
        quote_ident(&c.table),
        columns.join(", ")
    )];
    statements.extend(indexes(c).into_iter().map(|i| i.sql));
    statements.extend(super::search::create(backend, c));
    if backend == Backend::Postgres {
        statements.extend(tenant_policy(&c.table));
    }
    statements
}

/// PostgreSQL's second wall behind the account filter: a tenant's statements
/// (run as `snackbase_tenant`, see `db::tenant`) see and write only the rows
/// of the account in `snackbase.account_id`. The owner, the connecting role,
/// passes by ownership (the explicit bypass). Migration 0025 gives the
/// same to the tables that existed before it.
pub fn tenant_policy(table: &str) -> [String; 2] {
    let t = quote_ident(table);
    let own = "account_id = current_setting('snackbase.account_id', true)";
    [
        format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"),
        format!("CREATE POLICY tenant_isolation ON {t} USING ({own}) WITH CHECK ({own})"),
    ]
}

pub fn drop_table(table: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", quote_ident(table))
}

pub fn drop_index(name: &str) -> String {
    format!("DROP INDEX IF EXISTS {}", quote_ident(name))
}

/// Checks that chosen indexes name existing fields.
pub fn validate_indexes(fields: &[Field], indexes: &[IndexDef]) -> Result<(), String> {
    for (i, idx) in indexes.iter().enumerate() {
        if idx.fields.is_empty() || idx.fields.len() > 8 {
            return Err(format!("indexes[{i}]: an index has 1 to 8 fields"));
        }
        for name in &idx.fields {
            let known = fields.iter().any(|f| &f.name == name)
                || ["created_at", "updated_at", "created_by", "updated_by"]
                    .contains(&name.as_str());
            if !known {
                return Err(format!("indexes[{i}]: unknown field '{name}'"));
            }
        }
    }
    Ok(())
}
