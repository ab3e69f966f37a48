//! The steps of one backup, each on a blocking thread: the SQLite snapshot
//! (`VACUUM INTO`, synced as it grows), the archive (the snapshot and every
//! stored object, paced), and the read-back (checksums, and the database
//! restored to a scratch file and integrity-checked).

use std::path::Path;

use super::bridge::BlockingStream;
use super::pace::{self, Pace, PacedFile};
use super::{archive, Progress};
use crate::files::key::Key;
use crate::files::Storage;

/// `VACUUM INTO` on a connection of its own: a consistent snapshot taken in
/// one read transaction (WAL: writers go on).
pub fn snapshot_sqlite(db: &Path, to: &Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(to);
    if !db.exists() {
        anyhow::bail!(
            "there is no database at {} (check SNACKBASE_DATABASE_URL; `snackbase migrate` creates it)",
            db.display()
        );
    }
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let target = to
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup directory's path is not UTF-8"))?;
    // SQLite writes the snapshot; a progress callback syncs it as it grows.
    // It is not slowed down: the read transaction it runs in holds back the
    // server's checkpoints, and a longer one makes a longer WAL to fold in.
    let mut watched = pace::Watched::new(to, Pace::new(0));
    conn.progress_handler(
        20_000,
        Some(move || {
            watched.tick();
            false
        }),
    );
    conn.execute("VACUUM INTO ?1", [target])?;
    conn.progress_handler(20_000, None::<fn() -> bool>);
    std::fs::File::open(to)?.sync_data()?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, on a blocking thread"
)]
pub(super) fn write_archive(
    out: &Path,
    pace: Pace,
    snapshot: Option<&Path>,
    files: &[(String, u64)],
    storage: &Storage,
    runtime: &tokio::runtime::Handle,
    progress: &dyn Progress,
    created_at: &str,
    version: &str,
) -> anyhow::Result<(archive::Written, u64, u64)> {
    let mut writer = archive::Writer::create(out, pace)?;
    let advance = |n| progress.advance(n);
    if let Some(snapshot) = snapshot {
        let mut file = std::fs::File::open(snapshot)?;
        let size = file.metadata()?.len();
        writer.append(archive::DATABASE, size, &mut file, &advance)?;
    }
    let (mut count, mut bytes) = (0u64, 0u64);
    for (key, size) in files {
        let Ok((parsed, _)) = Key::parse(key) else {
            tracing::warn!(key = %key, "a stored object with an unusual key was left out of the backup");
            continue;
        };
        let stream = match runtime.block_on(storage.read(&parsed, None)) {
            Ok(s) => s,
            // Deleted since it was listed.
            Err(crate::files::storage::StorageError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut reader = BlockingStream {
            runtime: runtime.clone(),
            stream,
            buffer: axum::body::Bytes::new(),
        };
        writer.append(
            &format!("{}{key}", archive::FILES),
            *size,
            &mut reader,
            &advance,
        )?;
        count += 1;
        bytes += size;
    }
    let written = writer.finish(
        created_at,
        version,
        if snapshot.is_some() {
            "sqlite"
        } else {
            "postgres"
        },
    )?;
    Ok((written, count, bytes))
}

/// Checks every member of `archive` and the integrity of its database,
/// restored to `scratch` (removed afterwards).
pub fn verify_into(
    archive: &Path,
    scratch: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<archive::Checked> {
    verify_paced(archive, scratch, progress, Pace::new(0))
}

/// [`verify_into`], writing the scratch copy at a bounded rate.
pub fn verify_paced(
    archive: &Path,
    scratch: &Path,
    progress: &dyn Progress,
    pace: Pace,
) -> anyhow::Result<archive::Checked> {
    let mut db_file: Option<std::fs::File> = None;
    let checked = archive::check(archive, &mut |name, data| {
        if name == archive::DATABASE {
            let mut f = PacedFile::new(std::fs::File::create(scratch)?, pace);
            let n = std::io::copy(data, &mut f)?;
            progress.advance(n);
            db_file = Some(f.finish()?);
        }
        Ok(())
    });
    let result = checked.map_err(anyhow::Error::from).and_then(|checked| {
        if db_file.take().is_some() {
            archive::integrity(scratch).map_err(anyhow::Error::msg)?;
        }
        Ok(checked)
    });
    pace::discard(scratch);
    result
}
