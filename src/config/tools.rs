//! What the tools (`inspect`, `sign`) read of the configuration: credentials when configured,
//! and the signing settings `sign` honours as the service does.

use crate::config::Credentials;
use crate::signature::{Lifetime, Signer};

/// The credentials configured for the tools (each present only when fully configured), and the
/// signing settings `sign` honours as the service does.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// `ZOOM_MEETING_SDK_KEY` / `_SECRET` (or their `_FILE` forms).
    pub meeting: Option<Credentials>,
    /// `ZOOM_VIDEO_SDK_KEY` / `_SECRET` (or their `_FILE` forms).
    pub video: Option<Credentials>,
    /// `SIGNER_BACKDATE`.
    pub backdate_seconds: u64,
    /// `SIGNER_TTL`.
    pub default_lifetime: Lifetime,
}

impl Default for ToolSettings {
    fn default() -> Self {
        Self {
            meeting: None,
            video: None,
            backdate_seconds: Signer::DEFAULT_BACKDATE_SECONDS,
            default_lifetime: Signer::DEFAULT_LIFETIME,
        }
    }
}
