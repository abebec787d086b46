//! What every request handler shares: built once at start-up, read-only afterwards.

use crate::config::Settings;
use crate::page::JoinPage;
use crate::signature::{Clock, Lifetime, Signer, SystemClock};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    pub signer: Signer,
    /// The longest lifetime a request may ask for (`SIGNER_MAX_TTL`).
    pub max_lifetime: Lifetime,
    pub clock: Box<dyn Clock>,
    pub page: JoinPage,
}

impl AppState {
    pub fn new(signer: Signer, max_lifetime: Lifetime, page: JoinPage) -> Self {
        Self::with_clock(signer, max_lifetime, page, SystemClock)
    }

    pub fn with_clock(
        signer: Signer,
        max_lifetime: Lifetime,
        page: JoinPage,
        clock: impl Clock,
    ) -> Self {
        Self {
            inner: Arc::new(Shared {
                signer,
                max_lifetime,
                clock: Box::new(clock),
                page,
            }),
        }
    }

    pub fn from_settings(settings: &Settings) -> Self {
        Self::new(
            settings.signer(),
            settings.max_ttl,
            JoinPage::new(&settings.web_sdk_version, settings.demo),
        )
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}
