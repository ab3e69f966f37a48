//! Operations settings: backups and the `/metrics` endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::limits::range;
use super::{ConfigError, Secret, Source};

/// Where a finished backup archive is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupDestination {
    /// The backup directory on this machine.
    Local,
    /// The file storage (e.g. S3) under `backups/`; the local copy is removed.
    Storage,
}

impl BackupDestination {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Storage => "storage",
        }
    }
}

/// `snackbase backup`, the API's backups and their schedule.
#[derive(Debug, Clone)]
pub struct BackupSettings {
    /// Where archives are written (and kept, when the destination is local).
    pub dir: PathBuf,
    /// Time between scheduled backups; zero: none.
    pub interval: Duration,
    /// Completed backups kept; older ones are deleted after a new one.
    pub keep: usize,
    pub destination: BackupDestination,
    /// How fast a backup writes to disk, in bytes per second; 0: unbounded.
    pub write_rate: u64,
    /// The backup's own threads run at idle CPU priority (`backup::priority`).
    pub idle_cpu: bool,
}

/// `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub enabled: bool,
    /// A bearer token scrapers send (a superadmin's token is also accepted).
    pub token: Option<Secret>,
    /// Serve `/metrics` on this address only (no token), not on the API's port.
    pub addr: Option<SocketAddr>,
}

impl BackupSettings {
    pub(super) fn read(s: &Source, data_dir: &std::path::Path) -> Result<Self, ConfigError> {
        let dir = s
            .optional("BACKUP_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("backups"));
        let interval: u64 = s.parsed("BACKUP_INTERVAL_SECONDS")?;
        if interval != 0 && interval < 60 {
            return Err(ConfigError::new(
                "SNACKBASE_BACKUP_INTERVAL_SECONDS",
                "must be 0 (no schedule) or at least 60",
            ));
        }
        let keep: usize = range("BACKUP_KEEP", s.parsed("BACKUP_KEEP")?, 1, 10_000)?;
        let destination = match s
            .string("BACKUP_DESTINATION")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "local" | "" => BackupDestination::Local,
            "storage" => BackupDestination::Storage,
            other => {
                return Err(ConfigError::new(
                    "SNACKBASE_BACKUP_DESTINATION",
                    format!("{other:?}: expected local or storage"),
                ))
            }
        };
        let mb: u64 = range(
            "BACKUP_WRITE_MB_PER_SECOND",
            s.parsed("BACKUP_WRITE_MB_PER_SECOND")?,
            0,
            100_000,
        )?;
        Ok(Self {
            dir,
            interval: Duration::from_secs(interval),
            keep,
            destination,
            write_rate: mb * 1024 * 1024,
            idle_cpu: s.boolean("BACKUP_IDLE_CPU")?,
        })
    }
}

impl MetricsSettings {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let addr = match s.optional("METRICS_ADDR") {
            None => None,
            Some(raw) => Some(raw.parse::<SocketAddr>().map_err(|e| {
                ConfigError::new("SNACKBASE_METRICS_ADDR", format!("{raw:?}: {e}"))
            })?),
        };
        let token = s.optional("METRICS_TOKEN");
        if token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError::new(
                "SNACKBASE_METRICS_TOKEN",
                "must be at least 16 characters",
            ));
        }
        Ok(Self {
            enabled: s.boolean("METRICS_ENABLED")?,
            token: token.map(Secret::new),
            addr,
        })
    }
}
