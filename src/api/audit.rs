//! One audit line for every signature issued and every request refused on the signing routes:
//! client address, meeting number, role, outcome and reason. Never a token or a signature.

use crate::api::error::RefusalReason;
use crate::signature::{Claims, Format, MeetingNumber, Role};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr};

/// What the handler learnt of the request, for the audit line.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    pub meeting: Option<MeetingNumber>,
    pub role: Option<Role>,
    /// Set once a signature is made.
    pub format: Option<Format>,
}

impl AuditFacts {
    pub fn record(&mut self, claims: &Claims) {
        if let Some(target) = &claims.meeting {
            self.meeting = Some(target.number.clone());
            self.role = Some(target.role);
        }
    }
}

/// Outermost layer of the signing routes: decides who the client is (for the rate limit, too)
/// and writes the audit line once the response is known.
pub async fn audit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // In-process requests (tests) have no peer; they count as one unspecified client.
    let peer = crate::server::peer(request.extensions())
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let client = state.trusted_proxies.client(peer, request.headers());
    request.extensions_mut().insert(client);
    let preflight = request.method() == Method::OPTIONS;
    let response = next.run(request).await;
    if preflight {
        return response;
    }

    let facts = response
        .extensions()
        .get::<AuditFacts>()
        .cloned()
        .unwrap_or_default();
    let meeting = facts.meeting.as_ref().map_or("-", MeetingNumber::as_str);
    let role = facts
        .role
        .map_or("-", |r| if r == Role::Host { "1" } else { "0" });
    let status = response.status().as_u16();
    match response.extensions().get::<RefusalReason>() {
        None if response.status().is_success() => {
            if let Some(format) = facts.format {
                state.metrics.record_issued(facts.role, format);
            }
            tracing::info!(target: "zoom_signer::audit", client = %client, meeting, role, status, outcome = "issued", "signature issued");
        }
        refusal => {
            let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
            state.metrics.record_refusal(code);
            tracing::warn!(target: "zoom_signer::audit", client = %client, meeting, role, status, outcome = "refused", code, reason = ?reason, "signature refused");
        }
    }
    response
}
