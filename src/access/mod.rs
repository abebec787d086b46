//! Who may get a signature: tokens, host role, meeting allow-list, origins, client addresses and
//! rate limits. The pieces are plain types; `crate::http` applies them to requests.

pub mod client_ip;
pub mod origin;
pub mod policy;
pub mod rate_limit;
pub mod tokens;

pub use client_ip::{ClientIp, TrustedProxies};
pub use origin::AllowedOrigins;
pub use policy::{AccessPolicy, Caller, HostClaim, Refusal};
pub use rate_limit::{RateLimit, RateLimiter};
pub use tokens::TokenSet;
