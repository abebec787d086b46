//! Everything HTTP: the route table ([`app`], [`metrics_app`]) with the guards each group of
//! routes runs, the handlers (signatures, the join page, OpenAPI, `/metrics`), the one error type
//! and the replies.

pub mod error;
pub mod guard;
pub mod json;
pub mod openapi;
pub mod page;
pub mod reply;
pub mod request;
pub mod request_log;
pub mod sign;
pub mod state;
pub mod video;

use crate::http::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};
use tower_http::set_header::SetResponseHeaderLayer;

/// The whole application: routes, fallbacks and the layers every response passes through.
pub fn app(state: AppState) -> Router {
    Router::new()
        // `POST /` as well as `POST /signature`: Zoom's Node sample answers on `/`.
        .route("/", get(page::index).post(sign::create).options(options("GET, HEAD, OPTIONS, POST")))
        .route("/signature", post(sign::create).options(options("OPTIONS, POST")))
        .route("/video-signature", post(video::create).options(options("OPTIONS, POST")))
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi::document))
        .route("/assets/join.js", get(page::script))
        .route("/assets/join.css", get(page::stylesheet))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), guard::request_timeout))
        .layer(from_fn_with_state(state.clone(), request_log::log_request))
        // Signatures are credentials: no cache may keep one. Page routes set their own policy.
        .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// The metrics listener's application: `GET /metrics` only.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(crate::observability::metrics::render))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(state)
}

/// `OPTIONS` on a signing route: CORS preflights, and `allow` (the route's methods) for the rest.
/// The signing handlers run their guards themselves ([`guard::signing`]).
fn options(allow: &'static str) -> MethodRouter<AppState> {
    axum::routing::options(move |State(state): State<AppState>, request: Request| async move {
        guard::options(&state, &request, allow)
    })
}

/// `GET /healthz`: the process is up and serving.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
