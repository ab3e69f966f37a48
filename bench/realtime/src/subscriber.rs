//! One realtime subscriber and what it counts.

use super::*;

#[derive(Default)]
pub(crate) struct SubStats {
    pub(crate) received: u64,
    pub(crate) unauthorized: u64,
    /// The same change twice, or a `seq` not above the previous one.
    pub(crate) duplicates: u64,
    pub(crate) out_of_order: u64,
    pub(crate) latencies_us: Vec<u32>,
}

/// Live counters the writer and the report read while subscribers run.
#[derive(Default)]
pub(crate) struct Live {
    pub(crate) received: AtomicU64,
    pub(crate) last_delivery_us: AtomicU64,
}

/// One subscriber: connects, subscribes, then checks every event it gets
/// until `stop` turns true.
pub(crate) async fn subscriber(
    ws_url: String,
    collection: String,
    rule: Rule,
    user: User,
    live: Arc<Live>,
    mut stop: watch::Receiver<bool>,
    ready: tokio::sync::mpsc::Sender<Result<()>>,
) -> SubStats {
    let mut stats = SubStats::default();
    let url = format!("{ws_url}?token={}", user.token);
    let mut ws = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((ws, _)) => ws,
        Err(e) => {
            let _ = ready.send(Err(anyhow!("connect: {e}"))).await;
            return stats;
        }
    };
    let sub = json!({"action": "subscribe", "collection": collection}).to_string();
    if let Err(e) = ws.send(Message::Text(sub.into())).await {
        let _ = ready.send(Err(anyhow!("subscribe: {e}"))).await;
        return stats;
    }
    // Until the ack.
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                if v["type"] == "subscribed" {
                    break;
                }
                if v["type"] == "error" {
                    let _ = ready.send(Err(anyhow!("subscribe refused: {v}"))).await;
                    return stats;
                }
            }
            Some(Ok(_)) => {}
            other => {
                let _ = ready
                    .send(Err(anyhow!("closed before the ack: {other:?}")))
                    .await;
                return stats;
            }
        }
    }
    let _ = ready.send(Ok(())).await;
    drop(ready);
    let create = format!("{collection}.create");
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut last_seq = 0i64;
    loop {
        let msg = tokio::select! {
            _ = stop.changed() => break,
            m = ws.next() => m,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(f))) => {
                eprintln!("a subscriber was closed: {f:?}");
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                eprintln!("a subscriber failed: {e}");
                break;
            }
            None => break,
        };
        let at = now_us();
        let v: Value = match serde_json::from_str(text.as_str()) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let Some(kind) = v["type"].as_str() else {
            continue;
        };
        if !kind.contains('.') {
            continue; // heartbeat, pong, …
        }
        let data = &v["data"];
        // Every change event this subscriber gets must be one it may see:
        // its own record, of its account, without the hidden field.
        let readable = match rule {
            Rule::Owner => data["owner"].as_str() == Some(user.user_id.as_str()),
            Rule::Group => data["team"].as_str() == Some(user.group.as_str()),
        };
        let mine = kind == create
            && readable
            && data["account_id"].as_str() == Some(user.account_id.as_str())
            && data.get("secret").is_none();
        if !mine {
            stats.unauthorized += 1;
            if stats.unauthorized <= 3 {
                eprintln!(
                    "UNAUTHORIZED delivery to {}: {}",
                    user.user_id,
                    text.as_str()
                );
            }
            continue;
        }
        let seq = v["seq"].as_i64().unwrap_or(0);
        if seq <= last_seq {
            stats.out_of_order += 1;
        }
        last_seq = last_seq.max(seq);
        if let Some(first) = seen.insert(data["id"].as_str().unwrap_or_default().to_string(), seq) {
            stats.duplicates += 1;
            if stats.duplicates <= 1 {
                eprintln!(
                    "DUPLICATE delivery (first as seq {first}) to {}: {}",
                    user.user_id,
                    text.as_str()
                );
            }
            continue;
        }
        stats.received += 1;
        if let Some(sent) = data["sent_us"]
            .as_u64()
            .or_else(|| data["sent_us"].as_f64().map(|f| f as u64))
        {
            stats
                .latencies_us
                .push(at.saturating_sub(sent).min(u32::MAX as u64) as u32);
        }
        live.received.fetch_add(1, Ordering::Relaxed);
        live.last_delivery_us.fetch_max(at, Ordering::Relaxed);
    }
    let _ = ws.close(None).await;
    stats
}

pub(crate) fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}
