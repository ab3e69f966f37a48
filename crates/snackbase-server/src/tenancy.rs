//! Tenant-wide operations that cut across features.

use crate::db::{dialect, Tx};
use crate::on_tx;

/// Deletes every row an account owns in user collections (`col_*` tables).
/// System tables are cleared by their `ON DELETE CASCADE` foreign keys when the
/// account row itself is deleted.
pub async fn delete_account_data(tx: &mut Tx, account_id: &str) -> Result<(), sqlx::Error> {
    let list_sql = dialect::collection_tables_sql(tx.backend());
    let tables: Vec<String> = on_tx!(tx, |c| sqlx::query_scalar(list_sql).fetch_all(c).await)?;
    for table in tables {
        // Table names come from the catalogue and match `col_[a-z0-9_]+`.
        if !table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            continue;
        }
        let sql = format!(
            "DELETE FROM {} WHERE account_id = $1",
            dialect::quote_ident(&table)
        );
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
