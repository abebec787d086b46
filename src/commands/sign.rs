//! `zoom-signer sign`: prints a signature made with the configured credentials. (Being written.)

use super::Keys;
use std::process::ExitCode;
use std::time::SystemTime;

#[derive(Debug, Clone, clap::Args)]
pub struct SignArgs {
    /// Meeting number (Meeting SDK signature).
    #[arg(long, conflicts_with = "session")]
    pub meeting: Option<String>,
    /// Video SDK session name (Video SDK token).
    #[arg(long)]
    pub session: Option<String>,
    /// 0 participant, 1 host.
    #[arg(long, default_value = "0")]
    pub role: String,
    /// Lifetime in seconds (1800..172800); default SIGNER_TTL.
    #[arg(long)]
    pub ttl: Option<String>,
}

pub fn run(_args: &SignArgs, _keys: &Keys, _now: SystemTime) -> ExitCode {
    ExitCode::FAILURE
}
