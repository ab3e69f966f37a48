//! The PDF export: a plain, human-readable listing (21 CFR 11.10(b)), one
//! entry per block of lines in Helvetica on A4 pages, with the export's
//! digest and signature at the end. Text outside printable ASCII shows as
//! `?` (the standard fonts' encoding); the JSON and CSV exports carry the
//! exact values.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

use super::query::Row;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 40.0;
const LEADING: f32 = 11.0;
const SIZE: f32 = 8.0;
/// Characters per line at 8 pt across the page.
const COLUMNS: usize = 120;

fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// Splits `text` into lines of at most [`COLUMNS`] characters.
fn wrap(text: &str) -> Vec<String> {
    let chars: Vec<char> = ascii(text).chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(COLUMNS).map(|c| c.iter().collect()).collect()
}

fn lines_of(r: &Row) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut lines = vec![format!(
        "#{} {} {} {} {}/{} seq {}",
        r.id, r.occurred_at, r.operation, r.chain, r.table_name, r.record_id, r.sequence
    )];
    lines.push(format!(
        "  {}: {} -> {}",
        o(&r.column_name),
        o(&r.old_value),
        o(&r.new_value)
    ));
    lines.push(format!(
        "  by {} ({}) from {} request {}",
        o(&r.user_email),
        o(&r.user_id),
        o(&r.ip_address),
        o(&r.request_id)
    ));
    if r.es_username.is_some() {
        lines.push(format!(
            "  signed by {} at {}: {}",
            o(&r.es_username),
            o(&r.es_timestamp),
            o(&r.es_reason)
        ));
    }
    lines.push(format!("  checksum {}", r.checksum));
    lines.into_iter().flat_map(|l| wrap(&l)).collect()
}

/// Renders the export.
pub fn render(
    rows: &[Row],
    generated_at: &str,
    count: u64,
    digest: &str,
    signature: &str,
    public_key: &str,
) -> Vec<u8> {
    let mut lines = vec![
        format!("SnackBase audit trail export, generated {generated_at}"),
        format!("{count} entries"),
        String::new(),
    ];
    for r in rows {
        lines.extend(lines_of(r));
    }
    lines.push(String::new());
    lines.extend(wrap(&format!(
        "Digest (SHA-256 of the checksums): {digest}"
    )));
    lines.extend(wrap(&format!("Signature (ed25519): {signature}")));
    lines.extend(wrap(&format!("Public key: {public_key}")));

    let per_page = ((HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
    let pages: Vec<&[String]> = lines.chunks(per_page.max(1)).collect();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(4 + 2 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    for (i, page_lines) in pages.iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), font);
        drop(page);
        let mut content = Content::new();
        content.begin_text();
        content.set_font(Name(b"F1"), SIZE);
        content.set_leading(LEADING);
        content.next_line(MARGIN, HEIGHT - MARGIN);
        for line in page_lines.iter() {
            content.show(Str(line.as_bytes()));
            content.next_line_using_leading();
        }
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pdf_starts_and_ends_as_one() {
        let pdf = super::render(&[], "2026-01-01T00:00:00.000000Z", 0, "d", "s", "k");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&pdf).trim_end().ends_with("%%EOF"));
        assert_eq!(super::wrap(&"x".repeat(250)).len(), 3);
        assert_eq!(super::ascii("é"), "?");
    }
}
