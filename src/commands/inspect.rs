//! `zoom-signer inspect`: the signature doctor. (Being written.)

use super::Keys;
use std::process::ExitCode;
use std::time::SystemTime;

#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// The signature to inspect, or `-` to read it from standard input.
    pub signature: String,
    /// Print the report as JSON, for scripts.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: &InspectArgs, _keys: &Keys, _now: SystemTime) -> ExitCode {
    ExitCode::FAILURE
}
