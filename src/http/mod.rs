//! Everything HTTP: the route table ([`app`], [`metrics_app`]) with the guards each group of
//! routes runs, the handlers (signatures, the login, Zoom's webhooks, the join page, OpenAPI,
//! `/metrics`), the one error type and the replies.

pub mod body;
pub mod decode;
pub mod error;
pub mod guard;
pub mod login;
pub mod openapi;
pub mod page;
pub mod reply;
pub mod request_log;
pub mod sign;
pub mod state;
pub mod timeout;
pub mod video;
pub mod webhook;

use crate::http::guard::GuardLayer;
use crate::http::state::AppState;
use crate::observability::metrics;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

/// The route table: every route, in groups by the guards they run, and the layers every request
/// passes through.
pub fn app(state: AppState) -> Router {
    // Signing: client address, origin and CORS (preflights answered), rate limit, audit line.
    let signing = Router::new()
        // `POST /` as well as `POST /signature`: Zoom's Node sample answers on `/`.
        .route("/", post(sign::create).options(allow("GET, HEAD, OPTIONS, POST")))
        .route("/signature", post(sign::create).options(allow("OPTIONS, POST")))
        .route("/video-signature", post(video::create).options(allow("OPTIONS, POST")))
        .route_layer(GuardLayer::signing(&state));
    // The login's navigations to Zoom and back: rate limit (the service calls Zoom for them), and
    // the callback's audit line. With the login off they answer 404.
    let login = Router::new()
        .route("/auth/zoom/start", get(login::start))
        .route("/auth/zoom/callback", get(login::callback))
        .route_layer(GuardLayer::login(&state));
    // Signing out of Zoom: the origin rules (a foreign page cannot sign a person out), rate
    // limit, audit line.
    let logout = Router::new()
        .route("/auth/zoom/sign-out", post(login::logout).options(allow("OPTIONS, POST")))
        .route_layer(GuardLayer::logout(&state));
    // Zoom's webhooks, server to server: no origin rule (Zoom sends none; the handler checks
    // Zoom's HMAC, which needs the raw body), their own rate limit, every request audited. With
    // no webhook secret they answer 404.
    let webhooks =
        Router::new().route("/webhooks/zoom", post(webhook::receive)).route_layer(GuardLayer::webhook(&state));
    // Public: no guard beyond the layers below; none calls Zoom.
    let public = Router::new()
        .route("/", get(page::index))
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi::document))
        .route("/assets/join.js", get(page::script))
        .route("/assets/join.css", get(page::stylesheet))
        .route("/auth/zoom/session", get(login::session));
    // Public first: `Allow` lists a path's methods in the order they were merged (GET before POST).
    Router::new()
        .merge(public)
        .merge(signing)
        .merge(login)
        .merge(logout)
        .merge(webhooks)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Every route, outermost first; one stack, so axum wraps each route once, not once a layer.
        .layer(
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
                .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
                // Signatures are credentials: no cache may keep one. Page routes set their own policy.
                .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .layer(from_fn_with_state(state.clone(), request_log::log_request))
                .layer(from_fn_with_state(state.clone(), timeout::request_timeout)),
        )
        .with_state(state)
}

/// The metrics listener's application: `GET /metrics` only.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(state)
}

/// `OPTIONS` from the service's own pages and non-browsers: the route's methods. (The signing
/// guard answers CORS preflights before this.)
fn allow(methods: &'static str) -> MethodRouter<AppState> {
    axum::routing::options(move || async move { (StatusCode::NO_CONTENT, [(ALLOW, methods)]) })
}

/// `GET /metrics` on the metrics listener.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, metrics::CONTENT_TYPE)], state.metrics.render())
}

/// `GET /healthz`: the process is up and serving.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
