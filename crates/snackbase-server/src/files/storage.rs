//! [`Storage`]: one interface over the two backends, both `object_store`
//! implementations: a directory on local disk and an S3-compatible bucket.
//! Writes stream through [`Upload`] (multipart when large, nothing visible
//! until complete, aborted without a trace); reads stream, whole or a range.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt as _;
use object_store::buffered::BufWriter;
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _};
use tokio::io::AsyncWriteExt as _;

use super::key::Key;
use crate::config::{Config, StorageBackend};

/// Bytes buffered before a write becomes a multipart upload, and the size of
/// each part (S3's smallest part is 5 MiB).
const PART: usize = 5 * 1024 * 1024;
/// Parts in flight per upload: with [`PART`], at most ~15 MiB per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Where files live; built once at start from the configuration.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    backend: &'static str,
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
    /// The storage the configuration names. A local directory is created;
    /// an S3 client is only configured here (its first request reaches the
    /// server).
    pub fn build(config: &Config) -> anyhow::Result<Self> {
        match &config.storage {
            StorageBackend::Local => {
                std::fs::create_dir_all(&config.storage_path).with_context(|| {
                    format!(
                        "creating the storage directory {}",
                        config.storage_path.display()
                    )
                })?;
                let store =
                    object_store::local::LocalFileSystem::new_with_prefix(&config.storage_path)
                        .with_context(|| {
                            format!(
                                "opening the storage directory {}",
                                config.storage_path.display()
                            )
                        })?
                        .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(store),
                    backend: "local",
                })
            }
            StorageBackend::S3(s3) => {
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
                let store = builder
                    .build()
                    .context("configuring the S3 storage (SNACKBASE_STORAGE_S3_*)")?;
                Ok(Self {
                    store: Arc::new(store),
                    backend: "s3",
                })
            }
        }
    }

    /// `local` or `s3`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    fn path(key: &Key) -> StorePath {
        StorePath::from(key.as_str())
    }

    /// Starts writing `key`; nothing is visible under it until
    /// [`Upload::finish`].
    pub fn upload(&self, key: &Key) -> Upload {
        Upload {
            writer: BufWriter::with_capacity(self.store.clone(), Self::path(key), PART)
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
            .store
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
        let probe = self.store.head(&path);
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
            .store
            .head(&Self::path(key))
            .await
            .map_err(StorageError::from_store)?;
        Ok(meta.size)
    }

    /// Deletes `key`; a missing object is not an error.
    pub async fn delete(&self, key: &Key) -> Result<(), StorageError> {
        match self.store.delete(&Self::path(key)).await {
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
        self.store
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
