//! Every difference between the SQLite and PostgreSQL dialects that the code
//! needs to know about, in one place.

use super::Tx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        }
    }
}

/// Serialises writers that allocate account codes. SQLite already has a single
/// writer connection; PostgreSQL takes a transaction-scoped advisory lock.
pub async fn lock_account_codes(tx: &mut Tx) -> Result<(), sqlx::Error> {
    advisory_lock(tx, 727_001).await
}

/// A lock held until `tx` ends, on PostgreSQL (SQLite's one writer
/// connection serialises writers already).
async fn advisory_lock(tx: &mut Tx, key: i64) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Sqlite(_) => Ok(()),
        Tx::Postgres(t) => {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(t.conn())
                .await?;
            Ok(())
        }
    }
}

/// Serialises the creation of the first superadmin (nodes starting together
/// with `SNACKBASE_SUPERADMIN_*`, the setup route), so that the check for an
/// existing one and the insert are one step.
pub async fn lock_superadmin_bootstrap(tx: &mut Tx) -> Result<(), sqlx::Error> {
    advisory_lock(tx, 727_002).await
}

/// The SQL listing the physical tables of user collections (`col_*`).
pub fn collection_tables_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'col\\_%' ESCAPE '\\'",
        Backend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'col\\_%' ESCAPE '\\'"
        }
    }
}

/// Quotes an identifier that has already been validated as `[a-z_][a-z0-9_]*`.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}
