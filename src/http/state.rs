//! What every request handler shares: built once at start-up; only the secrets can be swapped
//! (on SIGHUP), everything else is read-only.

use crate::access::{AccessPolicy, AllowedOrigins, RateLimit, RateLimiter, TokenSet, TrustedProxies};
use crate::config::ServerLimits;
use crate::config::Settings;
use crate::http::login::{Login, SpentAttempts};
use crate::http::page::JoinPage;
use crate::observability::metrics::Metrics;
use crate::signature::{Clock, Lifetime, Signer, SystemClock};
use crate::zoom::{WebhookSecret, ZoomSetupError};
use std::sync::{Arc, RwLock};
use std::time::UNIX_EPOCH;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    secrets: RwLock<Arc<Secrets>>,
    pub options: Options,
    /// `SIGNER_RATE_LIMIT`: every counted route but the webhooks'.
    pub rate_limiter: Option<RateLimiter>,
    /// `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`: Zoom's webhook deliveries.
    pub webhook_rate_limiter: Option<RateLimiter>,
    pub metrics: Metrics,
    /// Login attempts already answered, kept across reloads (a reload rebuilds the [`Login`]).
    spent_attempts: Arc<SpentAttempts>,
}

/// What a reload may replace: every credential and key the service holds.
pub struct Secrets {
    pub signer: Signer,
    /// The Video SDK signer, when `ZOOM_VIDEO_SDK_KEY` and `_SECRET` are configured.
    pub video: Option<Signer>,
    pub policy: AccessPolicy,
    /// "Sign in with Zoom" (`SIGNER_ZOOM_SIGN_IN=on`): the Zoom client with the app's OAuth
    /// credentials, and the session keys.
    pub login: Option<Login>,
    /// The app's Secret Token for Zoom's webhooks (`SIGNER_ZOOM_WEBHOOK_SECRET`): with it
    /// `POST /webhooks/zoom` answers.
    pub webhook: Option<WebhookSecret>,
}

impl From<Signer> for Secrets {
    /// The signer with the default policy: anyone may join, nobody may host; no login, no webhooks.
    fn from(signer: Signer) -> Self {
        Self { signer, video: None, policy: AccessPolicy::default(), login: None, webhook: None }
    }
}

impl Secrets {
    /// The secrets `settings` hold; fails only if the Zoom client cannot be built.
    pub fn from_settings(settings: &Settings, spent: &Arc<SpentAttempts>) -> Result<Self, ZoomSetupError> {
        let access = &settings.access;
        let login = settings.login.as_ref().map(|login| Login::new(login, spent.clone())).transpose()?;
        Ok(Self {
            signer: settings.signer(),
            video: settings.video_signer(),
            policy: AccessPolicy {
                host_tokens: TokenSet::new(&access.host_tokens),
                api_tokens: TokenSet::new(&access.api_tokens),
                allowed_meetings: access.allowed_meetings.clone(),
                allowed_sessions: access.allowed_sessions.clone(),
            },
            login,
            webhook: settings.webhook_secret.clone(),
        })
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
    /// Zoom's webhook deliveries per client (`SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`).
    pub webhook_rate_limit: Option<RateLimit>,
    pub limits: ServerLimits,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_lifetime: Signer::DEFAULT_MAX_LIFETIME,
            clock: Box::new(SystemClock),
            page: JoinPage::default(),
            origins: AllowedOrigins::default(),
            trusted_proxies: TrustedProxies::default(),
            rate_limit: Some(RateLimit::DEFAULT),
            webhook_rate_limit: Some(RateLimit::WEBHOOK_DEFAULT),
            limits: ServerLimits::default(),
        }
    }
}

impl AppState {
    pub fn new(secrets: impl Into<Secrets>, options: Options) -> Self {
        let limiter = |limit: RateLimit| RateLimiter::new(limit, crate::access::rate_limit::DEFAULT_MAX_CLIENTS);
        let rate_limiter = options.rate_limit.map(limiter);
        let webhook_rate_limiter = options.webhook_rate_limit.map(limiter);
        let secrets = RwLock::new(Arc::new(secrets.into()));
        let shared = Shared {
            secrets,
            options,
            rate_limiter,
            webhook_rate_limiter,
            metrics: Metrics::new(crate::http::paths()),
            spent_attempts: Arc::default(),
        };
        Self { inner: Arc::new(shared) }
    }

    /// The state `settings` describe; fails only if the Zoom client cannot be built.
    pub fn from_settings(settings: &Settings) -> Result<Self, ZoomSetupError> {
        let options = Options {
            max_lifetime: settings.max_ttl,
            clock: Box::new(SystemClock),
            page: JoinPage::new(&settings.web_sdk_version, settings.demo)
                .with_zoom_cloud(settings.zoom_cloud)
                .with_login(settings.login.is_some())
                .with_frame_ancestors(&settings.frame_ancestors),
            origins: settings.access.allowed_origins.clone(),
            trusted_proxies: settings.access.trusted_proxies.clone(),
            rate_limit: settings.access.rate_limit,
            webhook_rate_limit: settings.access.webhook_rate_limit,
            limits: settings.limits,
        };
        let state = Self::new(Secrets::from(settings.signer()), options);
        state.reload(settings)?;
        Ok(state)
    }

    /// The secrets in force now. Cheap: a read lock and a reference count.
    pub fn secrets(&self) -> Arc<Secrets> {
        self.inner.secrets.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Swaps in new secrets; requests already running finish with the old ones.
    pub fn replace_secrets(&self, secrets: Secrets) {
        *self.inner.secrets.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(secrets);
    }

    /// Swaps in the secrets `settings` hold (a reload on SIGHUP); on an error the old ones stay.
    pub fn reload(&self, settings: &Settings) -> Result<(), ZoomSetupError> {
        self.replace_secrets(Secrets::from_settings(settings, &self.inner.spent_attempts)?);
        Ok(())
    }

    /// Unix seconds by the state's clock.
    pub fn unix_now(&self) -> u64 {
        self.clock.now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
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
