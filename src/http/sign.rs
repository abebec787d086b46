//! `POST /signature` (and `POST /`, as Zoom's Node sample serves it).

use crate::access::policy::Caller;
use crate::http::error::{ApiError, BODY};
use crate::http::reply::JsonObject;
use crate::http::request;
use crate::http::state::{AppState, Secrets};
use crate::observability::audit::SignatureFacts;
use crate::observability::metrics::SignatureKind;
use crate::signature::{Format, SignError};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A signature request is a few dozen bytes; anything near this is not one.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

/// The reply: `{"signature", "sdkKey", "meetingNumber", "role", "expiresAt"}`, as Zoom's Node
/// sample answers (plus `expiresAt`); the last three only for a meeting.
pub struct SignatureReply<'a> {
    pub signature: String,
    pub sdk_key: &'a str,
    pub meeting_number: Option<&'a str>,
    pub role: Option<u8>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
}

impl IntoResponse for SignatureReply<'_> {
    fn into_response(self) -> Response {
        let mut object = JsonObject::with_capacity(self.signature.len() + self.sdk_key.len() + 96);
        object.token("signature", &self.signature).string("sdkKey", self.sdk_key);
        if let Some(number) = self.meeting_number {
            object.string("meetingNumber", number);
        }
        if let Some(role) = self.role {
            object.number("role", role.into());
        }
        if let Some(expires_at) = self.expires_at {
            object.number("expiresAt", expires_at);
        }
        object.into_response()
    }
}

/// Runs behind the signing guards ([`crate::http::guard`]), which the route table puts on it.
pub async fn create(State(state): State<AppState>, request: Request) -> Response {
    let mut facts = SignatureFacts::default();
    let outcome = issue(&state, request, &mut facts).await;
    with_facts(outcome, facts)
}

/// The handler's answer, carrying what it learnt for the audit line.
pub(crate) fn with_facts(outcome: Result<impl IntoResponse, ApiError>, facts: SignatureFacts) -> Response {
    let mut response = outcome.into_response();
    response.extensions_mut().insert(facts);
    response
}

async fn issue(state: &AppState, request: Request, facts: &mut SignatureFacts) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let request = Authenticated::read(state, &parts.headers, body).await?;
    let secrets = request.secrets;
    let claims = request::decode(&request.body, state.max_lifetime).map_err(ApiError::Invalid)?;
    facts.record(&claims);
    secrets.policy.authorize(request.caller, &claims, request.authorization_given)?;
    let signature = secrets.signer.sign(&claims, state.clock.now())?;
    facts.kind =
        Some(if secrets.signer.format() == Format::Legacy { SignatureKind::Legacy } else { SignatureKind::Jwt });
    let expires_at = signature.expires_at;
    let target = claims.meeting.as_ref();
    let reply = SignatureReply {
        signature: signature.into_string(),
        sdk_key: secrets.signer.sdk_key(),
        expires_at: target.is_some().then_some(expires_at),
        meeting_number: target.map(|t| t.number.as_str()),
        role: target.map(|t| t.role.as_number()),
    };
    Ok(reply.into_response())
}

/// A request body, read only after the caller's token (if the policy needs one) checked out.
pub(crate) struct Authenticated {
    pub secrets: Arc<Secrets>,
    pub caller: Caller,
    pub authorization_given: bool,
    pub body: Bytes,
}

impl Authenticated {
    pub async fn read(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Self, ApiError> {
        // Credentials first: a caller without them learns nothing about what else is wrong.
        let secrets = state.secrets();
        let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let caller = secrets.policy.authenticate(authorization)?;
        require_json(headers)?;
        let body = read_body(headers, body).await?;
        Ok(Self { secrets, caller, authorization_given: authorization.is_some(), body })
    }
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    // The media type before any parameters (`; charset=utf-8`), as bytes: a header value need not
    // be text, and this runs on every request.
    let essence = headers.get(CONTENT_TYPE).map(|v| v.as_bytes().split(|&b| b == b';').next().unwrap_or_default());
    match essence {
        Some(mime) if mime.trim_ascii().eq_ignore_ascii_case(b"application/json") => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES };
    // Refuse an announced oversize body without reading any of it.
    let announced = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large);
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) {
            too_large
        } else {
            ApiError::invalid(BODY, "the body could not be read to its end; send it again")
        }
    })
}

impl From<SignError> for ApiError {
    fn from(error: SignError) -> Self {
        let property = match error {
            SignError::LegacyNeedsMeeting => "meetingNumber",
            SignError::LegacyUnsupported(field) => field,
        };
        ApiError::invalid(property, error.to_string())
    }
}
