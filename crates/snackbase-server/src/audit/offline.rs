//! Verifying an export offline (`snackbase audit verify-export`): every
//! entry's checksum is recomputed from its fields and `previous_hash` (the
//! columns of one change together: they share one stored entry), the
//! digest from the checksums, and the signature checked with the public key
//! (given, or the one the file names: compare it with `snackbase audit
//! public-key` of the server, or the key published for it).

use serde::Deserialize;

use super::chain::{self, Verifier};
use std::collections::BTreeMap;

use super::query::{locate, AuditLog, Row};
use sha2::{Digest, Sha256};

/// What a valid export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub entries: u64,
    pub generated_at: String,
    pub public_key: String,
}

#[derive(Deserialize)]
struct JsonExport {
    format: String,
    generated_at: String,
    public_key: String,
    entries: Vec<AuditLog>,
    count: u64,
    digest: String,
    signature: String,
}

fn row_of(e: AuditLog) -> Row {
    Row {
        id: e.id,
        chain: e.chain,
        sequence: e.sequence,
        account_id: e.account_id,
        operation: e.operation,
        table_name: e.table_name,
        record_id: e.record_id,
        column_name: e.column_name,
        old_value: e.old_value,
        new_value: e.new_value,
        user_id: e.user_id,
        user_email: e.user_email,
        user_name: e.user_name,
        es_username: e.es_username,
        es_reason: e.es_reason,
        es_timestamp: e.es_timestamp,
        ip_address: e.ip_address,
        user_agent: e.user_agent,
        request_id: e.request_id,
        occurred_at: e.occurred_at,
        // Stored as text: the export shows it parsed; its text form is
        // what was hashed (serde_json writes it back the same way).
        extra_metadata: e.extra_metadata.map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }),
        previous_hash: e.previous_hash,
        checksum: e.checksum,
        columns: None,
    }
}

/// What the columns of one stored entry share: all but the column.
fn shared(r: &Row) -> chain::Content {
    chain::Content {
        column_name: None,
        old_value: None,
        new_value: None,
        ..r.content()
    }
}

fn changed(r: &Row) -> String {
    format!(
        "entry {} ({} #{}) does not match its checksum: it was changed",
        r.id, r.chain, r.sequence
    )
}

fn csv_opt(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

/// Checks each row's checksum, the digest, and the signature.
fn check(
    rows: &[Row],
    count: u64,
    generated_at: &str,
    digest: &str,
    signature: &str,
    public_key: &str,
) -> Result<Checked, String> {
    let verifier =
        Verifier::from_hex(public_key).ok_or("the public key is not a valid ed25519 key")?;
    let mut hash = Sha256::new();
    // The columns of one stored entry of several, by stored row.
    let mut several: BTreeMap<i64, Vec<(i64, &Row)>> = BTreeMap::new();
    for r in rows {
        let (row, ord) = locate(r.id);
        if ord > 0 {
            several.entry(row).or_default().push((ord, r));
        } else if r.content().checksum(&r.previous_hash) != r.checksum {
            return Err(changed(r));
        }
        hash.update(r.checksum.as_bytes());
        hash.update(b"\n");
    }
    for mut columns in several.into_values() {
        columns.sort_by_key(|(ord, _)| *ord);
        let first = columns[0].1;
        let mut content = shared(first);
        for (_, r) in &columns[1..] {
            if shared(r) != content
                || r.checksum != first.checksum
                || r.previous_hash != first.previous_hash
            {
                return Err(changed(r));
            }
        }
        content.columns = Some(chain::columns_text(columns.iter().map(|(_, r)| {
            (
                r.column_name.as_deref(),
                r.old_value.as_deref(),
                r.new_value.as_deref(),
            )
        })));
        if content.checksum(&first.previous_hash) != first.checksum {
            return Err(format!(
                "the columns of entry {} ({} #{}) do not match its checksum: one was changed, dropped or added",
                first.id, first.chain, first.sequence
            ));
        }
    }
    if rows.len() as u64 != count {
        return Err(format!(
            "the export says {count} entries but holds {}",
            rows.len()
        ));
    }
    if hex::encode(hash.finalize()) != digest {
        return Err(
            "the entries do not match the export's digest: some were dropped, added or reordered"
                .into(),
        );
    }
    if !verifier.verify(
        &chain::export_message(count, generated_at, digest),
        signature,
    ) {
        return Err("the export's signature is not valid for this public key".into());
    }
    Ok(Checked {
        entries: count,
        generated_at: generated_at.to_string(),
        public_key: public_key.to_string(),
    })
}

/// Verifies a JSON or CSV export; `public_key` overrides the one it names.
pub fn verify_export(bytes: &[u8], public_key: Option<&str>) -> Result<Checked, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the export is not UTF-8 text")?;
    if text.trim_start().starts_with('{') {
        let e: JsonExport =
            serde_json::from_str(text).map_err(|e| format!("not a JSON export: {e}"))?;
        if e.format != super::export::FORMAT {
            return Err(format!("unknown export format '{}'", e.format));
        }
        let rows: Vec<Row> = e.entries.into_iter().map(row_of).collect();
        let key = public_key.unwrap_or(&e.public_key).to_string();
        return check(
            &rows,
            e.count,
            &e.generated_at,
            &e.digest,
            &e.signature,
            &key,
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("not a CSV export: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != super::export::CSV_HEADER {
        return Err("not a CSV export of the audit trail (unexpected columns)".into());
    }
    let mut rows = Vec::new();
    let mut trailer = None;
    for record in reader.records() {
        let r = record.map_err(|e| format!("bad CSV: {e}"))?;
        if r.get(0) == Some("#signature") {
            trailer = Some(r.iter().map(str::to_string).collect::<Vec<_>>());
            continue;
        }
        if trailer.is_some() {
            return Err("entries follow the signature line".into());
        }
        if r.len() != super::export::CSV_HEADER.len() {
            return Err(format!("a row has {} columns", r.len()));
        }
        let f = |i: usize| r.get(i).unwrap_or_default();
        let int = |i: usize| {
            f(i).parse::<i64>()
                .map_err(|_| format!("bad number '{}'", f(i)))
        };
        rows.push(Row {
            id: int(0)?,
            chain: f(1).into(),
            sequence: int(2)?,
            account_id: csv_opt(f(3)),
            operation: f(4).into(),
            table_name: f(5).into(),
            record_id: f(6).into(),
            column_name: csv_opt(f(7)),
            old_value: csv_opt(f(8)),
            new_value: csv_opt(f(9)),
            user_id: csv_opt(f(10)),
            user_email: csv_opt(f(11)),
            user_name: csv_opt(f(12)),
            es_username: csv_opt(f(13)),
            es_reason: csv_opt(f(14)),
            es_timestamp: csv_opt(f(15)),
            ip_address: csv_opt(f(16)),
            user_agent: csv_opt(f(17)),
            request_id: csv_opt(f(18)),
            occurred_at: f(19).into(),
            extra_metadata: csv_opt(f(20)),
            previous_hash: f(21).into(),
            checksum: f(22).into(),
            columns: None,
        });
    }
    let t = trailer.ok_or("the export has no signature line: it is incomplete")?;
    if t.len() != 6 {
        return Err("the signature line is malformed".into());
    }
    let count: u64 = t[1]
        .parse()
        .map_err(|_| "the signature line is malformed")?;
    let key = public_key.unwrap_or(&t[5]).to_string();
    check(&rows, count, &t[2], &t[3], &t[4], &key)
}
