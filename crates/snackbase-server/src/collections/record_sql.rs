//! The statements that read a collection's records, built once with the
//! compiled collection (see [`super::compiled`]) instead of on every request.

use super::store::Collection;
use super::values::{column_kind, ColumnKind};
use crate::db::dialect::quote_ident;
use crate::db::values::select_list;

/// A record's columns in output order, with the kind each is read as.
pub type Columns = Vec<(String, ColumnKind)>;

/// The record statements of one collection. Placeholders: `$1` is the
/// account id and `$2` the record id; SQLite reads `$n` as `?n`.
#[derive(Debug)]
pub struct RecordSql {
    /// The system fields, then the schema's.
    pub columns: Columns,
    /// The columns qualified by the alias `t`, for a SELECT list.
    pub select_list: String,
    /// One record by account and id.
    pub one: String,
    /// [`Self::one`] with the row version (PostgreSQL's `xmin`, as text).
    pub versioned: String,
    /// [`Self::versioned`] locking the row (`FOR UPDATE OF t`).
    pub versioned_locked: String,
    /// [`Self::versioned`] beside the change generation row (its last column).
    pub versioned_with_generation: String,
    /// [`Self::one`] beside the change generation row (its last column): the
    /// record's columns are NULL when there is none.
    pub one_with_generation: String,
}

/// The columns of a record, in output order: system fields, then the schema's.
pub fn columns(c: &Collection) -> Columns {
    let mut cols = vec![
        ("id".to_string(), ColumnKind::Text),
        ("account_id".to_string(), ColumnKind::Text),
        ("created_at".to_string(), ColumnKind::Time),
        ("created_by".to_string(), ColumnKind::Text),
        ("updated_at".to_string(), ColumnKind::Time),
        ("updated_by".to_string(), ColumnKind::Text),
    ];
    cols.extend(c.fields.iter().map(|f| (f.name.clone(), column_kind(f))));
    cols
}

impl RecordSql {
    pub fn new(c: &Collection) -> Self {
        let columns = columns(c);
        let list = select_list(&columns, "t");
        let table = quote_ident(&c.table);
        let one =
            format!("SELECT {list} FROM {table} t WHERE t.\"account_id\" = $1 AND t.\"id\" = $2");
        let versioned = format!(
            "SELECT {list}, t.xmin::text FROM {table} t WHERE t.\"account_id\" = $1 AND t.\"id\" = $2"
        );
        Self {
            versioned_locked: format!("{versioned} FOR UPDATE OF t"),
            versioned_with_generation: with_generation(&format!("{list}, t.xmin::text"), &table),
            one_with_generation: with_generation(&list, &table),
            columns,
            select_list: list,
            one,
            versioned,
        }
    }
}

/// `SELECT <list>, g.value`: the record of account `$1` with id `$2` (its
/// columns NULL when there is none) beside the change generation row.
fn with_generation(list: &str, table: &str) -> String {
    format!(
        "SELECT {list}, g.value FROM cache_generation g LEFT JOIN {table} t \
         ON t.\"account_id\" = $1 AND t.\"id\" = $2 WHERE g.id = 1"
    )
}
