//! Verifying the audit trail: every chain is walked in sequence order; each
//! entry must follow the one before (`previous_hash`), hash to its checksum,
//! and leave no gap; the chain must end at its signed head; every
//! checkpoint must be signed, chained to the one before, and name the
//! checksum the entry at its sequence has. The first broken link of each
//! chain is reported.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::chain::{self, Verifier, GENESIS};
use super::query::{Row, COLUMNS};
use super::snapshot;
use crate::db::Db;

/// The first problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Broken {
    /// The sequence where the chain breaks.
    pub sequence: i64,
    /// `altered`, `broken_link`, `missing`, `truncated`, `head_mismatch`,
    /// `bad_signature` or `checkpoint_mismatch`.
    pub kind: String,
    pub message: String,
}

/// One chain's state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainReport {
    pub chain: String,
    pub account_id: Option<String>,
    pub entries: i64,
    pub head_sequence: i64,
    pub head_hash: String,
    pub checkpoints: i64,
    pub last_checkpoint_at: Option<String>,
    pub ok: bool,
    pub error: Option<Broken>,
}

/// The result of a verification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub ok: bool,
    pub verified_at: String,
    pub chains: Vec<ChainReport>,
    /// Committed events of the whole database still staged for the sealer
    /// (PostgreSQL; a running server chains them within moments): not part
    /// of any chain yet, so not verified. Always 0 on SQLite.
    pub staged: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Head {
    pub chain: String,
    pub sequence: i64,
    pub hash: String,
    pub signature: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Checkpoint {
    pub chain: String,
    pub sequence: i64,
    pub head_hash: String,
    pub created_at: String,
    pub previous_signature: String,
    pub signature: String,
}

fn broken(sequence: i64, kind: &str, message: impl Into<String>) -> Broken {
    Broken {
        sequence,
        kind: kind.to_string(),
        message: message.into(),
    }
}

/// An entry with its checksum recomputed.
struct Checked {
    chain: String,
    sequence: i64,
    previous_hash: String,
    checksum: String,
    /// Whether the content hashes to the stored checksum.
    intact: bool,
}

/// Recomputes the checksums of `rows` (on a blocking thread: the walk goes
/// on reading meanwhile).
fn check(rows: Vec<Row>) -> Vec<Checked> {
    rows.into_iter()
        .map(|row| {
            let (content, previous_hash, checksum) = row.into_parts();
            let intact = content.checksum(&previous_hash) == checksum;
            Checked {
                chain: content.chain,
                sequence: content.sequence,
                previous_hash,
                checksum,
                intact,
            }
        })
        .collect()
}

/// A chain being walked.
struct Walk {
    report: ChainReport,
    hash: String,
    /// Checksums the checkpoints name, by sequence.
    expected: BTreeMap<i64, String>,
}

impl Walk {
    fn new(chain: &str, checkpoints: &[Checkpoint]) -> Self {
        Self {
            report: ChainReport {
                chain: chain.to_string(),
                account_id: chain
                    .strip_prefix("account:")
                    .map(|a| a.split(':').next().unwrap_or(a).to_string()),
                entries: 0,
                head_sequence: 0,
                head_hash: GENESIS.to_string(),
                checkpoints: checkpoints.len() as i64,
                last_checkpoint_at: checkpoints.last().map(|c| c.created_at.clone()),
                ok: true,
                error: None,
            },
            hash: GENESIS.to_string(),
            expected: checkpoints
                .iter()
                .map(|c| (c.sequence, c.head_hash.clone()))
                .collect(),
        }
    }

    fn fail(&mut self, b: Broken) {
        if self.report.error.is_none() {
            self.report.ok = false;
            self.report.error = Some(b);
        }
    }

    fn step(&mut self, row: &Checked) {
        self.report.entries += 1;
        if self.report.error.is_some() {
            return;
        }
        let want = self.report.head_sequence + 1;
        if row.sequence != want {
            return self.fail(broken(
                want,
                "missing",
                format!("entry {want} is missing (the next is {})", row.sequence),
            ));
        }
        if row.previous_hash != self.hash {
            return self.fail(broken(
                row.sequence,
                "broken_link",
                "the entry does not follow the one before it",
            ));
        }
        if !row.intact {
            return self.fail(broken(
                row.sequence,
                "altered",
                "the entry's content does not match its checksum",
            ));
        }
        if let Some(named) = self.expected.get(&row.sequence) {
            if *named != row.checksum {
                return self.fail(broken(
                    row.sequence,
                    "checkpoint_mismatch",
                    "a signed checkpoint names another checksum for this entry",
                ));
            }
        }
        self.report.head_sequence = row.sequence;
        self.hash = row.checksum.clone();
        self.report.head_hash = row.checksum.clone();
    }

    fn finish(
        mut self,
        head: Option<&Head>,
        checkpoints: &[Checkpoint],
        verifier: &Verifier,
    ) -> ChainReport {
        let chain = self.report.chain.clone();
        // The checkpoints: signed, chained, within the entries.
        let mut previous = String::new();
        for c in checkpoints {
            let message = chain::checkpoint_message(
                &chain,
                c.sequence,
                &c.head_hash,
                &c.created_at,
                &c.previous_signature,
            );
            if c.previous_signature != previous || !verifier.verify(&message, &c.signature) {
                self.fail(broken(
                    c.sequence,
                    "bad_signature",
                    "a checkpoint's signature is not valid or does not follow the one before",
                ));
                break;
            }
            previous = c.signature.clone();
        }
        if self.report.error.is_none() {
            if let Some(last) = checkpoints.last() {
                if last.sequence > self.report.head_sequence {
                    let next = self.report.head_sequence + 1;
                    self.fail(broken(
                        next,
                        "truncated",
                        format!(
                            "a signed checkpoint covers entry {} but the chain ends at {}",
                            last.sequence, self.report.head_sequence
                        ),
                    ));
                }
            }
        }
        if self.report.error.is_none() {
            match head {
                None if self.report.entries > 0 => self.fail(broken(
                    self.report.head_sequence,
                    "head_mismatch",
                    "the chain has no signed head",
                )),
                None => {}
                Some(h) => {
                    let signed = verifier.verify(
                        &chain::head_message(&chain, h.sequence, &h.hash),
                        &h.signature,
                    );
                    if !signed {
                        self.fail(broken(
                            h.sequence,
                            "bad_signature",
                            "the chain's head is not signed by this server's key",
                        ));
                    } else if h.sequence > self.report.head_sequence {
                        let next = self.report.head_sequence + 1;
                        self.fail(broken(
                            next,
                            "truncated",
                            format!(
                                "the signed head is at entry {} but the chain ends at {}",
                                h.sequence, self.report.head_sequence
                            ),
                        ));
                    } else if h.sequence != self.report.head_sequence || h.hash != self.hash {
                        self.fail(broken(
                            h.sequence,
                            "head_mismatch",
                            "the chain's last entry is not its signed head",
                        ));
                    }
                }
            }
        }
        self.report
    }
}

/// Verifies every chain, or those of one account (`base`: see
/// [`chain::chain_of`]; its shards too, see [`super::append::shards`]).
pub async fn verify(
    db: &Db,
    verifier: &Verifier,
    base: Option<&str>,
) -> Result<Report, sqlx::Error> {
    let names = base.map(super::append::shards).unwrap_or_default();
    let where_chain = if names.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        format!(" WHERE chain IN ({})", list.join(", "))
    };
    let sql = snapshot::Queries {
        heads: format!("SELECT chain, sequence, hash, signature FROM audit_heads{where_chain}"),
        checkpoints: format!(
            "SELECT chain, sequence, head_hash, created_at, previous_signature, signature FROM audit_checkpoints{where_chain} ORDER BY chain, sequence"
        ),
        entries: format!("SELECT {COLUMNS} FROM audit_log{where_chain} ORDER BY chain, sequence"),
        names,
    };
    // Heads, checkpoints and entries from one snapshot: writes meanwhile
    // (a live server) are not half seen.
    let snapshot::Snapshot {
        heads,
        checkpoints,
        entries: mut batches,
    } = snapshot::read(db, sql).await?;
    let heads: HashMap<String, Head> = heads.into_iter().map(|h| (h.chain.clone(), h)).collect();
    let mut by_chain: BTreeMap<String, Vec<Checkpoint>> = BTreeMap::new();
    for c in checkpoints {
        by_chain.entry(c.chain.clone()).or_default().push(c);
    }
    let none: Vec<Checkpoint> = Vec::new();
    let mut reports = Vec::new();
    let mut current: Option<Walk> = None;
    let walk =
        |checked: Vec<Checked>, current: &mut Option<Walk>, reports: &mut Vec<ChainReport>| {
            for row in checked {
                if current.as_ref().is_none_or(|w| w.report.chain != row.chain) {
                    if let Some(done) = current.take() {
                        let chain = done.report.chain.clone();
                        let cps = by_chain.get(&chain).unwrap_or(&none);
                        reports.push(done.finish(heads.get(&chain), cps, verifier));
                    }
                    let cps = by_chain.get(&row.chain).unwrap_or(&none);
                    *current = Some(Walk::new(&row.chain, cps));
                }
                if let Some(w) = current.as_mut() {
                    w.step(&row);
                }
            }
        };
    // Rows are read in batches; a batch is hashed on a blocking thread
    // while the next one is read, then walked in order.
    let mut hashing: Option<tokio::task::JoinHandle<Vec<Checked>>> = None;
    let finish = |hashing: &mut Option<tokio::task::JoinHandle<Vec<Checked>>>,
                  next: Option<Vec<Row>>| {
        let previous = hashing.take();
        *hashing = next.map(|rows| tokio::task::spawn_blocking(move || check(rows)));
        previous
    };
    while let Some(batch) = batches.recv().await {
        if let Some(previous) = finish(&mut hashing, Some(batch?)) {
            let checked = previous
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            walk(checked, &mut current, &mut reports);
        }
    }
    if let Some(last) = finish(&mut hashing, None) {
        let checked = last
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        walk(checked, &mut current, &mut reports);
    }
    if let Some(done) = current.take() {
        let chain = done.report.chain.clone();
        let cps = by_chain.get(&chain).unwrap_or(&none);
        reports.push(done.finish(heads.get(&chain), cps, verifier));
    }
    // Chains whose head or checkpoints remain but whose entries are all gone.
    let walked: Vec<String> = reports.iter().map(|r| r.chain.clone()).collect();
    let mut orphans: Vec<&String> = heads
        .keys()
        .chain(by_chain.keys())
        .filter(|c| !walked.contains(c))
        .collect();
    orphans.sort();
    orphans.dedup();
    for chain in orphans {
        let cps = by_chain.get(chain).unwrap_or(&none);
        reports.push(Walk::new(chain, cps).finish(heads.get(chain), cps, verifier));
    }
    reports.sort_by(|a, b| a.chain.cmp(&b.chain));
    let (staged, _) = super::seal::backlog(db).await?;
    Ok(Report {
        ok: reports.iter().all(|r| r.ok),
        verified_at: super::append::now_text(),
        chains: reports,
        staged,
    })
}
