//! Where uploaded files live: local disk (`SNACKBASE_STORAGE_PATH`) or an
//! S3-compatible object store (`SNACKBASE_STORAGE_S3_*`).

use super::{ConfigError, Secret, Source};

/// The storage backend of uploaded files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageBackend {
    /// A directory on local disk: `Config::storage_path`.
    Local,
    /// A bucket of an S3-compatible server.
    S3(S3Config),
}

/// The settings of an S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// `https://…` or `http://…` of an S3-compatible server; `None`: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Address the bucket in the path (`endpoint/bucket/key`), as most
    /// self-hosted servers need, instead of as a subdomain.
    pub force_path_style: bool,
}

/// Whether `bucket` is a valid S3 bucket name: 3 to 63 lower-case letters,
/// digits, '-' or '.', starting and ending with a letter or digit.
pub fn bucket_name(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !bucket.starts_with(['-', '.'])
        && !bucket.ends_with(['-', '.'])
}

impl StorageBackend {
    pub(super) fn read(s: &Source) -> Result<Self, ConfigError> {
        let kind = s.string("STORAGE_BACKEND").trim().to_ascii_lowercase();
        match kind.as_str() {
            "local" | "" => Ok(Self::Local),
            "s3" => S3Config::read(s).map(Self::S3),
            _ => Err(ConfigError::new(
                "SNACKBASE_STORAGE_BACKEND",
                format!("{kind:?}: must be local or s3"),
            )),
        }
    }

    /// `local` or `s3`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::S3(_) => "s3",
        }
    }
}

impl S3Config {
    fn read(s: &Source) -> Result<Self, ConfigError> {
        let bucket = s.optional("STORAGE_S3_BUCKET").ok_or_else(|| {
            ConfigError::new(
                "SNACKBASE_STORAGE_S3_BUCKET",
                "must be set when SNACKBASE_STORAGE_BACKEND is s3",
            )
        })?;
        if !bucket_name(&bucket) {
            return Err(ConfigError::new(
                "SNACKBASE_STORAGE_S3_BUCKET",
                format!("{bucket:?}: 3 to 63 lower-case letters, digits, '-' or '.'"),
            ));
        }
        let endpoint = s
            .optional("STORAGE_S3_ENDPOINT")
            .map(|e| e.trim_end_matches('/').to_string());
        if let Some(e) = &endpoint {
            let parsed = url::Url::parse(e).map_err(|err| {
                ConfigError::new("SNACKBASE_STORAGE_S3_ENDPOINT", format!("{e:?}: {err}"))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(ConfigError::new(
                    "SNACKBASE_STORAGE_S3_ENDPOINT",
                    format!("{e:?}: must be an http:// or https:// URL with a host"),
                ));
            }
        }
        let access_key_id = s.optional("STORAGE_S3_ACCESS_KEY_ID");
        let secret_access_key = s.optional("STORAGE_S3_SECRET_ACCESS_KEY").map(Secret::new);
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err(ConfigError::new(
                "SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY",
                "SNACKBASE_STORAGE_S3_ACCESS_KEY_ID and SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY go together",
            ));
        }
        Ok(Self {
            bucket,
            endpoint,
            region: s
                .optional("STORAGE_S3_REGION")
                .unwrap_or_else(|| "us-east-1".into()),
            access_key_id,
            secret_access_key,
            force_path_style: s.boolean("STORAGE_S3_FORCE_PATH_STYLE")?,
        })
    }
}

impl super::Config {
    /// The storage rows of `info`, secrets redacted.
    pub(super) fn describe_storage(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![("STORAGE_BACKEND", self.storage.name().to_string())];
        if let StorageBackend::S3(s3) = &self.storage {
            rows.extend([
                ("STORAGE_S3_BUCKET", s3.bucket.clone()),
                (
                    "STORAGE_S3_ENDPOINT",
                    s3.endpoint.clone().unwrap_or_default(),
                ),
                ("STORAGE_S3_REGION", s3.region.clone()),
                (
                    "STORAGE_S3_ACCESS_KEY_ID",
                    s3.access_key_id.clone().unwrap_or_default(),
                ),
                (
                    "STORAGE_S3_SECRET_ACCESS_KEY",
                    if s3.secret_access_key.is_some() {
                        "*** (set)".into()
                    } else {
                        "(unset)".into()
                    },
                ),
                (
                    "STORAGE_S3_FORCE_PATH_STYLE",
                    s3.force_path_style.to_string(),
                ),
            ]);
        }
        rows
    }
}
