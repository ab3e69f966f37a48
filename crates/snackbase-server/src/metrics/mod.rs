//! `/metrics`: this node's series in the Prometheus text format
//! (OpenMetrics), from a registry of its own (no global state, so several
//! servers in one process keep theirs apart).
//!
//! Counted as things happen: requests by route template, method and status
//! class, with a latency histogram, and requests in flight (the `observe`
//! middleware); SQLite group-commit batch sizes and write-transaction times
//! (`db::stats::Timings`). Read at scrape time ([`scrape`]): pool
//! connections, cache lookups, realtime connections and deliveries, webhook
//! deliveries waiting and failed, request-log drops, backups, and the
//! process (memory, CPU, file descriptors). No label takes an unbounded
//! value: routes are templates (`/api/v1/records/:collection`), a request
//! that matched no route is `unmatched`, an unusual method is `OTHER`.
//!
//! Served on the API's port to a scraper holding `SNACKBASE_METRICS_TOKEN`
//! or to a superadmin, or, with `SNACKBASE_METRICS_ADDR`, on that address
//! alone without a token ([`serve_separately`]).

mod handler;
mod process;
mod scrape;

use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use handler::{router, serve_separately};

/// Request latency buckets, seconds.
const LATENCY: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub route: String,
    pub status_class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY)
}

/// The series counted as things happen, and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    webhook_attempts: Family<ResultLabels, Counter>,
    /// Off (`SNACKBASE_METRICS_ENABLED=false`): nothing is counted.
    enabled: bool,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: &'static str,
}

impl Metrics {
    /// A registry holding this node's live series; `timings` are the
    /// database's (kept in `db`, which knows nothing of this module).
    pub fn new(timings: &crate::db::stats::Timings, version: &str, enabled: bool) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let in_flight = Gauge::default();
        let webhook_attempts = Family::<ResultLabels, Counter>::default();
        // Every result from the start, at 0: a rate over them is defined
        // before the first delivery.
        for result in ["delivered", "retry", "failed"] {
            webhook_attempts
                .get_or_create(&ResultLabels { result })
                .inc_by(0);
        }
        registry.register(
            "snackbase_webhook_deliveries",
            "Webhook delivery attempts made by this node, by result (delivered, retry, failed: the last attempt failed)",
            webhook_attempts.clone(),
        );
        registry.register(
            "snackbase_http_requests",
            "HTTP requests answered, by route template, method and status class",
            requests.clone(),
        );
        registry.register(
            "snackbase_http_request_duration_seconds",
            "Time to answer an HTTP request (until its response head), by route template and method",
            durations.clone(),
        );
        registry.register(
            "snackbase_http_requests_in_flight",
            "HTTP requests being answered now",
            in_flight.clone(),
        );
        registry.register(
            "snackbase_sqlite_group_commit_batch_size",
            "Writes committed together in one SQLite transaction",
            timings.group_batch.clone(),
        );
        registry.register(
            "snackbase_db_transaction_duration_seconds",
            "Write transactions, from their start to their commit",
            timings.write_seconds.clone(),
        );
        registry.register(
            "snackbase_build",
            "The running version",
            prometheus_client::metrics::info::Info::new(vec![("version", version.to_string())]),
        );
        Self {
            registry,
            requests,
            durations,
            in_flight,
            webhook_attempts,
            enabled,
        }
    }

    /// Renders the live series (without the scrape-time ones or `# EOF`).
    pub fn encode_live(&self, out: &mut String) -> std::fmt::Result {
        prometheus_client::encoding::text::encode_registry(out, &self.registry)
    }

    /// Counts a webhook delivery attempt.
    pub fn webhook_attempt(&self, result: &'static str) {
        self.webhook_attempts
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    /// A request begins; the guard counts it when dropped (after its response).
    pub fn begin(&self) -> InFlight<'_> {
        if self.enabled {
            self.in_flight.inc();
        }
        InFlight(self)
    }

    /// Counts an answered request.
    pub fn observe(&self, method: &Method, route: Option<&str>, status: u16, elapsed: Duration) {
        if !self.enabled {
            return;
        }
        let method = method_label(method);
        let route = route.map(route_label).unwrap_or_else(|| "unmatched".into());
        let status_class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.durations
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status_class,
            })
            .inc();
    }
}

/// Decrements the in-flight gauge when dropped.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.enabled {
            self.0.in_flight.dec();
        }
    }
}

/// A route template as a label: `{name}` becomes `:name` and `{*rest}`
/// becomes `*rest` (braces inside label values trip simple parsers).
fn route_label(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    for c in template.chars() {
        match c {
            '{' => out.push(':'),
            '}' => {}
            _ => out.push(c),
        }
    }
    out.replace(":*", "*")
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded() {
        let m = Metrics::new(&Default::default(), "0.1.0", true);
        let odd = Method::from_bytes(b"BREW").unwrap();
        m.observe(&odd, None, 418, Duration::from_millis(3));
        m.observe(
            &Method::GET,
            Some("/api/v1/records/{collection}"),
            200,
            Duration::from_millis(1),
        );
        m.observe(
            &Method::GET,
            Some("/admin/{*path}"),
            200,
            Duration::from_millis(1),
        );
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).unwrap();
        assert!(text.contains(
            r#"snackbase_http_requests_total{method="OTHER",route="unmatched",status_class="4xx"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"route="/api/v1/records/:collection""#),
            "{text}"
        );
        assert!(text.contains(r#"route="/admin/*path""#), "{text}");
        assert!(
            text.contains(r#"snackbase_build_info{version="0.1.0"} 1"#),
            "{text}"
        );
    }
}
