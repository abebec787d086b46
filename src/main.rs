//! The binary: parse settings, start logging, serve (or run a tool). Everything else is the
//! library's ([`zoom_signer`]).

use std::process::ExitCode;
use zoom_signer::config::{self, Settings};
use zoom_signer::{commands, observability};

fn main() -> ExitCode {
    // Before any secret is read: no core dumps, no ptrace by same-user processes.
    let not_dumpable = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let cli = match config::load_cli() {
        Ok(cli) => cli,
        Err(error) => return config_error(&error),
    };
    if let Some(command) = &cli.command {
        return commands::run(command, &cli);
    }
    let settings = match Settings::from_cli(cli) {
        Ok(settings) => settings,
        Err(error) => return config_error(&error),
    };
    let _log_guard = observability::init(settings.log_format);
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
    match runtime.block_on(zoom_signer::run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn config_error(error: &config::ConfigError) -> ExitCode {
    eprintln!("zoom-signer: {error}");
    ExitCode::from(2)
}
