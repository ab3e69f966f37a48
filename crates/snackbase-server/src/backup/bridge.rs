//! Bridges between the async storage and the blocking archive code: an
//! object read as `std::io::Read`, an upload written as `std::io::Write`,
//! and a local file uploaded whole.

use std::io::Read;
use std::path::Path;

use futures_util::StreamExt as _;

use crate::files::key::Key;
use crate::files::Storage;

use super::STORAGE_PREFIX;

/// An async byte stream read from a blocking thread.
pub(super) struct BlockingStream {
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) stream: futures_util::stream::BoxStream<
        'static,
        Result<axum::body::Bytes, crate::files::storage::StorageError>,
    >,
    pub(super) buffer: axum::body::Bytes,
}

impl Read for BlockingStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.buffer.is_empty() {
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(b)) => self.buffer = b,
                Some(Err(e)) => return Err(std::io::Error::other(e.to_string())),
            }
        }
        let n = buf.len().min(self.buffer.len());
        buf[..n].copy_from_slice(&self.buffer.split_to(n));
        Ok(n)
    }
}

pub(super) async fn upload(storage: &Storage, path: &Path, name: &str) -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt as _;
    let (key, _) = Key::parse(&format!("{STORAGE_PREFIX}{name}"))?;
    let mut upload = storage.upload(&key);
    let mut file = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        if let Err(e) = upload
            .write(axum::body::Bytes::copy_from_slice(&buf[..n]))
            .await
        {
            upload.abort().await;
            return Err(e.into());
        }
    }
    upload.finish().await?;
    Ok(())
}

/// A storage upload written from a blocking thread.
pub(crate) struct BlockingUpload<'a> {
    runtime: &'a tokio::runtime::Handle,
    upload: Option<crate::files::storage::Upload>,
    buffer: Vec<u8>,
}

impl<'a> BlockingUpload<'a> {
    pub(crate) fn new(
        runtime: &'a tokio::runtime::Handle,
        upload: crate::files::storage::Upload,
    ) -> Self {
        Self {
            runtime,
            upload: Some(upload),
            buffer: Vec::with_capacity(1 << 20),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let bytes = axum::body::Bytes::from(std::mem::take(&mut self.buffer));
        let upload = self
            .upload
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the upload is finished"))?;
        self.runtime
            .block_on(upload.write(bytes))
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.send()?;
        let upload = self
            .upload
            .take()
            .ok_or_else(|| std::io::Error::other("the upload is finished"))?;
        self.runtime
            .block_on(upload.finish())
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

impl std::io::Write for BlockingUpload<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= 1 << 20 {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for BlockingUpload<'_> {
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take() {
            self.runtime.block_on(upload.abort());
        }
    }
}
