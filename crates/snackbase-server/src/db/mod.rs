//! Storage: one [`Db`] handle over SQLite or PostgreSQL.
//!
//! Queries are written once in SQL that both backends accept (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), and dispatched per backend by the [`on_tx!`] and
//! [`on_pool!`] macros, which expand the same body once per backend so each arm is
//! type-checked against its own driver. Everything that differs between the two
//! dialects lives in [`dialect`].
//!
//! On SQLite, writes go through a pool of exactly one connection (SQLite has one
//! writer anyway; one connection avoids `SQLITE_BUSY` on lock upgrades), reads go
//! through a separate pool of readers, and the database runs in WAL mode with
//! foreign keys on.

pub mod changes;
pub mod checkpoint;
pub mod dialect;
mod errors;
pub mod fast;
pub mod feed;
mod group_commit;
pub mod journal;
pub mod limit;
pub mod origin;
pub mod statement;
pub mod stats;
pub mod tenant;
mod tx;
mod types;
mod url;
pub mod values;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Database, Postgres, Sqlite, Transaction};

pub use changes::Changes;
pub use feed::{Feed, RecordChange};
pub use group_commit::GroupCommit;
pub use stats::Statements;
pub use tenant::RowSecurity;
pub use types::Operation;

pub use dialect::Backend;
pub use errors::{is_rule_failure, violated_constraint, ConstraintKind, ConstraintViolation};
pub use url::DatabaseUrl;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connection settings taken from the configuration.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub max_lifetime: Duration,
    /// SQLite: run a checkpointer (`checkpoint.rs`). Off for a command's
    /// short look at a database a server may be writing, whose checkpointer
    /// does that work.
    pub checkpoints: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 15,
            acquire_timeout: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(3600),
            checkpoints: true,
        }
    }
}

/// The database: SQLite (one writer, several readers) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        group: GroupCommit,
        fast: Arc<fast::FastReads>,
        shared: Arc<Shared>,
        /// Folds the WAL into the file, off the writer (`checkpoint.rs`).
        checkpoints: Arc<checkpoint::Checkpointer>,
    },
    Postgres(PgPool, Arc<Shared>),
}

/// Whether a statement only reads (it starts with `SELECT`).
pub(crate) fn is_read(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("SELECT"))
}

/// What every connection of a database shares: the change generation, the
/// change feed and the statement counts.
#[derive(Debug, Default)]
pub struct Shared {
    pub changes: Arc<Changes>,
    pub feed: Arc<Feed>,
    pub stats: Statements,
    /// Batch sizes and transaction times for `/metrics`.
    pub timings: stats::Timings,
    /// Turns off PostgreSQL's one-statement reads (see [`Db::one_statement_reads`]).
    pooled_only: std::sync::atomic::AtomicBool,
    /// Tenants' transactions run under row-level security (see [`tenant`]).
    row_security: std::sync::atomic::AtomicBool,
}

/// A transaction (or, from [`Db::read`], a plain connection) on either backend.
pub enum Tx {
    Sqlite(Conn<Sqlite>),
    Postgres(Conn<Postgres>),
}

/// A connection inside a transaction or, for single-statement reads, outside one.
pub struct Conn<DB: Database> {
    inner: Inner<DB>,
    shared: Arc<Shared>,
    /// Write transactions settle the change generation and publish their
    /// record changes when they commit.
    write: bool,
    pending: Vec<Arc<RecordChange>>,
    /// The next write is announced as the only one (deferred transactions).
    alone: bool,
    /// A write ran alone: no other write may follow.
    spent: bool,
    /// Work written just before commit (see [`journal`]).
    deferred: Option<Box<dyn journal::Deferred>>,
    /// When it began (write transactions are timed for `/metrics`).
    started: std::time::Instant,
}

/// Begins a transaction on `conn` so that a caller dropped meanwhile (a
/// request whose client went away) cannot leave it open. sqlx counts a
/// transaction only once its `BEGIN` is answered, so a caller cancelled in
/// between hands the connection back to the pool inside a transaction that
/// nobody ends (on PostgreSQL with a tenant's role set: the next user of the
/// connection then runs as that tenant, and a write of its own is never
/// committed). The `BEGIN` runs in a task of its own: without a caller, the
/// task finishes it and drops the transaction, which rolls it back.
pub(crate) async fn begin_on<DB: Database>(
    conn: PoolConnection<DB>,
    statement: Option<String>,
) -> Result<Transaction<'static, DB>, sqlx::Error> {
    tokio::spawn(Transaction::begin(conn, statement.map(Into::into)))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("beginning a transaction: {e}")))?
}

/// [`begin_on`] a connection of `pool`.
pub(crate) async fn begin_in<DB: Database>(
    pool: &sqlx::Pool<DB>,
) -> Result<Transaction<'static, DB>, sqlx::Error> {
    begin_on(pool.acquire().await?, None).await
}

enum Inner<DB: Database> {
    Tx(Transaction<'static, DB>),
    Plain(PoolConnection<DB>),
    /// A write transaction whose `BEGIN` waits for its first write (see
    /// [`Tx::last_write`]); reads before it run on their own.
    Deferred(PoolConnection<DB>),
    /// Its `BEGIN` failed; the error went to the caller, nothing runs here.
    Gone,
}

impl<DB: Database> Conn<DB> {
    fn tx(t: Transaction<'static, DB>, shared: &Arc<Shared>) -> Self {
        Self {
            inner: Inner::Tx(t),
            ..Self::plain_parts(shared)
        }
    }

    /// A write transaction: it publishes its record changes at commit.
    fn write(t: Transaction<'static, DB>, shared: &Arc<Shared>) -> Self {
        Self {
            write: true,
            ..Self::tx(t, shared)
        }
    }

    /// The fields of a connection outside a transaction (a placeholder `inner`).
    fn plain_parts(shared: &Arc<Shared>) -> Self {
        Self {
            inner: Inner::Gone,
            shared: shared.clone(),
            write: false,
            pending: Vec::new(),
            alone: false,
            spent: false,
            deferred: None,
            started: std::time::Instant::now(),
        }
    }

    fn plain(c: PoolConnection<DB>, shared: &Arc<Shared>) -> Self {
        Self {
            inner: Inner::Plain(c),
            ..Self::plain_parts(shared)
        }
    }

    /// The underlying connection.
    pub fn conn(&mut self) -> &mut DB::Connection {
        match &mut self.inner {
            Inner::Tx(t) => t,
            Inner::Plain(c) | Inner::Deferred(c) => c,
            #[allow(clippy::panic)]
            Inner::Gone => panic!("a connection used after its BEGIN failed"),
        }
    }

    /// Before a write: sends the deferred `BEGIN`, unless this write was
    /// announced as the transaction's last and only one ([`Tx::last_write`]):
    /// then it runs alone, committed by itself.
    async fn before_write(&mut self) -> Result<(), sqlx::Error> {
        if self.spent {
            return Err(sqlx::Error::Protocol(
                "a write after the one announced as the last".into(),
            ));
        }
        if !matches!(self.inner, Inner::Deferred(_)) {
            return Ok(());
        }
        if self.alone {
            // It runs in autocommit; nothing may follow it.
            self.alone = false;
            self.inner = match std::mem::replace(&mut self.inner, Inner::Gone) {
                Inner::Deferred(c) => Inner::Plain(c),
                other => other,
            };
            self.spent = true;
            return Ok(());
        }
        if let Inner::Deferred(c) = std::mem::replace(&mut self.inner, Inner::Gone) {
            self.inner = Inner::Tx(begin_on(c, None).await?);
        }
        Ok(())
    }

    async fn commit(self) -> Result<(), sqlx::Error> {
        if let Inner::Tx(t) = self.inner {
            if self.write {
                t.commit().await?;
            } else {
                // A read-only transaction ends the same by rolling back, and
                // sqlx sends a dropped one's ROLLBACK with the pool's
                // release check: one round trip fewer for the request.
                drop(t);
            }
        }
        // A deferred transaction that wrote nothing, or whose one write ran
        // alone, has nothing left to commit.
        if self.write {
            self.shared
                .timings
                .write_seconds
                .observe(self.started.elapsed().as_secs_f64());
            // PostgreSQL never marks the generation dirty: nodes learn of
            // changes through the identity query (see `changes`).
            self.shared.changes.settle();
            self.shared.feed.publish(self.pending);
        }
        Ok(())
    }
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut SqliteConnection`
/// or `&mut PgConnection`); the body is compiled once per backend.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = t.conn();
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = t.conn();
                $body
            }
        }
    };
}

/// Runs `$body` with `$p` bound to a reader pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { read: $p, .. } => $body,
            $crate::db::Db::Postgres($p, ..) => $body,
        }
    };
}

impl Db {
    /// Connects to the database named by `url`, creating a SQLite file and its
    /// directory when missing.
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Self, sqlx::Error> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
                    }
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: an acknowledged commit survives power loss, not only a crash.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("temp_store", "memory")
                    .statement_cache_capacity(256);
                let shared = Arc::new(Shared::default());
                let hooked = shared.changes.clone();
                // The checkpointer folds the WAL in, not the writer's commits.
                let write_options = options.clone().pragma("wal_autocheckpoint", "0");
                let write = SqlitePoolOptions::new()
                    // No ping before each use: a broken connection fails its query anyway,
                    // and the ping costs a round trip to the connection's thread.
                    .test_before_acquire(false)
                    .max_connections(1)
                    .after_connect(move |conn, _| {
                        let changes = hooked.clone();
                        Box::pin(async move {
                            conn.lock_handle().await?.set_update_hook(move |change| {
                                if change.table == changes::TABLE {
                                    changes.mark_dirty();
                                }
                            });
                            Ok(())
                        })
                    })
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(write_options)
                    .await?;
                // Readers beyond two per core only add page caches (2 MiB each):
                // SQLite reads are CPU-bound, and WAL lets them run beside the writer.
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
                let readers = settings.max_connections.clamp(2, (2 * cores).max(4));
                let read = SqlitePoolOptions::new()
                    // No ping before each use: a broken connection fails its query anyway,
                    // and the ping costs a round trip to the connection's thread.
                    .test_before_acquire(false)
                    .max_connections(readers)
                    .acquire_timeout(settings.acquire_timeout)
                    .max_lifetime(settings.max_lifetime)
                    .connect_with(options.read_only(true))
                    .await?;
                let group = GroupCommit::start(write.clone(), shared.clone());
                let fast = Arc::new(fast::FastReads::new(path.clone(), readers as usize));
                let checkpoints = Arc::new(if settings.checkpoints {
                    checkpoint::Checkpointer::start(path.clone())
                } else {
                    checkpoint::Checkpointer::off()
                });
                Ok(Self::Sqlite {
                    read,
                    write,
                    group,
                    fast,
                    shared,
                    checkpoints,
                })
            }
            DatabaseUrl::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .test_before_acquire(false)
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .max_lifetime(settings.max_lifetime)
                    .connect_with(options)
                    .await?;
                Ok(Self::Postgres(pool, Default::default()))
            }
        }
    }

    /// Connects to PostgreSQL with explicit options (tests use a schema per test).
    pub async fn connect_postgres(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        Ok(Self::Postgres(pool, Default::default()))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(..) => Backend::Postgres,
        }
    }

    /// The SQLite database file (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Self::Sqlite { fast, .. } => Some(fast.path()),
            Self::Postgres(..) => None,
        }
    }

    /// Whether reads may take PostgreSQL's one-statement paths (a record by
    /// id, a list: everything from the caches, the generation confirmed by
    /// the read's own statement). Tests turn them off to compare their
    /// answers with the pooled path's.
    pub fn one_statement_reads(&self) -> bool {
        use std::sync::atomic::Ordering;
        matches!(self, Self::Postgres(_, shared) if !shared.pooled_only.load(Ordering::Acquire))
    }

    /// See [`Self::one_statement_reads`].
    pub fn set_one_statement_reads(&self, on: bool) {
        if let Self::Postgres(_, shared) = self {
            shared
                .pooled_only
                .store(!on, std::sync::atomic::Ordering::Release);
        }
    }

    /// The migrations embedded for this backend (applied at start).
    pub fn embedded_migrations(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The direct point-read path (SQLite only; see [`fast`]).
    pub fn fast(&self) -> Option<&fast::FastReads> {
        match self {
            Self::Sqlite { fast, .. } => Some(fast),
            Self::Postgres(..) => None,
        }
    }

    /// SQLite: checkpoints run off the writer so far (see [`checkpoint`]).
    pub fn checkpoints(&self) -> Option<u64> {
        match self {
            Self::Sqlite { checkpoints, .. } => Some(checkpoints.runs()),
            Self::Postgres(..) => None,
        }
    }

    /// The change generation of this database (see [`changes`]).
    pub fn changes(&self) -> &Arc<Changes> {
        match self {
            Self::Sqlite { shared, .. } | Self::Postgres(_, shared) => &shared.changes,
        }
    }

    /// Batch sizes and transaction times (see [`stats::Timings`]).
    pub fn timings(&self) -> &stats::Timings {
        match self {
            Self::Sqlite { shared, .. } | Self::Postgres(_, shared) => &shared.timings,
        }
    }

    /// The change feed of this database (see [`feed`]).
    pub fn feed(&self) -> &Arc<Feed> {
        match self {
            Self::Sqlite { shared, .. } | Self::Postgres(_, shared) => &shared.feed,
        }
    }

    /// Record statements run so far (see [`Statements`]).
    pub fn statements(&self) -> &Statements {
        match self {
            Self::Sqlite { shared, .. } | Self::Postgres(_, shared) => &shared.stats,
        }
    }

    /// Reads the generation row and moves the local generation if it moved
    /// (SQLite polls this for writers outside the process).
    pub async fn poll_changes(&self) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT {}", changes::SELECT);
        self.statements().count_poll();
        let value: i64 = on_pool!(self, |p| sqlx::query_scalar(&sql).fetch_one(p).await)?;
        self.changes().observe(value);
        Ok(())
    }

    /// Refreshes the query planner's statistics where tables changed much
    /// (SQLite's `PRAGMA optimize`, bounded by `analysis_limit`; without them
    /// SQLite may sort a large range instead of walking the sort's index).
    /// PostgreSQL's autovacuum does this by itself.
    pub async fn optimize(&self) -> Result<(), sqlx::Error> {
        if let Self::Sqlite { write, .. } = self {
            let mut conn = write.acquire().await?;
            tracing::debug!("PRAGMA optimize");
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *conn)
                .await?;
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Rows inserted, updated or deleted through the SQLite writer so far
    /// (`total_changes()`); 0 on PostgreSQL.
    pub async fn rows_written(&self) -> Result<i64, sqlx::Error> {
        match self {
            Self::Sqlite { write, .. } => {
                sqlx::query_scalar("SELECT total_changes()")
                    .fetch_one(write)
                    .await
            }
            Self::Postgres(..) => Ok(0),
        }
    }

    /// The PostgreSQL pool, for what only PostgreSQL has (LISTEN/NOTIFY).
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match self {
            Self::Postgres(pool, _) => Some(pool),
            Self::Sqlite { .. } => None,
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Self::Postgres(pool, ..) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        self.changes().bump();
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { write, shared, .. } => {
                Tx::Sqlite(Conn::write(write.begin().await?, shared))
            }
            Self::Postgres(pool, shared) => {
                Tx::Postgres(Conn::write(begin_in(pool).await?, shared))
            }
        })
    }

    /// Starts a read-only transaction (a consistent snapshot on both backends).
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { read, shared, .. } => {
                Tx::Sqlite(Conn::tx(begin_in(read).await?, shared))
            }
            Self::Postgres(pool, shared) => Tx::Postgres(Conn::tx(begin_in(pool).await?, shared)),
        })
    }

    /// Runs `work` in a write transaction and commits it, or changes nothing
    /// when it fails. On SQLite, concurrent calls share one transaction and
    /// one commit (see [`GroupCommit`]); the result is returned once committed.
    pub async fn write<T, F>(&self, work: F) -> crate::error::ApiResult<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> group_commit::Work<'a, T> + Send + 'static,
    {
        match self {
            Self::Sqlite { group, .. } => group.write(work).await,
            // The BEGIN waits for the first write, and a transaction whose
            // one write was announced runs it alone (one round trip).
            Self::Postgres(pool, shared) => {
                let conn = pool.acquire().await?;
                Self::write_in(Inner::Deferred(conn), shared, work).await
            }
        }
    }

    /// Runs `work` in a PostgreSQL write transaction on `inner` and commits.
    async fn write_in<T, F>(
        inner: Inner<Postgres>,
        shared: &Arc<Shared>,
        work: F,
    ) -> crate::error::ApiResult<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> group_commit::Work<'a, T> + Send + 'static,
    {
        let mut tx = Tx::Postgres(Conn {
            inner,
            write: true,
            ..Conn::plain_parts(shared)
        });
        let result = work(&mut tx).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// A reader connection outside any transaction, for a request that reads
    /// with one statement (no BEGIN/COMMIT round trips). Commit is a no-op.
    pub async fn read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { read, shared, .. } => {
                Tx::Sqlite(Conn::plain(read.acquire().await?, shared))
            }
            Self::Postgres(pool, shared) => {
                Tx::Postgres(Conn::plain(pool.acquire().await?, shared))
            }
        })
    }

    /// `SELECT 1` against the database (readiness probe).
    pub async fn ping(&self) -> bool {
        let probe = async {
            on_pool!(self, |p| sqlx::query("SELECT 1")
                .execute(p)
                .await
                .map(|_| ()))
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(2), probe).await,
            Ok(Ok(()))
        )
    }

    /// Closes every pool.
    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres(pool, ..) => pool.close().await,
        }
    }
}
