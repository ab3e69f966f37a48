//! The archive: a tar stream compressed with zstd that holds `database.db`
//! (SQLite only), `files/<key>` for every stored object, and `manifest.json`
//! last, listing every other member with its size and SHA-256. Blocking code:
//! callers run it on a blocking thread.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::pace::{Pace, PacedFile};

/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";
/// The SQLite snapshot's member name.
pub const DATABASE: &str = "database.db";
/// Stored objects live under this prefix, followed by their storage key.
pub const FILES: &str = "files/";
/// The format this code writes and reads.
pub const FORMAT: &str = "snackbase-backup/1";
/// zstd's level: fast, and still a good ratio on SQLite pages.
const LEVEL: i32 = 3;
/// The largest manifest read back (a million files is ~150 MiB; refuse more).
const MAX_MANIFEST: u64 = 256 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub app_version: String,
    /// `sqlite` or `postgres` (then there is no `database.db`).
    pub backend: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Why an archive is not a good backup.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the archive has no manifest (it is truncated or not a SnackBase backup)")]
    NoManifest,
    #[error("the manifest is unreadable: {0}")]
    BadManifest(String),
    #[error("{0}")]
    Mismatch(String),
}

/// Writes an archive; [`Writer::finish`] appends the manifest.
pub struct Writer {
    builder: tar::Builder<zstd::Encoder<'static, Hashing<BufWriter<PacedFile>>>>,
    members: Vec<Member>,
}

/// What [`Writer::finish`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub bytes: u64,
    pub sha256: String,
    pub members: Vec<Member>,
}

impl Writer {
    pub fn create(path: &Path, pace: Pace) -> io::Result<Self> {
        // The database holds password hashes and sealed secrets: owner only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        let out = Hashing::new(BufWriter::with_capacity(
            1 << 20,
            PacedFile::new(file, pace),
        ));
        let mut encoder = zstd::Encoder::new(out, LEVEL)?;
        encoder.include_checksum(true)?;
        let mut builder = tar::Builder::new(encoder);
        builder.mode(tar::HeaderMode::Deterministic);
        Ok(Self {
            builder,
            members: Vec::new(),
        })
    }

    /// Appends `size` bytes read from `data` under `path`; fails if `data`
    /// ends early (a member is never shorter than its header says).
    pub fn append(
        &mut self,
        path: &str,
        size: u64,
        data: &mut dyn Read,
        progress: &dyn Fn(u64),
    ) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        let mut reader = Exact {
            inner: data,
            left: size,
            hash: Sha256::new(),
            progress,
        };
        self.builder.append_data(&mut header, path, &mut reader)?;
        if reader.left != 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{path} ended early"),
            ));
        }
        self.members.push(Member {
            path: path.to_string(),
            size,
            sha256: hex::encode(reader.hash.finalize()),
        });
        Ok(())
    }

    /// Appends the manifest, finishes the compression and syncs the file.
    pub fn finish(
        mut self,
        created_at: &str,
        app_version: &str,
        backend: &str,
    ) -> io::Result<Written> {
        let manifest = Manifest {
            format: FORMAT.to_string(),
            created_at: created_at.to_string(),
            app_version: app_version.to_string(),
            backend: backend.to_string(),
            members: std::mem::take(&mut self.members),
        };
        let body = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o600);
        self.builder
            .append_data(&mut header, MANIFEST, body.as_slice())?;
        let encoder = self.builder.into_inner()?;
        let mut out = encoder.finish()?;
        out.flush()?;
        let Hashing { inner, hash, count } = out;
        let file = inner.into_inner().map_err(|e| e.into_error())?.finish()?;
        file.sync_all()?;
        Ok(Written {
            bytes: count,
            sha256: hex::encode(hash.finalize()),
            members: manifest.members,
        })
    }
}

/// What a good archive holds.
#[derive(Debug, Clone)]
pub struct Checked {
    pub manifest: Manifest,
    /// Bytes of the archive file.
    pub bytes: u64,
}

/// Reads the whole archive, hashing every member, and checks it against
/// its manifest: every member listed, none missing, none extra, sizes and
/// hashes equal. `visit` sees each member's content as it is read (what it
/// leaves unread is read and hashed after it returns).
pub fn check(
    path: &Path,
    visit: &mut dyn FnMut(&str, &mut dyn Read) -> io::Result<()>,
) -> Result<Checked, ArchiveError> {
    let file = File::open(path)?;
    let bytes = file.metadata()?.len();
    let decoder = zstd::Decoder::new(file)?;
    let mut archive = tar::Archive::new(decoder);
    let mut seen: Vec<Member> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if manifest.is_some() {
            return Err(ArchiveError::Mismatch(format!(
                "{name} follows the manifest"
            )));
        }
        if name == MANIFEST {
            let mut body = Vec::new();
            (&mut entry).take(MAX_MANIFEST).read_to_end(&mut body)?;
            manifest = Some(
                serde_json::from_slice(&body)
                    .map_err(|e| ArchiveError::BadManifest(e.to_string()))?,
            );
            continue;
        }
        if name != DATABASE && !name.starts_with(FILES) {
            return Err(ArchiveError::Mismatch(format!("unexpected member {name}")));
        }
        let mut hashing = HashingReader {
            inner: &mut entry,
            hash: Sha256::new(),
            count: 0,
        };
        visit(&name, &mut hashing)?;
        io::copy(&mut hashing, &mut io::sink())?;
        seen.push(Member {
            path: name,
            size: hashing.count,
            sha256: hex::encode(hashing.hash.finalize()),
        });
    }
    let manifest = manifest.ok_or(ArchiveError::NoManifest)?;
    if manifest.format != FORMAT {
        return Err(ArchiveError::BadManifest(format!(
            "format {:?}, expected {FORMAT:?}",
            manifest.format
        )));
    }
    if seen.len() != manifest.members.len() {
        return Err(ArchiveError::Mismatch(format!(
            "the manifest lists {} members, the archive holds {}",
            manifest.members.len(),
            seen.len()
        )));
    }
    for (got, want) in seen.iter().zip(&manifest.members) {
        if got.path != want.path {
            return Err(ArchiveError::Mismatch(format!(
                "member {} where the manifest lists {}",
                got.path, want.path
            )));
        }
        if got.size != want.size || got.sha256 != want.sha256 {
            return Err(ArchiveError::Mismatch(format!(
                "{}: checksum mismatch (the archive is corrupted)",
                got.path
            )));
        }
    }
    Ok(Checked { manifest, bytes })
}

/// `PRAGMA integrity_check` on a SQLite file, opened read-only.
pub fn integrity(db: &Path) -> Result<(), String> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let report: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if report == "ok" {
        Ok(())
    } else {
        Err(format!("integrity_check: {report}"))
    }
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    count: u64,
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            count: 0,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what passes through.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    count: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads exactly `left` bytes (stops there; an early end is seen by the
/// caller as `left > 0`), hashing them and reporting progress.
struct Exact<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    hash: Sha256,
    progress: &'a dyn Fn(u64),
}

impl Read for Exact<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let cap = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a member ended before its size",
            ));
        }
        self.hash.update(&buf[..n]);
        self.left -= n as u64;
        (self.progress)(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, members: &[(&str, &[u8])]) -> std::path::PathBuf {
        let path = dir.join("a.tar.zst");
        let mut w = Writer::create(&path, Pace::new(0)).unwrap();
        for (name, data) in members {
            w.append(name, data.len() as u64, &mut &data[..], &|_| {})
                .unwrap();
        }
        w.finish("2026-12-04T00:00:00Z", "0.1.0", "sqlite").unwrap();
        path
    }

    #[test]
    fn a_written_archive_checks_and_shows_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            &[("database.db", b"db"), ("files/a/b.txt", b"hello")],
        );
        let mut got = Vec::new();
        let checked = check(&path, &mut |name, r| {
            let mut s = String::new();
            r.read_to_string(&mut s)?;
            got.push((name.to_string(), s));
            Ok(())
        })
        .unwrap();
        assert_eq!(checked.manifest.members.len(), 2);
        assert_eq!(got[1], ("files/a/b.txt".to_string(), "hello".to_string()));
    }

    #[test]
    fn a_short_member_is_refused_while_writing() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::create(&dir.path().join("x"), Pace::new(0)).unwrap();
        let err = w
            .append("files/x", 10, &mut &b"abc"[..], &|_| {})
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn any_flipped_byte_or_truncation_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let data = vec![7u8; 50_000];
        let path = write(dir.path(), &[("database.db", &data), ("files/k", b"x")]);
        let good = std::fs::read(&path).unwrap();
        for at in [good.len() / 3, good.len() / 2, good.len() - 20] {
            let mut bad = good.clone();
            bad[at] ^= 0x55;
            std::fs::write(&path, &bad).unwrap();
            assert!(check(&path, &mut |_, _| Ok(())).is_err(), "flip at {at}");
        }
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        assert!(check(&path, &mut |_, _| Ok(())).is_err());
    }
}
