//! The MIME type of an upload, decided from its first bytes, never from the
//! client's `Content-Type`.
//!
//! Binary formats are recognised by their magic numbers (`infer`). Text has
//! no magic: bytes that `infer` does not know, that hold no NUL and that are
//! valid UTF-8 (a character cut at the end of the sniffed head is allowed)
//! are text, and the extension then picks among the text types; any other
//! extension gives `text/plain`. Everything else is
//! `application/octet-stream`. `infer` itself recognises HTML and XML by
//! their opening tags, whatever the file is called.

/// How many leading bytes the sniffer looks at.
pub const HEAD: usize = 8192;

/// The type of content starting with `head`, named `name` by the client.
pub fn sniff(head: &[u8], name: &str) -> &'static str {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type();
    }
    if !looks_like_text(head) {
        return "application/octet-stream";
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => "application/json",
        "csv" => "text/csv",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        _ => "text/plain",
    }
}

fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // Valid up to a character cut by the end of the head.
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Types that a browser would run or render as a document from our origin:
/// always served as attachments (no stored XSS).
pub fn is_active_content(mime: &str) -> bool {
    matches!(
        mime,
        "text/html"
            | "image/svg+xml"
            | "application/xml"
            | "text/xml"
            | "text/javascript"
            | "application/javascript"
            | "application/xhtml+xml"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_wins_over_the_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png, "notes.txt"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n", "x.png"), "application/pdf");
    }

    #[test]
    fn text_is_typed_by_extension_only_when_it_is_text() {
        assert_eq!(sniff(b"{\"a\": 1}", "a.json"), "application/json");
        assert_eq!(sniff(b"<svg xmlns=\"x\"/>", "a.svg"), "image/svg+xml");
        // infer knows HTML and XML by their first tags, whatever the name.
        assert_eq!(sniff(b"<html></html>", "a.png"), "text/html");
        assert_eq!(sniff(b"just text", "a.png"), "text/plain");
        assert_eq!(sniff(b"hello", "readme"), "text/plain");
        assert_eq!(sniff(b"a\0b", "a.txt"), "application/octet-stream");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x41], "a.txt"),
            "application/octet-stream"
        );
        // "é" cut in half at the end of the head is still text.
        assert_eq!(sniff(&[b'a', 0xc3], "a.txt"), "text/plain");
    }
}
