//! Guards in front of the signing handlers: client address (for the audit line and the rate
//! limit), origin and CORS, rate limit; and the request timeout every route has.
//!
//! The signing handlers call [`signing`] themselves rather than having it layered on their
//! routes: an axum route layer costs a boxed future and a cloned service per request, as much
//! as the guards themselves (README, "Performance").

use crate::access::ClientIp;
use crate::access::origin::OriginVerdict;
use crate::api::audit::AuditFacts;
use crate::api::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    ALLOW, HOST, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Runs `issue` behind the guards, outermost first: client address, origin and CORS, rate limit.
/// What `issue` learns goes into the audit line, which the access log writes for the request.
pub async fn signing<T: IntoResponse>(
    state: &AppState,
    request: Request,
    issue: impl AsyncFnOnce(Request, &mut AuditFacts) -> Result<T, ApiError>,
) -> Response {
    let Some(client) = client(state, &request) else {
        return no_peer();
    };
    let mut facts = AuditFacts::new(client);
    let origin = Origin::judge(state, request.headers());
    let mut response = if origin.verdict == OriginVerdict::Forbidden {
        ApiError::OriginForbidden.into_response()
    } else if let Some(refusal) = rate_limit(state, client) {
        refusal
    } else {
        issue(request, &mut facts).await.into_response()
    };
    origin.answer(&mut response);
    facts.attach(&mut response);
    response
}

/// `OPTIONS` on a signing route: a CORS preflight from a listed origin (or any, with `*`) gets the
/// methods and headers it may use; the service's own origin and non-browsers get the route's
/// methods (`allow`). An origin is echoed only when it is listed: never reflected blindly.
pub fn options(state: &AppState, request: &Request, allow: &'static str) -> Response {
    let origin = Origin::judge(state, request.headers());
    let mut response = match origin.verdict {
        OriginVerdict::Forbidden => ApiError::OriginForbidden.into_response(),
        OriginVerdict::SameOrigin => (StatusCode::NO_CONTENT, [(ALLOW, allow)]).into_response(),
        OriginVerdict::Listed | OriginVerdict::Any => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            response
        }
    };
    origin.answer(&mut response);
    response
}

/// The request's `Origin` and what it means here.
struct Origin {
    verdict: OriginVerdict,
    header: Option<HeaderValue>,
}

impl Origin {
    fn judge(state: &AppState, headers: &HeaderMap) -> Self {
        let header = headers.get(ORIGIN);
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        let verdict = state.origins.judge(header.and_then(|v| v.to_str().ok()), host);
        Self { verdict, header: header.cloned() }
    }

    /// The CORS headers of the reply.
    fn answer(self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.append(VARY, HeaderValue::from_static("origin"));
        match (self.verdict, self.header) {
            (OriginVerdict::Listed, Some(origin)) => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            }
            (OriginVerdict::Any, _) => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            }
            _ => {}
        }
    }
}

/// Who the client is, for the rate limit and the audit line: the peer, or the address a trusted
/// proxy forwarded. `None` if the request has no peer ([`crate::server::peer`]).
fn client(state: &AppState, request: &Request) -> Option<ClientIp> {
    let peer = crate::server::peer(request.extensions())?;
    Some(state.trusted_proxies.client(peer.ip(), request.headers()))
}

/// A request without a peer address: the app is run without [`crate::serve`] (or, in tests,
/// without `MockConnectInfo`). A fault of the server, not the client, so 500, as axum's
/// `ConnectInfo` extractor answers; never a guess at the client, which the rate limit keys on.
fn no_peer() -> Response {
    tracing::error!("a signing request without ConnectInfo<SocketAddr>: serve the app with zoom_signer::serve");
    (StatusCode::INTERNAL_SERVER_ERROR, "the server does not know the client's address").into_response()
}

/// Takes one request from the client's bucket (`SIGNER_RATE_LIMIT`), or answers 429.
fn rate_limit(state: &AppState, client: ClientIp) -> Option<Response> {
    let limiter = state.rate_limiter.as_ref()?;
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
