//! The audit line: one for every signature issued and every request refused on the signing
//! routes, with client address, meeting number (or session), role, outcome and reason; one for
//! each sign-in and sign-out; one for every delivery of Zoom's webhooks, with its event (and, for
//! a deauthorization, the Zoom account and user) or why it was refused. Never a token, a
//! signature or a secret.
//!
//! It is that request's one log line: it carries the access line's fields too (method, route,
//! status, latency), and is written in place of the access line ([`write_line`]).

use crate::access::ClientIp;
use crate::observability::access::Access;
use crate::observability::metrics::{Metrics, SignatureKind};
use crate::signature::{Claims, MeetingNumber, Role, VideoClaims};
use crate::zoom::{UserTokenKind, WebhookEventKind};

/// What a signing handler learnt of its request: put on its response, for the audit line.
#[derive(Debug, Clone, Default)]
pub struct SignatureFacts {
    pub meeting: Option<MeetingNumber>,
    pub role: Option<Role>,
    /// Which kind of signature was made, once one is.
    pub kind: Option<SignatureKind>,
    /// The Video SDK session, for video requests.
    pub session: Option<String>,
    /// The ZAK or OBF token asked for (`userToken`), and the signed-in Zoom user it was for.
    pub user_token: Option<(UserTokenKind, Option<String>)>,
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

/// What an audited request was about.
#[derive(Debug, Clone)]
pub enum Action {
    /// A signature request: what the handler learnt (nothing, when a guard refused it first).
    Signature(SignatureFacts),
    /// The end of a login with Zoom (its callback): the Zoom user, once known.
    Login { user: Option<String> },
    /// Signing out of Zoom: the Zoom user, if one was signed in.
    Logout { user: Option<String> },
    /// A delivery of Zoom's webhooks: what the handler learnt (nothing, when refused first).
    Webhook(WebhookFacts),
}

/// What the webhook handler learnt of a delivery: its event, once authenticated and read; for a
/// deauthorization, who removed the app (Zoom's account and user ids).
#[derive(Debug, Clone, Default)]
pub struct WebhookFacts {
    pub event: Option<WebhookEventKind>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
}

/// An audited request's entry: who asked, and about what.
#[derive(Debug, Clone)]
pub struct AuditFacts {
    pub client: ClientIp,
    pub action: Action,
}

/// Why a request was refused: put on error responses so the audit line can say why without
/// parsing the body.
#[derive(Debug, Clone)]
pub struct RefusalReason {
    pub code: &'static str,
    pub reason: String,
}

/// Writes the audit line, and counts the signature, sign-in or refusal in `metrics`.
pub fn write_line(metrics: &Metrics, facts: &AuditFacts, refusal: Option<&RefusalReason>, access: &Access) {
    let refused = refusal.is_some() || !(200..400).contains(&access.status);
    match &facts.action {
        Action::Signature(signature) => signature_line(metrics, facts.client, signature, refusal, access),
        Action::Login { user } => {
            let user = user.as_deref().unwrap_or("-");
            let code = refusal.map_or("signed_in", |r| r.code);
            metrics.record_login(code);
            let Access { method, route, status, .. } = *access;
            let (latency_us, client) = (access.latency_us(), facts.client);
            if refused {
                let reason = refusal.map_or("", |r| r.reason.as_str());
                tracing::warn!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                    client = %client, user, outcome = "refused", code, reason = ?reason, "sign-in refused");
            } else {
                tracing::info!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                    client = %client, user, outcome = "signed_in", "signed in with Zoom");
            }
        }
        Action::Webhook(webhook) => webhook_line(metrics, facts.client, webhook, refusal, access),
        Action::Logout { user } => {
            let user = user.as_deref().unwrap_or("-");
            let Access { method, route, status, .. } = *access;
            let (latency_us, client) = (access.latency_us(), facts.client);
            if refused {
                let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
                metrics.record_refusal(code);
                tracing::warn!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                    client = %client, user, outcome = "refused", code, reason = ?reason, "sign-out refused");
            } else {
                tracing::info!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                    client = %client, user, outcome = "signed_out", "signed out");
            }
        }
    }
}

fn webhook_line(
    metrics: &Metrics,
    client: ClientIp,
    webhook: &WebhookFacts,
    refusal: Option<&RefusalReason>,
    access: &Access,
) {
    let Access { method, route, status, .. } = *access;
    let latency_us = access.latency_us();
    let account = webhook.account_id.as_deref().unwrap_or("-");
    let user = webhook.user_id.as_deref().unwrap_or("-");
    match (refusal, webhook.event) {
        (None, Some(event)) if (200..300).contains(&status) => {
            metrics.record_webhook_event(event);
            let message = match event {
                WebhookEventKind::AppDeauthorized => {
                    "Zoom app deauthorized: this service stores no user data, so there is nothing to delete"
                }
                WebhookEventKind::UrlValidation => "answered Zoom's validation of the webhook endpoint",
                WebhookEventKind::Other => "Zoom webhook received",
            };
            tracing::info!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                client = %client, event = event.as_str(), account, user, outcome = "received", "{message}");
        }
        (refusal, _) => {
            let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
            metrics.record_refusal(code);
            tracing::warn!(target: "zoom_signer::audit", method = %method, route, status, latency_us,
                client = %client, outcome = "refused", code, reason = ?reason, "Zoom webhook refused");
        }
    }
}

fn signature_line(
    metrics: &Metrics,
    client: ClientIp,
    signature: &SignatureFacts,
    refusal: Option<&RefusalReason>,
    access: &Access,
) {
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
            match &signature.user_token {
                None => tracing::info!(
                    target: "zoom_signer::audit",
                    method = %method, route, status, latency_us,
                    client = %client, meeting, session, role = role_text, outcome = "issued",
                    "signature issued"
                ),
                Some((kind, user)) => {
                    metrics.record_user_token(*kind);
                    tracing::info!(
                        target: "zoom_signer::audit",
                        method = %method, route, status, latency_us,
                        client = %client, meeting, session, role = role_text, outcome = "issued",
                        user_token = kind.as_str(), user = user.as_deref().unwrap_or("-"),
                        "signature issued"
                    );
                }
            }
        }
        refusal => {
            let (code, reason) = refusal.map_or(("unknown", ""), |r| (r.code, r.reason.as_str()));
            metrics.record_refusal(code);
            match &signature.user_token {
                None => tracing::warn!(
                    target: "zoom_signer::audit",
                    method = %method, route, status, latency_us,
                    client = %client, meeting, session, role = role_text, outcome = "refused", code, reason = ?reason,
                    "signature refused"
                ),
                Some((kind, user)) => tracing::warn!(
                    target: "zoom_signer::audit",
                    method = %method, route, status, latency_us,
                    client = %client, meeting, session, role = role_text, outcome = "refused", code, reason = ?reason,
                    user_token = kind.as_str(), user = user.as_deref().unwrap_or("-"),
                    "signature refused"
                ),
            }
        }
    }
}
