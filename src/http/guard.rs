//! The signing routes' guards, as one tower layer ([`SigningGuardLayer`]) that the route table puts
//! on the signing group, so a route added to the group runs them with no other line. Outermost
//! first: the client's address, origin and CORS (CORS preflights are answered here), the rate
//! limit, and the audit line every request on the group gets, refused or not.
//!
//! A plain tower service with a concrete future rather than `middleware::from_fn`, which boxes a
//! future and clones the state for each request (bench/README.md has what each costs).

use crate::access::ClientIp;
use crate::access::origin::OriginVerdict;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::observability::audit::{Action, AuditFacts, SignatureFacts};
use axum::extract::connect_info::{ConnectInfo, MockConnectInfo};
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    HOST, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tower::{Layer, Service};

/// Puts [`SigningGuard`] in front of every route of a group (`Router::route_layer`).
#[derive(Clone)]
pub struct SigningGuardLayer {
    state: AppState,
    subject: fn() -> Action,
}

impl SigningGuardLayer {
    /// For routes that issue signatures: their audit lines are about signatures.
    pub fn new(state: &AppState) -> Self {
        Self { state: state.clone(), subject: || Action::Signature(SignatureFacts::default()) }
    }

    /// For the sign-out route: a foreign page may not sign a person out either.
    pub fn sign_out(state: &AppState) -> Self {
        Self { state: state.clone(), subject: || Action::SignOut { user: None } }
    }
}

impl<S> Layer<S> for SigningGuardLayer {
    type Service = SigningGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SigningGuard { inner, state: self.state.clone(), subject: self.subject }
    }
}

/// The guards in front of one signing route ([`SigningGuardLayer`]).
#[derive(Clone)]
pub struct SigningGuard<S> {
    inner: S,
    state: AppState,
    /// What the audit line is about when the handler did not say (a guard refused first).
    subject: fn() -> Action,
}

impl<S> Service<Request> for SigningGuard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Guarded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let origin = Origin::judge(&self.state, request.headers());
        if request.method() == Method::OPTIONS {
            // A preflight is answered here; the route's own OPTIONS handler (its `Allow`) answers
            // the service's own pages and non-browsers. Neither counts against the rate limit.
            let step = match origin.verdict {
                OriginVerdict::Forbidden => Step::Answered(Some(ApiError::OriginForbidden.into_response())),
                OriginVerdict::SameOrigin => Step::Running(self.inner.call(request)),
                OriginVerdict::Listed | OriginVerdict::Any => Step::Answered(Some(preflight())),
            };
            return Guarded { step, origin, client: None, subject: self.subject };
        }
        let Some(client) = client(&self.state, &request) else {
            let step = Step::Answered(Some(ApiError::NoClientAddress.into_response()));
            return Guarded { step, origin, client: None, subject: self.subject };
        };
        let refusal = if origin.verdict == OriginVerdict::Forbidden {
            Some(ApiError::OriginForbidden)
        } else {
            rate_limit(&self.state, client)
        };
        let step = match refusal {
            Some(refusal) => Step::Answered(Some(refusal.into_response())),
            None => Step::Running(self.inner.call(request)),
        };
        Guarded { step, origin, client: Some(client), subject: self.subject }
    }
}

/// [`SigningGuard`]'s future: the route's answer (or the guards' refusal), with CORS headers and,
/// for a signing request, its audit facts.
pub struct Guarded<F> {
    step: Step<F>,
    origin: Origin,
    /// The client, for a signing request (not for a preflight): its response gets an audit line.
    client: Option<ClientIp>,
    subject: fn() -> Action,
}

enum Step<F> {
    Running(F),
    /// Taken when the future completes.
    Answered(Option<Response>),
}

impl<F> Future for Guarded<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut response = match &mut this.step {
            Step::Running(future) => ready!(Pin::new(future).poll(cx))?,
            Step::Answered(response) => response.take().expect("a guarded request is answered once"),
        };
        this.origin.answer(&mut response);
        if let Some(client) = this.client {
            let action = response.extensions_mut().remove::<Action>().unwrap_or_else(this.subject);
            response.extensions_mut().insert(AuditFacts { client, action });
        }
        Poll::Ready(Ok(response))
    }
}

/// A signing handler's answer, carrying what it learnt of the request for the audit line, which
/// the guard completes with the client's address.
pub fn with_facts(outcome: Result<impl IntoResponse, ApiError>, facts: SignatureFacts) -> Response {
    with_action(outcome.into_response(), Action::Signature(facts))
}

/// A guarded handler's answer, carrying what the request was about for the audit line.
pub fn with_action(mut response: Response, action: Action) -> Response {
    response.extensions_mut().insert(action);
    response
}

/// The reply to a CORS preflight from a listed origin (or any, with `*`): the methods and headers
/// it may use. An origin is echoed only when it is listed: never reflected blindly.
fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
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
    fn answer(&mut self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.append(VARY, HeaderValue::from_static("origin"));
        match (self.verdict, self.header.take()) {
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
/// proxy forwarded. The peer is what [`crate::server`] records for each connection, or axum's
/// `MockConnectInfo` for an app served some other way (tests in-process).
pub fn client(state: &AppState, request: &Request) -> Option<ClientIp> {
    let extensions = request.extensions();
    let peer = match extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => *peer,
        None => extensions.get::<MockConnectInfo<SocketAddr>>()?.0,
    };
    Some(state.trusted_proxies.client(peer.ip(), request.headers()))
}

/// Takes one request from the client's bucket (`SIGNER_RATE_LIMIT`), or refuses with 429.
fn rate_limit(state: &AppState, client: ClientIp) -> Option<ApiError> {
    let limiter = state.rate_limiter.as_ref()?;
    let retry_after = limiter.check(client, Instant::now()).err()?;
    Some(ApiError::TooManyRequests { retry_after })
}

/// Bounds the whole request, body included (`SIGNER_REQUEST_TIMEOUT`).
pub async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
