//! SQLite checkpoints off the write path.
//!
//! By default SQLite's writer folds the WAL back into the database file
//! itself: the commit that takes the WAL past 1,000 pages runs the
//! checkpoint (copies the pages and syncs the file) before it returns, so
//! that request waits for it, and for longer while another process (a
//! backup) keeps the disk busy. The server's writer runs with that
//! auto-checkpoint off (`wal_autocheckpoint=0`), and a thread of its own
//! checkpoints every [`CADENCE`] on a connection of its own, in `PASSIVE`
//! mode: it never waits for (nor holds up) the writer or the readers, and
//! copies what no reader still needs. The writer starts the WAL over once
//! everything in it is copied, as before.
//!
//! Under steady writes a passive checkpoint may never catch up with the
//! last commit, and the WAL would then never start over: past
//! [`RESTART_FRAMES`] the checkpointer asks for a `RESTART` checkpoint, which
//! holds the writer only while it copies the few frames the passive ones
//! left, and gives up after a few milliseconds if a reader (a backup's
//! snapshot) still needs the old frames.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the checkpointer looks at the WAL.
pub const CADENCE: Duration = Duration::from_millis(200);

/// WAL frames (pages) past which a checkpoint makes sure the WAL starts
/// over (64 MiB of 4 KiB pages).
pub const RESTART_FRAMES: i64 = 16_384;

/// The checkpointer of one database; stops when dropped (with the `Db`).
#[derive(Debug)]
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    runs: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (in WAL mode).
    pub fn start(path: PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let runs = Arc::new(AtomicU64::new(0));
        let (halt, count) = (stop.clone(), runs.clone());
        let started = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&path, &halt, &count));
        if let Err(e) = started {
            tracing::error!(error = %e, "could not start the checkpoint thread");
        }
        Self { stop, runs }
    }

    /// Checkpoints that copied frames so far.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Acquire)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn run(path: &std::path::Path, stop: &AtomicBool, runs: &AtomicU64) {
    let mut conn = None;
    let mut last = (0, 0);
    while !stop.load(Ordering::Acquire) {
        std::thread::sleep(CADENCE);
        if conn.is_none() {
            conn = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|c| {
                // A restart gives up rather than hold the writer long.
                c.busy_timeout(Duration::from_millis(5))?;
                Ok(c)
            })
            .inspect_err(
                |e| tracing::warn!(error = %e, "the checkpointer cannot open the database"),
            )
            .ok();
        }
        let Some(c) = &conn else { continue };
        // (busy, frames in the WAL, frames copied to the database file).
        let mode = if last.0 > RESTART_FRAMES {
            "RESTART"
        } else {
            "PASSIVE"
        };
        match c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        }) {
            Ok(now) => {
                // Frames copied that the last look had not seen copied.
                if now.1 > 0 && now != last {
                    runs.fetch_add(1, Ordering::AcqRel);
                }
                last = now;
            }
            Err(e) => {
                tracing::debug!(error = %e, "checkpoint failed");
                conn = None;
            }
        }
    }
    // Closing the connection (the last one of the process, maybe) may run
    // a final checkpoint itself.
}
