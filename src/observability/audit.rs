//! The audit line: one for every signature issued and every request refused on the signing
//! routes, with client address, meeting number (or session), role, outcome and reason. Never a
//! token or a signature.
//!
//! It is that request's one log line: it carries the access line's fields too (method, route,
//! status, latency), and is written in place of the access line ([`write_line`]).

use crate::access::ClientIp;
use crate::observability::access::Access;
use crate::observability::metrics::{Metrics, SignatureKind};
use crate::signature::{Claims, MeetingNumber, Role, VideoClaims};

/// What a signing handler learnt of its request: put on its response, for the audit line.
#[derive(Debug, Clone, Default)]
pub struct SignatureFacts {
    pub meeting: Option<MeetingNumber>,
    pub role: Option<Role>,
    /// Which kind of signature was made, once one is.
    pub kind: Option<SignatureKind>,
    /// The Video SDK session, for video requests.
    pub session: Option<String>,
}

impl SignatureFacts {
    pub fn record(&mut self, claims: &Claims) {
        if let Some(target) = &claims.meeting {
            self.meeting = Some(target.number.clone());
            self.role = Some(target.role);
        }
    }

    pub fn record_video(&mut self, claims: &VideoClaims) {
        self.session = Some(claims.session.as_str().chars().take(64).collect());
        self.role = Some(claims.role);
    }
}

/// A signing request's audit entry: who asked, and what the handler learnt (nothing, when a guard
/// refused the request before it reached the handler).
#[derive(Debug, Clone)]
pub struct AuditFacts {
    pub client: ClientIp,
    pub signature: SignatureFacts,
}

/// Why a request was refused: put on error responses so the audit line can say why without
/// parsing the body.
#[derive(Debug, Clone)]
pub struct RefusalReason {
    pub code: &'static str,
    pub reason: String,
}

/// Writes the audit line, and counts the signature or the refusal in `metrics`.
pub fn write_line(metrics: &Metrics, facts: &AuditFacts, refusal: Option<&RefusalReason>, access: &Access) {
    let client = facts.client;
    let signature = &facts.signature;
    let meeting = signature.meeting.as_ref().map_or("-", MeetingNumber::as_str);
    let role_text = signature.role.map_or("-", |r| if r == Role::Host { "1" } else { "0" });
    let session = signature.session.as_deref().unwrap_or("-");
    let Access { method, route, status, .. } = *access;
    let latency_us = access.latency_us();
    match refusal {
        None if (200..300).contains(&status) => {
            if let Some(kind) = signature.kind {
                metrics.record_issued(signature.role, kind);
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
            metrics.record_refusal(code);
            tracing::warn!(
                target: "zoom_signer::audit",
                method = %method, route, status, latency_us,
                client = %client, meeting, session, role = role_text, outcome = "refused", code, reason = ?reason,
                "signature refused"
            );
        }
    }
}
