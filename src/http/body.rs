//! Reading a signing request: the caller's credentials first, then a JSON body of bounded size
//! ([`read_body`], which Zoom's webhooks use too, with their own limit).

use crate::access::policy::Caller;
use crate::http::error::{ApiError, BODY};
use crate::http::state::{AppState, Secrets};
use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use std::sync::Arc;

/// A signature request is a few dozen bytes; anything near this is not one.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

/// A request body, read only after the caller's token (if the policy needs one) checked out.
pub struct Authenticated {
    pub secrets: Arc<Secrets>,
    pub caller: Caller,
    pub body: Bytes,
}

impl Authenticated {
    pub async fn read(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Self, ApiError> {
        // Credentials first: a caller without them learns nothing about what else is wrong.
        let secrets = state.secrets();
        let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let caller = secrets.policy.authenticate(authorization)?;
        require_json(headers)?;
        let body = read_body(headers, body, MAX_BODY_BYTES, "a signature request is a small JSON object").await?;
        Ok(Self { secrets, caller, body })
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

/// The whole body, if it is at most `limit` bytes; else 413, whose reason adds `what` (what the
/// route takes instead).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize, what: &'static str) -> Result<Bytes, ApiError> {
    let too_large = ApiError::PayloadTooLarge { limit, what };
    // Refuse an announced oversize body without reading any of it.
    let announced = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(too_large);
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) {
            too_large
        } else {
            ApiError::invalid(BODY, "the body could not be read to its end; send it again")
        }
    })
}
