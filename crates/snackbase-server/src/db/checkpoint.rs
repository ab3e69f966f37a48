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
//! snapshot) still needs the old frames. A `RESTART` that gave up is not
//! tried again for a while ([`Restarts`]): while a backup's snapshot is
//! open it cannot succeed, and each try holds the writer for those
//! milliseconds (plus the copy and a sync of the database file), which
//! every commit meanwhile waits for.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the checkpointer looks at the WAL.
pub const CADENCE: Duration = Duration::from_millis(200);

/// WAL frames (pages) past which a checkpoint makes sure the WAL starts
/// over (64 MiB of 4 KiB pages).
pub const RESTART_FRAMES: i64 = 16_384;

/// The first wait before trying a `RESTART` again after one gave up.
pub const RESTART_BACKOFF: Duration = Duration::from_secs(1);
/// The longest such wait.
pub const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(8);

/// When a `RESTART` checkpoint may be tried: past [`RESTART_FRAMES`], and
/// after one gave up, not before a wait that doubles with each that gives
/// up (from [`RESTART_BACKOFF`] to [`RESTART_BACKOFF_MAX`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct Restarts {
    not_before: Option<std::time::Instant>,
    wait: Option<Duration>,
}

impl Restarts {
    /// Whether the next checkpoint, of a WAL of `frames`, is a `RESTART`.
    pub fn due(&self, frames: i64, now: std::time::Instant) -> bool {
        frames > RESTART_FRAMES && self.not_before.is_none_or(|t| now >= t)
    }

    /// A `RESTART` ended at `now`, `done` or given up.
    pub fn ended(&mut self, done: bool, now: std::time::Instant) {
        if done {
            *self = Self::default();
            return;
        }
        let wait = self
            .wait
            .map_or(RESTART_BACKOFF, |w| (w * 2).min(RESTART_BACKOFF_MAX));
        self.wait = Some(wait);
        self.not_before = Some(now + wait);
    }
}

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

    /// One that never checkpoints (see `PoolSettings::checkpoints`).
    pub fn off() -> Self {
        Self {
            stop: Arc::new(AtomicBool::new(true)),
            runs: Arc::new(AtomicU64::new(0)),
        }
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
    let mut restarts = Restarts::default();
    loop {
        std::thread::sleep(CADENCE);
        // A database closed meanwhile (a command's short look at it) is
        // left alone.
        if stop.load(Ordering::Acquire) {
            break;
        }
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
        let restart = restarts.due(last.0, std::time::Instant::now());
        let mode = if restart { "RESTART" } else { "PASSIVE" };
        // (busy, frames in the WAL, frames copied to the database file).
        match c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        }) {
            Ok((busy, frames, copied)) => {
                if restart {
                    restarts.ended(busy == 0, std::time::Instant::now());
                }
                let now = (frames, copied);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_restart_that_gives_up_waits_longer_each_time() {
        let t0 = Instant::now();
        let mut r = Restarts::default();
        assert!(!r.due(RESTART_FRAMES, t0), "not below the threshold");
        assert!(r.due(RESTART_FRAMES + 1, t0));
        let mut at = t0;
        for wait in [1, 2, 4, 8, 8] {
            r.ended(false, at);
            let wait = Duration::from_secs(wait);
            assert!(!r.due(RESTART_FRAMES + 1, at + wait - Duration::from_millis(1)));
            assert!(r.due(RESTART_FRAMES + 1, at + wait));
            at += wait;
        }
        // One that succeeds ends the waiting.
        r.ended(true, at);
        assert!(r.due(RESTART_FRAMES + 1, at));
        r.ended(false, at);
        assert!(r.due(RESTART_FRAMES + 1, at + RESTART_BACKOFF));
    }
}
