//! Tools the binary runs instead of the service: `healthcheck`, `inspect` (the signature doctor)
//! and `sign`. They use `config` and `signature`; nothing imports them.

pub mod healthcheck;
pub mod inspect;
pub mod sign;

use crate::config::{self, Cli, Command};
use std::process::ExitCode;
use std::time::SystemTime;

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
