//! Per request: an `x-request-id` (the client's, if sane, else a new one) that is returned and
//! carried by every log line of the request; the request metrics; and one log line: the access
//! line, or the audit line for a request the signing guard saw ([`crate::observability`]).

use crate::http::state::AppState;
use crate::observability::access::{self, Access};
use crate::observability::audit::{self, AuditFacts, RefusalReason};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| is_sane_request_id(v.as_bytes()))
        .cloned()
        .unwrap_or_else(new_request_id);
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let span = tracing::info_span!("request", request_id = request_id.to_str().unwrap_or_default());

    async move {
        let mut response = next.run(request).await;
        let latency = started.elapsed();
        let route = route.as_ref().map(MatchedPath::as_str);
        let status = response.status().as_u16();
        state.metrics.record_request(route, status, latency);
        let access = Access { method: &method, route: route.unwrap_or("(unmatched)"), status, latency };
        match response.extensions_mut().remove::<AuditFacts>() {
            Some(facts) => {
                audit::write_line(&state.metrics, &facts, response.extensions().get::<RefusalReason>(), &access)
            }
            None => access::write_line(&access),
        }
        response.headers_mut().insert(REQUEST_ID.clone(), request_id);
        response
    }
    .instrument(span)
    .await
}

/// A client's id is kept only if it is short and plain, so it cannot inject into logs.
fn is_sane_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

/// Unique within the process and unpredictable across processes: a random prefix chosen once,
/// then a counter (no system call per request).
fn new_request_id() -> HeaderValue {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 6];
        let _ = getrandom::fill(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{prefix}-{n:x}")).expect("hex and a hyphen form a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_plain() {
        assert!(is_sane_request_id(b"abc-123_X.y:z"));
        assert!(!is_sane_request_id(b""));
        assert!(!is_sane_request_id(b"a b"));
        assert!(!is_sane_request_id(b"x\"}{"));
        assert!(!is_sane_request_id(&[b'a'; 65]));
    }

    #[test]
    fn generated_ids_differ() {
        assert_ne!(new_request_id(), new_request_id());
    }
}
