//! Prometheus metrics, kept in atomics and rendered as text on demand. Served on its own listener
//! (`SIGNER_METRICS_ADDR`) so it need not be public.

use crate::signature::Role;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Routes are labelled by their pattern; anything else is one label, so a scanner trying random
/// paths cannot grow the label set.
const ROUTES: &[&str] =
    &["/", "/signature", "/healthz", "/assets/join.js", "/assets/join.css", "/video-signature", "/openapi.json"];
const OTHER_ROUTE: &str = "(unmatched)";
/// Kinds of signature, as the `format` label says them, in [`SignatureKind`]'s order.
const KINDS: [&str; 3] = ["jwt", "legacy", "video"];

/// Which kind of signature was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    Jwt = 0,
    Legacy = 1,
    Video = 2,
}

/// Upper bounds of the latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    requests: Counters<(&'static str, u16)>,
    refusals: Counters<&'static str>,
    /// Index: [participant, host, native] × KINDS.
    issued: [[AtomicU64; 3]; 3],
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

/// Counters keyed by a small, bounded label set: a read lock on the hot path, a write lock only
/// the first time a label is seen.
struct Counters<K>(RwLock<HashMap<K, AtomicU64>>);

impl<K> Default for Counters<K> {
    fn default() -> Self {
        Self(RwLock::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq + Copy + Ord> Counters<K> {
    fn increment(&self, key: K) {
        if let Some(counter) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            counter.fetch_add(1, Relaxed);
            return;
        }
        self.0.write().unwrap_or_else(|p| p.into_inner()).entry(key).or_default().fetch_add(1, Relaxed);
    }

    fn sorted(&self) -> Vec<(K, u64)> {
        let map = self.0.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(K, u64)> = map.iter().map(|(k, v)| (*k, v.load(Relaxed))).collect();
        all.sort_unstable_by_key(|(k, _)| *k);
        all
    }
}

impl Metrics {
    pub fn record_request(&self, route: Option<&str>, status: u16, latency: Duration) {
        let route = route.and_then(|r| ROUTES.iter().find(|known| **known == r)).copied().unwrap_or(OTHER_ROUTE);
        self.requests.increment((route, status));
        let seconds = latency.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_micros.fetch_add(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// `role` is `None` for a native-SDK token.
    pub fn record_issued(&self, role: Option<Role>, kind: SignatureKind) {
        let row = match role {
            Some(Role::Participant) => 0,
            Some(Role::Host) => 1,
            None => 2,
        };
        self.issued[row][kind as usize].fetch_add(1, Relaxed);
    }

    pub fn record_refusal(&self, code: &'static str) {
        self.refusals.increment(code);
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let _ = writeln!(out, "# HELP zoom_signer_build_info Version of the running zoom-signer.");
        let _ = writeln!(out, "# TYPE zoom_signer_build_info gauge");
        let _ = writeln!(out, "zoom_signer_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));

        let _ = writeln!(out, "# HELP zoom_signer_http_requests_total HTTP requests answered, by route and status.");
        let _ = writeln!(out, "# TYPE zoom_signer_http_requests_total counter");
        for ((route, status), count) in self.requests.sorted() {
            let _ = writeln!(out, "zoom_signer_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}");
        }

        let _ = writeln!(out, "# HELP zoom_signer_signatures_issued_total Signatures issued, by role and format.");
        let _ = writeln!(out, "# TYPE zoom_signer_signatures_issued_total counter");
        for (row, role) in ["participant", "host", "native"].iter().enumerate() {
            for (column, format) in KINDS.iter().enumerate() {
                let count = self.issued[row][column].load(Relaxed);
                let _ =
                    writeln!(out, "zoom_signer_signatures_issued_total{{role=\"{role}\",format=\"{format}\"}} {count}");
            }
        }

        let _ = writeln!(out, "# HELP zoom_signer_refusals_total Signature requests refused, by reason.");
        let _ = writeln!(out, "# TYPE zoom_signer_refusals_total counter");
        for (reason, count) in self.refusals.sorted() {
            let _ = writeln!(out, "zoom_signer_refusals_total{{reason=\"{reason}\"}} {count}");
        }

        let _ = writeln!(out, "# HELP zoom_signer_http_request_duration_seconds Time to answer a request.");
        let _ = writeln!(out, "# TYPE zoom_signer_http_request_duration_seconds histogram");
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "zoom_signer_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(out, "zoom_signer_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "zoom_signer_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "zoom_signer_http_request_duration_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_share_one_label() {
        let metrics = Metrics::default();
        for path in ["/a", "/b", "/c"] {
            metrics.record_request(Some(path), 404, Duration::from_micros(50));
        }
        metrics.record_request(None, 404, Duration::from_micros(50));
        metrics.record_request(Some("/signature"), 200, Duration::from_millis(3));
        let text = metrics.render();
        assert!(text.contains("zoom_signer_http_requests_total{route=\"(unmatched)\",status=\"404\"} 4"), "{text}");
        assert!(text.contains("zoom_signer_http_requests_total{route=\"/signature\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("zoom_signer_http_request_duration_seconds_bucket{le=\"0.0001\"} 4"), "{text}");
        assert!(text.contains("zoom_signer_http_request_duration_seconds_bucket{le=\"0.005\"} 5"), "{text}");
        assert!(text.contains("zoom_signer_http_request_duration_seconds_count 5"), "{text}");
    }
}
