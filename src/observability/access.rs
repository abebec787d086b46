//! The access line: one per request (method, route, status, latency), written once it is
//! answered; a request on a signing route gets the audit line instead, which carries the same
//! fields ([`crate::observability::audit`]). Never a body, header value, query string or
//! signature: the route is the matched pattern, not the path that was sent.

use axum::http::Method;
use std::time::Duration;

/// The access line's fields, which the audit line carries too.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    pub method: &'a Method,
    /// The matched route pattern, or `(unmatched)`.
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
}

impl Access<'_> {
    pub fn latency_us(&self) -> u64 {
        u64::try_from(self.latency.as_micros()).unwrap_or(u64::MAX)
    }
}

/// Writes the access line.
pub fn write_line(access: &Access) {
    tracing::info!(
        target: "zoom_signer::access",
        method = %access.method,
        route = access.route,
        status = access.status,
        latency_us = access.latency_us(),
        "request"
    );
}
