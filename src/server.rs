//! The HTTP server loop: hyper with a header-read timeout, a cap on connections, and graceful
//! shutdown bounded in time. (axum's own `serve` has no header timeout: a client could hold a
//! connection open forever by dribbling headers.)

use crate::AppState;
use crate::app;
use axum::extract::ConnectInfo;
use axum::extract::connect_info::MockConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Limits on how clients may use connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// `SIGNER_HEADER_TIMEOUT`: time to send a request's headers.
    pub header_timeout: Duration,
    /// `SIGNER_REQUEST_TIMEOUT`: time for a whole request, body included.
    pub request_timeout: Duration,
    /// `SIGNER_MAX_CONNECTIONS`: connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// `SIGNER_SHUTDOWN_TIMEOUT`: time requests in flight get after a shutdown signal.
    pub shutdown_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets requests in flight finish
/// for up to the shutdown timeout.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    serve_router(listener, app(state), limits, shutdown).await
}

/// Serves any router with the same connection handling (the metrics listener uses it too).
pub async fn serve_router(
    listener: TcpListener,
    router: axum::Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);

    loop {
        // Wait for a free slot before accepting: at the cap, new clients queue in the kernel.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(peer = %peer, "connection ended: {error}");
            }
            drop(slot);
        });
    }

    drop(listener);
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {:?}; exiting anyway", limits.shutdown_timeout);
    }
    Ok(())
}

/// The peer address of a request: the `ConnectInfo` [`serve`] gives every request, else a
/// `MockConnectInfo` layered on the app (in-process tests), as axum's `ConnectInfo` extractor
/// falls back. `None` only for an app run some other way.
pub fn peer(request_extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    match request_extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => Some(*addr),
        None => request_extensions.get::<MockConnectInfo<SocketAddr>>().map(|MockConnectInfo(addr)| *addr),
    }
}
