use std::process::ExitCode;
use zoom_signer::config::Settings;
use zoom_signer::{AppState, serve, shutdown_signal, telemetry};

fn main() -> ExitCode {
    // Before any secret is read: no core dumps, no ptrace by same-user processes.
    let not_dumpable =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("zoom-signer: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    if let Err(error) = not_dumpable {
        tracing::warn!("cannot make the process non-dumpable: {error}");
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {} (HOST, PORT): {e}", settings.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if settings.demo {
        tracing::warn!(
            "DEMO MODE: signing with a random throwaway key and secret. Zoom WILL REJECT every \
             signature (error 3712). Set ZOOM_MEETING_SDK_KEY and ZOOM_MEETING_SDK_SECRET and drop --demo for real use."
        );
    }
    tracing::info!(
        sdk_key = %settings.credentials.sdk_key,
        format = ?settings.format,
        "zoom-signer {} listening on http://{address}",
        env!("CARGO_PKG_VERSION")
    );
    serve(
        listener,
        AppState::from_settings(&settings),
        shutdown_signal(),
    )
    .await
    .map_err(|e| format!("server error: {e}"))
}
