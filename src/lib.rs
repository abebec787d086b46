//! zoom-signer: issues Zoom Meeting SDK signatures server-side and serves a page that joins with
//! them, so the SDK secret never reaches a browser.
//!
//! [`app`] builds the whole HTTP application from an [`AppState`]; [`serve`] runs it on a
//! listener until a shutdown future completes. `main.rs` only wires configuration to these.

pub mod access_log;
pub mod api;
pub mod config;
pub mod page;
pub mod signature;
pub mod state;
pub mod telemetry;

pub use state::AppState;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::routing::{get, post};
use std::future::Future;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// The whole application: routes, fallbacks and the layers every response passes through.
pub fn app(state: AppState) -> Router {
    Router::new()
        // `POST /` as well as `POST /signature`: Zoom's Node sample answers on `/`.
        .route("/", get(page::index).post(api::sign::create))
        .route("/signature", post(api::sign::create))
        .route("/healthz", get(api::health))
        .route("/assets/join.js", get(page::script))
        .route("/assets/join.css", get(page::stylesheet))
        .fallback(api::error::not_found)
        .method_not_allowed_fallback(api::error::method_not_allowed)
        .layer(axum::middleware::from_fn(access_log::log_request))
        // Signatures are credentials: no cache may keep one. Page routes set their own policy.
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` and Kubernetes send).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: no new connections, finishing requests in flight");
}
