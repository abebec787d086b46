//! What every request handler shares: built once at start-up, read-only afterwards.

use crate::access::{
    AccessPolicy, AllowedOrigins, RateLimit, RateLimiter, TokenSet, TrustedProxies,
};
use crate::config::Settings;
use crate::page::JoinPage;
use crate::server::ServerLimits;
use crate::signature::{Clock, Lifetime, Signer, SystemClock};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    pub signer: Signer,
    pub options: Options,
    pub rate_limiter: Option<RateLimiter>,
}

/// Everything but the signer, with the defaults an operator gets with no settings.
pub struct Options {
    /// The longest lifetime a request may ask for (`SIGNER_MAX_TTL`).
    pub max_lifetime: Lifetime,
    pub clock: Box<dyn Clock>,
    pub page: JoinPage,
    pub policy: AccessPolicy,
    pub origins: AllowedOrigins,
    pub trusted_proxies: TrustedProxies,
    pub rate_limit: Option<RateLimit>,
    pub limits: ServerLimits,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_lifetime: Lifetime::TWO_HOURS,
            clock: Box::new(SystemClock),
            page: JoinPage::new("6.2.0", false),
            policy: AccessPolicy::default(),
            origins: AllowedOrigins::default(),
            trusted_proxies: TrustedProxies::default(),
            rate_limit: Some(RateLimit {
                count: 30,
                period: Duration::from_secs(60),
            }),
            limits: ServerLimits::default(),
        }
    }
}

impl AppState {
    pub fn new(signer: Signer, options: Options) -> Self {
        let rate_limiter = options
            .rate_limit
            .map(|limit| RateLimiter::new(limit, crate::access::rate_limit::DEFAULT_MAX_CLIENTS));
        Self {
            inner: Arc::new(Shared {
                signer,
                options,
                rate_limiter,
            }),
        }
    }

    pub fn from_settings(settings: &Settings) -> Self {
        let access = &settings.access;
        let options = Options {
            max_lifetime: settings.max_ttl,
            clock: Box::new(SystemClock),
            page: JoinPage::new(&settings.web_sdk_version, settings.demo)
                .with_frame_ancestors(&settings.frame_ancestors),
            policy: AccessPolicy {
                host_tokens: TokenSet::new(&access.host_tokens),
                api_tokens: TokenSet::new(&access.api_tokens),
                allowed_meetings: access.allowed_meetings.clone(),
            },
            origins: access.allowed_origins.clone(),
            trusted_proxies: access.trusted_proxies.clone(),
            rate_limit: access.rate_limit,
            limits: settings.limits,
        };
        Self::new(settings.signer(), options)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}

impl std::ops::Deref for Shared {
    type Target = Options;

    fn deref(&self) -> &Options {
        &self.options
    }
}
