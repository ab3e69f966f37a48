use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use snackbase_server::config::{Config, LogFormat};
use snackbase_server::db::{DatabaseUrl, Db, PoolSettings};
use snackbase_server::error::ApiError;
use snackbase_server::AppState;

#[derive(Parser)]
#[command(
    name = "snackbase",
    version,
    about = "SnackBase: a multi-tenant Backend-as-a-Service"
)]
struct Cli {
    /// Read variables from this file instead of ./.env
    #[arg(long, global = true, value_name = "PATH")]
    env_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API and the admin UI.
    Serve {
        /// Overrides SNACKBASE_HOST.
        #[arg(long)]
        host: Option<String>,
        /// Overrides SNACKBASE_PORT.
        #[arg(long)]
        port: Option<u16>,
        /// Serve the admin UI from this folder instead of the embedded build.
        #[arg(long, env = "SNACKBASE_UI_DIR", value_name = "DIR")]
        ui_dir: Option<std::path::PathBuf>,
    },
    /// Apply the embedded migrations and exit.
    Migrate,
    /// Create a superadmin (prompts for anything not given).
    CreateSuperadmin {
        #[arg(long, env = "SNACKBASE_SUPERADMIN_EMAIL")]
        email: Option<String>,
        /// Prefer the environment or the prompt: flags are visible to other users.
        #[arg(long, env = "SNACKBASE_SUPERADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Print the effective configuration (secrets redacted).
    Info,
    /// Export or import collection schemas as JSON.
    #[command(subcommand)]
    Collections(CollectionsCommand),
    /// Verify the audit trail, or an export of it.
    #[command(subcommand)]
    Audit(crate::audit::AuditCommand),
    /// Back up the database and stored files while the server runs
    /// (`backup verify ARCHIVE` checks one; `backup list` lists them).
    Backup(crate::backup::BackupArgs),
    /// Restore a backup (offline: stop the server first).
    Restore {
        archive: std::path::PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum CollectionsCommand {
    /// Write collection schemas as one JSON document.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<std::path::PathBuf>,
        /// Comma-separated collection names or ids (all when absent).
        #[arg(long)]
        collections: Option<String>,
    },
    /// Create (or update) collections from an exported document, all or nothing.
    Import {
        file: std::path::PathBuf,
        /// What to do with collections that exist: skip, error or update.
        #[arg(long, default_value = "skip")]
        strategy: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let env_loaded = match &cli.env_file {
        Some(path) => dotenvy::from_path(path)
            .map(|_| ())
            .with_context(|| format!("reading {}", path.display())),
        None => match dotenvy::dotenv() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            Err(e) => Err(anyhow::anyhow!("reading .env: {e}")),
        },
    };
    if let Err(e) = env_loaded {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            config.workers.max(
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1),
            ),
        )
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stdout and, with `SNACKBASE_LOG_FILE`, are appended to that
/// file as well. `SNACKBASE_DEBUG=true` lowers the level to DEBUG.
fn init_logging(config: &Config) -> anyhow::Result<()> {
    use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt as _};
    let level = if config.debug {
        "debug"
    } else {
        config.log_level.as_filter()
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{level},sqlx={sqlx}",
            sqlx = if config.db_echo { "debug" } else { "warn" }
        ))
    });
    let writer = match &config.log_file {
        None => BoxMakeWriter::new(std::io::stdout),
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening SNACKBASE_LOG_FILE {}", path.display()))?;
            BoxMakeWriter::new(std::io::stdout.and(std::sync::Mutex::new(file)))
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(config.log_file.is_none())
        .with_writer(writer);
    match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
        LogFormat::Console => builder.init(),
    }
    Ok(())
}

pub(crate) async fn connect(config: &Config) -> anyhow::Result<Db> {
    let url = DatabaseUrl::parse(config.database_url.expose()).map_err(anyhow::Error::msg)?;
    Db::connect(&url, &PoolSettings::default())
        .await
        .context("connecting to the database")
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { host, port, ui_dir } => {
            if let Some(host) = host {
                config.host = host;
            }
            if let Some(port) = port {
                config.port = port;
            }
            init_logging(&config)?;
            serve(config, ui_dir).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = connect(&config).await?;
            db.migrate().await.context("applying migrations")?;
            println!("Migrations applied ({}).", db.backend().name());
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateSuperadmin { email, password } => {
            create_superadmin(&config, email, password).await
        }
        Command::Collections(cmd) => collections(&config, cmd).await,
        Command::Audit(cmd) => crate::audit::run(&config, cmd).await,
        Command::Backup(args) => crate::backup::run(config, args).await,
        Command::Restore { archive, yes } => crate::backup::restore(&config, archive, yes).await,
        Command::Info => {
            println!("SnackBase {}", env!("CARGO_PKG_VERSION"));
            for (name, value) in config.describe() {
                println!("{name}={value}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(config: Config, ui_dir: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let address = format!("{}:{}", config.host, config.port);
    let state = AppState::build(config).await?;
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .with_context(|| format!("binding {address}"))?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, backend = state.db.backend().name(), "SnackBase is listening");
    if let Some(url) = snackbase_server::setup_url(&state, bound.port()) {
        // Printed on stderr as well as logged, so that it stands out at first run.
        eprintln!("\nNo superadmin exists yet. Create one within this run at:\n\n    {url}\n");
        tracing::warn!("no superadmin exists; open the one-time setup link printed above");
    }
    let source = match ui_dir {
        Some(dir) => snackbase_admin_ui::Source::Disk(dir),
        None => snackbase_admin_ui::Source::Embedded,
    };
    snackbase_server::serve(
        state,
        listener,
        snackbase_admin_ui::router(source),
        shutdown_signal(),
    )
    .await?;
    tracing::info!("SnackBase stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

async fn collections(config: &Config, cmd: CollectionsCommand) -> anyhow::Result<ExitCode> {
    use snackbase_server::collections::transfer;
    let db = connect(config).await?;
    db.migrate().await.context("applying migrations")?;
    let result = match cmd {
        CollectionsCommand::Export { out, collections } => {
            let doc = transfer::export(&db, collections.as_deref(), "cli").await;
            match doc {
                Ok(doc) => {
                    let text = serde_json::to_string_pretty(&doc)?;
                    match out {
                        Some(path) => std::fs::write(&path, text + "\n")
                            .with_context(|| format!("writing {}", path.display()))?,
                        None => println!("{text}"),
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        CollectionsCommand::Import { file, strategy } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let data = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an export document", file.display()))?;
            let strategy = serde_json::from_value(serde_json::Value::String(strategy.clone()))
                .map_err(|_| {
                    anyhow::anyhow!("--strategy must be skip, error or update, not {strategy:?}")
                })?;
            // The import is recorded in the audit trail like the API's.
            let secret = snackbase_server::secret_key(config)?;
            let auditor = snackbase_server::audit::Auditor::new(secret.expose(), config);
            let req = transfer::ImportRequest { data, strategy };
            match transfer::import(&db, &auditor, req, None).await {
                Ok(res) => {
                    for item in res.imported {
                        println!("{}: {}", item.name, item.status);
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    };
    db.close().await;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(ApiError::Validation { details, .. }) => {
            for d in details {
                eprintln!("error: {}: {}", d.field, d.message);
            }
            Ok(ExitCode::from(2))
        }
        Err(other) => {
            eprintln!("error: {other}");
            Ok(ExitCode::from(2))
        }
    }
}

fn prompt(label: &str) -> anyhow::Result<String> {
    eprint!("{label}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

async fn create_superadmin(
    config: &Config,
    email: Option<String>,
    password: Option<String>,
) -> anyhow::Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal();
    let email = match email {
        Some(e) => e,
        None if interactive => prompt("Email")?,
        None => anyhow::bail!("--email (or SNACKBASE_SUPERADMIN_EMAIL) is required"),
    };
    let password = match password {
        Some(p) => p,
        None if interactive => {
            let first = rpassword::prompt_password("Password: ")?;
            let again = rpassword::prompt_password("Repeat password: ")?;
            anyhow::ensure!(first == again, "the passwords do not match");
            first
        }
        None => anyhow::bail!("--password (or SNACKBASE_SUPERADMIN_PASSWORD) is required"),
    };
    let db = connect(config).await?;
    db.migrate().await.context("applying migrations")?;
    let secret = snackbase_server::secret_key(config)?;
    let auditor = snackbase_server::audit::Auditor::new(secret.expose(), config);
    let result =
        snackbase_server::auth::superadmin::create(&db, &auditor, "cli", &email, &password).await;
    db.close().await;
    match result {
        Ok(user) => {
            println!("Superadmin created.");
            println!("  user id:  {}", user.id);
            println!("  email:    {}", user.email);
            println!("  account:  SY0000 (or 'system')");
            println!("Log in with account 'system', this email and the password.");
            Ok(ExitCode::SUCCESS)
        }
        Err(ApiError::Validation { details, .. }) => {
            for d in details {
                eprintln!("error: {}: {}", d.field, d.message);
            }
            Ok(ExitCode::from(2))
        }
        Err(ApiError::Conflict { message, .. }) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(2))
        }
        Err(other) => Err(anyhow::anyhow!("{other}")),
    }
}
