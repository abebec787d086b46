//! What the test modules share: the test signers on a fixed clock, the states built from them,
//! the tokens, JWT verification and the skip rule; then requests through `app()` in-process
//! ([`app`]), raw HTTP on a socket ([`wire`]), the binary as a process ([`process`]), real
//! nginx ([`nginx`]), the container engine ([`engine`]), and the stand-in Zoom ([`stand_in_zoom`]).

mod app;
pub mod engine;
mod login;
pub mod nginx;
pub mod process;
pub mod stand_in_zoom;
mod wire;

pub use app::*;
pub use login::*;
pub use wire::*;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::Value;
use sha2::Sha256;
use zoom_signer::access::{AccessPolicy, TokenSet};
use zoom_signer::http::state::Secrets;
use zoom_signer::signature::{FixedClock, Format, Lifetime, Signer};
use zoom_signer::zoom::WebhookSecret;
use zoom_signer::{AppState, Options};

pub const KEY: &str = "test-sdk-key";
pub const SECRET: &str = "test-sdk-secret-do-not-use";
pub const VIDEO_KEY: &str = "video-sdk-key";
pub const VIDEO_SECRET: &str = "video-sdk-secret-for-tests";
/// "Now" in these tests; with the default 30 s backdate, `iat` is this minus 30.
pub const NOW: u64 = 1_700_000_030;
/// The host token of states that have one (`SIGNER_HOST_TOKENS`).
pub const HOST_TOKEN: &str = "host-token-aaaaaaaaaaaaaaaaaaaa";
/// The API token of states that have one (`SIGNER_API_TOKENS`).
pub const API_TOKEN: &str = "api-token-bbbbbbbbbbbbbbbbbbbbbb";

/// The Meeting SDK signer of these tests.
pub fn signer(format: Format) -> Signer {
    Signer::new(KEY.into(), SecretString::from(SECRET), format)
}

/// The Video SDK signer of these tests.
fn video_signer() -> Signer {
    Signer::new(VIDEO_KEY.into(), SecretString::from(VIDEO_SECRET), Format::Jwt)
}

/// A token set (`SIGNER_HOST_TOKENS`, `SIGNER_API_TOKENS`) of `list`.
pub fn tokens(list: &[&str]) -> TokenSet {
    TokenSet::new(&list.iter().map(|t| SecretString::from(*t)).collect::<Vec<_>>())
}

/// Default options but a fixed clock ([`NOW`]) and no rate limit (tests send many requests from
/// one client).
pub fn test_options() -> Options {
    Options {
        clock: Box::new(FixedClock::at_unix_seconds(NOW)),
        rate_limit: None,
        webhook_rate_limit: None,
        ..Options::default()
    }
}

/// The plainest service: JWT meeting signatures, [`test_options`]; no tokens, video or login.
pub fn test_state() -> AppState {
    state_for_format(Format::Jwt, Lifetime::TWO_HOURS)
}

/// JWT meeting signatures with `options` instead of [`test_options`].
pub fn state_with_options(options: Options) -> AppState {
    AppState::new(signer(Format::Jwt), options)
}

/// Meeting signatures in `format` (`SIGNER_FORMAT`), lifetimes up to `max_lifetime` (`SIGNER_MAX_TTL`).
pub fn state_for_format(format: Format, max_lifetime: Lifetime) -> AppState {
    AppState::new(signer(format), Options { max_lifetime, ..test_options() })
}

/// JWT meeting signatures under `policy` (tokens, allowed meetings); no video.
pub fn state_with_policy(policy: AccessPolicy, options: Options) -> AppState {
    AppState::new(Secrets { policy, ..Secrets::from(signer(Format::Jwt)) }, options)
}

/// Meeting and Video SDK signatures under `policy`.
pub fn state_with_video(policy: AccessPolicy, options: Options) -> AppState {
    AppState::new(Secrets { video: Some(video_signer()), policy, ..Secrets::from(signer(Format::Jwt)) }, options)
}

/// The Zoom app's Secret Token of states with webhooks on (`SIGNER_ZOOM_WEBHOOK_SECRET`).
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-token";

/// JWT meeting signatures and Zoom's webhooks on, with [`WEBHOOK_SECRET`].
pub fn state_with_webhooks(options: Options) -> AppState {
    let webhook = Some(WebhookSecret::new(SecretString::from(WEBHOOK_SECRET)));
    AppState::new(Secrets { webhook, ..Secrets::from(signer(Format::Jwt)) }, options)
}

/// Checks a Meeting or Video SDK JWT's header and HMAC against `secret`; returns its claims.
pub fn verify_jwt(token: &str, secret: &str) -> Result<Value, String> {
    let (signed, mac) = token.rsplit_once('.').ok_or("not a JWT")?;
    let (header, payload) = signed.split_once('.').ok_or("not a JWT")?;
    let header = URL_SAFE_NO_PAD.decode(header).map_err(|e| e.to_string())?;
    if header != br#"{"alg":"HS256","typ":"JWT"}"# {
        return Err(format!("unexpected header {}", String::from_utf8_lossy(&header)));
    }
    let mut expected = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    expected.update(signed.as_bytes());
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|e| e.to_string())?;
    expected.verify_slice(&mac).map_err(|_| "HMAC does not verify".to_owned())?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|e| e.to_string())?;
    serde_json::from_slice(&payload).map_err(|e| e.to_string())
}

/// The skip rule, for a test (or part of one: `what`) that needs something this machine lacks
/// (`reason`: Chromium, nginx, Node, root): it says why and passes, unless `CI` is set, where it
/// fails, since CI must run everything.
#[track_caller]
pub fn skip(what: &str, reason: &str) {
    assert!(std::env::var_os("CI").is_none(), "{what} cannot run in CI: {reason}");
    eprintln!("SKIPPED {what}: {reason}");
}
