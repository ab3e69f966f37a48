//! `/metrics`: parsed by a Prometheus text parser, its series move with the
//! traffic, no label holds a raw path or id, and only a scraper with the
//! token, a superadmin or the separate address reaches it.

use prometheus_parse::{Scrape, Value as Sampled};
use serde_json::json;

use crate::harness::{Backend, TestApp};
use crate::{both, both_config};

const TOKEN: &str = "metrics-token-0123456789";

/// The exposition text at `url`, checked to be complete OpenMetrics.
async fn exposition_at(app: &TestApp, url: &str, token: Option<&str>) -> String {
    let mut req = app.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    assert!(
        text.trim_end().ends_with("# EOF"),
        "the exposition is complete"
    );
    text
}

async fn scrape_at(app: &TestApp, url: &str, token: Option<&str>) -> Scrape {
    let text = exposition_at(app, url, token).await;
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("a Prometheus parser reads it")
}

async fn scrape(app: &TestApp) -> Scrape {
    scrape_at(app, &format!("{}/metrics", app.base), Some(TOKEN)).await
}

fn number(v: &Sampled) -> Option<f64> {
    match v {
        Sampled::Counter(n) | Sampled::Gauge(n) | Sampled::Untyped(n) => Some(*n),
        Sampled::Histogram(buckets) => buckets.last().map(|b| b.count),
        Sampled::Summary(_) => None,
    }
}

/// The value of the series `name` whose labels include `labels` (0 if absent).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .filter_map(|x| number(&x.value))
        .sum()
}

/// A histogram's observation count, however the parser grouped it.
fn observations(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let grouped = value(s, name, labels);
    if grouped > 0.0 {
        return grouped;
    }
    value(s, &format!("{name}_count"), labels)
}

both_config!(
    series_parse_and_move_with_the_traffic,
    |c| c.metrics.token = Some(snackbase_server::config::Secret::new(TOKEN)),
    |app| {
        let sa = app.superadmin().await;
        app.post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
        )
        .await
        .expect(201);
        let token = app.register("m@example.com", "Metrics").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        let created = [
            ("method", "POST"),
            ("route", "/api/v1/records/:collection"),
            ("status_class", "2xx"),
        ];
        let before = scrape(&app).await;
        let writes_before = observations(&before, "snackbase_db_transaction_duration_seconds", &[]);
        for i in 0..3 {
            app.post(
                "/api/v1/records/notes",
                Some(&token),
                json!({"title": format!("n{i}")}),
            )
            .await
            .expect(201);
        }
        app.get("/api/v1/records/notes/rec-secret-id-42", Some(&token))
            .await
            .expect(404);
        app.get("/no/such/route/xyz-789", None).await.expect(404);
        let after = scrape(&app).await;

        assert_eq!(
            value(&after, "snackbase_http_requests_total", &created)
                - value(&before, "snackbase_http_requests_total", &created),
            3.0
        );
        let route = [("method", "POST"), ("route", "/api/v1/records/:collection")];
        assert_eq!(
            observations(&after, "snackbase_http_request_duration_seconds", &route)
                - observations(&before, "snackbase_http_request_duration_seconds", &route),
            3.0
        );
        assert!(
            value(
                &after,
                "snackbase_http_requests_total",
                &[
                    ("route", "/api/v1/records/:collection/:record_id"),
                    ("status_class", "4xx")
                ]
            ) >= 1.0
                || value(
                    &after,
                    "snackbase_http_requests_total",
                    &[("status_class", "4xx")]
                ) >= 2.0
        );
        assert!(
            value(
                &after,
                "snackbase_http_requests_total",
                &[("route", "unmatched")]
            ) >= 1.0
        );
        // The scrape itself is in flight.
        assert!(value(&after, "snackbase_http_requests_in_flight", &[]) >= 1.0);
        assert!(
            observations(&after, "snackbase_db_transaction_duration_seconds", &[])
                >= writes_before + 3.0
        );
        if app.state.db.sqlite_path().is_some() {
            assert!(observations(&after, "snackbase_sqlite_group_commit_batch_size", &[]) >= 3.0);
        }
        assert!(
            value(
                &after,
                "snackbase_cache_lookups_total",
                &[("cache", "identities"), ("result", "hit")]
            ) > value(
                &before,
                "snackbase_cache_lookups_total",
                &[("cache", "identities"), ("result", "hit")]
            )
        );
        assert!(value(&after, "snackbase_db_pool_connections", &[]) >= 1.0);
        assert_eq!(
            value(&after, "snackbase_webhook_deliveries_pending", &[]),
            0.0
        );
        assert_eq!(value(&after, "snackbase_realtime_connections", &[]), 0.0);
        // The sealer's backlog is reported (on SQLite, which chains in the
        // write's own transaction, it is always empty).
        for name in [
            "snackbase_audit_staged",
            "snackbase_audit_staged_oldest_seconds",
        ] {
            assert!(after.samples.iter().any(|x| x.metric == name), "{name}");
        }
        if app.state.db.sqlite_path().is_some() {
            assert_eq!(value(&after, "snackbase_audit_staged", &[]), 0.0);
            // Checkpoints run off the writer, and are counted.
            assert!(after
                .samples
                .iter()
                .any(|x| x.metric == "snackbase_sqlite_checkpoints_total"));
        } else {
            assert!(!after
                .samples
                .iter()
                .any(|x| x.metric.starts_with("snackbase_sqlite_checkpoints")));
        }
        assert!(value(&after, "process_resident_memory_bytes", &[]) > 1_000_000.0);
        assert!(value(&after, "process_open_fds", &[]) > 0.0);

        // No label holds a raw path or an id.
        for s in &after.samples {
            for (_, v) in s.labels.iter() {
                assert!(
                    !v.contains("rec-secret-id-42") && !v.contains("xyz-789"),
                    "{v}"
                );
            }
        }
    }
);

both_config!(
    only_the_token_or_a_superadmin_may_scrape,
    |c| c.metrics.token = Some(snackbase_server::config::Secret::new(TOKEN)),
    |app| {
        let sa = app.superadmin().await;
        let user = app.register("u@example.com", "Users").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        let url = format!("{}/metrics", app.base);
        let status = |token: Option<String>| {
            let mut req = app.client.get(&url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            async move { req.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(status(None).await, 401);
        assert_eq!(status(Some("metrics-token-0123456788".into())).await, 401);
        assert_eq!(status(Some(format!("{TOKEN}x"))).await, 401);
        assert_eq!(status(Some(user)).await, 403);
        assert_eq!(status(Some(TOKEN.into())).await, 200);
        scrape_at(&app, &url, Some(&sa)).await;
    }
);

both_config!(
    metrics_can_be_turned_off,
    |c| c.metrics.enabled = false,
    |app| {
        let sa = app.superadmin().await;
        app.get("/metrics", Some(&sa)).await.expect(404);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_separate_address_serves_metrics_alone_without_a_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let app = TestApp::start_with(Backend::Sqlite, |c| c.metrics.addr = Some(addr)).await;
    let sa = app.superadmin().await;
    app.get("/metrics", Some(&sa)).await.expect(404);
    let mut scraped = None;
    for _ in 0..50 {
        if let Ok(res) = app
            .client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
        {
            scraped = Some(res.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(scraped, Some(200));
    let s = scrape_at(&app, &format!("http://{addr}/metrics"), None).await;
    assert!(
        value(
            &s,
            "snackbase_http_requests_total",
            &[("route", "/api/v1/auth/login")]
        ) >= 1.0
    );
    let other = app
        .client
        .get(format!("http://{addr}/api/v1/collections"))
        .bearer_auth(&sa)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "only /metrics is served there");
}

both!(backups_show_in_the_metrics, |app| {
    let sa = app.superadmin().await;
    let begun = app
        .post("/api/v1/admin/backups", Some(&sa), json!({}))
        .await;
    let id = begun.expect(202)["id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let got = app
            .get(&format!("/api/v1/admin/backups/{id}"), Some(&sa))
            .await;
        if got.expect(200)["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let s = scrape_at(&app, &format!("{}/metrics", app.base), Some(&sa)).await;
    assert_eq!(
        value(&s, "snackbase_backups_total", &[("result", "completed")]),
        1.0
    );
    assert!(value(&s, "snackbase_backup_last_success_timestamp_seconds", &[]) > 1.7e9);
});

/// The metric names a PromQL expression of the dashboard mentions.
fn mentioned(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = ["snackbase_", "process_"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

both_config!(
    the_grafana_dashboard_asks_only_for_series_the_server_exposes,
    |c| c.metrics.token = Some(snackbase_server::config::Secret::new(TOKEN)),
    |app| {
        let dashboard: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../docs/grafana/snackbase-dashboard.json"
        ))
        .unwrap();
        // Some traffic first: a family shows once it has a series.
        app.get("/api/v1", None).await.expect(200);
        let url = format!("{}/metrics", app.base);
        scrape_at(&app, &url, Some(TOKEN)).await;
        let text = exposition_at(&app, &url, Some(TOKEN)).await;
        // Every family is declared, with or without samples yet.
        let declared: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split(' ').next())
            .collect();
        let sqlite = app.state.db.sqlite_path().is_some();
        let mut checked = 0;
        let mut missing = Vec::new();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                for name in mentioned(target["expr"].as_str().unwrap()) {
                    // SQLite's own series, and a time there is none of before
                    // the first backup.
                    if name.starts_with("snackbase_sqlite_") && !sqlite
                        || name == "snackbase_backup_last_success_timestamp_seconds"
                    {
                        continue;
                    }
                    let family = ["_bucket", "_sum", "_count", "_total", "_info"]
                        .iter()
                        .find_map(|s| name.strip_suffix(s))
                        .unwrap_or(&name);
                    if !declared.contains(&family) {
                        missing.push(format!("{} ({})", name, panel["title"]));
                    }
                    checked += 1;
                }
            }
        }
        assert!(missing.is_empty(), "not declared by /metrics: {missing:?}");
        assert!(checked >= 20, "{checked} series checked");
        assert!(mentioned("rate(snackbase_a_total{x=\"y\"}[5m]) / process_b").len() == 2);
    }
);
