//! `POST /signature` (and `POST /`, as Zoom's Node sample serves it).

use crate::http::auth;
use crate::http::body::Authenticated;
use crate::http::decode::{self, MeetingRequest, UserToken};
use crate::http::error::ApiError;
use crate::http::guard::with_facts;
use crate::http::reply::JsonObject;
use crate::http::session::{SESSION_COOKIE, Session, SignIn};
use crate::http::state::AppState;
use crate::observability::audit::SignatureFacts;
use crate::observability::metrics;
use crate::observability::metrics::SignatureKind;
use crate::signature::Claims;
use crate::signature::{Format, SignError};
use crate::zoom::{UserTokenKind, ZoomError};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
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
    // With sign-in on, the cookies, to clear the session if Zoom says it has ended.
    let cookies = state.sign_in.as_ref().map(|_| request.headers().clone());
    let outcome = issue(&state, request, &mut facts).await;
    if let (Err(ApiError::SignInEnded), Some(sign_in), Some(cookies)) = (&outcome, &state.sign_in, cookies) {
        let jar = sign_in.jar(&cookies).remove(sign_in.removal(SESSION_COOKIE));
        return with_facts(Ok::<_, ApiError>((jar, ApiError::SignInEnded)), facts);
    }
    with_facts(outcome, facts)
}

async fn issue(state: &AppState, request: Request, facts: &mut SignatureFacts) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let request = Authenticated::read(state, &parts.headers, body).await?;
    let secrets = request.secrets;
    let MeetingRequest { claims, user_token } =
        decode::meeting(&request.body, state.max_lifetime).map_err(ApiError::Invalid)?;
    facts.record(&claims);
    let mut caller = request.caller;
    let signed_in = match user_token {
        None => None,
        Some(kind) => {
            let signed_in = signed_in(state, &parts.headers)?;
            facts.user_token = Some((metric_kind(kind), Some(signed_in.1.user_id.clone())));
            if kind == UserToken::Zak {
                caller = caller.starting_with_own_zak();
            }
            Some((kind, signed_in))
        }
    };
    secrets.policy.authorize(caller, &claims, request.authorization_given)?;
    let user_token = match signed_in {
        None => None,
        Some((kind, (sign_in, session))) => Some(fetch_user_token(state, sign_in, &session, kind, &claims).await?),
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

/// The signed-in session a `userToken` needs.
fn signed_in<'a>(state: &'a AppState, headers: &HeaderMap) -> Result<(&'a SignIn, Session), ApiError> {
    let Some(sign_in) = &state.sign_in else {
        return Err(ApiError::invalid(
            "userToken",
            "this server does not offer sign-in with Zoom (SIGNER_ZOOM_SIGN_IN is off), so it has no ZAK or OBF \
             token to give; leave userToken out",
        ));
    };
    let session = sign_in.session(&sign_in.jar(headers), auth::now(state)).ok_or(ApiError::SignInRequired)?;
    Ok((sign_in, session))
}

/// The person's ZAK, or an OBF token for the meeting, fresh from Zoom.
async fn fetch_user_token(
    state: &AppState,
    sign_in: &SignIn,
    session: &Session,
    kind: UserToken,
    claims: &Claims,
) -> Result<(&'static str, SecretString), ApiError> {
    let (key, during, zoom_kind) = match (kind, &claims.meeting) {
        (UserToken::Obf, Some(target)) => {
            ("obfToken", "fetching the OBF token", UserTokenKind::OnBehalf { meeting: target.number.clone() })
        }
        // The decoder refuses "obf" without a meeting.
        (UserToken::Obf, None) | (UserToken::Zak, _) => ("zak", "fetching the ZAK", UserTokenKind::Zak),
    };
    match auth::timed(state, "user_token", sign_in.zoom.user_token(&session.access_token, &zoom_kind)).await {
        Ok(token) => Ok((key, token)),
        Err(ZoomError::InvalidToken { .. }) => Err(ApiError::SignInEnded),
        Err(error) => Err(ApiError::Zoom { during, error }),
    }
}

fn metric_kind(kind: UserToken) -> metrics::UserTokenKind {
    match kind {
        UserToken::Zak => metrics::UserTokenKind::Zak,
        UserToken::Obf => metrics::UserTokenKind::Obf,
    }
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
