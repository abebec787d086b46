//! Guards in front of the signing handler: audit, origin and CORS, rate limit; request timeout.

use crate::access::ClientIp;
use crate::access::origin::OriginVerdict;
use crate::api::audit;
use crate::api::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    ALLOW, HOST, ORIGIN, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// The guards of the signing routes, outermost first: audit (and client address), origin and
/// CORS, rate limit. One layer rather than three, since every axum layer costs a boxed future and
/// a cloned service per request (README, "Performance").
pub async fn signing(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let client = audit::identify(&state, &mut request);
    let preflight = request.method() == Method::OPTIONS;
    let response = origin(&state, client, request, next).await;
    if !preflight {
        audit::write_line(&state, client, &response);
    }
    response
}

/// Refuses browsers on origins that are neither ours nor listed; answers CORS for listed ones.
/// An origin is echoed only when it is listed: never reflected blindly.
async fn origin(state: &AppState, client: ClientIp, request: Request, next: Next) -> Response {
    let origin = request.headers().get(ORIGIN).cloned();
    let host = request.headers().get(HOST).and_then(|v| v.to_str().ok());
    let verdict = state.origins.judge(origin.as_ref().and_then(|v| v.to_str().ok()), host);
    let preflight = request.method() == Method::OPTIONS && verdict != OriginVerdict::SameOrigin;

    let mut response = match verdict {
        OriginVerdict::Forbidden => ApiError::OriginForbidden.into_response(),
        _ if preflight => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            response
        }
        _ => match rate_limit(state, client, &request) {
            Some(refusal) => refusal,
            None => next.run(request).await,
        },
    };
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("origin"));
    match (verdict, origin) {
        (OriginVerdict::Listed, Some(origin)) => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        (OriginVerdict::Any, _) => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        }
        _ => {}
    }
    response
}

/// `OPTIONS` on a signing route from the service's own origin or a non-browser: the route's
/// methods (`allow`).
pub fn options(allow: &'static str) -> impl Fn() -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move || std::future::ready((StatusCode::NO_CONTENT, [(ALLOW, allow)]).into_response())
}

/// Takes one request from the client's bucket (`SIGNER_RATE_LIMIT`), or answers 429.
fn rate_limit(state: &AppState, client: ClientIp, request: &Request) -> Option<Response> {
    let limiter = state.rate_limiter.as_ref()?;
    if request.method() == Method::OPTIONS {
        return None;
    }
    let retry_after = limiter.check(client, Instant::now()).err()?;
    Some(ApiError::TooManyRequests { retry_after }.into_response())
}

/// Bounds the whole request, body included (`SIGNER_REQUEST_TIMEOUT`).
pub async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
