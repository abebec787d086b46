//! What every request handler shares: built once at start-up; only the secrets can be swapped
//! (on SIGHUP), everything else is read-only.

use crate::access::{AccessPolicy, AllowedOrigins, RateLimit, RateLimiter, TokenSet, TrustedProxies};
use crate::config::ServerLimits;
use crate::config::Settings;
use crate::http::page::JoinPage;
use crate::http::session::SignIn;
use crate::observability::metrics::Metrics;
use crate::signature::{Clock, Lifetime, Signer, SystemClock};
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    secrets: RwLock<Arc<Secrets>>,
    pub options: Options,
    pub rate_limiter: Option<RateLimiter>,
    pub metrics: Metrics,
}

/// What a reload may replace: the signing credentials and the token lists.
pub struct Secrets {
    pub signer: Signer,
    /// The Video SDK signer, when `ZOOM_VIDEO_SDK_KEY` and `_SECRET` are configured.
    pub video: Option<Signer>,
    pub policy: AccessPolicy,
}

impl From<Signer> for Secrets {
    /// The signer with the default policy: anyone may join, nobody may host.
    fn from(signer: Signer) -> Self {
        Self { signer, video: None, policy: AccessPolicy::default() }
    }
}

impl Secrets {
    pub fn from_settings(settings: &Settings) -> Self {
        let access = &settings.access;
        Self {
            signer: settings.signer(),
            video: settings.video_signer(),
            policy: AccessPolicy {
                host_tokens: TokenSet::new(&access.host_tokens),
                api_tokens: TokenSet::new(&access.api_tokens),
                allowed_meetings: access.allowed_meetings.clone(),
                allowed_sessions: access.allowed_sessions.clone(),
            },
        }
    }
}

/// Everything but the secrets, with the defaults an operator gets with no settings.
pub struct Options {
    /// The longest lifetime a request may ask for (`SIGNER_MAX_TTL`).
    pub max_lifetime: Lifetime,
    pub clock: Box<dyn Clock>,
    pub page: JoinPage,
    pub origins: AllowedOrigins,
    pub trusted_proxies: TrustedProxies,
    pub rate_limit: Option<RateLimit>,
    pub limits: ServerLimits,
    /// `SIGNER_ZOOM_SIGN_IN=on`: "Sign in with Zoom".
    pub sign_in: Option<SignIn>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_lifetime: Lifetime::TWO_HOURS,
            clock: Box::new(SystemClock),
            page: JoinPage::new("6.2.0", false),
            origins: AllowedOrigins::default(),
            trusted_proxies: TrustedProxies::default(),
            rate_limit: Some(RateLimit { count: 30, period: Duration::from_secs(60) }),
            limits: ServerLimits::default(),
            sign_in: None,
        }
    }
}

impl AppState {
    pub fn new(secrets: impl Into<Secrets>, options: Options) -> Self {
        let rate_limiter =
            options.rate_limit.map(|limit| RateLimiter::new(limit, crate::access::rate_limit::DEFAULT_MAX_CLIENTS));
        let secrets = RwLock::new(Arc::new(secrets.into()));
        Self { inner: Arc::new(Shared { secrets, options, rate_limiter, metrics: Metrics::default() }) }
    }

    /// The state `settings` describe; fails only if the Zoom client cannot be built.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let sign_in = settings.sign_in.as_ref().map(SignIn::new).transpose().map_err(|e| e.to_string())?;
        let options = Options {
            max_lifetime: settings.max_ttl,
            clock: Box::new(SystemClock),
            page: JoinPage::new(&settings.web_sdk_version, settings.demo)
                .with_frame_ancestors(&settings.frame_ancestors)
                .with_sign_in(settings.sign_in.is_some()),
            origins: settings.access.allowed_origins.clone(),
            trusted_proxies: settings.access.trusted_proxies.clone(),
            rate_limit: settings.access.rate_limit,
            limits: settings.limits,
            sign_in,
        };
        Ok(Self::new(Secrets::from_settings(settings), options))
    }

    /// The secrets in force now. Cheap: a read lock and a reference count.
    pub fn secrets(&self) -> Arc<Secrets> {
        self.inner.secrets.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Swaps in new secrets; requests already running finish with the old ones.
    pub fn replace_secrets(&self, secrets: Secrets) {
        *self.inner.secrets.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(secrets);
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
