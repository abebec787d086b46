//! Limits on how clients may use connections and requests.

use std::time::Duration;

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

impl ServerLimits {
    /// The limits an operator gets with no settings (the flags' defaults are written from these).
    pub const DEFAULT: ServerLimits = ServerLimits {
        header_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(15),
        max_connections: 1024,
        shutdown_timeout: Duration::from_secs(10),
    };
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
