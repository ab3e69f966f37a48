//! [`Storage`]: one interface over the two backends, both `object_store`
//! implementations: a directory on local disk and an S3-compatible bucket.
//! Writes stream through [`Upload`] (multipart when large, nothing visible
//! until complete, aborted without a trace); reads stream, whole or a range.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use axum::body::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt as _;
use object_store::buffered::BufWriter;
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _};
use tokio::io::AsyncWriteExt as _;

use super::key::Key;
use crate::config::{Config, S3Config, StorageBackend};

/// Bytes buffered before a write becomes a multipart upload, and the size of
/// each part (S3's smallest part is 5 MiB).
const PART: usize = 5 * 1024 * 1024;
/// Parts in flight per upload: with [`PART`], at most ~15 MiB per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Where files live: the environment's storage (`SNACKBASE_STORAGE_*`) at
/// start, replaced at run time when a storage configuration says so (see
/// `configuration::active`). Clones share the storage in use; a read or an
/// upload started before a switch finishes on the storage it started on.
#[derive(Clone)]
pub struct Storage {
    current: Arc<RwLock<Arc<Backend>>>,
}

/// One opened storage.
pub struct Backend {
    store: Arc<dyn ObjectStore>,
    name: &'static str,
    spec: Spec,
    /// The configuration it comes from (`id@updated_at`); None: the environment.
    source: Option<String>,
}

/// What to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Local(PathBuf),
    S3(S3Config),
}

impl Spec {
    /// The environment's storage.
    pub fn from_config(config: &Config) -> Self {
        match &config.storage {
            StorageBackend::Local => Self::Local(config.storage_path.clone()),
            StorageBackend::S3(s3) => Self::S3(s3.clone()),
        }
    }
}

/// A storage failure; its text is logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Other(#[from] object_store::Error),
}

impl StorageError {
    fn from_store(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => Self::NotFound,
            other => Self::Other(other),
        }
    }
}

impl From<StorageError> for crate::error::ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found("File not found"),
            StorageError::Other(e) => Self::internal(e),
        }
    }
}

impl Storage {
    /// The environment's storage (see [`Backend::open`]).
    pub fn build(config: &Config) -> anyhow::Result<Self> {
        let backend = Backend::open(&Spec::from_config(config), None)?;
        Ok(Self {
            current: Arc::new(RwLock::new(Arc::new(backend))),
        })
    }

    fn current(&self) -> Arc<Backend> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.current().store.clone()
    }

    /// Makes `backend` the storage in use, for every clone.
    pub fn install(&self, backend: Backend) {
        tracing::info!(
            backend = backend.name,
            source = backend.source.as_deref().unwrap_or("environment"),
            "file storage in use"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(backend);
    }

    /// What the storage in use is.
    pub fn spec(&self) -> Spec {
        self.current().spec.clone()
    }

    /// The configuration the storage in use comes from (`id@updated_at`);
    /// None: the environment.
    pub fn source(&self) -> Option<String> {
        self.current().source.clone()
    }

    /// `local` or `s3`.
    pub fn backend(&self) -> &'static str {
        self.current().name
    }

    fn path(key: &Key) -> StorePath {
        StorePath::from(key.as_str())
    }

    /// Starts writing `key`; nothing is visible under it until
    /// [`Upload::finish`].
    pub fn upload(&self, key: &Key) -> Upload {
        Upload {
            writer: BufWriter::with_capacity(self.store(), Self::path(key), PART)
                .with_max_concurrency(PARTS_IN_FLIGHT),
        }
    }

    /// The object's bytes (all, or `range`) as a stream.
    pub async fn read(
        &self,
        key: &Key,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let got = self
            .store()
            .get_opts(&Self::path(key), options)
            .await
            .map_err(StorageError::from_store)?;
        Ok(got
            .into_stream()
            .map(|r| r.map_err(StorageError::from_store))
            .boxed())
    }

    /// Whether the storage answers (the readiness probe): a lookup of an
    /// object that need not exist, within two seconds; "not found" is an
    /// answer.
    pub async fn reachable(&self) -> bool {
        let path = object_store::path::Path::from("_snackbase_ready");
        let store = self.store();
        let probe = store.head(&path);
        match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the file storage is not reachable");
                false
            }
            Err(_) => false,
        }
    }

    /// The object's size, or `NotFound`.
    pub async fn size(&self, key: &Key) -> Result<u64, StorageError> {
        let meta = self
            .store()
            .head(&Self::path(key))
            .await
            .map_err(StorageError::from_store)?;
        Ok(meta.size)
    }

    /// Deletes `key`; a missing object is not an error.
    pub async fn delete(&self, key: &Key) -> Result<(), StorageError> {
        match self.store().delete(&Self::path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StorageError::Other(e)),
        }
    }

    /// Deletes `key`, logging a failure (after a commit, where nothing can
    /// be undone any more; the object is then an orphan).
    pub async fn delete_logged(&self, key: &Key) {
        if let Err(e) = self.delete(key).await {
            tracing::warn!(key = %key, error = %e, "a stored file could not be deleted");
        }
    }

    /// Every key under `prefix` (tests and maintenance).
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut out = Vec::new();
        let mut listing = self.objects(prefix);
        while let Some(listed) = listing.next().await {
            out.push(listed?.key);
        }
        Ok(out)
    }
}

impl Backend {
    /// Opens a storage. A local directory is created; an S3 client is only
    /// configured here (its first request reaches the server).
    pub fn open(spec: &Spec, source: Option<String>) -> anyhow::Result<Self> {
        match spec {
            Spec::Local(path) => {
                std::fs::create_dir_all(path).with_context(|| {
                    format!("creating the storage directory {}", path.display())
                })?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(path)
                    .with_context(|| format!("opening the storage directory {}", path.display()))?
                    .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(store),
                    name: "local",
                    spec: spec.clone(),
                    source,
                })
            }
            Spec::S3(s3) => {
                // object_store's HTTP client speaks TLS through rustls with
                // the process's default provider: ring, as the rest of the
                // tree. Fails harmlessly when one is installed already.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_virtual_hosted_style_request(!s3.force_path_style);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret.expose());
                }
                let store = builder.build().context("configuring the S3 storage")?;
                Ok(Self {
                    store: Arc::new(store),
                    name: "s3",
                    spec: spec.clone(),
                    source,
                })
            }
        }
    }

    /// `local` or `s3`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Writes, reads back and deletes a small object: whether the storage
    /// works (test-connection). The error is a sentence for an admin.
    pub async fn probe(&self) -> Result<(), String> {
        let path = StorePath::from(format!(".snackbase-probe-{}", uuid::Uuid::new_v4()));
        let body = Bytes::from_static(b"snackbase storage probe");
        let run = async {
            self.store
                .put(&path, body.clone().into())
                .await
                .map_err(|e| format!("could not write: {e}"))?;
            let got = self
                .store
                .get(&path)
                .await
                .map_err(|e| format!("could not read back: {e}"))?
                .bytes()
                .await
                .map_err(|e| format!("could not read back: {e}"))?;
            self.store
                .delete(&path)
                .await
                .map_err(|e| format!("could not delete: {e}"))?;
            if got != body {
                return Err("read back other bytes than it wrote".to_string());
            }
            Ok(())
        };
        match tokio::time::timeout(std::time::Duration::from_secs(10), run).await {
            Ok(outcome) => outcome,
            Err(_) => Err("no answer within 10 s".into()),
        }
    }
}

/// An object as a listing shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: String,
    pub modified: chrono::DateTime<chrono::Utc>,
    /// Bytes.
    pub size: u64,
}

impl Storage {
    /// Every object under `prefix` (`""`: all) with when it was written, as
    /// a stream (the sweeper walks the whole storage this way).
    pub fn objects(&self, prefix: &str) -> BoxStream<'static, Result<Listed, StorageError>> {
        let prefix = (!prefix.is_empty()).then(|| StorePath::from(prefix));
        self.store()
            .list(prefix.as_ref())
            .map(|r| {
                r.map(|meta| Listed {
                    key: meta.location.to_string(),
                    modified: meta.last_modified,
                    size: meta.size,
                })
                .map_err(StorageError::from_store)
            })
            .boxed()
    }
}

/// A write in progress. Dropping it without [`Upload::finish`] leaves at most
/// an unfinished multipart upload; call [`Upload::abort`] to remove it.
pub struct Upload {
    writer: BufWriter,
}

impl Upload {
    /// Appends bytes (buffered up to one part, then sent as parts).
    pub async fn write(&mut self, bytes: Bytes) -> Result<(), StorageError> {
        self.writer.put(bytes).await.map_err(StorageError::Other)
    }

    /// Completes the object: visible under its key from now on.
    pub async fn finish(mut self) -> Result<(), StorageError> {
        self.writer.shutdown().await.map_err(|e| {
            StorageError::Other(object_store::Error::Generic {
                store: "upload",
                source: Box::new(e),
            })
        })
    }

    /// Cancels the write; no object and no parts stay behind.
    pub async fn abort(mut self) {
        if let Err(e) = self.writer.abort().await {
            tracing::warn!(error = %e, "an aborted upload could not be cleaned up");
        }
    }
}
