//! The error envelope for errors answered below the application.
//!
//! hyper answers a request it cannot parse by itself (400 for a malformed
//! request, 414 for a target past its hard limit of 64 KiB, 431 for a head
//! past its buffer) with an empty body. [`Enveloped`] wraps the connection and
//! replaces such a response, which it recognises as a 4xx head without the
//! `x-correlation-id` that every application response carries, with the
//! JSON envelope. Everything else passes through untouched.
//!
//! A connection closed after an error while the client is still sending (a
//! body past the limit, a head past the buffer) would be reset by the kernel,
//! and a reset can destroy the response before the client reads it. So such
//! a connection lingers: its write side is shut, and what the client still
//! sends is read and dropped for up to five seconds or 4 MiB (a client on a busy
//! machine may need seconds to send what it had queued).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;

use super::middleware::CORRELATION_HEADER;
use super::server::MAX_HEAD_BYTES;

/// A connection whose protocol-level error responses are rewritten.
pub struct Enveloped {
    /// `None` only once dropped.
    inner: Option<TcpStream>,
    peer: SocketAddr,
    max_uri_length: usize,
    /// A replacement response still being written, and how much of it is out.
    pending: Option<(Vec<u8>, usize)>,
    /// The connection ends after an error: linger when it is dropped.
    linger: bool,
}

impl Enveloped {
    pub fn new(inner: TcpStream, peer: SocketAddr, max_uri_length: usize) -> Self {
        Self {
            inner: Some(inner),
            peer,
            max_uri_length,
            pending: None,
            linger: false,
        }
    }

    fn stream(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.inner
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::ErrorKind::NotConnected.into())
    }

    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = self.pending.take() {
            if written >= bytes.len() {
                break;
            }
            let polled = self.stream()?.poll_write(cx, &bytes[written..]);
            let n = match polled {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.pending = Some((bytes, written));
                    return Poll::Pending;
                }
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending = Some((bytes, written + n));
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for Enveloped {
    fn drop(&mut self) {
        if !self.linger {
            return;
        }
        let (Some(mut stream), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(async move {
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 8192];
            let mut total = 0usize;
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while total < 4 << 20 {
                    match stream.read(&mut sink).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => total += n,
                    }
                }
            })
            .await;
        });
    }
}

/// Whether a write is the head of an error response that closes the
/// connection (only errors leave a request body unread).
fn closes(buf: &[u8]) -> bool {
    if !(buf.starts_with(b"HTTP/1.1 4") || buf.starts_with(b"HTTP/1.1 5")) {
        return false;
    }
    let end = find(buf, b"\r\n\r\n").unwrap_or(buf.len());
    let needle = b"\r\nconnection: close";
    buf[..end]
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The envelope for a response hyper wrote by itself, if `buf` is one.
fn replacement(buf: &[u8], max_uri_length: usize) -> Option<(u16, Vec<u8>)> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    if !(400..500).contains(&status) {
        return None;
    }
    // hyper's own answer is a whole head with an empty body, in one write.
    let end = find(buf, b"\r\n\r\n")?;
    if end + 4 != buf.len() {
        return None;
    }
    let head = buf[..end].to_ascii_lowercase();
    if find(&head, b"\r\ncontent-length: 0\r\n").is_none()
        && !head.ends_with(b"\r\ncontent-length: 0")
    {
        return None;
    }
    if find(&head, format!("\r\n{CORRELATION_HEADER}:").as_bytes()).is_some() {
        return None;
    }
    let (reason, kind, message) = match status {
        414 => (
            "URI Too Long",
            "uri_too_long",
            format!("The request target is longer than the limit of {max_uri_length} bytes"),
        ),
        431 => (
            "Request Header Fields Too Large",
            "request_header_fields_too_large",
            format!("The request head is larger than the limit of {MAX_HEAD_BYTES} bytes"),
        ),
        _ => (
            "Bad Request",
            "bad_request",
            "The request is not valid HTTP/1.1".to_string(),
        ),
    };
    let body = serde_json::json!({"error": kind, "message": message}).to_string();
    let correlation_id = format!("cid_{}", hex::encode(rand::random::<[u8; 6]>()));
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-content-type-options: nosniff\r\n{CORRELATION_HEADER}: {correlation_id}\r\n\r\n{body}",
        body.len()
    );
    Some((status, response.into_bytes()))
}

impl AsyncRead for Enveloped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream()?.poll_read(cx, buf)
    }
}

impl AsyncWrite for Enveloped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some((status, bytes)) = replacement(buf, self.max_uri_length) {
            tracing::info!(
                target: "snackbase::access",
                status,
                peer = %self.peer,
                "request refused by the HTTP layer"
            );
            self.pending = Some((bytes, 0));
            self.linger = true;
            // The replacement is written by this call or by the next flush.
            if let Poll::Ready(Err(e)) = self.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        if closes(buf) {
            self.linger = true;
        }
        self.stream()?.poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        self.stream()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        self.stream()?.poll_shutdown(cx)
    }

    /// Not vectored, so that hyper writes a response head in one buffer.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_protocol_errors_get_the_envelope() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let (status, bytes) = replacement(bare, 100).expect("replaced");
        assert_eq!(status, 431);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 431 "));
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"], "request_header_fields_too_large");
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
    }

    #[test]
    fn application_responses_pass_through() {
        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-correlation-id: cid_1\r\n\r\n{}";
        assert!(replacement(ours, 100).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(ok, 100).is_none());
        let body_chunk = b"{\"HTTP/1.1 400\":1}";
        assert!(replacement(body_chunk, 100).is_none());
    }

    #[test]
    fn closing_responses_are_recognised() {
        assert!(closes(
            b"HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\n\r\n{}"
        ));
        assert!(!closes(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"));
        assert!(!closes(b"connection: close"));
    }
}
