//! Point reads on SQLite without a thread hop.
//!
//! sqlx runs each SQLite connection on its own thread: every statement is a
//! message to that thread and a wake-up back, which costs more than the
//! statement itself for a lookup by primary key. For the hottest read, one
//! record by id, a few extra read-only connections are used directly from
//! the request's task through rusqlite (same SQLite library, same file, WAL
//! snapshot per statement). A lookup takes microseconds; if no connection is
//! free or SQLite is busy, the caller falls back to the sqlx path.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Read-only connections used from async tasks for short statements.
#[derive(Debug)]
pub struct FastReads {
    path: PathBuf,
    cap: usize,
    pool: Mutex<Pool>,
    enabled: AtomicBool,
    hits: AtomicU64,
}

#[derive(Debug, Default)]
struct Pool {
    idle: Vec<Connection>,
    /// Connections opened so far (idle or in use).
    opened: usize,
}

impl FastReads {
    pub fn new(path: PathBuf, cap: usize) -> Self {
        Self {
            path,
            cap,
            pool: Mutex::default(),
            enabled: AtomicBool::new(true),
            hits: AtomicU64::new(0),
        }
    }

    /// Turns the direct path on or off (tests compare it with the pooled path).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Release);
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Reads answered on the direct path so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Acquire)
    }

    fn checkout(&self) -> Option<Connection> {
        {
            let mut pool = self.pool.lock().ok()?;
            if let Some(conn) = pool.idle.pop() {
                return Some(conn);
            }
            if pool.opened >= self.cap {
                return None;
            }
            pool.opened += 1;
        }
        let opened = self.open();
        if opened.is_none() {
            if let Ok(mut pool) = self.pool.lock() {
                pool.opened -= 1;
            }
        }
        opened
    }

    fn open(&self) -> Option<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        // Never wait long on the request's thread: fall back instead.
        conn.busy_timeout(Duration::from_millis(20)).ok()?;
        conn.set_prepared_statement_cache_capacity(64);
        Some(conn)
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.idle.push(conn);
        }
    }

    /// Runs `read` on a free connection; `None` when none is free or the
    /// statement failed (the caller then takes the sqlx path, which reports
    /// errors properly).
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let conn = self.checkout()?;
        let result = read(&conn);
        self.checkin(conn);
        let value = result.ok()?;
        self.hits.fetch_add(1, Ordering::AcqRel);
        Some(value)
    }
}
