//! PostgreSQL's row-level security as a second wall behind the account
//! filter every record statement carries.
//!
//! Collection tables have a policy (migration 0025, `collections::ddl`) that
//! shows and accepts only the rows of the account named by the transaction
//! setting `snackbase.account_id`, for every role but the tables' owner. A
//! tenant's record request (anyone but the superadmin: see
//! `Principal::tenant`) opens its transaction with
//! `BEGIN; SET LOCAL ROLE snackbase_tenant; SET LOCAL snackbase.account_id`
//! in one round trip, so a statement that forgot its account filter still
//! sees one account only. Both settings end with the transaction: nothing
//! leaks to the next user of the pooled connection. The superadmin's and the
//! system's work runs as the connecting role, the owner: the explicit bypass.
//!
//! The price: a tenant's reads that PostgreSQL could answer with one
//! statement in autocommit take a transaction (the statement plus BEGIN and
//! COMMIT), measured in docs/benchmarks.md. SQLite has no such wall (one
//! process owns the file); there the scope changes nothing.

use std::sync::atomic::Ordering;

use sqlx::{Postgres, Transaction};

use super::{Conn, Db, Inner, Tx};

/// The role tenants' statements run as (created by migration 0025).
pub const ROLE: &str = "snackbase_tenant";

/// `SNACKBASE_POSTGRES_RLS`: whether tenants' statements run under the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowSecurity {
    /// On when the role is usable (migration 0025 could create it, or a DBA
    /// did); otherwise off with a warning at start.
    #[default]
    Auto,
    /// On, or the server refuses to start.
    On,
    Off,
}

impl RowSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::On => "on",
            Self::Off => "off",
        }
    }
}

impl std::str::FromStr for RowSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "on" | "true" => Ok(Self::On),
            "off" | "false" => Ok(Self::Off),
            _ => Err("must be auto, on or off".into()),
        }
    }
}

/// The statement that opens a tenant's transaction: one simple query, so the
/// account goes in as a quoted literal (its quotes doubled; account ids are
/// our own short identifiers anyway).
fn begin_sql(account: &str) -> String {
    format!(
        "BEGIN; SET LOCAL ROLE {ROLE}; SET LOCAL snackbase.account_id = '{}'",
        account.replace('\'', "''")
    )
}

impl Db {
    /// Turns the wall on or off for this process after the migrations ran
    /// (see [`RowSecurity`]); returns whether it is on. On SQLite it is off.
    pub async fn set_up_row_security(&self, mode: RowSecurity) -> anyhow::Result<bool> {
        let Self::Postgres(pool, shared) = self else {
            return Ok(false);
        };
        let usable = mode != RowSecurity::Off && {
            // CASE keeps pg_has_role from meeting a role that does not exist.
            let sql = format!(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') \
                 THEN pg_has_role('{ROLE}', 'MEMBER') \
                      AND has_schema_privilege('{ROLE}', current_schema(), 'USAGE') \
                 ELSE false END"
            );
            sqlx::query_scalar::<_, bool>(&sql).fetch_one(pool).await?
        };
        match (mode, usable) {
            (RowSecurity::On, false) => anyhow::bail!(
                "SNACKBASE_POSTGRES_RLS=on, but the role {ROLE} is missing or not granted to the \
                 connecting role: as a DBA run `CREATE ROLE {ROLE} NOLOGIN; GRANT {ROLE} TO <app role>;` \
                 and restart (the server grants the tables itself), or set SNACKBASE_POSTGRES_RLS=auto"
            ),
            (RowSecurity::Auto, false) => tracing::warn!(
                "row-level security is off: the role {ROLE} is missing or not granted to the \
                 connecting role (see docs/scaling.md)"
            ),
            _ => {}
        }
        shared.row_security.store(usable, Ordering::Release);
        Ok(usable)
    }

    /// Whether tenants' transactions run under row-level security.
    pub fn row_security(&self) -> bool {
        matches!(self, Self::Postgres(_, shared) if shared.row_security.load(Ordering::Acquire))
    }

    /// The tenant's transaction on PostgreSQL with the wall on; `None`
    /// elsewhere (the caller takes its usual path).
    async fn tenant_tx(
        &self,
        tenant: Option<&str>,
    ) -> Result<Option<Transaction<'static, Postgres>>, sqlx::Error> {
        match (self, tenant) {
            (Self::Postgres(pool, _), Some(account)) if self.row_security() => {
                let conn = pool.acquire().await?;
                Ok(Some(super::begin_on(conn, Some(begin_sql(account))).await?))
            }
            _ => Ok(None),
        }
    }

    /// [`Db::begin_read`] for a request of `tenant` (`None`: the superadmin's
    /// or the system's, unscoped).
    pub async fn begin_read_as(&self, tenant: Option<&str>) -> Result<Tx, sqlx::Error> {
        match (self.tenant_tx(tenant).await?, self) {
            (Some(t), Self::Postgres(_, shared)) => Ok(Tx::Postgres(Conn::tx(t, shared))),
            _ => self.begin_read().await,
        }
    }

    /// [`Db::read`] for a request of `tenant`: under the wall, a transaction
    /// (the settings need one).
    pub async fn read_as(&self, tenant: Option<&str>) -> Result<Tx, sqlx::Error> {
        match (self.tenant_tx(tenant).await?, self) {
            (Some(t), Self::Postgres(_, shared)) => Ok(Tx::Postgres(Conn::tx(t, shared))),
            _ => self.read().await,
        }
    }

    /// [`Db::begin`] for a request of `tenant`.
    pub async fn begin_as(&self, tenant: Option<&str>) -> Result<Tx, sqlx::Error> {
        match (self.tenant_tx(tenant).await?, self) {
            (Some(t), Self::Postgres(_, shared)) => Ok(Tx::Postgres(Conn::write(t, shared))),
            _ => self.begin().await,
        }
    }

    /// [`Db::write`] for a request of `tenant`. Under the wall the
    /// transaction begins at once (its reads need the settings too), so a
    /// single write no longer runs alone in autocommit.
    pub async fn write_as<T, F>(&self, tenant: Option<&str>, work: F) -> crate::error::ApiResult<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> super::group_commit::Work<'a, T> + Send + 'static,
    {
        match (self.tenant_tx(tenant).await?, self) {
            (Some(t), Self::Postgres(_, shared)) => {
                Self::write_in(Inner::Tx(t), shared, work).await
            }
            _ => self.write(work).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print() {
        for (text, mode) in [
            ("auto", RowSecurity::Auto),
            ("ON", RowSecurity::On),
            (" off ", RowSecurity::Off),
            ("true", RowSecurity::On),
        ] {
            assert_eq!(text.parse::<RowSecurity>(), Ok(mode));
        }
        assert!("maybe".parse::<RowSecurity>().is_err());
        assert_eq!(RowSecurity::Auto.as_str(), "auto");
    }

    #[test]
    fn the_account_goes_in_quoted() {
        assert_eq!(
            begin_sql("AB0001"),
            "BEGIN; SET LOCAL ROLE snackbase_tenant; SET LOCAL snackbase.account_id = 'AB0001'"
        );
        assert!(begin_sql("x'; DROP TABLE users; --").ends_with("'x''; DROP TABLE users; --'"));
    }
}
