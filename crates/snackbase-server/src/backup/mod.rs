//! Backups: a consistent snapshot of the SQLite database (`VACUUM INTO` on a
//! connection of its own: a read transaction, so writers never wait) and
//! every stored file, in one compressed archive with a manifest of
//! checksums (see [`archive`]). Each backup is read back after it is made:
//! every checksum, and `PRAGMA integrity_check` on the database restored to
//! a scratch file. On PostgreSQL only the files are archived (the database
//! has `pg_dump` and PITR; docs/operations.md).
//!
//! Made by `snackbase backup`, by a superadmin through `/admin/backups`, or
//! on a schedule; one at a time per process. Each finished backup leaves a
//! sidecar `<id>.json` (its [`Backup`] record) beside the archive in the
//! backup directory; the archive itself stays there or moves to the file
//! storage under `backups/`.

pub mod archive;
mod bridge;
mod handlers;
pub mod pace;
mod priority;
mod records;
pub mod restore;
mod schedule;
mod steps;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{BackupDestination, BackupSettings, Config};
use crate::db::DatabaseUrl;
use crate::files::Storage;

use bridge::upload;
pub(crate) use bridge::BlockingUpload;
pub(crate) use handlers::router;
use pace::Pace;
pub use records::{delete, find, list, valid_id};
use records::{retain, write_record};
pub use schedule::{claim as claim_scheduled_slot, schedule};
use steps::write_archive;
pub use steps::{snapshot_sqlite, verify_into, verify_paced};

/// Stored objects under this prefix are backups, not files to back up.
pub const STORAGE_PREFIX: &str = "backups/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Manual,
    Scheduled,
    Cli,
}

/// One backup, as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Backup {
    /// `snackbase-YYYYMMDDTHHMMSSZ`.
    pub id: String,
    /// The archive's name: the id and `.tar.zst`.
    pub file_name: String,
    pub status: Status,
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The archive's size.
    pub size_bytes: Option<u64>,
    /// The database snapshot's size (none on PostgreSQL).
    pub database_bytes: Option<u64>,
    pub files_count: Option<u64>,
    pub files_bytes: Option<u64>,
    /// Read back after it was made: every checksum and the database's
    /// integrity check passed.
    pub verified: bool,
    pub error: Option<String>,
    /// SHA-256 of the archive file.
    pub sha256: Option<String>,
    /// `local` (the backup directory) or `storage` (the file storage).
    pub location: String,
}

/// What a backup is made from.
#[derive(Clone)]
pub struct Sources {
    /// The SQLite database file; `None` on PostgreSQL.
    pub database: Option<PathBuf>,
    pub storage: Storage,
    /// Archive the stored files too (the default).
    pub include_files: bool,
    pub app_version: String,
}

impl Sources {
    pub fn from_config(config: &Config, storage: Storage) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(config.database_url.expose()).map_err(anyhow::Error::msg)?;
        Ok(Self {
            database: match url {
                DatabaseUrl::Sqlite(path) => Some(path),
                DatabaseUrl::Postgres(_) => None,
            },
            storage,
            include_files: true,
            app_version: config.app_version.clone(),
        })
    }
}

impl Sources {
    /// What a running server backs up: its own database and storage.
    pub fn of(state: &crate::app::AppState) -> Self {
        Self {
            database: state.db.sqlite_path().map(Path::to_path_buf),
            storage: state.storage.clone(),
            include_files: true,
            app_version: state.config.app_version.clone(),
        }
    }
}

/// Reports how far a backup is: a stage with its total bytes, then bytes done.
pub trait Progress: Send + Sync {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _bytes: u64) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// A failure of the backup machinery (not of one backup, which is recorded
/// as a failed [`Backup`]).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("a backup is already running")]
    Busy,
    #[error("no backup {0}")]
    NotFound(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// This process's backups: the one running, and a lock so that only one runs.
#[derive(Default)]
pub struct Backups {
    running: Mutex<Option<Backup>>,
    outcomes: Mutex<Outcomes>,
    /// The backup directory's modification time when it was last read, and
    /// the newest completed backup it held (Unix seconds).
    newest_recorded: Mutex<Option<(std::time::SystemTime, Option<i64>)>>,
}

/// Counts for `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcomes {
    pub completed: u64,
    pub failed: u64,
    /// Unix seconds of the last completed backup made by this process.
    pub last_success: Option<i64>,
}

impl Backups {
    /// The running backup, if any.
    pub fn running(&self) -> Option<Backup> {
        self.running.lock().ok().and_then(|r| r.clone())
    }

    pub fn outcomes(&self) -> Outcomes {
        self.outcomes.lock().map(|o| *o).unwrap_or_default()
    }

    /// When the newest completed backup recorded in `dir` finished (by any
    /// process: the CLI writes records there too). The records are read
    /// again only when the directory changed since the last call.
    pub async fn newest_recorded(&self, dir: &Path) -> Option<i64> {
        let modified = tokio::fs::metadata(dir).await.ok()?.modified().ok()?;
        if let Some((at, newest)) = *self.newest_recorded.lock().ok()? {
            if at == modified {
                return newest;
            }
        }
        let newest = list(dir)
            .await
            .ok()?
            .into_iter()
            .filter(|b| b.status == Status::Completed)
            .filter_map(|b| b.finished_at)
            .max()
            .map(|t| t.timestamp());
        if let Ok(mut cached) = self.newest_recorded.lock() {
            *cached = Some((modified, newest));
        }
        newest
    }

    /// Claims the right to run a backup: a running [`Backup`] record, or
    /// `Busy`.
    pub fn begin(&self, trigger: Trigger) -> Result<Backup, BackupError> {
        let mut running = self.running.lock().map_err(|_| BackupError::Busy)?;
        if running.is_some() {
            return Err(BackupError::Busy);
        }
        let started_at = crate::http::time::now();
        let id = format!("snackbase-{}", started_at.format("%Y%m%dT%H%M%S%.3fZ")).replace('.', "");
        let backup = Backup {
            file_name: format!("{id}.tar.zst"),
            id,
            status: Status::Running,
            trigger,
            started_at,
            finished_at: None,
            size_bytes: None,
            database_bytes: None,
            files_count: None,
            files_bytes: None,
            verified: false,
            error: None,
            sha256: None,
            location: "local".into(),
        };
        *running = Some(backup.clone());
        Ok(backup)
    }

    fn end(&self, backup: &Backup) {
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
        if let Ok(mut o) = self.outcomes.lock() {
            if backup.status == Status::Completed {
                o.completed += 1;
                o.last_success = backup.finished_at.map(|t| t.timestamp());
            } else {
                o.failed += 1;
            }
        }
    }
}

/// Makes the backup `begun` claimed, reads it back, moves it to its
/// destination, records it and applies retention. The returned record says
/// whether it completed; a failure leaves no archive, only its record.
pub async fn run(
    backups: &Backups,
    settings: &BackupSettings,
    sources: &Sources,
    mut backup: Backup,
    progress: Arc<dyn Progress>,
) -> Backup {
    let outcome = make(settings, sources, &mut backup, progress).await;
    backup.finished_at = Some(crate::http::time::now());
    match outcome {
        Ok(()) => backup.status = Status::Completed,
        Err(e) => {
            tracing::error!(backup = %backup.id, error = %e, "the backup failed");
            backup.status = Status::Failed;
            backup.error = Some(e.to_string());
            backup.verified = false;
            let _ = tokio::fs::remove_file(settings.dir.join(partial(&backup))).await;
            let _ = tokio::fs::remove_file(settings.dir.join(&backup.file_name)).await;
        }
    }
    if let Err(e) = write_record(&settings.dir, &backup).await {
        tracing::error!(backup = %backup.id, error = %e, "the backup's record could not be written");
    }
    if backup.status == Status::Completed {
        if let Err(e) = retain(settings, &sources.storage).await {
            tracing::warn!(error = %e, "removing old backups failed");
        }
        tracing::info!(backup = %backup.id, bytes = backup.size_bytes, "backup completed");
    }
    backups.end(&backup);
    backup
}

fn partial(backup: &Backup) -> String {
    format!(".{}.partial", backup.file_name)
}

async fn make(
    settings: &BackupSettings,
    sources: &Sources,
    backup: &mut Backup,
    progress: Arc<dyn Progress>,
) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(&settings.dir).await?;
    let dir = settings.dir.clone();
    let snapshot = dir.join(format!(".{}.db", backup.id));
    let _cleanup = Cleanup(vec![
        snapshot.clone(),
        dir.join(format!(".{}.verify.db", backup.id)),
    ]);

    if let Some(db) = &sources.database {
        progress.stage("database snapshot", 0);
        let (db, to) = (db.clone(), snapshot.clone());
        priority::run(settings.idle_cpu, move || snapshot_sqlite(&db, &to)).await??;
        backup.database_bytes = Some(tokio::fs::metadata(&snapshot).await?.len());
    }

    let mut files = Vec::new();
    let mut listing = sources.storage.objects("");
    while let Some(listed) = listing.next().await.filter(|_| sources.include_files) {
        let listed = listed?;
        if !listed.key.starts_with(STORAGE_PREFIX) {
            files.push((listed.key, listed.size));
        }
    }
    files.sort();
    let total: u64 = backup.database_bytes.unwrap_or(0) + files.iter().map(|f| f.1).sum::<u64>();
    progress.stage("archive", total);

    let out = dir.join(partial(backup));
    let storage = sources.storage.clone();
    let has_db = sources.database.is_some();
    let (created_at, version) = (backup.started_at.to_rfc3339(), sources.app_version.clone());
    let snap = snapshot.clone();
    let writer_progress = progress.clone();
    let runtime = tokio::runtime::Handle::current();
    let pace = Pace::new(settings.write_rate);
    let (written, count, bytes) = priority::run(settings.idle_cpu, move || {
        let written = write_archive(
            &out,
            pace,
            has_db.then_some(snap.as_path()),
            &files,
            &storage,
            &runtime,
            &*writer_progress,
            &created_at,
            &version,
        );
        // Archived (or failed): the snapshot goes, gently (it is as large
        // as the database).
        pace::discard(&snap);
        written
    })
    .await??;
    backup.files_count = Some(count);
    backup.files_bytes = Some(bytes);
    backup.size_bytes = Some(written.bytes);
    backup.sha256 = Some(written.sha256);
    tokio::fs::rename(dir.join(partial(backup)), dir.join(&backup.file_name)).await?;

    progress.stage("verify", written.bytes);
    let archive = dir.join(&backup.file_name);
    let scratch = dir.join(format!(".{}.verify.db", backup.id));
    let verify_progress = progress.clone();
    let pace = Pace::new(settings.write_rate);
    priority::run(settings.idle_cpu, move || {
        verify_paced(&archive, &scratch, &*verify_progress, pace)
    })
    .await??;
    backup.verified = true;

    if settings.destination == BackupDestination::Storage {
        progress.stage("upload", written.bytes);
        upload(
            &sources.storage,
            &dir.join(&backup.file_name),
            &backup.file_name,
        )
        .await?;
        tokio::fs::remove_file(dir.join(&backup.file_name)).await?;
        backup.location = "storage".into();
    }
    Ok(())
}

/// Removes scratch files however the backup ends.
struct Cleanup(Vec<PathBuf>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}
