//! The guards of a group of routes, as one tower layer ([`GuardLayer`]) that the route table puts
//! on the group, so a route added to it runs them with no other line. Outermost first: the
//! client's address; for browser-facing API routes, the origin and CORS (preflights answered
//! here); the rate limit (the group's bucket: `SIGNER_RATE_LIMIT`, or Zoom's webhooks' own); and
//! the audit line, for every request of a group whose requests are audited, refused or not (a
//! handler adds what it learnt with [`with_action`]).
//!
//! A plain tower service with a concrete future rather than `middleware::from_fn`, which boxes a
//! future and clones the state for each request (bench/README.md has what each costs).

use crate::access::origin::OriginVerdict;
use crate::access::{ClientIp, RateLimiter};
use crate::http::error::ApiError;
use crate::http::login;
use crate::http::state::AppState;
use crate::observability::audit::{Action, AuditFacts, SignatureFacts, WebhookFacts};
use axum::extract::Request;
use axum::extract::connect_info::{ConnectInfo, MockConnectInfo};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    HOST, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tower::{Layer, Service};

/// Puts [`Guard`] in front of every route of a group (`Router::route_layer`).
#[derive(Clone)]
pub struct GuardLayer {
    state: AppState,
    rules: Rules,
}

/// What a group's guard checks, besides the client's address and rate limit.
#[derive(Clone, Copy)]
struct Rules {
    /// Pages on a foreign origin are refused, and CORS preflights answered: routes a page calls.
    origin: bool,
    /// What the audit line is about when the handler did not say (a guard refused first); `None`:
    /// a request is audited only when its handler says what it was about.
    subject: Option<fn() -> Action>,
    /// Which bucket the group's requests are counted in.
    bucket: Bucket,
    /// How a refusal is answered: as the API answers (JSON), or as a page for a person.
    refusal: fn(&AppState, ApiError) -> Response,
}

/// A guard's refusal as the API answers it.
fn api_refusal(_: &AppState, error: ApiError) -> Response {
    error.into_response()
}

/// The per-client rate limits.
#[derive(Clone, Copy)]
enum Bucket {
    /// `SIGNER_RATE_LIMIT`: what browsers and backends ask for.
    Api,
    /// `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`: what Zoom's senders deliver.
    Webhook,
}

impl GuardLayer {
    /// The signing routes: origin and CORS, rate limit; every request audited as a signature's.
    pub fn signing(state: &AppState) -> Self {
        let subject = Some((|| Action::Signature(SignatureFacts::default())) as fn() -> Action);
        Self { state: state.clone(), rules: Rules { origin: true, subject, bucket: Bucket::Api, refusal: api_refusal } }
    }

    /// Signing out of Zoom: a foreign page may not sign a person out either; audited.
    pub fn logout(state: &AppState) -> Self {
        let subject = Some((|| Action::Logout { user: None }) as fn() -> Action);
        Self { state: state.clone(), rules: Rules { origin: true, subject, bucket: Bucket::Api, refusal: api_refusal } }
    }

    /// The login's navigations (to Zoom and back): no origin rule (a browser sends none on a
    /// navigation), but each counts against the rate limit, since the service calls Zoom with the
    /// app's credentials for them; audited where the handler says so (the callback). A person
    /// navigates here, so a refusal is a page that says what to do.
    pub fn login(state: &AppState) -> Self {
        let rules = Rules { origin: false, subject: None, bucket: Bucket::Api, refusal: login::refusal_page };
        Self { state: state.clone(), rules }
    }

    /// Zoom's webhooks: no origin rule (Zoom calls server to server, with no `Origin`; what
    /// authenticates a delivery is its HMAC, which the handler checks as it needs the raw body);
    /// their own rate limit, so Zoom's senders and browsers do not share a bucket; every request
    /// audited, refused or not.
    pub fn webhook(state: &AppState) -> Self {
        let subject = Some((|| Action::Webhook(WebhookFacts::default())) as fn() -> Action);
        let rules = Rules { origin: false, subject, bucket: Bucket::Webhook, refusal: api_refusal };
        Self { state: state.clone(), rules }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard { inner, state: self.state.clone(), rules: self.rules }
    }
}

/// The guards in front of one route ([`GuardLayer`]).
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: AppState,
    rules: Rules,
}

impl<S> Service<Request> for Guard<S>
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
        let subject = self.rules.subject;
        // Only for a group with the origin rule: no CORS headers elsewhere, nothing refused.
        let origin = self.rules.origin.then(|| Origin::judge(&self.state, request.headers()));
        if request.method() == Method::OPTIONS
            && let Some(verdict) = origin.as_ref().map(|o| o.verdict)
        {
            // A preflight is answered here; the route's own OPTIONS handler (its `Allow`) answers
            // the service's own pages and non-browsers. Neither counts against the rate limit.
            let step = match verdict {
                OriginVerdict::Forbidden => Step::Answered(Some(ApiError::OriginForbidden.into_response())),
                OriginVerdict::SameOrigin => Step::Running(self.inner.call(request)),
                OriginVerdict::Listed | OriginVerdict::Any => Step::Answered(Some(preflight())),
            };
            return Guarded { step, origin, client: None, subject };
        }
        let Some(client) = client(&self.state, &request) else {
            let step = Step::Answered(Some(ApiError::NoClientAddress.into_response()));
            return Guarded { step, origin, client: None, subject };
        };
        let refusal = if origin.as_ref().is_some_and(|o| o.verdict == OriginVerdict::Forbidden) {
            Some(ApiError::OriginForbidden)
        } else {
            rate_limit(&self.state, self.rules.bucket, client)
        };
        let step = match refusal {
            Some(refusal) => Step::Answered(Some((self.rules.refusal)(&self.state, refusal))),
            None => Step::Running(self.inner.call(request)),
        };
        Guarded { step, origin, client: Some(client), subject }
    }
}

/// [`Guard`]'s future: the route's answer (or the guards' refusal), with CORS headers and, for an
/// audited request, its audit facts.
pub struct Guarded<F> {
    step: Step<F>,
    origin: Option<Origin>,
    /// The client, for a request (not a preflight): its response may get an audit line.
    client: Option<ClientIp>,
    subject: Option<fn() -> Action>,
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
        if let Some(origin) = &mut this.origin {
            origin.answer(&mut response);
        }
        if let Some(client) = this.client {
            let action = response.extensions_mut().remove::<Action>().or_else(|| this.subject.map(|subject| subject()));
            if let Some(action) = action {
                response.extensions_mut().insert(AuditFacts { client, action });
            }
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
fn client(state: &AppState, request: &Request) -> Option<ClientIp> {
    let extensions = request.extensions();
    let peer = match extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => *peer,
        None => extensions.get::<MockConnectInfo<SocketAddr>>()?.0,
    };
    Some(state.trusted_proxies.client(peer.ip(), request.headers()))
}

/// Takes one request from the client's bucket (`SIGNER_RATE_LIMIT`, or
/// `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`), or refuses with 429.
fn rate_limit(state: &AppState, bucket: Bucket, client: ClientIp) -> Option<ApiError> {
    let limiter: &RateLimiter = match bucket {
        Bucket::Api => state.rate_limiter.as_ref()?,
        Bucket::Webhook => state.webhook_rate_limiter.as_ref()?,
    };
    let retry_after = limiter.check(client, Instant::now()).err()?;
    Some(ApiError::TooManyRequests { retry_after })
}
