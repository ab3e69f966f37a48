//! How long `/metrics` takes to render its live series when there are many:
//! fills a registry with N route × method pairs (a latency histogram of 13
//! buckets and a request counter each: 17 series per pair) and times the
//! encoding. `cargo run --release -p snackbase-server --example metrics_render [SERIES]`
//! (bench/metrics runs it).

use std::time::{Duration, Instant};

use axum::http::Method;
use snackbase_server::metrics::Metrics;

fn main() {
    let want: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let metrics = Metrics::new(&Default::default(), "bench", true);
    let methods = [Method::GET, Method::POST, Method::PATCH, Method::DELETE];
    let pairs = want.div_ceil(17);
    for i in 0..pairs {
        let route = format!("/api/v1/bench/route{}/:id", i / methods.len());
        let method = &methods[i % methods.len()];
        metrics.observe(
            method,
            Some(&route),
            200,
            Duration::from_micros(300 + i as u64),
        );
    }
    let mut text = String::new();
    metrics.encode_live(&mut text).expect("encode");
    let series = text.lines().filter(|l| !l.starts_with('#')).count();
    let mut times = Vec::new();
    for _ in 0..200 {
        let mut out = String::with_capacity(text.len());
        let t = Instant::now();
        metrics.encode_live(&mut out).expect("encode");
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "series={series} bytes={} render_ms: median={:.2} p90={:.2} max={:.2}",
        text.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(times[times.len() - 1])
    );
}
