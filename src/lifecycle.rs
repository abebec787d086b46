//! The service's life as a process: bind, serve (and metrics), reload secrets on SIGHUP, stop
//! gracefully on SIGTERM or SIGINT.

use crate::config::Settings;
use crate::http::metrics_app;
use crate::http::state::AppState;
use crate::server::{serve, serve_router};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Runs the service with `settings` until SIGTERM or SIGINT.
pub async fn run(settings: Settings) -> Result<(), String> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {} (HOST, PORT): {e}", settings.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_listener = match settings.metrics_listen {
        Some(metrics_address) => Some(
            TcpListener::bind(metrics_address)
                .await
                .map_err(|e| format!("cannot listen on {metrics_address} (SIGNER_METRICS_ADDR): {e}"))?,
        ),
        None => None,
    };
    if settings.demo {
        tracing::warn!(
            "DEMO MODE: signing with a random throwaway key and secret. Zoom WILL REJECT every \
             signature (error 3712). Set ZOOM_MEETING_SDK_KEY and ZOOM_MEETING_SDK_SECRET and drop --demo for real use."
        );
    }

    if settings.login.as_ref().is_some_and(|login| login.session_keys.generated) {
        tracing::warn!(
            "SIGNER_SESSION_KEY is not set: session cookies are encrypted with a random key for this process, \
             so sign-ins end when it restarts and do not carry over to other replicas"
        );
    }
    let state = AppState::from_settings(&settings).map_err(|e| format!("cannot start sign-in with Zoom: {e}"))?;
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let stopped = |mut stopping: watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    #[cfg(unix)]
    tokio::spawn(reload_on_hangup(settings.clone(), state.clone()));

    let metrics = metrics_listener.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!("serving metrics at http://{address}/metrics");
        }
        tokio::spawn(serve_router(listener, metrics_app(state.clone()), settings.limits, stopped(stopping.clone())))
    });
    tracing::info!(
        sdk_key = %settings.credentials.sdk_key,
        format = ?settings.format,
        "zoom-signer {} listening on http://{address}",
        env!("CARGO_PKG_VERSION")
    );
    serve(listener, state, stopped(stopping)).await.map_err(|e| format!("server error: {e}"))?;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// On SIGHUP, reads every secret again (the `_FILE` ones from disk: SDK credentials, token lists,
/// the OAuth client, the session keys) and swaps them in at once; requests in flight finish with
/// the old ones. A bad new value is refused, with a log line naming it, and the old secrets stay.
#[cfg(unix)]
async fn reload_on_hangup(settings: Settings, state: AppState) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: secrets cannot be reloaded");
        return;
    };
    while hangups.recv().await.is_some() {
        let reloaded = settings.reload_secrets().map_err(|e| e.to_string());
        match reloaded
            .and_then(|reloaded| state.reload(&reloaded).map_err(|e| format!("cannot start sign-in with Zoom: {e}")))
        {
            Ok(()) => tracing::info!("SIGHUP: reloaded the secrets"),
            Err(error) => tracing::error!("SIGHUP: kept the previous secrets, the new ones are refused: {error}"),
        }
    }
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
