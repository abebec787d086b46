//! zoom-signer: issues Zoom Meeting SDK signatures server-side and serves a page that joins with
//! them, so the SDK secret never reaches a browser.
//!
//! The modules, from the bottom up (each imports only those above it):
//!
//! - [`signature`]: Meeting, Video and legacy signing; pure, the clock passed in, no HTTP.
//! - [`access`]: who may get what: tokens, policy, origins, client address, rate limit; pure.
//! - [`zoom`]: the Zoom API client for "Sign in with Zoom" (the login): OAuth with PKCE, who signed
//!   in, their ZAK and OBF tokens, who hosts a meeting; which Zoom cloud; no HTTP server.
//! - [`config`]: flags, environment and `.env` parsed once into validated, typed settings.
//! - [`observability`]: logging set-up, the access and audit lines, the metrics registry.
//! - [`http`]: the route table with its guard groups, handlers, guards, the error type, replies,
//!   OpenAPI, the join page and `/metrics`.
//! - [`server`]: the hyper accept loop (timeouts, connection cap, graceful shutdown).
//! - [`lifecycle`]: bind, serve, signals, reload.
//! - [`commands`]: the tools the binary runs instead of the service (`healthcheck`, `inspect`,
//!   `sign`); nothing imports them.
//!
//! [`app`] builds the whole HTTP application from an [`AppState`]; [`serve`] runs it on a
//! listener until a shutdown future completes. `main.rs` only wires configuration to these.

pub mod access;
pub mod commands;
pub mod config;
pub mod http;
pub mod lifecycle;
pub mod observability;
pub mod server;
pub mod signature;
pub mod zoom;

pub use http::state::{AppState, Options};
pub use http::{app, metrics_app};
pub use lifecycle::run;
pub use server::{serve, serve_router};
