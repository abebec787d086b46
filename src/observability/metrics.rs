//! The metrics registry (the `prometheus-client` crate): counters and a histogram with typed label
//! sets, so a label value that is not one of the known ones cannot be recorded. Served in the
//! OpenMetrics text format on its own listener (`SIGNER_METRICS_ADDR`), so it need not be public.

use crate::signature::Role;
use crate::zoom::{Endpoint, UserTokenKind, WebhookEventKind};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::fmt::{self, Write as _};
use std::time::Duration;

/// The route label of a request no route matched: scanners trying random paths cannot grow the
/// label set, since every other label is one of the route table's patterns.
const OTHER_ROUTE: &str = "(unmatched)";

/// Upper bounds of the latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// Upper bounds of the Zoom call histogram, in seconds (calls time out after 5 s).
const ZOOM_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0];

/// Which kind of signature was issued (the `format` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    Jwt,
    Legacy,
    Video,
}

/// Whom a signature is for (the `role` label): a native-SDK token has no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RoleLabel {
    Participant,
    Host,
    Native,
}

impl EncodeLabelValue for SignatureKind {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        encoder.write_str(match self {
            Self::Jwt => "jwt",
            Self::Legacy => "legacy",
            Self::Video => "video",
        })
    }
}

impl EncodeLabelValue for RoleLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        encoder.write_str(match self {
            Self::Participant => "participant",
            Self::Host => "host",
            Self::Native => "native",
        })
    }
}

/// Label values that are the type's own stable names (`as_str`), shared with the audit line.
macro_rules! label_value_as_str {
    ($($kind:ty),*) => {$(
        impl EncodeLabelValue for $kind {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
                encoder.write_str(self.as_str())
            }
        }
    )*};
}

label_value_as_str!(UserTokenKind, Endpoint, WebhookEventKind);

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct IssuedLabels {
    role: RoleLabel,
    format: SignatureKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RefusalLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WebhookLabels {
    /// `url_validation`, `app_deauthorized` or `other`.
    event: WebhookEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct UserTokenLabels {
    kind: UserTokenKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ZoomCallLabels {
    /// Which of Zoom's endpoints was called (`token`, `users_me`, `zak`, `obf`, `meeting`, `revoke`).
    call: Endpoint,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ZoomFailureLabels {
    call: Endpoint,
    /// The failure's code (`timeout`, `invalid_token`, `missing_scope`, …).
    kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

pub struct Metrics {
    /// The route table's path patterns: the `route` label's values, with [`OTHER_ROUTE`].
    routes: Vec<&'static str>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    issued: Family<IssuedLabels, Counter>,
    refusals: Family<RefusalLabels, Counter>,
    latency: Histogram,
    /// `sign_ins`: logins with Zoom, by outcome.
    logins: Family<OutcomeLabels, Counter>,
    user_tokens: Family<UserTokenLabels, Counter>,
    zoom_failures: Family<ZoomFailureLabels, Counter>,
    zoom_latency: Family<ZoomCallLabels, Histogram>,
    webhook_events: Family<WebhookLabels, Counter>,
}

impl Metrics {
    /// The registry, its requests labelled by `routes` (the route table's path patterns).
    pub fn new(routes: Vec<&'static str>) -> Self {
        let mut registry = Registry::with_prefix("zoom_signer");
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info.get_or_create(&BuildLabels { version: env!("CARGO_PKG_VERSION") }).set(1);
        registry.register("build_info", "Version of the running zoom-signer", build_info);
        let requests = Family::default();
        registry.register("http_requests", "HTTP requests answered, by route and status", requests.clone());
        let issued = Family::default();
        registry.register("signatures_issued", "Signatures issued, by role and format", issued.clone());
        let refusals = Family::default();
        registry.register(
            "refusals",
            "Audited requests refused (signatures, sign-outs, webhooks), by reason",
            refusals.clone(),
        );
        let latency = Histogram::new(LATENCY_BUCKETS);
        registry.register("http_request_duration_seconds", "Time to answer a request", latency.clone());
        let logins = Family::default();
        registry.register("sign_ins", "Sign-ins with Zoom, by outcome", logins.clone());
        let user_tokens = Family::default();
        registry.register("user_tokens_issued", "ZAK and OBF tokens handed out, by kind", user_tokens.clone());
        let zoom_failures = Family::default();
        registry.register("zoom_api_failures", "Calls to Zoom that failed, by call and kind", zoom_failures.clone());
        let zoom_latency = Family::<ZoomCallLabels, Histogram>::new_with_constructor(|| Histogram::new(ZOOM_BUCKETS));
        registry.register("zoom_api_duration_seconds", "Time Zoom took to answer, by call", zoom_latency.clone());
        let webhook_events = Family::default();
        registry.register("webhook_events", "Zoom webhook deliveries accepted, by event", webhook_events.clone());
        Self {
            routes,
            registry,
            requests,
            issued,
            refusals,
            latency,
            logins,
            user_tokens,
            zoom_failures,
            zoom_latency,
            webhook_events,
        }
    }

    /// A request answered: its matched route pattern (`None`: no route matched), status and time.
    pub fn record_request(&self, route: Option<&str>, status: u16, latency: Duration) {
        let route = route.and_then(|r| self.routes.iter().find(|known| **known == r)).copied().unwrap_or(OTHER_ROUTE);
        self.requests.get_or_create(&RequestLabels { route, status }).inc();
        self.latency.observe(latency.as_secs_f64());
    }

    /// `role` is `None` for a native-SDK token.
    pub fn record_issued(&self, role: Option<Role>, kind: SignatureKind) {
        let role = match role {
            Some(Role::Participant) => RoleLabel::Participant,
            Some(Role::Host) => RoleLabel::Host,
            None => RoleLabel::Native,
        };
        self.issued.get_or_create(&IssuedLabels { role, format: kind }).inc();
    }

    /// `reason` is the refusal's stable code (`ApiError::code`).
    pub fn record_refusal(&self, reason: &'static str) {
        self.refusals.get_or_create(&RefusalLabels { reason }).inc();
    }

    /// A login's outcome: `signed_in`, or why it failed (`access_denied`, `bad_state`, …).
    pub fn record_login(&self, outcome: &'static str) {
        self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn record_user_token(&self, kind: UserTokenKind) {
        self.user_tokens.get_or_create(&UserTokenLabels { kind }).inc();
    }

    /// A call to Zoom: how long it took, and its failure's code if it failed.
    pub fn record_zoom_call(&self, call: Endpoint, took: Duration, failure: Option<&'static str>) {
        self.zoom_latency.get_or_create(&ZoomCallLabels { call }).observe(took.as_secs_f64());
        if let Some(kind) = failure {
            self.zoom_failures.get_or_create(&ZoomFailureLabels { call, kind }).inc();
        }
    }

    /// A Zoom webhook delivery that was authenticated, read and answered.
    pub fn record_webhook_event(&self, event: WebhookEventKind) {
        self.webhook_events.get_or_create(&WebhookLabels { event }).inc();
    }

    /// The OpenMetrics text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// What [`Metrics::render`] writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_share_one_label() {
        let metrics = Metrics::new(vec!["/signature"]);
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

    #[test]
    fn signatures_are_counted_by_role_and_format() {
        let metrics = Metrics::new(vec!["/signature"]);
        metrics.record_issued(Some(Role::Host), SignatureKind::Legacy);
        metrics.record_issued(None, SignatureKind::Jwt);
        metrics.record_refusal("host_disabled");
        let text = metrics.render();
        assert!(text.contains("zoom_signer_signatures_issued_total{role=\"host\",format=\"legacy\"} 1"), "{text}");
        assert!(text.contains("zoom_signer_signatures_issued_total{role=\"native\",format=\"jwt\"} 1"), "{text}");
        assert!(text.contains("zoom_signer_refusals_total{reason=\"host_disabled\"} 1"), "{text}");
        assert!(text.contains("zoom_signer_build_info{version=\""), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn webhook_events_are_counted_by_kind() {
        let metrics = Metrics::new(vec!["/signature"]);
        metrics.record_webhook_event(WebhookEventKind::AppDeauthorized);
        metrics.record_webhook_event(WebhookEventKind::Other);
        metrics.record_webhook_event(WebhookEventKind::Other);
        let text = metrics.render();
        assert!(text.contains("zoom_signer_webhook_events_total{event=\"app_deauthorized\"} 1"), "{text}");
        assert!(text.contains("zoom_signer_webhook_events_total{event=\"other\"} 2"), "{text}");
        assert!(!text.contains("event=\"url_validation\""), "{text}");
    }
}
