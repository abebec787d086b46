//! Tools the binary runs instead of the service.

pub mod healthcheck;
pub mod inspect;
pub mod sign;

use crate::config::{self, Cli, Command, Credentials};
use crate::signature::{Lifetime, Signer};
use std::process::ExitCode;
use std::time::SystemTime;

/// The credentials configured for the tools (each present only when fully configured), and the
/// signing settings `sign` honours as the service does.
#[derive(Debug, Clone)]
pub struct Keys {
    /// `ZOOM_MEETING_SDK_KEY` / `_SECRET` (or their `_FILE` forms).
    pub meeting: Option<Credentials>,
    /// `ZOOM_VIDEO_SDK_KEY` / `_SECRET` (or their `_FILE` forms).
    pub video: Option<Credentials>,
    /// `SIGNER_BACKDATE`.
    pub backdate_seconds: u64,
    /// `SIGNER_TTL`.
    pub default_lifetime: Lifetime,
}

impl Default for Keys {
    fn default() -> Self {
        Self {
            meeting: None,
            video: None,
            backdate_seconds: Signer::DEFAULT_BACKDATE_SECONDS,
            default_lifetime: Signer::DEFAULT_LIFETIME,
        }
    }
}

/// Runs `command`; a bad setting exits 2 with one line, as for the service.
pub fn run(command: &Command, cli: &Cli) -> ExitCode {
    let outcome = match command {
        Command::Healthcheck => return healthcheck::run(cli),
        Command::Inspect(args) => config::command_keys(cli).map(|keys| inspect::run(args, &keys, SystemTime::now())),
        Command::Sign(args) => config::command_keys(cli).map(|keys| sign::run(args, &keys, SystemTime::now())),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("zoom-signer: {error}");
        ExitCode::from(2)
    })
}
