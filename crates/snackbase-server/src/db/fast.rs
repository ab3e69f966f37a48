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
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Read-only connections used from async tasks for short statements.
#[derive(Debug)]
pub struct FastReads {
    path: PathBuf,
    cap: usize,
    idle: Mutex<Vec<Connection>>,
    open: Mutex<usize>,
}

impl FastReads {
    pub fn new(path: PathBuf, cap: usize) -> Self {
        Self {
            path,
            cap,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
        }
    }

    fn checkout(&self) -> Option<Connection> {
        if let Some(conn) = self.idle.lock().ok()?.pop() {
            return Some(conn);
        }
        let mut open = self.open.lock().ok()?;
        if *open >= self.cap {
            return None;
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        // Never wait long on the request's thread: fall back instead.
        conn.busy_timeout(Duration::from_millis(20)).ok()?;
        conn.set_prepared_statement_cache_capacity(64);
        *open += 1;
        Some(conn)
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Runs `read` on a free connection; `None` when none is free or the
    /// statement failed (the caller then takes the sqlx path, which reports
    /// errors properly).
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let conn = self.checkout()?;
        let result = read(&conn);
        self.checkin(conn);
        result.ok()
    }
}
