//! Realtime load generator for SnackBase (docs/benchmarks.md, "Realtime").
//!
//! Against a running server (URL + superadmin credentials) it
//! 1. creates a collection whose read rule for plain users is owner based
//!    (`record.owner == user.id`) or, with `--rule group`, group based
//!    (`record.team in user.groups`: `--groups` groups per account, each
//!    user in one of them), and hides one field (`secret`); then
//!    `--accounts` accounts with `--users` plain users each;
//! 2. opens `--subscribers` WebSocket connections spread evenly over those
//!    users (so over the accounts), each subscribed to the collection,
//!    sampling the server's RSS (`/proc/<pid>/status`, `--server-pid`) with
//!    0 connections, at 100, 1,000, 5,000 and all of them;
//! 3. has each account's admin write records at `--rate` per second for
//!    `--duration` seconds, round robin over the users as owners, each record
//!    carrying its write time (`sent_us`);
//! 4. counts per subscriber what arrives: authorized deliveries, the
//!    write→delivery latency, and **unauthorized** deliveries — an event
//!    whose record is not this user's (owner rule) or not of this user's
//!    group (group rule), of another account, or that shows `secret` (must
//!    be 0); and the expected deliveries that never arrived;
//! 5. reads the server's inspector (`GET /api/v1/admin/realtime`) before and
//!    after the writes: `changes_dispatched` and `log_reads` (the tailer's
//!    reads of the change log that returned changes; each wake also makes
//!    one read that finds nothing, which only `SNACKBASE_DB_ECHO=true` shows).
//!
//! It also counts repeated deliveries (the same record twice) and a `seq`
//! going backwards on a connection, and what never arrived.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "Bench-Realtime-42!";

#[derive(Parser, Debug, Clone)]
#[command(about = "Realtime (WebSocket) load generator for SnackBase")]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    url: String,
    /// Where subscribers connect, round robin (repeat the option, or
    /// separate with commas): other nodes of the same PostgreSQL database,
    /// to measure delivery across nodes. Default: `--url`. The inspector's
    /// counts are the writer node's (`--url`).
    #[arg(long, value_delimiter = ',')]
    subscribe_url: Vec<String>,
    /// Superadmin email.
    #[arg(long, env = "SNACKBASE_SUPERADMIN_EMAIL")]
    email: String,
    /// Superadmin password.
    #[arg(long, env = "SNACKBASE_SUPERADMIN_PASSWORD")]
    password: String,
    /// The server's PID, for its RSS (VmRSS of /proc/<pid>/status).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Accounts to create.
    #[arg(long, default_value_t = 10)]
    accounts: usize,
    /// Plain users per account (each owns its share of the records).
    #[arg(long, default_value_t = 5)]
    users: usize,
    /// The read rule of plain users: `owner` (`record.owner == user.id`) or
    /// `group` (`record.team in user.groups`).
    #[arg(long, value_enum, default_value_t = Rule::Owner)]
    rule: Rule,
    /// Groups per account (`--rule group`); user `u` is a member of group
    /// `u % groups`.
    #[arg(long, default_value_t = 2)]
    groups: usize,
    /// WebSocket subscribers, spread evenly over all users.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Record writes per second (all accounts together).
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of writes.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Writes in flight at most.
    #[arg(long, default_value_t = 32)]
    in_flight: usize,
    /// Connections opened at once.
    #[arg(long, default_value_t = 50)]
    connect_concurrency: usize,
    /// Seconds to leave the connections idle after they are all open, before
    /// the RSS sample `idle` (a heartbeat goes out every 30 s): the memory of
    /// connections that have sent something, not only just opened.
    #[arg(long, default_value_t = 0.0)]
    idle: f64,
    /// Write the results as JSON here too.
    #[arg(long)]
    json: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Owner,
    Group,
}

impl Rule {
    fn text(self) -> &'static str {
        match self {
            Rule::Owner => "record.owner == user.id",
            Rule::Group => "record.team in user.groups",
        }
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

mod api;
mod subscriber;

use api::{Account, Api, User};
use subscriber::{pct, subscriber, Live};

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let api = Arc::new(Api {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?,
        base: args.url.trim_end_matches('/').to_string(),
    });
    let subscribe_to: Vec<String> = if args.subscribe_url.is_empty() {
        vec![api.base.clone()]
    } else {
        args.subscribe_url
            .iter()
            .map(|u| u.trim_end_matches('/').to_string())
            .collect()
    };
    let ws_urls: Vec<String> = subscribe_to
        .iter()
        .map(|base| format!("{}/api/v1/realtime/ws", base.replacen("http", "ws", 1)))
        .collect();
    let tag = format!("{:x}", now_us() % 0xffff_ffff);
    let collection = format!("rt_{tag}");

    // 1. Collection, rule, accounts and users.
    let sa = api
        .login("SY0000", &args.email, &args.password)
        .await
        .context("superadmin login")?;
    api.call(
        "POST",
        "/api/v1/collections",
        Some(json!({"name": collection, "schema": [
            {"name": "owner", "type": "text"},
            {"name": "team", "type": "text"},
            {"name": "n", "type": "number"},
            {"name": "sent_us", "type": "number"},
            {"name": "secret", "type": "text"},
        ]})),
        Some(&sa),
    )
    .await?;
    // Role 2 (`user`): reads its own records (or its group's) only, never `secret`.
    api.call(
        "PUT",
        "/api/v1/roles/2/permissions/bulk",
        Some(json!({"updates": [
            {"collection": collection, "operation": "read", "rule": args.rule.text(),
             "fields": ["owner", "team", "n", "sent_us"]},
        ]})),
        Some(&sa),
    )
    .await?;
    let t_setup = Instant::now();
    let mut accounts = Vec::new();
    let mut users: Vec<User> = Vec::new();
    for a in 0..args.accounts {
        let name = format!("rtb{tag}a{a}");
        let email = format!("admin@{name}.example.com");
        let reg = api
            .call(
                "POST",
                "/api/v1/auth/register",
                Some(json!({"email": email, "password": PASSWORD, "account_name": name})),
                None,
            )
            .await?;
        let account_id = reg["account"]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("register: {reg}"))?
            .to_string();
        let slug = reg["account"]["slug"]
            .as_str()
            .ok_or_else(|| anyhow!("register: {reg}"))?
            .to_string();
        let admin_token = api.login(&slug, &email, PASSWORD).await?;
        let mut group_ids = Vec::new();
        if args.rule == Rule::Group {
            for g in 0..args.groups.max(1) {
                let created = api
                    .call(
                        "POST",
                        "/api/v1/groups",
                        Some(json!({"name": format!("g{g}")})),
                        Some(&admin_token),
                    )
                    .await?;
                group_ids.push(
                    created["id"]
                        .as_str()
                        .ok_or_else(|| anyhow!("group: {created}"))?
                        .to_string(),
                );
            }
        }
        for u in 0..args.users {
            let email = format!("u{u}@{name}.example.com");
            let created = api
                .call(
                    "POST",
                    "/api/v1/users",
                    Some(json!({"email": email, "password": PASSWORD, "role_id": 2, "account_id": account_id})),
                    Some(&admin_token),
                )
                .await?;
            let user_id = created["id"]
                .as_str()
                .ok_or_else(|| anyhow!("user: {created}"))?
                .to_string();
            let group = u % args.groups.max(1);
            if let Some(group_id) = group_ids.get(group) {
                api.call(
                    "POST",
                    &format!("/api/v1/groups/{group_id}/members"),
                    Some(json!({"user_id": user_id})),
                    Some(&admin_token),
                )
                .await?;
            }
            let token = api.login(&slug, &email, PASSWORD).await?;
            users.push(User {
                account_id: account_id.clone(),
                user_id,
                group: format!("g{group}"),
                token,
            });
        }
        accounts.push(Account { admin_token });
    }
    eprintln!(
        "set up {} accounts, {} users in {:.1} s; collection {collection}",
        accounts.len(),
        users.len(),
        t_setup.elapsed().as_secs_f64()
    );

    // 2. Connections, RSS at 0, 100, 1k and all. The setup's password
    // hashing leaves freed memory the allocator may give back late, so the
    // cost per connection is also taken as the slope from 100 connections on.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_0 = rss_kib(args.server_pid);
    let mut rss_100 = None;
    let mut rss_1k = None;
    let mut rss_5k = None;
    let live = Arc::new(Live::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut handles = Vec::with_capacity(args.subscribers);
    let mut per_user: HashMap<String, u64> = HashMap::new();
    let (ready_tx, mut ready_rx) =
        tokio::sync::mpsc::channel::<Result<()>>(args.subscribers.max(1));
    let t_connect = Instant::now();
    let mut opened = 0usize;
    while opened < args.subscribers {
        let batch = args.connect_concurrency.min(args.subscribers - opened);
        for i in opened..opened + batch {
            let user = users[i % users.len()].clone();
            *per_user.entry(user.audience(args.rule)).or_default() += 1;
            handles.push(tokio::spawn(subscriber(
                ws_urls[i % ws_urls.len()].clone(),
                collection.clone(),
                args.rule,
                user,
                live.clone(),
                stop_rx.clone(),
                ready_tx.clone(),
            )));
        }
        for _ in 0..batch {
            match ready_rx.recv().await {
                Some(Ok(())) => {}
                Some(Err(e)) => bail!("subscriber {opened}: {e}"),
                None => bail!("subscribers gone"),
            }
        }
        opened += batch;
        if opened == 100 && args.subscribers > 100 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            rss_100 = rss_kib(args.server_pid);
        }
        if opened == 1000 && args.subscribers > 1000 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            rss_1k = rss_kib(args.server_pid);
        }
        if opened == 5000 && args.subscribers > 5000 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            rss_5k = rss_kib(args.server_pid);
        }
    }
    let connect_s = t_connect.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_all = rss_kib(args.server_pid);
    if args.subscribers == 1000 {
        rss_1k = rss_all;
    }
    eprintln!(
        "{} subscribers connected and subscribed in {connect_s:.1} s",
        args.subscribers
    );
    let mut rss_idle = None;
    if args.idle > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(args.idle)).await;
        rss_idle = rss_kib(args.server_pid);
    }
    let before = api.inspector(&sa).await?;
    let connections_seen = before["connections"].as_u64().unwrap_or(0);

    // 3. Writes at the rate, round robin over users as owners.
    let total_writes = (args.rate * args.duration).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let gate = Arc::new(Semaphore::new(args.in_flight));
    let ok_writes = Arc::new(AtomicU64::new(0));
    let failed_writes = Arc::new(AtomicU64::new(0));
    let expected = Arc::new(AtomicU64::new(0));
    let per_user = Arc::new(per_user);
    let users = Arc::new(users);
    let admin_tokens: Arc<HashMap<String, String>> = Arc::new(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u.account_id.clone(),
                    accounts[i / args.users].admin_token.clone(),
                )
            })
            .collect(),
    );
    let t_writes = Instant::now();
    let start_us = now_us();
    let mut writers = Vec::new();
    for n in 0..total_writes {
        let due = t_writes + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let permit = gate.clone().acquire_owned().await?;
        let user = users[(n as usize) % users.len()].clone();
        let token = admin_tokens[&user.account_id].clone();
        let fanout = per_user
            .get(&user.audience(args.rule))
            .copied()
            .unwrap_or(0);
        let (api, ok, failed, expected, collection) = (
            api.clone(),
            ok_writes.clone(),
            failed_writes.clone(),
            expected.clone(),
            collection.clone(),
        );
        writers.push(tokio::spawn(async move {
            let body =
                json!({"owner": user.user_id, "team": user.group, "n": n, "sent_us": now_us(), "secret": "hidden"});
            match api
                .call(
                    "POST",
                    &format!("/api/v1/records/{collection}"),
                    Some(body),
                    Some(&token),
                )
                .await
            {
                Ok(_) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                    expected.fetch_add(fanout, Ordering::Relaxed);
                }
                Err(e) => {
                    if failed.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("write failed: {e}");
                    }
                }
            }
            drop(permit);
        }));
    }
    for w in writers {
        let _ = w.await;
    }
    let writes_s = t_writes.elapsed().as_secs_f64();
    // 4. Drain: until every expected delivery arrived, or 10 s without progress.
    let mut last = live.received.load(Ordering::Relaxed);
    let mut still = Instant::now();
    while live.received.load(Ordering::Relaxed) < expected.load(Ordering::Relaxed)
        && still.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = live.received.load(Ordering::Relaxed);
        if now != last {
            last = now;
            still = Instant::now();
        }
    }
    let end_us = live
        .last_delivery_us
        .load(Ordering::Relaxed)
        .max(start_us + 1);
    let after = api.inspector(&sa).await?;
    let rss_end = rss_kib(args.server_pid);
    stop_tx.send(true)?;
    let mut received = 0u64;
    let mut unauthorized = 0u64;
    let mut duplicates = 0u64;
    let mut out_of_order = 0u64;
    let mut lat: Vec<u32> = Vec::new();
    for h in handles {
        let s = h.await?;
        received += s.received;
        unauthorized += s.unauthorized;
        duplicates += s.duplicates;
        out_of_order += s.out_of_order;
        lat.extend(s.latencies_us);
    }
    lat.sort_unstable();

    let ok = ok_writes.load(Ordering::Relaxed);
    let expected = expected.load(Ordering::Relaxed);
    let span_s = (end_us - start_us) as f64 / 1e6;
    let changes = after["changes_dispatched"].as_u64().unwrap_or(0)
        - before["changes_dispatched"].as_u64().unwrap_or(0);
    let log_reads =
        after["log_reads"].as_u64().unwrap_or(0) - before["log_reads"].as_u64().unwrap_or(0);
    let server_deliveries =
        after["deliveries"].as_u64().unwrap_or(0) - before["deliveries"].as_u64().unwrap_or(0);
    let per_conn = match (rss_0, rss_all) {
        (Some(a), Some(b)) if args.subscribers > 0 => {
            Some((b as f64 - a as f64) / args.subscribers as f64)
        }
        _ => None,
    };
    let per_conn_slope = match (rss_100, rss_all) {
        (Some(a), Some(b)) if args.subscribers > 100 => {
            Some((b as f64 - a as f64) / (args.subscribers - 100) as f64)
        }
        _ => None,
    };
    let per_conn_from_1k = match (rss_1k, rss_all) {
        (Some(a), Some(b)) if args.subscribers > 1000 => {
            Some((b as f64 - a as f64) / (args.subscribers - 1000) as f64)
        }
        _ => None,
    };
    let per_conn_idle = match (rss_1k, rss_idle) {
        (Some(a), Some(b)) if args.subscribers > 1000 => {
            Some((b as f64 - a as f64) / (args.subscribers - 1000) as f64)
        }
        _ => None,
    };
    let result = json!({
        "rule": args.rule.text(),
        "accounts": args.accounts,
        "users": users.len(),
        "subscribers": args.subscribers,
        "write_url": api.base,
        "subscribe_urls": subscribe_to,
        "server_connections": connections_seen,
        "connect_s": connect_s,
        "rate_target": args.rate,
        "writes_ok": ok,
        "writes_failed": failed_writes.load(Ordering::Relaxed),
        "write_rate": ok as f64 / writes_s,
        "deliveries_expected": expected,
        "deliveries_received": received,
        "deliveries_missing": expected.saturating_sub(received),
        "unauthorized": unauthorized,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "deliveries_per_s": received as f64 / span_s,
        "delivery_span_s": span_s,
        "latency_ms": {"p50": pct(&lat, 0.50), "p90": pct(&lat, 0.90), "p99": pct(&lat, 0.99), "max": pct(&lat, 1.0)},
        "rss_kib": {"0": rss_0, "100": rss_100, "1k": rss_1k, "5k": rss_5k, "all": rss_all, "idle": rss_idle, "after_writes": rss_end},
        "rss_per_idle_connection_kib": {"from_0": per_conn, "from_100": per_conn_slope, "from_1k": per_conn_from_1k, "idle_from_1k": per_conn_idle},
        "changes_dispatched": changes,
        "log_reads": log_reads,
        "log_reads_per_change": if changes > 0 { log_reads as f64 / changes as f64 } else { f64::NAN },
        "server_deliveries": server_deliveries,
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    if unauthorized > 0 {
        bail!("{unauthorized} unauthorized deliveries");
    }
    Ok(())
}
