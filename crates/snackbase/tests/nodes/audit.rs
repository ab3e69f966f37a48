//! The audit trail written by several nodes at once stays one unbroken
//! chain per account, with its checkpoints.

use std::sync::Arc;

use serde_json::json;

use crate::cluster::Cluster;
use crate::delivery::notes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_every_node_keep_each_chain_unbroken() {
    // A checkpoint every 10 entries, so checkpoints are signed concurrently too.
    let Some(c) = Cluster::start_with(3, &[("SNACKBASE_AUDIT_CHECKPOINT_EVERY", "10")]).await
    else {
        return;
    };
    let (_, acme) = notes(&c).await;
    let beta = c.register(1, "bob@example.com", "Beta").await;
    const EACH: usize = 25;
    let c = Arc::new(c);
    // Two writers per node, one per account: every chain has writers on
    // every node at once.
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let token = if w % 2 == 0 {
                acme.clone()
            } else {
                beta.clone()
            };
            let c = c.clone();
            tokio::spawn(async move {
                for i in 0..EACH {
                    let title = format!("w{w}-{i}");
                    c.post(
                        w % 3,
                        "/api/v1/records/notes",
                        Some(&token),
                        json!({"title": title}),
                    )
                    .await
                    .expect(201);
                    // Every other record is changed again, on the next node.
                    if i % 2 == 0 {
                        c.post(
                            (w + 1) % 3,
                            "/api/v1/records/notes",
                            Some(&token),
                            json!({"title": format!("{title}b")}),
                        )
                        .await
                        .expect(201);
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    // The sealers chain the last writes within moments of their commits;
    // `audit verify` reads what is chained (and counts what is staged).
    let writes_per_account = 3 * (EACH + EACH.div_ceil(2));
    let mut waited = 0;
    let stdout = loop {
        let out = c.cli(&["audit", "verify"]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let chained = ["AA0001", "AA0002"]
            .iter()
            .all(|a| entries_of(&stdout, a) >= writes_per_account);
        if chained || waited >= 50 {
            break stdout;
        }
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(!stdout.contains("BROKEN"), "{stdout}");
    // Each account's chains (an account's trail is several lanes, each a
    // chain) hold at least one entry per write.
    for account in ["AA0001", "AA0002"] {
        let entries = entries_of(&stdout, account);
        assert!(
            entries >= writes_per_account,
            "{account}: {entries} entries for {writes_per_account} writes\n{stdout}"
        );
    }
}

/// The entries `audit verify` counted in `account`'s chains.
fn entries_of(stdout: &str, account: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok"))
        .filter_map(|l| l.trim().split_once(": "))
        .filter(|(chain, _)| {
            *chain == format!("account:{account}")
                || chain.starts_with(&format!("account:{account}:"))
        })
        .map(|(_, rest)| rest.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum()
}
