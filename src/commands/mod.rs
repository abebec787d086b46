//! Tools the binary runs instead of the service.

pub mod healthcheck;
