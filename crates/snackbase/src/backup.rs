//! `snackbase backup …` and `snackbase restore`: online backups of the
//! database and stored files, their verification, and an offline restore.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use snackbase_server::backup::{self, restore, Backups, Progress, Sources, Status, Trigger};
use snackbase_server::config::Config;
use snackbase_server::files::Storage;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    command: Option<BackupCommand>,
    /// Write the archive to this directory instead of SNACKBASE_BACKUP_DIR.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Leave the stored files out (the database only).
    #[arg(long)]
    no_files: bool,
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Check an archive: every checksum, and the database's integrity.
    Verify { archive: PathBuf },
    /// List the backups recorded in the backup directory.
    List {
        /// The directory (default: SNACKBASE_BACKUP_DIR).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// A progress bar on a terminal; nothing otherwise.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>18} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Self(Some(bar))
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_message(name.to_string());
            bar.set_length(total);
            bar.set_position(0);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The database and the storage the server uses: the environment's, or the
/// storage a configuration in the database names.
async fn sources(config: &Config) -> anyhow::Result<Sources> {
    let storage = Storage::build(config)?;
    if let Some(configured) =
        snackbase_server::configuration::active::configured_storage(config).await?
    {
        storage.install(configured);
    }
    Sources::from_config(config, storage)
}

pub async fn run(mut config: Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = args.output {
        config.backup.dir = dir;
    }
    match args.command {
        Some(BackupCommand::Verify { archive }) => {
            let scratch =
                std::env::temp_dir().join(format!("snackbase-verify-{}.db", std::process::id()));
            let bar = Bar::new();
            bar.stage("verify", std::fs::metadata(&archive)?.len());
            let checked =
                tokio::task::spawn_blocking(move || backup::verify_into(&archive, &scratch, &bar))
                    .await?;
            match checked {
                Ok(c) => {
                    println!(
                        "OK: {} members, made {} by SnackBase {} ({})",
                        c.manifest.members.len(),
                        c.manifest.created_at,
                        c.manifest.app_version,
                        c.manifest.backend
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("FAILED: {e:#}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(BackupCommand::List { output }) => {
            let dir = output.unwrap_or(config.backup.dir);
            for b in backup::list(&dir).await? {
                println!(
                    "{}\t{:?}\t{}\t{} bytes\t{}",
                    b.id,
                    b.status,
                    b.started_at.to_rfc3339(),
                    b.size_bytes.unwrap_or(0),
                    if b.verified {
                        "verified"
                    } else {
                        "not verified"
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut sources = sources(&config).await?;
            sources.include_files = !args.no_files;
            let backups = Backups::default();
            let begun = backups.begin(Trigger::Cli)?;
            let made = backup::run(
                &backups,
                &config.backup,
                &sources,
                begun,
                Arc::new(Bar::new()),
            )
            .await;
            if made.status == Status::Completed {
                let place = if made.location == "storage" {
                    format!("storage:{}{}", backup::STORAGE_PREFIX, made.file_name)
                } else {
                    let path = config.backup.dir.join(&made.file_name);
                    std::path::absolute(&path)
                        .unwrap_or(path)
                        .display()
                        .to_string()
                };
                println!(
                    "{place}\n{} bytes, {} files, verified, sha256 {}",
                    made.size_bytes.unwrap_or(0),
                    made.files_count.unwrap_or(0),
                    made.sha256.as_deref().unwrap_or("")
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "error: the backup failed: {}",
                    made.error.as_deref().unwrap_or("unknown")
                );
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

pub async fn restore(config: &Config, archive: PathBuf, yes: bool) -> anyhow::Result<ExitCode> {
    let sources = sources(config).await?;
    if let Some(db) = &sources.database {
        restore::ensure_unused(db)?;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("restoring replaces the database: confirm with --yes");
        }
        eprint!(
            "Restore {} over {}? The current database is kept aside. Type 'yes': ",
            archive.display(),
            sources
                .database
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the stored files".into())
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            eprintln!("Nothing was changed.");
            return Ok(ExitCode::FAILURE);
        }
    }
    let bar = Bar::new();
    let done = restore::restore(&archive, &sources, &bar).await?;
    drop(bar);
    println!(
        "Restored {} files{}.",
        done.files,
        if done.database_restored {
            " and the database"
        } else {
            " (no database in this backup: on PostgreSQL restore the database with pg_restore)"
        }
    );
    if let Some(previous) = done.previous {
        println!("The replaced database is kept at {}.", previous.display());
    }
    println!("The secret key is not part of a backup: keep the data directory's key (or SNACKBASE_SECRET_KEY) with it.");
    Ok(ExitCode::SUCCESS)
}
