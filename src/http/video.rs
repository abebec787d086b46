//! `POST /video-signature`: Video SDK tokens, enabled by `ZOOM_VIDEO_SDK_KEY` and `_SECRET`.

use crate::http::body::Authenticated;
use crate::http::decode;
use crate::http::error::ApiError;
use crate::http::guard::with_facts;
use crate::http::reply::JsonObject;
use crate::http::state::AppState;
use crate::observability::audit::SignatureFacts;
use crate::observability::metrics::SignatureKind;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

/// The reply: `{"signature", "expiresAt"}`.
pub struct VideoSignatureReply {
    pub signature: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl IntoResponse for VideoSignatureReply {
    fn into_response(self) -> Response {
        let mut object = JsonObject::with_capacity(self.signature.len() + 48);
        object.token("signature", &self.signature).number("expiresAt", self.expires_at);
        object.into_response()
    }
}

/// Runs behind the signing guards ([`crate::http::guard`]), which the route table puts on it.
pub async fn create(State(state): State<AppState>, request: Request) -> Response {
    let mut facts = SignatureFacts::default();
    let outcome = issue(&state, request, &mut facts).await;
    with_facts(outcome, facts)
}

async fn issue(
    state: &AppState,
    request: Request,
    facts: &mut SignatureFacts,
) -> Result<VideoSignatureReply, ApiError> {
    if state.secrets().video.is_none() {
        return Err(ApiError::VideoDisabled);
    }
    let (parts, body) = request.into_parts();
    let request = Authenticated::read(state, &parts.headers, body).await?;
    let Some(signer) = &request.secrets.video else { return Err(ApiError::VideoDisabled) };
    let claims = decode::video(&request.body, state.max_lifetime).map_err(ApiError::Invalid)?;
    facts.record_video(&claims);
    request.secrets.policy.authorize_video(request.caller, &claims)?;
    let signature = signer.video_jwt(&claims, state.clock.now());
    facts.kind = Some(SignatureKind::Video);
    Ok(VideoSignatureReply { expires_at: signature.expires_at, signature: signature.into_string() })
}
