//! `POST /signature` (and `POST /`, as Zoom's Node sample serves it).

use crate::http::body::Authenticated;
use crate::http::decode;
use crate::http::error::ApiError;
use crate::http::guard::with_facts;
use crate::http::reply::JsonObject;
use crate::http::state::AppState;
use crate::observability::audit::SignatureFacts;
use crate::observability::metrics::SignatureKind;
use crate::signature::{Format, SignError};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

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

async fn issue(state: &AppState, request: Request, facts: &mut SignatureFacts) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let request = Authenticated::read(state, &parts.headers, body).await?;
    let secrets = request.secrets;
    let claims = decode::meeting(&request.body, state.max_lifetime).map_err(ApiError::Invalid)?;
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

impl From<SignError> for ApiError {
    fn from(error: SignError) -> Self {
        let property = match error {
            SignError::LegacyNeedsMeeting => "meetingNumber",
            SignError::LegacyUnsupported(field) => field,
        };
        ApiError::invalid(property, error.to_string())
    }
}
