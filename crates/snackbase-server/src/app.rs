//! The application: configuration, database and keys, built once at start-up
//! and shared by every request as [`AppState`].

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::auth::password::DummyHash;
use crate::auth::tokens::TokenKeys;
use crate::authz::engine::AuthzCache;
use crate::cache::{GenCache, ResultCache};
use crate::config::{Config, Secret};
use crate::db::{DatabaseUrl, Db, PoolSettings};
use crate::setup::SetupToken;

/// Answers kept per result cache (each at most
/// [`crate::cache::MAX_ROWS_KEPT`] rows).
const RESULTS_KEPT: usize = 256;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    /// Seals secrets kept in the database (see `sealed`).
    pub sealer: crate::sealed::Sealer,
    /// Writes and signs the audit trail (see `audit`).
    pub audit: crate::audit::Auditor,
    /// Identity providers' discovery documents and the client that calls them.
    pub oidc: crate::auth::oauth::Discovery,
    pub dummy_hash: DummyHash,
    pub setup: SetupToken,
    pub authz: crate::authz::engine::AuthzCache,
    /// Signed-in identities by session (see `auth::extract`).
    pub identities: GenCache<String, Arc<crate::auth::principal::Principal>>,
    /// Live API keys by their public id (see `apikeys`).
    pub api_keys: crate::apikeys::KeyCache,
    /// Every collection, compiled (see `collections::compiled`).
    pub catalog: crate::collections::compiled::CatalogCache,
    /// Aggregation answers (SQLite; see `cache::ResultCache`).
    pub aggregates: ResultCache<Arc<crate::records::aggregate::Answer>>,
    /// Pages of `search=` lists (SQLite; see `cache::ResultCache`).
    pub searches: ResultCache<Arc<crate::records::list::Page>>,
    /// List totals (PostgreSQL; see `records::counts`).
    pub counts: crate::records::counts::CountCache,
    pub hooks: Arc<crate::hooks::Hooks>,
    pub request_logs: crate::logs::Recorder,
    /// This node's rate-limit counters.
    pub limiter: Arc<crate::ratelimit::Limiter>,
    /// This node's realtime connections (see `realtime`).
    pub realtime: Arc<crate::realtime::Hub>,
    /// Where uploaded files live (see `files`).
    pub storage: crate::files::Storage,
    /// Bounds the thumbnails made at once (see `files::thumbs`).
    pub thumbnails: crate::files::thumbs::Thumbnailer,
    /// Removes orphaned files (see `files::sweep`).
    pub file_sweeper: crate::files::sweep::Sweeper,
    /// This node's live series (see `metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// This process's backups (see `backup`).
    pub backups: crate::backup::Backups,
    /// The port `serve` listens on (0 until then; differs from the
    /// configured one when that is 0).
    pub bound_port: std::sync::atomic::AtomicU16,
}

impl App {
    /// Where clients reach this node, for links in mail (see
    /// [`crate::config::Config::public_base`]).
    pub fn public_base(&self) -> String {
        let bound = self.bound_port.load(std::sync::atomic::Ordering::Relaxed);
        let port = if bound == 0 { self.config.port } else { bound };
        self.config.public_base(port)
    }
}

/// The shared state handed to every handler.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Connects to the database, applies migrations, resolves the secret key,
    /// bootstraps the superadmin from the configuration and prepares the
    /// first-run setup token when no superadmin exists.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_hooks(config, Arc::new(crate::hooks::Hooks::new())).await
    }

    /// Like [`AppState::build`], with the program's own hooks.
    pub async fn build_with_hooks(
        config: Config,
        hooks: Arc<crate::hooks::Hooks>,
    ) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(config.database_url.expose()).map_err(anyhow::Error::msg)?;
        let settings = PoolSettings {
            max_connections: config.db_pool_size + config.db_max_overflow,
            acquire_timeout: std::time::Duration::from_secs(config.db_pool_timeout_secs.max(1)),
            max_lifetime: std::time::Duration::from_secs(config.db_pool_recycle_secs.max(1)),
            checkpoints: true,
        };
        let db = Db::connect(&url, &settings)
            .await
            .context("connecting to the database")?;
        Self::with_db_and_hooks(config, db, hooks).await
    }

    /// Builds the state over an already connected database.
    pub async fn with_db(config: Config, db: Db) -> anyhow::Result<Self> {
        Self::with_db_and_hooks(config, db, Arc::new(crate::hooks::Hooks::new())).await
    }

    /// Builds the state over an already connected database, with hooks.
    pub async fn with_db_and_hooks(
        mut config: Config,
        db: Db,
        hooks: Arc<crate::hooks::Hooks>,
    ) -> anyhow::Result<Self> {
        config.check_superadmin_pair()?;
        db.migrate().await.context("applying migrations")?;
        db.set_up_row_security(config.postgres_rls)
            .await
            .context("row-level security")?;
        let storage = crate::files::Storage::build(&config)?;
        let secret = secret_key(&config)?;
        config.secret_key = Some(secret.clone());
        let tokens = TokenKeys::new(
            secret.expose(),
            config.access_token_expire_minutes,
            config.refresh_token_expire_days,
        );
        let sealer = crate::sealed::Sealer::new(secret.expose());
        let audit = crate::audit::Auditor::new(secret.expose(), &config);
        let oidc = crate::auth::oauth::Discovery::new(config.oauth_allow_private_networks)?;
        let dummy_hash = DummyHash::generate()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;

        if let (Some(email), Some(password)) =
            (&config.superadmin_email, &config.superadmin_password)
        {
            crate::auth::superadmin::bootstrap_from_config(&db, &audit, email, password.expose())
                .await?;
        }
        let setup = SetupToken::new(!crate::auth::superadmin::exists(&db).await?);
        let changes = db.changes().clone();
        let request_logs = crate::logs::Recorder::new(&config);
        let limiter = crate::ratelimit::Limiter::new(
            &config.rate_limits,
            &config.server_limits,
            &config.api_prefix,
            &db,
        );
        let realtime = Arc::new(crate::realtime::Hub::new(config.realtime.clone()));
        let state = Self(Arc::new(App {
            request_logs,
            limiter,
            realtime,
            storage,
            thumbnails: Default::default(),
            file_sweeper: Default::default(),
            backups: Default::default(),
            metrics: Arc::new(crate::metrics::Metrics::new(
                db.timings(),
                env!("CARGO_PKG_VERSION"),
                config.metrics.enabled,
            )),
            bound_port: Default::default(),
            config,
            db,
            tokens,
            sealer,
            audit,
            oidc,
            dummy_hash,
            setup,
            authz: AuthzCache::new(changes.clone()),
            identities: GenCache::new(changes.clone(), 50_000),
            api_keys: GenCache::new(changes.clone(), 10_000),
            catalog: crate::collections::compiled::CatalogCache::new(changes.clone()),
            aggregates: ResultCache::new(changes.clone(), RESULTS_KEPT),
            searches: ResultCache::new(changes.clone(), RESULTS_KEPT),
            counts: crate::records::counts::CountCache::new(changes.clone()),
            hooks,
        }));
        if state.db.backend() == crate::db::Backend::Sqlite {
            spawn_sqlite_upkeep(&state);
        }
        // A storage configured in the database replaces the environment's.
        if let Err(e) = crate::configuration::active::apply_storage(&state).await {
            tracing::error!(
                error = format!("{e:#}"),
                "the configured file storage cannot be used; using the environment's"
            );
        }
        state
            .hooks
            .after(
                &state,
                crate::hooks::HookEvent::new(crate::hooks::Event::AppBootstrap),
            )
            .await;
        Ok(state)
    }
}

/// SQLite upkeep, until the app is dropped: polls the generation row once a
/// second, so that a change written to the file by another process (the CLI)
/// reaches the caches; refreshes the planner's statistics at start, after
/// 1,000 rows were written (checked every 5 s) and every 10 minutes.
/// `total_changes()` counts per connection, so a recycled writer starts at 0
/// again: a count below the last one also makes a refresh due.
fn spawn_sqlite_upkeep(state: &AppState) {
    let app = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut ticks, mut optimized_at) = (0u64, None::<i64>);
        loop {
            tick.tick().await;
            let Some(app) = app.upgrade() else { return };
            if let Err(e) = app.db.poll_changes().await {
                tracing::debug!(error = %e, "could not read the change generation");
            }
            if ticks % 5 == 0 {
                let written = app.db.rows_written().await.unwrap_or(0);
                let due = match optimized_at {
                    None => true,
                    Some(at) => ticks % 600 == 0 || written < at || written >= at + 1000,
                };
                if due {
                    optimized_at = Some(written);
                    if let Err(e) = app.db.optimize().await {
                        tracing::warn!(error = %e, "PRAGMA optimize failed");
                    }
                }
            }
            ticks += 1;
        }
    });
}

/// The server's secret key: `SNACKBASE_SECRET_KEY`, or the one generated in
/// the data directory (created on first use).
pub fn secret_key(config: &Config) -> anyhow::Result<Secret> {
    match config.secret_key.clone() {
        Some(s) => Ok(s),
        None => load_or_create_secret(&config.data_dir),
    }
}

/// Reads the generated secret key from `<data_dir>/secret_key`, creating it
/// (64 random hex characters, mode 0600) on first start.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        anyhow::ensure!(
            existing.len() >= 32,
            "{} is too short; delete it to regenerate",
            path.display()
        );
        return Ok(Secret::new(existing));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = hex::encode(rand::random::<[u8; 32]>());
    write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(Secret::new(key))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
