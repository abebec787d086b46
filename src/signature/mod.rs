//! Zoom SDK signatures, and nothing else: no HTTP, no configuration files, no clock of its own.
//!
//! Callers validate input into the types here ([`MeetingNumber`], [`Role`], [`Lifetime`]) and pass
//! the current time in, so every signature is reproducible in tests.

mod jwt;
mod legacy;
mod types;
mod video;

pub use types::{Claims, Lifetime, LifetimeError, MeetingNumber, MeetingNumberError, MeetingTarget, Role, RoleError};
pub use video::{GEO_REGIONS, SessionName, VideoClaimError, VideoClaims, geo_region, session_key, user_identity};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// Where "now" comes from; passed in so tests can fix the time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> SystemTime;
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stuck at one instant, for tests and reproducible tooling.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl FixedClock {
    pub fn at_unix_seconds(seconds: u64) -> Self {
        Self(UNIX_EPOCH + std::time::Duration::from_secs(seconds))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Which signature a [`Signer`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Meeting SDK JWT (Web SDK >= 2.3; required from 2.7).
    Jwt,
    /// The pre-2.7 API key/secret signature.
    Legacy,
}

/// Why a signature could not be made from a request that was otherwise well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the legacy signature format needs a meeting number and a role (native-SDK tokens exist only as JWTs)")]
    LegacyNeedsMeeting,
    #[error("the legacy signature format has no {0} (Zoom accepts a legacy signature for about 24 hours)")]
    LegacyUnsupported(&'static str),
}

/// A signed credential. Its `Debug` never shows the value: signatures are credentials too.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    value: String,
    /// Unix seconds after which Zoom refuses it.
    pub expires_at: u64,
}

impl Signature {
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature").field("value", &"[REDACTED]").field("expires_at", &self.expires_at).finish()
    }
}

/// Signs with one SDK key and secret. Cheap to share: the HMAC key schedule is computed once.
#[derive(Clone)]
pub struct Signer {
    sdk_key: String,
    /// `sdk_key` as a JSON string literal, escaped once rather than per signature.
    sdk_key_json: String,
    secret: SecretString,
    keyed_mac: HmacSha256,
    format: Format,
    backdate_seconds: u64,
    default_lifetime: Lifetime,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("sdk_key", &self.sdk_key)
            .field("secret", &"[REDACTED]")
            .field("format", &self.format)
            .field("backdate_seconds", &self.backdate_seconds)
            .field("default_lifetime", &self.default_lifetime)
            .finish()
    }
}

impl Signer {
    /// Zoom's own sample backdates `iat` by 30 s against clock skew; so do we unless told otherwise.
    pub const DEFAULT_BACKDATE_SECONDS: u64 = 30;
    /// Zoom's own sample's default lifetime: two hours.
    pub const DEFAULT_LIFETIME: Lifetime = Lifetime::TWO_HOURS;
    /// The longest lifetime a request may ask for by default (`SIGNER_MAX_TTL`).
    pub const DEFAULT_MAX_LIFETIME: Lifetime = Lifetime::TWO_HOURS;

    pub fn new(sdk_key: String, secret: SecretString, format: Format) -> Self {
        let keyed_mac =
            HmacSha256::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC accepts keys of any length");
        let sdk_key_json = serde_json::to_string(&sdk_key).expect("a string always serialises");
        Self {
            sdk_key,
            sdk_key_json,
            secret,
            keyed_mac,
            format,
            backdate_seconds: Self::DEFAULT_BACKDATE_SECONDS,
            default_lifetime: Self::DEFAULT_LIFETIME,
        }
    }

    /// Sets how far `iat` lies in the past, so a Zoom server whose clock is behind ours accepts it.
    pub fn with_backdate(mut self, seconds: u64) -> Self {
        self.backdate_seconds = seconds;
        self
    }

    /// Sets the lifetime used when a request names none.
    pub fn with_default_lifetime(mut self, lifetime: Lifetime) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    pub fn sdk_key(&self) -> &str {
        &self.sdk_key
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The secret, for code that must verify signatures (tests, tooling). Never log it.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// Signs `claims` in this signer's format, as of `now`.
    pub fn sign(&self, claims: &Claims, now: SystemTime) -> Result<Signature, SignError> {
        match self.format {
            Format::Jwt => Ok(self.meeting_jwt(claims, now)),
            Format::Legacy => {
                let target = claims.meeting.as_ref().ok_or(SignError::LegacyNeedsMeeting)?;
                if claims.lifetime.is_some() {
                    return Err(SignError::LegacyUnsupported("expirationSeconds"));
                }
                if claims.video_webrtc_mode.is_some() {
                    return Err(SignError::LegacyUnsupported("videoWebRtcMode"));
                }
                Ok(self.legacy(target, now))
            }
        }
    }

    fn issued_at(&self, now: SystemTime) -> u64 {
        unix_seconds(now).saturating_sub(self.backdate_seconds)
    }

    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed_mac.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

fn unix_seconds(time: SystemTime) -> u64 {
    // A clock before 1970 is a broken machine; signing as of the epoch makes Zoom say so clearly.
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn b64url(bytes: &[u8], out: &mut String) {
    // A token's parts fit on the stack; one slice encode costs less than `encode_string`'s chunks.
    let mut encoded = [0u8; 512];
    match URL_SAFE_NO_PAD.encode_slice(bytes, &mut encoded) {
        Ok(len) => out.push_str(std::str::from_utf8(&encoded[..len]).expect("base64 is ASCII")),
        Err(_) => URL_SAFE_NO_PAD.encode_string(bytes, out),
    }
}

fn b64std(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
