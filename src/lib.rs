//! zoom-signer: issues Zoom Meeting SDK signatures server-side and serves a page that joins with
//! them, so the SDK secret never reaches a browser.
//!
//! [`app`] builds the whole HTTP application from an [`AppState`]; [`serve`] runs it on a
//! listener until a shutdown future completes. `main.rs` only wires configuration to these.

pub mod access;
pub mod access_log;
pub mod api;
pub mod calendar;
pub mod commands;
pub mod config;
pub mod lifecycle;
pub mod metrics;
pub mod page;
pub mod server;
pub mod signature;
pub mod state;
pub mod telemetry;

pub use lifecycle::run;
pub use server::{serve, serve_router};
pub use state::{AppState, Options};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// The whole application: routes, fallbacks and the layers every response passes through.
pub fn app(state: AppState) -> Router {
    Router::new()
        // `POST /` as well as `POST /signature`: Zoom's Node sample answers on `/`.
        .route("/", get(page::index).post(api::sign::create).options(options("GET, HEAD, OPTIONS, POST")))
        .route("/signature", post(api::sign::create).options(options("OPTIONS, POST")))
        .route("/video-signature", post(api::video::create).options(options("OPTIONS, POST")))
        .route("/healthz", get(api::health))
        .route("/openapi.json", get(api::openapi::document))
        .route("/assets/join.js", get(page::script))
        .route("/assets/join.css", get(page::stylesheet))
        .fallback(api::error::not_found)
        .method_not_allowed_fallback(api::error::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), api::guard::request_timeout))
        .layer(from_fn_with_state(state.clone(), access_log::log_request))
        // Signatures are credentials: no cache may keep one. Page routes set their own policy.
        .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// The metrics listener's application: `GET /metrics` only.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::render))
        .fallback(api::error::not_found)
        .method_not_allowed_fallback(api::error::method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(state)
}

/// `OPTIONS` on a signing route: CORS preflights, and `allow` (the route's methods) for the rest.
/// The signing handlers run their guards themselves ([`api::guard::signing`]).
fn options(allow: &'static str) -> MethodRouter<AppState> {
    axum::routing::options(move |State(state): State<AppState>, request: Request| async move {
        api::guard::options(&state, &request, allow)
    })
}
