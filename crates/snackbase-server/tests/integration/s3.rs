//! A real S3-compatible server for the storage tests: `s3s-fs` (crates.io,
//! it checks SigV4 signatures), one process per test on a free port of
//! 127.0.0.1 over a temporary directory, with fixed keys and one bucket.
//!
//! The binary is `SNACKBASE_TEST_S3FS_BIN`, else
//! `~/.cache/snackbase/tools/bin/s3s-fs`, else `s3s-fs` on the PATH. Without
//! it the S3 half of a test is skipped with a notice, unless
//! `SNACKBASE_REQUIRE_S3=1`, where a skip is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use snackbase_server::config::{Config, S3Config, Secret, StorageBackend};

pub const ACCESS_KEY: &str = "snackbase-test";
pub const SECRET_KEY: &str = "snackbase-test-secret-0123456789";
pub const BUCKET: &str = "snackbase-files";

/// Which storage a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Local,
    S3,
}

fn binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SNACKBASE_TEST_S3FS_BIN").filter(|p| !p.is_empty()) {
        // Named but missing: missing (a failure when S3 is required).
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let cached = Path::new(&home).join(".cache/snackbase/tools/bin/s3s-fs");
        if cached.is_file() {
            return Some(cached);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("s3s-fs"))
            .find(|p| p.is_file())
    })
}

/// Whether the S3 half can run; panics when it must and cannot.
pub fn s3_available() -> bool {
    if binary().is_some() {
        return true;
    }
    assert!(
        std::env::var("SNACKBASE_REQUIRE_S3").as_deref() != Ok("1"),
        "s3s-fs is missing (SNACKBASE_TEST_S3FS_BIN, ~/.cache/snackbase/tools/bin) and SNACKBASE_REQUIRE_S3=1"
    );
    eprintln!(
        "skipped: s3s-fs not found; install it with `cargo install s3s-fs --version 0.14.1 \
         --features binary --locked --root ~/.cache/snackbase/tools`"
    );
    false
}

/// A running `s3s-fs`; stopped when dropped.
pub struct S3Server {
    pub port: u16,
    pub root: tempfile::TempDir,
    child: Child,
}

impl S3Server {
    pub async fn start() -> Self {
        let bin = binary().expect("s3s-fs");
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // Through a shell that stops the server when our end of its stdin
        // closes: also when this process dies without running Drop.
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" "$@" & pid=$!; read _; kill $pid; wait $pid"#)
            .arg(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        // Owned at once, so that Drop stops it whatever happens next.
        let server = Self { port, root, child };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("s3s-fs did not start on port {port}");
    }

    /// Points `config` at this server's bucket.
    pub fn configure(&self, config: &mut Config) {
        config.storage = StorageBackend::S3(S3Config {
            bucket: BUCKET.into(),
            endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
            region: "us-east-1".into(),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(Secret::new(SECRET_KEY)),
            force_path_style: true,
        });
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Every file under `dir`, recursively (relative paths), hidden ones too.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out.sort();
    out
}

/// Runs a storage test on both databases and both storages:
/// `files_test!(name, |app, store| { ... })` expands to
/// `name::{sqlite_local, sqlite_s3, postgres_local, postgres_s3}`. `app` is a
/// [`crate::files::FileApp`].
#[macro_export]
macro_rules! files_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::files_test!($name, |_c| {}, |$app| $body);
    };
    ($name:ident, $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::harness::Backend;
            use $crate::s3::Store;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_local() {
                let $app =
                    $crate::files::FileApp::start(Backend::Sqlite, Store::Local, $tweak).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_s3() {
                if !$crate::s3::s3_available() {
                    return;
                }
                let $app = $crate::files::FileApp::start(Backend::Sqlite, Store::S3, $tweak).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_local() {
                if !$crate::harness::postgres_available() {
                    return;
                }
                let $app =
                    $crate::files::FileApp::start(Backend::Postgres, Store::Local, $tweak).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_s3() {
                if !$crate::harness::postgres_available() || !$crate::s3::s3_available() {
                    return;
                }
                let $app =
                    $crate::files::FileApp::start(Backend::Postgres, Store::S3, $tweak).await;
                $body
            }
        }
    };
}
