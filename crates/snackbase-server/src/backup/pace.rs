//! Backups write gently, so that a server writing at the same time does not
//! wait on the disk: every file a backup writes (the snapshot, the archive,
//! the verification's scratch copy) is synced every [`SYNC_EVERY`] bytes, so
//! dirty pages never pile up into a long writeback that a WAL fsync would
//! queue behind, and writing sleeps to stay under a rate
//! (`SNACKBASE_BACKUP_WRITE_MB_PER_SECOND`; 0: as fast as the disk goes).
//! Large scratch files are removed gently too ([`remove_gently`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes written between two syncs.
pub const SYNC_EVERY: u64 = 4 * 1024 * 1024;

/// Bytes freed per step by [`remove_gently`], and the pause between steps.
const FREE_STEP: u64 = 4 * 1024 * 1024;
const FREE_PAUSE: Duration = Duration::from_millis(10);

/// Removes `path` (a missing file is not an error), a large one a slice at
/// a time: shortened by [`FREE_STEP`] and synced, with a pause, then
/// unlinked. Unlinking a 1 GB file at once frees all its blocks in one
/// journal commit, and where the file system discards freed blocks (ext4
/// mounted `-o discard`, common on cloud disks) that commit, and every
/// fsync of the server's that waits for it, takes 100–200 ms. A slice's
/// commit costs a few milliseconds.
pub fn remove_gently(path: &Path) -> io::Result<()> {
    let file = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut len = file.metadata()?.len();
    while len > FREE_STEP {
        len -= FREE_STEP;
        file.set_len(len)?;
        file.sync_all()?;
        std::thread::sleep(FREE_PAUSE);
    }
    drop(file);
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// [`remove_gently`] for a backup's scratch file (the snapshot, the
/// verification's copy): a failure is logged, not returned. The backup
/// stands, and its clean-up tries again when it ends.
pub fn discard(path: &Path) {
    if let Err(e) = remove_gently(path) {
        tracing::warn!(error = %e, file = %path.display(), "a backup's scratch file was not removed");
    }
}

/// A write rate kept by sleeping.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Bytes per second; 0: unbounded.
    rate: u64,
    started: Instant,
}

impl Pace {
    pub fn new(bytes_per_second: u64) -> Self {
        Self {
            rate: bytes_per_second,
            started: Instant::now(),
        }
    }

    /// Sleeps while `total` bytes written since the start are ahead of the rate.
    pub fn hold(&self, total: u64) {
        if self.rate == 0 {
            return;
        }
        let due = Duration::from_secs_f64(total as f64 / self.rate as f64);
        if let Some(ahead) = due.checked_sub(self.started.elapsed()) {
            std::thread::sleep(ahead);
        }
    }
}

/// A file written at a bounded rate and synced as it goes.
pub struct PacedFile {
    file: File,
    pace: Pace,
    written: u64,
    unsynced: u64,
}

impl PacedFile {
    pub fn new(file: File, pace: Pace) -> Self {
        Self {
            file,
            pace,
            written: 0,
            unsynced: 0,
        }
    }

    /// Syncs what is left and gives the file back.
    pub fn finish(self) -> io::Result<File> {
        self.file.sync_data()?;
        Ok(self.file)
    }
}

impl Write for PacedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        self.unsynced += n as u64;
        if self.unsynced >= SYNC_EVERY {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        self.pace.hold(self.written);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Paces a file someone else writes (SQLite's `VACUUM INTO`), from a
/// progress callback: syncs it as it grows and sleeps while it is ahead of
/// the rate.
pub struct Watched {
    path: PathBuf,
    pace: Pace,
    handle: Option<File>,
    synced: u64,
}

impl Watched {
    pub fn new(path: &Path, pace: Pace) -> Self {
        Self {
            path: path.to_path_buf(),
            pace,
            handle: None,
            synced: 0,
        }
    }

    /// Called now and then while the file is written.
    pub fn tick(&mut self) {
        let Ok(size) = std::fs::metadata(&self.path).map(|m| m.len()) else {
            return;
        };
        if size >= self.synced + SYNC_EVERY {
            if self.handle.is_none() {
                self.handle = File::open(&self.path).ok();
            }
            if let Some(f) = &self.handle {
                // Another descriptor of the same file: syncing it writes out
                // the pages SQLite left dirty.
                let _ = f.sync_data();
            }
            self.synced = size;
        }
        self.pace.hold(size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_is_removed_a_slice_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scratch.db");
        let mut file = File::create(&path).unwrap();
        // Real blocks, not a sparse file: 3 slices and a bit.
        let block = vec![7u8; 1024 * 1024];
        for _ in 0..(3 * FREE_STEP / block.len() as u64 + 1) {
            file.write_all(&block).unwrap();
        }
        drop(file);
        let started = Instant::now();
        remove_gently(&path).unwrap();
        assert!(!path.exists());
        // Three slices were cut first, each followed by its pause.
        assert!(started.elapsed() >= FREE_PAUSE * 3);
        // Gone already: nothing to do, no error.
        remove_gently(&path).unwrap();
        // A small file goes at once.
        std::fs::write(&path, b"small").unwrap();
        remove_gently(&path).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_paced_file_keeps_its_rate_and_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let start = Instant::now();
        // 2 MiB at 8 MiB/s: at least a quarter of a second.
        let mut f = PacedFile::new(File::create(&path).unwrap(), Pace::new(8 * 1024 * 1024));
        let chunk = vec![7u8; 64 * 1024];
        for _ in 0..32 {
            f.write_all(&chunk).unwrap();
        }
        f.finish().unwrap();
        assert!(
            start.elapsed() >= Duration::from_millis(240),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(std::fs::read(&path).unwrap().len(), 2 * 1024 * 1024);
    }

    #[test]
    fn unbounded_does_not_sleep() {
        let pace = Pace::new(0);
        let start = Instant::now();
        pace.hold(u64::MAX);
        assert!(start.elapsed() < Duration::from_millis(50));
    }
}
