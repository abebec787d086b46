//! The audit line: one for every signature issued and every request refused on the signing
//! routes, with client address, meeting number (or session), role, outcome and reason. Never a
//! token or a signature.
//!
//! It is that request's one log line: it carries the access line's fields too (method, route,
//! status, latency), and the access log writes it in place of the access line ([`write_line`]).

use crate::access::ClientIp;
use crate::http::error::RefusalReason;
use crate::http::state::AppState;
use crate::signature::{Claims, MeetingNumber, Role, VideoClaims};
use axum::http::Method;
use axum::response::Response;
use std::time::Duration;

/// What the guards and the handler learnt of a signing request, for the audit line.
#[derive(Debug, Clone)]
pub struct AuditFacts {
    pub client: ClientIp,
    pub meeting: Option<MeetingNumber>,
    pub role: Option<Role>,
    /// Which kind of signature was made (`jwt`, `legacy`, `video`), once one is.
    pub kind: Option<&'static str>,
    /// The Video SDK session, for video requests.
    pub session: Option<String>,
}

impl AuditFacts {
    pub fn new(client: ClientIp) -> Self {
        Self { client, meeting: None, role: None, kind: None, session: None }
    }

    pub fn record_video(&mut self, claims: &VideoClaims) {
        self.session = Some(claims.session.as_str().chars().take(64).collect());
        self.role = Some(claims.role);
    }

    pub fn record(&mut self, claims: &Claims) {
        if let Some(target) = &claims.meeting {
            self.meeting = Some(target.number.clone());
            self.role = Some(target.role);
        }
    }

    /// Hands the facts to the access log, which writes the request's line once it is answered.
    pub fn attach(self, response: &mut Response) {
        response.extensions_mut().insert(self);
    }
}

/// The access line's fields, which the audit line carries too.
pub struct Access<'a> {
    pub method: &'a Method,
    pub route: &'a str,
    pub latency: Duration,
}

/// Writes the audit line (and counts the signature or refusal in the metrics).
pub fn write_line(state: &AppState, facts: &AuditFacts, response: &Response, access: &Access) {
    let client = facts.client;
    let meeting = facts.meeting.as_ref().map_or("-", MeetingNumber::as_str);
    let role_text = facts.role.map_or("-", |r| if r == Role::Host { "1" } else { "0" });
    let session = facts.session.as_deref().unwrap_or("-");
    let status = response.status().as_u16();
    let (method, route) = (access.method, access.route);
    let latency_us = u64::try_from(access.latency.as_micros()).unwrap_or(u64::MAX);
    match response.extensions().get::<RefusalReason>() {
        None if response.status().is_success() => {
            if let Some(kind) = facts.kind {
                state.metrics.record_issued(facts.role, kind);
            }
            tracing::info!(
                target: "zoom_signer::audit",
                method = %method, route, status, latency_us,
                client = %client, meeting, session, role = role_text, outcome = "issued",
                "signature issued"
            );
        }
        refusal => {
            let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
            state.metrics.record_refusal(code);
            tracing::warn!(
                target: "zoom_signer::audit",
                method = %method, route, status, latency_us,
                client = %client, meeting, session, role = role_text, outcome = "refused", code, reason = ?reason,
                "signature refused"
            );
        }
    }
}
