//! The record of each finished backup: a sidecar `<id>.json` in the backup
//! directory; listing, lookup, deletion and retention read them.

use std::path::Path;

use crate::config::BackupSettings;
use crate::files::key::Key;
use crate::files::Storage;

use super::{Backup, BackupError, Status, STORAGE_PREFIX};

pub(super) async fn write_record(dir: &Path, backup: &Backup) -> std::io::Result<()> {
    let body = serde_json::to_vec_pretty(backup).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(".{}.json.tmp", backup.id));
    tokio::fs::write(&tmp, body).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{}.json", backup.id))).await
}

/// Every recorded backup in `dir`, newest first.
pub async fn list(dir: &Path) -> std::io::Result<Vec<Backup>> {
    let mut out = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("snackbase-") && name.ends_with(".json")) {
            continue;
        }
        match tokio::fs::read(entry.path()).await {
            Ok(body) => match serde_json::from_slice::<Backup>(&body) {
                Ok(b) => out.push(b),
                Err(e) => {
                    tracing::warn!(file = %name, error = %e, "an unreadable backup record was skipped")
                }
            },
            Err(e) => {
                tracing::warn!(file = %name, error = %e, "an unreadable backup record was skipped")
            }
        }
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}

/// A recorded backup by id (ids are checked: `snackbase-` and digits, `T`, `Z`).
pub async fn find(dir: &Path, id: &str) -> Result<Backup, BackupError> {
    if !valid_id(id) {
        return Err(BackupError::NotFound(id.to_string()));
    }
    let body = match tokio::fs::read(dir.join(format!("{id}.json"))).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::NotFound(id.to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    serde_json::from_slice(&body).map_err(|e| BackupError::Io(std::io::Error::other(e)))
}

pub fn valid_id(id: &str) -> bool {
    id.strip_prefix("snackbase-").is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() < 40
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'T' || c == 'Z')
    })
}

/// Deletes a backup: its archive (wherever it is) and its record.
pub async fn delete(dir: &Path, storage: &Storage, backup: &Backup) -> Result<(), BackupError> {
    if backup.location == "storage" {
        if let Ok((key, _)) = Key::parse(&format!("{STORAGE_PREFIX}{}", backup.file_name)) {
            storage.delete_logged(&key).await;
        }
    }
    // An archive can be large: removed a slice at a time (`remove_gently`).
    let archive = dir.join(&backup.file_name);
    tokio::task::spawn_blocking(move || super::pace::remove_gently(&archive))
        .await
        .map_err(std::io::Error::other)??;
    tokio::fs::remove_file(dir.join(format!("{}.json", backup.id))).await?;
    Ok(())
}

/// Keeps the newest `keep` completed backups (failed records go with them
/// once older than the oldest kept one).
pub(super) async fn retain(
    settings: &BackupSettings,
    storage: &Storage,
) -> Result<(), BackupError> {
    let all = list(&settings.dir).await?;
    let completed: Vec<&Backup> = all
        .iter()
        .filter(|b| b.status == Status::Completed)
        .collect();
    let Some(oldest_kept) = completed
        .get(settings.keep.saturating_sub(1))
        .map(|b| b.id.clone())
    else {
        return Ok(());
    };
    for old in all.iter().filter(|b| b.id < oldest_kept) {
        delete(&settings.dir, storage, old).await?;
        tracing::info!(backup = %old.id, "old backup removed (retention)");
    }
    Ok(())
}
