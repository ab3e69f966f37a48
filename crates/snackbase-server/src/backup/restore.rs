//! Restoring a backup (offline: `snackbase restore`). The archive is checked
//! whole first (checksums, and the database's integrity on a scratch copy);
//! only then are the files written back to the storage and the database put
//! in place. The database it replaces is kept beside it as
//! `<name>.before-restore-<time>`.

use std::path::{Path, PathBuf};

use super::{archive, BlockingUpload, Progress, Sources};
use crate::files::key::Key;

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub files: u64,
    /// Where the replaced database was moved (none if there was none, or on
    /// PostgreSQL).
    pub previous: Option<PathBuf>,
    pub database_restored: bool,
}

/// Refuses when another process has the SQLite database open (a running
/// server): an exclusive lock is taken and released.
pub fn ensure_unused(db: &Path) -> anyhow::Result<()> {
    if !db.exists() {
        return Ok(());
    }
    let conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .map_err(|_| {
            anyhow::anyhow!(
                "{} is in use: stop the server before restoring",
                db.display()
            )
        })?;
    Ok(())
}

/// Restores `archive` over the database and storage `sources` names.
pub async fn restore(
    archive_path: &Path,
    sources: &Sources,
    progress: &(dyn Progress + 'static),
) -> anyhow::Result<Restored> {
    let data_dir = sources
        .database
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let scratch = data_dir.join(".restore.db");
    // 1. The whole archive checks, and its database is sound.
    let (a, s) = (archive_path.to_path_buf(), scratch.clone());
    let checked = {
        let mut db: Option<std::fs::File> = None;
        tokio::task::spawn_blocking(move || -> anyhow::Result<archive::Checked> {
            let checked = archive::check(&a, &mut |name, data| {
                if name == archive::DATABASE {
                    let mut f = std::fs::File::create(&s)?;
                    std::io::copy(data, &mut f)?;
                    f.sync_all()?;
                    db = Some(f);
                }
                Ok(())
            })?;
            if db.is_some() {
                archive::integrity(&s).map_err(anyhow::Error::msg)?;
            }
            Ok(checked)
        })
        .await?
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&scratch);
            return Err(e);
        }
    };
    let has_db = checked
        .manifest
        .members
        .iter()
        .any(|m| m.path == archive::DATABASE);
    if has_db && sources.database.is_none() {
        let _ = std::fs::remove_file(&scratch);
        anyhow::bail!(
            "this backup holds a SQLite database, but the configured database is PostgreSQL"
        );
    }

    // 2. The files go back to the storage.
    let total: u64 = checked
        .manifest
        .members
        .iter()
        .filter(|m| m.path.starts_with(archive::FILES))
        .map(|m| m.size)
        .sum();
    progress.stage("files", total);
    let storage = sources.storage.clone();
    let a = archive_path.to_path_buf();
    let runtime = tokio::runtime::Handle::current();
    let files = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let mut count = 0;
        archive::check(&a, &mut |name, data| {
            let Some(key) = name.strip_prefix(archive::FILES) else {
                return Ok(());
            };
            let (key, _) = Key::parse(key).map_err(std::io::Error::other)?;
            let mut upload = BlockingUpload::new(&runtime, storage.upload(&key));
            std::io::copy(data, &mut upload)?;
            upload.finish()?;
            count += 1;
            Ok(())
        })?;
        Ok(count)
    })
    .await??;

    // 3. The database goes in place; the one it replaces is kept.
    let mut previous = None;
    if let (true, Some(db)) = (has_db, &sources.database) {
        if db.exists() {
            let stamp = crate::http::time::now().format("%Y%m%dT%H%M%SZ");
            let aside = PathBuf::from(format!("{}.before-restore-{stamp}", db.display()));
            // Fold the WAL into the file first, so the copy kept aside is whole.
            {
                let conn = rusqlite::Connection::open(db)?;
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            }
            std::fs::rename(db, &aside)?;
            previous = Some(aside);
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::rename(&scratch, db)?;
    }
    let _ = std::fs::remove_file(&scratch);
    Ok(Restored {
        files,
        previous,
        database_restored: has_db,
    })
}
