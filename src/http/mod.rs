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

/// Which guards run in front of a route: each group but [`Group::Public`] is one [`GuardLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// No guard beyond the layers every request passes through; none of these calls Zoom.
    Public,
    /// Signing: client address, origin and CORS (preflights answered), rate limit, audit line.
    Signing,
    /// The login's navigations to Zoom and back: rate limit (the service calls Zoom for them), and
    /// the callback's audit line. With the login off they answer 404.
    Login,
    /// Signing out of Zoom: the origin rules (a foreign page cannot sign a person out), rate limit,
    /// audit line.
    Logout,
    /// Zoom's webhooks, server to server: no origin rule (Zoom sends none; the handler checks
    /// Zoom's HMAC, which needs the raw body), their own rate limit, every request audited. With
    /// no webhook secret they answer 404.
    Webhooks,
}

impl Group {
    /// Merged in this order: `Allow` lists a path's methods in the order they were merged (GET
    /// before POST).
    const ALL: [Group; 5] = [Group::Public, Group::Signing, Group::Login, Group::Logout, Group::Webhooks];

    /// The group's routes behind its guards.
    fn guard(self, routes: Router<AppState>, state: &AppState) -> Router<AppState> {
        match self {
            Group::Public => routes,
            Group::Signing => routes.route_layer(GuardLayer::signing(state)),
            Group::Login => routes.route_layer(GuardLayer::login(state)),
            Group::Logout => routes.route_layer(GuardLayer::logout(state)),
            Group::Webhooks => routes.route_layer(GuardLayer::webhook(state)),
        }
    }
}

/// The route table: every route once, with the group whose guards run in front of it. The router
/// ([`app`]), the metrics' route labels and the 404 text ([`paths`]) all come from here.
fn routes() -> Vec<(Group, &'static str, MethodRouter<AppState>)> {
    use Group::*;
    vec![
        (Public, "/", get(page::index)),
        (Public, "/healthz", get(health)),
        (Public, "/openapi.json", get(openapi::document)),
        (Public, "/assets/join.js", get(page::script)),
        (Public, "/assets/join.css", get(page::stylesheet)),
        (Public, "/auth/zoom/session", get(login::session)),
        // `POST /` as well as `POST /signature`: Zoom's Node sample answers on `/`.
        (Signing, "/", post(sign::create).options(allow("GET, HEAD, OPTIONS, POST"))),
        (Signing, "/signature", post(sign::create).options(allow("OPTIONS, POST"))),
        (Signing, "/video-signature", post(video::create).options(allow("OPTIONS, POST"))),
        (Login, "/auth/zoom/start", get(login::start)),
        (Login, "/auth/zoom/callback", get(login::callback)),
        (Logout, "/auth/zoom/sign-out", post(login::logout).options(allow("OPTIONS, POST"))),
        (Webhooks, "/webhooks/zoom", post(webhook::receive)),
    ]
}

/// Every path of the route table, once each, in its order.
pub fn paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for (_, path, _) in routes() {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// The whole application: the route table's groups behind their guards, and the layers every
/// request passes through.
pub fn app(state: AppState) -> Router {
    let table = routes();
    let mut router = Router::new();
    for group in Group::ALL {
        let in_group = table.iter().filter(|(g, _, _)| *g == group);
        let routes = in_group.fold(Router::new(), |routes, (_, path, handler)| routes.route(path, handler.clone()));
        router = router.merge(group.guard(routes, &state));
    }
    router
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
