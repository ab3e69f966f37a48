//! A real SMTP server for the tests, inside the test process: it listens on
//! 127.0.0.1, speaks plain SMTP over TCP (RFC 5321: greeting, EHLO/HELO, MAIL,
//! RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps every message it
//! accepts, so the server's mail goes through a real socket and a real dialogue.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The longest line the sink reads (RFC 5321 allows 1000 octets for text
/// lines; more is an error, not a test of memory).
const MAX_LINE: usize = 64 * 1024;

/// The messages received so far, each as `X-Envelope-To: <rcpts>\r\n` followed
/// by the message as sent after DATA (dot-unstuffed, CRLF line endings kept).
type Inbox = Arc<Mutex<Vec<String>>>;

pub struct SmtpSink {
    pub port: u16,
    inbox: Inbox,
    server: JoinHandle<()>,
}

impl SmtpSink {
    /// Starts listening on a free port of 127.0.0.1. Must be called inside a
    /// tokio runtime (every test is one); the server stops when the sink drops.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let listener = TcpListener::from_std(listener).expect("tokio listener");
        let inbox = Inbox::default();
        let server = tokio::spawn(serve(listener, inbox.clone()));
        Self {
            port,
            inbox,
            server,
        }
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// Waits for the `n`th message (1-based).
    pub async fn wait_for(&self, n: usize) -> String {
        for _ in 0..100 {
            if let Some(message) = self.messages().get(n - 1) {
                return message.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message {n} arrived");
    }

    pub fn config(&self) -> snackbase_server::config::SmtpConfig {
        snackbase_server::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            username: None,
            password: None,
            from: "SnackBase <noreply@example.com>".into(),
            security: snackbase_server::config::SmtpSecurity::None,
            public_only: false,
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which ends every session.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, inbox: Inbox) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (read, write) = stream.into_split();
                    sessions.spawn(session(read, write, inbox.clone()));
                }
                Err(e) => panic!("the SMTP sink cannot accept: {e}"),
            },
            Some(ended) = sessions.join_next() => {
                if let Ok(Err(e)) = ended {
                    eprintln!("SMTP sink session: {e}");
                }
            }
        }
    }
}

/// One SMTP session, until QUIT or the client goes away.
async fn session<R, W>(read: R, mut write: W, inbox: Inbox) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut read = BufReader::new(read);
    let mut line = Vec::new();
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    reply(&mut write, "220 127.0.0.1 ESMTP test sink").await?;
    loop {
        if !read_line(&mut read, &mut line).await? {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                reply(
                    &mut write,
                    "250-127.0.0.1 greets you\r\n250-8BITMIME\r\n250 SMTPUTF8",
                )
                .await?
            }
            "HELO" => reply(&mut write, "250 127.0.0.1").await?,
            "MAIL" => match path_after(arg, "FROM:") {
                Some(path) => {
                    from = Some(path);
                    to.clear();
                    reply(&mut write, "250 OK").await?
                }
                None => reply(&mut write, "501 Syntax: MAIL FROM:<address>").await?,
            },
            "RCPT" if from.is_none() => reply(&mut write, "503 MAIL first").await?,
            "RCPT" => match path_after(arg, "TO:") {
                Some(path) if !path.is_empty() => {
                    to.push(path);
                    reply(&mut write, "250 OK").await?
                }
                _ => reply(&mut write, "501 Syntax: RCPT TO:<address>").await?,
            },
            "DATA" if to.is_empty() => reply(&mut write, "503 RCPT first").await?,
            "DATA" => {
                reply(&mut write, "354 End data with <CR><LF>.<CR><LF>").await?;
                let mut message = format!("X-Envelope-To: {}\r\n", to.join(", "));
                loop {
                    if !read_line(&mut read, &mut line).await? {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-unstuffing: a leading dot was doubled by the client.
                    let body = line.strip_prefix(b".").unwrap_or(&line);
                    message.push_str(&String::from_utf8_lossy(body));
                }
                inbox.lock().expect("inbox").push(message);
                from = None;
                to.clear();
                reply(&mut write, "250 OK: queued").await?
            }
            "RSET" => {
                from = None;
                to.clear();
                reply(&mut write, "250 OK").await?
            }
            "NOOP" => reply(&mut write, "250 OK").await?,
            "QUIT" => {
                reply(&mut write, "221 Bye").await?;
                return Ok(());
            }
            _ => reply(&mut write, "502 Command not implemented").await?,
        }
    }
}

/// Reads one line (with its ending) into `line`; false at the end of input.
async fn read_line<R: AsyncRead + Unpin>(
    read: &mut BufReader<R>,
    line: &mut Vec<u8>,
) -> std::io::Result<bool> {
    line.clear();
    let n = (&mut *read)
        .take(MAX_LINE as u64)
        .read_until(b'\n', line)
        .await?;
    if n == MAX_LINE && line.last() != Some(&b'\n') {
        return Err(std::io::Error::other("SMTP line too long"));
    }
    Ok(n > 0)
}

async fn reply<W: AsyncWrite + Unpin>(write: &mut W, text: &str) -> std::io::Result<()> {
    write.write_all(text.as_bytes()).await?;
    write.write_all(b"\r\n").await?;
    write.flush().await
}

/// The address in `FROM:<a@b> PARAMS` / `TO:<a@b>` (case-insensitive keyword,
/// parameters ignored); `None` when the keyword or the angle brackets are missing.
fn path_after(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

#[tokio::test]
async fn the_sink_speaks_smtp() {
    let sink = SmtpSink::start();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", sink.port))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut got = String::new();
    let mut expect = async |send: &str, code: &str| {
        if !send.is_empty() {
            write.write_all(send.as_bytes()).await.unwrap();
        }
        // A reply ends with a line whose code is followed by a space.
        loop {
            got.clear();
            read.read_line(&mut got).await.unwrap();
            assert!(got.starts_with(code), "{send:?} got {got:?}");
            if got.as_bytes().get(3) == Some(&b' ') {
                break;
            }
        }
    };
    expect("", "220").await;
    expect("EHLO client\r\n", "250").await;
    expect("RCPT TO:<a@example.com>\r\n", "503").await;
    expect("MAIL FROM:<s@example.com> BODY=8BITMIME\r\n", "250").await;
    expect("DATA\r\n", "503").await;
    expect("RCPT TO:<a@example.com>\r\n", "250").await;
    expect("RSET\r\n", "250").await;
    expect("NOOP\r\n", "250").await;
    expect("mail from:<s@example.com>\r\n", "250").await;
    expect("rcpt to:<a@example.com>\r\n", "250").await;
    expect("RCPT TO:<b@example.com>\r\n", "250").await;
    expect("DATA\r\n", "354").await;
    expect("Subject: hi\r\n\r\n..leading dot\r\n.\r\n", "250").await;
    expect("HELO again\r\n", "250").await;
    expect("VRFY x\r\n", "502").await;
    expect("QUIT\r\n", "221").await;
    assert_eq!(
        sink.messages(),
        ["X-Envelope-To: a@example.com, b@example.com\r\nSubject: hi\r\n\r\n.leading dot\r\n"]
    );
}
