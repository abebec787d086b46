//! `POST /signature` (and `POST /`, as Zoom's Node sample serves it).

use crate::access::HostClaim;
use crate::http::body::Authenticated;
use crate::http::decode::{self, MeetingRequest};
use crate::http::error::ApiError;
use crate::http::guard::with_facts;
use crate::http::login::{self, Login, Session};
use crate::http::reply::JsonObject;
use crate::http::state::{AppState, Secrets};
use crate::observability::audit::SignatureFacts;
use crate::observability::metrics::SignatureKind;
use crate::signature::{Format, SignError};
use crate::zoom::UserTokenKind;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};

/// The reply: `{"signature", "sdkKey", "meetingNumber", "role", "expiresAt"}`, as Zoom's Node
/// sample answers (plus `expiresAt`); the last three only for a meeting.
pub struct SignatureReply<'a> {
    pub signature: String,
    pub sdk_key: &'a str,
    pub meeting_number: Option<&'a str>,
    pub role: Option<u8>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    /// `zak` or `obfToken`, with the token, when `userToken` asked for one.
    pub user_token: Option<(&'static str, SecretString)>,
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
        if let Some((key, token)) = &self.user_token {
            // A token from Zoom, not ours: written with escapes if it ever needs any.
            object.string(key, token.expose_secret());
        }
        object.into_response()
    }
}

/// Runs behind the signing guards ([`crate::http::guard`]), which the route table puts on it.
pub async fn create(State(state): State<AppState>, request: Request) -> Response {
    let mut facts = SignatureFacts::default();
    let outcome = issue(&state, request, &mut facts).await;
    let login_ended = matches!(outcome, Err(ApiError::LoginEnded));
    let mut response = with_facts(outcome, facts);
    if login_ended && let Some(login) = &state.secrets().login {
        // Zoom no longer accepts the session's token: the cookie goes too.
        response.headers_mut().append(SET_COOKIE, login.clear_session());
    }
    response
}

async fn issue(state: &AppState, request: Request, facts: &mut SignatureFacts) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let request = Authenticated::read(state, &parts.headers, body).await?;
    let secrets = request.secrets;
    let MeetingRequest { claims, user_token } =
        decode::meeting(&request.body, state.max_lifetime).map_err(ApiError::Invalid)?;
    facts.record(&claims);
    let logged_in = match user_token {
        None => None,
        Some(kind) => {
            let (login, session) = logged_in(state, &secrets, &parts.headers)?;
            facts.user_token = Some((kind, Some(session.user_id.clone())));
            Some((kind, login, session))
        }
    };
    let host_claim = if user_token == Some(UserTokenKind::Zak) { HostClaim::OwnZak } else { HostClaim::TokenOnly };
    secrets.policy.authorize(request.caller, &claims, host_claim)?;
    let user_token = match logged_in {
        None => None,
        Some((kind, login, session)) => {
            let key = if kind == UserTokenKind::Zak { "zak" } else { "obfToken" };
            Some((key, login::user_token(&state.metrics, login, &session, kind, &claims).await?))
        }
    };
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
        user_token,
    };
    Ok(reply.into_response())
}

/// The login and signed-in session a `userToken` needs.
fn logged_in<'a>(
    state: &AppState,
    secrets: &'a Secrets,
    headers: &HeaderMap,
) -> Result<(&'a Login, Session), ApiError> {
    let Some(login) = &secrets.login else {
        return Err(ApiError::invalid(
            "userToken",
            "this server does not offer sign-in with Zoom (SIGNER_ZOOM_SIGN_IN is off), so it has no ZAK or OBF \
             token to give; leave userToken out",
        ));
    };
    let session = login.session(headers, state.unix_now()).ok_or(ApiError::LoginRequired)?;
    Ok((login, session))
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
