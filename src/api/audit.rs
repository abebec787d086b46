//! One audit line for every signature issued and every request refused on the signing routes:
//! client address, meeting number, role, outcome and reason. Never a token or a signature.

use crate::access::ClientIp;
use crate::api::error::RefusalReason;
use crate::signature::{Claims, MeetingNumber, Role, VideoClaims};
use crate::state::AppState;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr};

/// What the handler learnt of the request, for the audit line.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    pub meeting: Option<MeetingNumber>,
    pub role: Option<Role>,
    /// Which kind of signature was made (`jwt`, `legacy`, `video`), once one is.
    pub kind: Option<&'static str>,
    /// The Video SDK session, for video requests.
    pub session: Option<String>,
}

impl AuditFacts {
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
}

/// Answers with `issue`'s result, carrying what it learnt for the audit line.
pub async fn with_facts<T: IntoResponse>(
    issue: impl AsyncFnOnce(&mut AuditFacts) -> Result<T, crate::api::error::ApiError>,
) -> Response {
    let mut facts = AuditFacts::default();
    let mut response = issue(&mut facts).await.into_response();
    response.extensions_mut().insert(facts);
    response
}

/// Decides who the client is (for the rate limit, too) and records it on the request.
pub fn identify(state: &AppState, request: &mut Request) -> ClientIp {
    // In-process requests (tests) have no peer; they count as one unspecified client.
    let peer = crate::server::peer(request.extensions()).map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let client = state.trusted_proxies.client(peer, request.headers());
    request.extensions_mut().insert(client);
    client
}

/// Writes the audit line (and the signature metrics) once the response is known.
pub fn write_line(state: &AppState, client: ClientIp, response: &Response) {
    let facts = response.extensions().get::<AuditFacts>();
    let meeting = facts.and_then(|f| f.meeting.as_ref()).map_or("-", MeetingNumber::as_str);
    let role = facts.and_then(|f| f.role);
    let role_text = role.map_or("-", |r| if r == Role::Host { "1" } else { "0" });
    let session = facts.and_then(|f| f.session.as_deref()).unwrap_or("-");
    let status = response.status().as_u16();
    match response.extensions().get::<RefusalReason>() {
        None if response.status().is_success() => {
            if let Some(kind) = facts.and_then(|f| f.kind) {
                state.metrics.record_issued(role, kind);
            }
            tracing::info!(target: "zoom_signer::audit", client = %client, meeting, session, role = role_text, status, outcome = "issued", "signature issued");
        }
        refusal => {
            let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
            state.metrics.record_refusal(code);
            tracing::warn!(target: "zoom_signer::audit", client = %client, meeting, session, role = role_text, status, outcome = "refused", code, reason = ?reason, "signature refused");
        }
    }
}
