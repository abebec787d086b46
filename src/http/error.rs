//! The one error type of the HTTP layer, and its one mapping to a response.
//!
//! Every error reply has the shape `{"errors": [{"property": …, "reason": …}]}` (the shape Zoom's
//! Node sample uses for validation errors), so a client needs one code path for all of them.

use crate::access::Refusal;
use crate::observability::audit::RefusalReason;
use crate::zoom::ZoomError;
use crate::zoom::webhook::Unauthenticated;
use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;

/// `property` for a problem that is not about one field.
pub const BODY: &str = "$body";
pub const REQUEST: &str = "$request";

/// One thing wrong with a request, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub property: String,
    pub reason: String,
}

impl Problem {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { property: property.into(), reason: reason.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad values or malformed JSON: every problem found, at once.
    #[error("invalid request")]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Refused(Refusal),
    #[error("origin not allowed")]
    OriginForbidden,
    #[error("rate limited")]
    TooManyRequests { retry_after: Duration },
    /// Over `limit` bytes; `what` says what the route takes instead.
    #[error("body too large")]
    PayloadTooLarge { limit: usize, what: &'static str },
    #[error("not JSON")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("no such path")]
    NotFound,
    #[error("request timed out")]
    RequestTimeout,
    #[error("Video SDK signatures are not enabled")]
    VideoDisabled,
    /// The app was served without recording each connection's peer (`zoom_signer::serve` does).
    #[error("no client address")]
    NoClientAddress,
    #[error("sign-in with Zoom is off")]
    LoginOff,
    /// A ZAK or OBF token was asked for without a signed-in session.
    #[error("not signed in")]
    LoginRequired,
    /// Zoom says the session's access token is no longer valid.
    #[error("the Zoom sign-in has ended")]
    LoginEnded,
    /// Role 1 with the person's ZAK, but Zoom says they do not host the meeting.
    #[error("not the meeting's host")]
    NotMeetingHost { logged_in_as: String },
    /// `return` on `/auth/zoom/start` is not a path on this service.
    #[error("bad return path")]
    BadReturnPath,
    /// `POST /webhooks/zoom` without `SIGNER_ZOOM_WEBHOOK_SECRET`.
    #[error("Zoom's webhooks are off")]
    WebhooksOff,
    /// A delivery to `POST /webhooks/zoom` that is not Zoom's, or not fresh: why, for the audit
    /// line and the metrics only; the reply is the same whatever the reason.
    #[error("not an authentic Zoom webhook: {0}")]
    WebhookUnauthenticated(Unauthenticated),
    /// A call to Zoom failed; `during` says which ("fetching the ZAK").
    #[error("Zoom failed while {during}: {error}")]
    Zoom { during: &'static str, error: ZoomError },
}

impl ApiError {
    pub fn invalid(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![Problem::new(property, reason)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Refused(refusal) if refusal.is_unauthenticated() => StatusCode::UNAUTHORIZED,
            Self::Refused(_) | Self::OriginForbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound | Self::VideoDisabled => StatusCode::NOT_FOUND,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NoClientAddress => StatusCode::INTERNAL_SERVER_ERROR,
            Self::LoginOff => StatusCode::NOT_FOUND,
            Self::LoginRequired | Self::LoginEnded => StatusCode::UNAUTHORIZED,
            Self::NotMeetingHost { .. } => StatusCode::FORBIDDEN,
            Self::BadReturnPath => StatusCode::BAD_REQUEST,
            Self::WebhooksOff => StatusCode::NOT_FOUND,
            Self::WebhookUnauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Zoom { error: ZoomError::Timeout { .. }, .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Zoom { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    /// A stable label for audit lines and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid",
            Self::Refused(refusal) => refusal.code(),
            Self::OriginForbidden => "origin_forbidden",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotFound => "not_found",
            Self::RequestTimeout => "request_timeout",
            Self::VideoDisabled => "video_disabled",
            Self::NoClientAddress => "no_client_address",
            Self::LoginOff => "sign_in_off",
            Self::LoginRequired => "sign_in_required",
            Self::LoginEnded => "sign_in_ended",
            Self::NotMeetingHost { .. } => "not_meeting_host",
            Self::BadReturnPath => "bad_return_path",
            Self::WebhooksOff => "webhooks_off",
            Self::WebhookUnauthenticated(why) => why.code(),
            Self::Zoom { .. } => "zoom_failed",
        }
    }

    fn problems(self) -> Vec<Problem> {
        let request = |reason: &str| vec![Problem::new(REQUEST, reason)];
        match self {
            Self::Invalid(problems) => problems,
            Self::Refused(refusal) => vec![Problem::new(refusal.property(), refusal.to_string())],
            Self::OriginForbidden => request(
                "pages on this origin may not ask for signatures; the operator can list it in SIGNER_ALLOWED_ORIGINS",
            ),
            Self::TooManyRequests { retry_after } => vec![Problem::new(
                REQUEST,
                format!("too many requests from this address; try again in {} s", retry_seconds(retry_after)),
            )],
            Self::PayloadTooLarge { limit, what } => {
                vec![Problem::new(BODY, format!("the body must be at most {limit} bytes; {what}"))]
            }
            Self::UnsupportedMediaType => {
                request("send the body as JSON with the header `Content-Type: application/json`")
            }
            Self::MethodNotAllowed => {
                request("this path does not take that method; the `Allow` header lists the ones it takes")
            }
            Self::NotFound => request(not_found_reason()),
            Self::RequestTimeout => request("the request took too long to arrive; send it again"),
            Self::VideoDisabled => request(
                "Video SDK signatures are not enabled on this server; its operator can enable them by setting \
                 ZOOM_VIDEO_SDK_KEY and ZOOM_VIDEO_SDK_SECRET",
            ),
            Self::NoClientAddress => request(
                "the server did not record the client's address; serve the app with zoom_signer::serve, or \
                 axum's into_make_service_with_connect_info::<SocketAddr>()",
            ),
            Self::LoginOff => request(
                "sign-in with Zoom is not enabled on this server; its operator can enable it with SIGNER_ZOOM_SIGN_IN=on",
            ),
            Self::LoginRequired => vec![Problem::new(
                "userToken",
                "a ZAK or OBF token needs you signed in with Zoom: sign in at /auth/zoom/start (the page's \
                 \"Sign in with Zoom\" button), then ask again",
            )],
            Self::LoginEnded => vec![Problem::new(
                "userToken",
                "your Zoom sign-in has ended (Zoom no longer accepts its token); sign in again at /auth/zoom/start",
            )],
            Self::NotMeetingHost { logged_in_as } => vec![Problem::new(
                "role",
                format!(
                    "only this meeting's host can start it; you are signed in with Zoom as {logged_in_as}, who does \
                     not host it. Join as a participant (role 0), or sign in with the host's Zoom account"
                ),
            )],
            Self::BadReturnPath => vec![Problem::new(
                "return",
                "must be a path on this service, such as /zoom/?mn=123456789 (no scheme, no host, no //)",
            )],
            Self::WebhooksOff => request(
                "Zoom's webhooks are not enabled on this server; its operator can enable them by setting \
                 SIGNER_ZOOM_WEBHOOK_SECRET to the Zoom app's Secret Token",
            ),
            // One reason whatever failed: a sender probing the endpoint learns nothing.
            Self::WebhookUnauthenticated(_) => request(
                "not a webhook from Zoom for this app: x-zm-request-timestamp and x-zm-signature must \
                 authenticate the body with the app's Secret Token, within 5 minutes of its timestamp",
            ),
            Self::Zoom { during, error: ZoomError::MissingScope { scope, .. } } => request(&format!(
                "Zoom refused {during}: the Zoom app lacks the scope {scope}; its operator must add {scope} \
                 to the app in the Zoom App Marketplace"
            )),
            Self::Zoom { during, error } => request(&format!("Zoom failed while {during}: {error}")),
        }
    }
}

/// The challenge of a 401 to a webhook delivery (RFC 9110, 11.6.1): Zoom's HMAC headers are the
/// credentials.
pub const WEBHOOK_CHALLENGE: &str = r#"ZoomWebhook realm="zoom-signer""#;

/// What a request for an unknown path is told: the paths there are, from the route table.
fn not_found_reason() -> &'static str {
    static REASON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    REASON.get_or_init(|| {
        let paths = crate::http::paths().join(", ");
        format!("no such path; the service answers on {paths} (GET /openapi.json describes them)")
    })
}

/// Whole seconds, rounded up, and at least 1: `Retry-After: 0` would invite an instant retry.
pub fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.as_secs() == 0))
}

#[derive(Serialize)]
struct ErrorBody {
    errors: Vec<Problem>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let extra_header = match &self {
            // Zoom's webhooks are authenticated by their HMAC, not a bearer token.
            Self::WebhookUnauthenticated(_) => Some((WWW_AUTHENTICATE, HeaderValue::from_static(WEBHOOK_CHALLENGE))),
            // Every 401 carries a challenge (RFC 9110, 15.5.2), as the document says: the signing
            // routes take bearer tokens, also when what is missing is a signed-in session.
            _ if status == StatusCode::UNAUTHORIZED => {
                Some((WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="zoom-signer""#)))
            }
            Self::TooManyRequests { retry_after } => {
                Some((RETRY_AFTER, HeaderValue::from(retry_seconds(*retry_after))))
            }
            _ => None,
        };
        // The audit line says why a webhook was refused; its reply does not.
        let audit_reason = match &self {
            Self::WebhookUnauthenticated(why) => Some(why.to_string()),
            _ => None,
        };
        let problems = self.problems();
        let reason =
            audit_reason.unwrap_or_else(|| problems.iter().map(|p| p.reason.as_str()).collect::<Vec<_>>().join("; "));
        let mut response = (status, Json(ErrorBody { errors: problems })).into_response();
        if let Some((name, value)) = extra_header {
            response.headers_mut().insert(name, value);
        }
        response.extensions_mut().insert(RefusalReason { code, reason });
        response
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_seconds(Duration::ZERO), 1);
        assert_eq!(retry_seconds(Duration::from_millis(2000)), 2);
        assert_eq!(retry_seconds(Duration::from_millis(2001)), 3);
    }
}
