//! Series read at scrape time, from what each feature already counts: they
//! go into a registry made for this one rendering.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::app::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransportLabels {
    transport: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// A registry of this moment's values.
pub async fn registry(state: &AppState) -> Registry {
    let mut r = Registry::default();

    let pools = Family::<PoolLabels, Gauge>::default();
    let pool = |name: &'static str, size: u32, idle: usize| {
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        pools
            .get_or_create(&PoolLabels {
                pool: name,
                state: "idle",
            })
            .set(idle);
        pools
            .get_or_create(&PoolLabels {
                pool: name,
                state: "in_use",
            })
            .set(i64::from(size) - idle);
    };
    match &state.db {
        crate::db::Db::Sqlite { read, write, .. } => {
            pool("read", read.size(), read.num_idle());
            pool("write", write.size(), write.num_idle());
        }
        crate::db::Db::Postgres(p, _) => pool("main", p.size(), p.num_idle()),
    }
    r.register(
        "snackbase_db_pool_connections",
        "Database connections by pool and state",
        pools,
    );
    if let Some(runs) = state.db.checkpoints() {
        r.register(
            "snackbase_sqlite_checkpoints",
            "WAL checkpoints that copied pages into the SQLite file, run off the writer",
            counter(runs),
        );
    }

    let caches = Family::<CacheLabels, Counter>::default();
    let cache = |name: &'static str, (hits, misses): (u64, u64)| {
        caches
            .get_or_create(&CacheLabels {
                cache: name,
                result: "hit",
            })
            .inc_by(hits);
        caches
            .get_or_create(&CacheLabels {
                cache: name,
                result: "miss",
            })
            .inc_by(misses);
    };
    cache("identities", state.identities.lookups.get());
    cache("api_keys", state.api_keys.lookups.get());
    cache("collections", state.catalog.lookups());
    for (name, counts) in state.authz.lookups() {
        cache(name, counts);
    }
    cache("aggregates", state.aggregates.lookups.get());
    cache("searches", state.searches.lookups.get());
    r.register(
        "snackbase_cache_lookups",
        "Cache lookups since start, by cache and result",
        caches,
    );

    let (by_transport, dispatched, delivered) = state.realtime.counts();
    let connections = Family::<TransportLabels, Gauge>::default();
    for (transport, n) in by_transport {
        connections
            .get_or_create(&TransportLabels { transport })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    r.register(
        "snackbase_realtime_connections",
        "Open realtime connections on this node, by transport",
        connections,
    );
    r.register(
        "snackbase_realtime_changes_dispatched",
        "Record changes dispatched to realtime subscribers since start",
        counter(dispatched),
    );
    r.register(
        "snackbase_realtime_events_delivered",
        "Realtime events queued to connections since start",
        counter(delivered),
    );

    let pending = Gauge::<i64>::default();
    match pending_deliveries(state).await {
        Ok(n) => {
            pending.set(n);
            r.register(
                "snackbase_webhook_deliveries_pending",
                "Webhook deliveries waiting for their next attempt (all nodes)",
                pending,
            );
        }
        Err(e) => tracing::warn!(error = %e, "metrics: counting pending webhook deliveries failed"),
    }

    match crate::audit::seal::backlog(&state.db).await {
        Ok((n, oldest)) => {
            let staged = Gauge::<i64>::default();
            staged.set(n);
            r.register(
                "snackbase_audit_staged",
                "Audit events committed but not chained yet (PostgreSQL, all nodes; 0 on SQLite)",
                staged,
            );
            r.register(
                "snackbase_audit_staged_oldest_seconds",
                "Age of the oldest audit event not chained yet (0 when none)",
                gauge(oldest.unwrap_or(0.0)),
            );
        }
        Err(e) => tracing::warn!(error = %e, "metrics: counting staged audit events failed"),
    }

    r.register(
        "snackbase_request_log_dropped",
        "Request-log entries dropped because the writer fell behind",
        counter(state.request_logs.dropped()),
    );

    let outcomes = state.backups.outcomes();
    let backups = Family::<ResultLabels, Counter>::default();
    backups
        .get_or_create(&ResultLabels {
            result: "completed",
        })
        .inc_by(outcomes.completed);
    backups
        .get_or_create(&ResultLabels { result: "failed" })
        .inc_by(outcomes.failed);
    r.register(
        "snackbase_backups",
        "Backups made by this process, by result",
        backups,
    );
    let recorded = state
        .backups
        .newest_recorded(&state.config.backup.dir)
        .await;
    if let Some(t) = recorded.max(outcomes.last_success) {
        let g = Gauge::<i64>::default();
        g.set(t);
        r.register(
            "snackbase_backup_last_success_timestamp_seconds",
            "When the newest completed backup finished (Unix seconds)",
            g,
        );
    }

    let p = super::process::read();
    if let Some(v) = p.resident_bytes {
        r.register(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            gauge(v as f64),
        );
    }
    if let Some(v) = p.cpu_seconds {
        let c = Counter::<f64, AtomicU64>::default();
        c.inc_by(v);
        r.register(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            c,
        );
    }
    if let Some(v) = p.open_fds {
        r.register(
            "process_open_fds",
            "Number of open file descriptors",
            gauge(v as f64),
        );
    }
    if let Some(v) = p.start_time {
        r.register(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch in seconds",
            gauge(v),
        );
    }
    r
}

fn counter(v: u64) -> Counter {
    let c = Counter::default();
    c.inc_by(v);
    c
}

fn gauge(v: f64) -> FloatGauge {
    let g = FloatGauge::default();
    g.set(v);
    g
}

async fn pending_deliveries(state: &AppState) -> Result<i64, sqlx::Error> {
    crate::on_pool!(&state.db, |p| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'",
        )
        .fetch_one(p)
        .await
    })
}
