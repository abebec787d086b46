//! Zoom's webhooks (event notifications) for a Marketplace app, as Zoom documents them
//! (`shared/zoom-signatures.md` section 10): authenticating a delivery, answering the endpoint
//! validation, and reading the event. Pure: the clock is passed in, no HTTP types; the caller
//! hands over the two headers and the raw body.
//!
//! A delivery is authentic when `x-zm-signature` is `v0=` followed by the hex HMAC-SHA256, keyed
//! with the app's Secret Token, of `v0:{x-zm-request-timestamp}:{raw body}` (compared in constant
//! time), and fresh when that timestamp is at most [`MAX_CLOCK_SKEW`] from now, either way: a
//! delivery recorded and sent again later is refused.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use std::fmt;
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

/// The header holding the delivery's Unix time in seconds (as Zoom spells it).
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
/// The header holding `v0=` and the hex HMAC of the delivery (as Zoom spells it).
pub const MAC_HEADER: &str = "x-zm-signature";
/// How far a delivery's timestamp may be from now, either way (Zoom's usual window).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The only version of Zoom's scheme: the prefix of the message and of the header's value.
const VERSION: &str = "v0";

/// The app's Secret Token ("Feature" > "Event Subscriptions" in the Marketplace), which keys the
/// HMAC of every delivery. Never shown: its `Debug` says only that it is there.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// What a delivery brings: its two headers (as sent, if sent) and its raw body.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// `x-zm-request-timestamp`.
    pub timestamp: Option<&'a [u8]>,
    /// `x-zm-signature`.
    pub mac: Option<&'a [u8]>,
    pub body: &'a [u8],
}

/// Why a delivery is not taken as Zoom's. Each has a stable code for the audit line and the
/// metrics; what the sender is told is the same for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    #[error("{TIMESTAMP_HEADER} is missing")]
    NoTimestamp,
    #[error("{TIMESTAMP_HEADER} is not a Unix time in seconds")]
    BadTimestamp,
    #[error("{MAC_HEADER} is missing")]
    NoMac,
    #[error("{MAC_HEADER} is not v0= and 64 hex digits")]
    BadMac,
    #[error("{MAC_HEADER} does not authenticate the body and timestamp with the Secret Token")]
    WrongMac,
    /// Authentic, but from too long ago or too far ahead: a replay, or a clock that is off.
    #[error(
        "{TIMESTAMP_HEADER} is {seconds} s from this service's clock (at most {} s): a replay, or a clock that is off",
        MAX_CLOCK_SKEW.as_secs()
    )]
    Stale { seconds: u64 },
}

impl Unauthenticated {
    /// A stable label for the audit line and the refusal metrics.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoTimestamp => "webhook_no_timestamp",
            Self::BadTimestamp => "webhook_bad_timestamp",
            Self::NoMac => "webhook_no_mac",
            Self::BadMac => "webhook_bad_mac",
            Self::WrongMac => "webhook_wrong_mac",
            Self::Stale { .. } => "webhook_stale",
        }
    }
}

impl WebhookSecret {
    pub fn new(secret: SecretString) -> Self {
        Self(secret)
    }

    fn hmac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(self.0.expose_secret().as_bytes()).expect("HMAC takes keys of any length")
    }

    /// Whether `delivery` is Zoom's, made at most [`MAX_CLOCK_SKEW`] from `now_unix` (seconds).
    /// The HMAC is checked before the time, so a stale delivery is one Zoom did make.
    pub fn authenticate(&self, delivery: &Delivery<'_>, now_unix: u64) -> Result<(), Unauthenticated> {
        let timestamp = delivery.timestamp.ok_or(Unauthenticated::NoTimestamp)?;
        let seconds = parse_timestamp(timestamp).ok_or(Unauthenticated::BadTimestamp)?;
        let mac = delivery.mac.ok_or(Unauthenticated::NoMac)?;
        let mac = parse_mac(mac).ok_or(Unauthenticated::BadMac)?;
        let mut expected = self.hmac();
        expected.update(VERSION.as_bytes());
        expected.update(b":");
        expected.update(timestamp);
        expected.update(b":");
        expected.update(delivery.body);
        expected.verify_slice(&mac).map_err(|_| Unauthenticated::WrongMac)?;
        let skew = seconds.abs_diff(now_unix);
        if skew > MAX_CLOCK_SKEW.as_secs() {
            return Err(Unauthenticated::Stale { seconds: skew });
        }
        Ok(())
    }

    /// `encryptedToken`, the answer to an endpoint validation: the hex HMAC-SHA256 of the
    /// `plainToken` Zoom sent, keyed with the Secret Token.
    pub fn validation_token(&self, plain_token: &str) -> String {
        let mut mac = self.hmac();
        mac.update(plain_token.as_bytes());
        to_hex(&mac.finalize().into_bytes())
    }
}

/// Digits only (no plus or minus, no spaces), as Zoom writes Unix seconds.
fn parse_timestamp(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// The 32 bytes of `v0=<64 hex digits>`.
fn parse_mac(text: &[u8]) -> Option<[u8; 32]> {
    let hex = text.strip_prefix(b"v0=")?;
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(bytes)
}

fn hex_digit(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]]).map(char::from).collect()
}

/// The events the service tells apart (the `event` label of the metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookEventKind {
    UrlValidation,
    AppDeauthorized,
    Other,
}

impl WebhookEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UrlValidation => "url_validation",
            Self::AppDeauthorized => "app_deauthorized",
            Self::Other => "other",
        }
    }
}

/// An authenticated delivery's event: `{"event", "payload", "event_ts"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// `endpoint.url_validation`: Zoom checks the endpoint (before saving it, then every 72 h).
    UrlValidation { plain_token: String },
    /// `app_deauthorized`: someone removed the app.
    AppDeauthorized { account_id: String, user_id: String },
    /// Any other event, by its name.
    Other { event: String },
}

impl WebhookEvent {
    pub fn kind(&self) -> WebhookEventKind {
        match self {
            Self::UrlValidation { .. } => WebhookEventKind::UrlValidation,
            Self::AppDeauthorized { .. } => WebhookEventKind::AppDeauthorized,
            Self::Other { .. } => WebhookEventKind::Other,
        }
    }

    /// Reads an (authenticated) body.
    pub fn parse(body: &[u8]) -> Result<Self, EventError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
        let text = |path: &'static str| {
            let pointer = format!("/{}", path.replace('.', "/"));
            value.pointer(&pointer).and_then(Value::as_str).map(str::to_owned).ok_or(EventError::NotAString(path))
        };
        let event = text("event")?;
        Ok(match event.as_str() {
            "endpoint.url_validation" => Self::UrlValidation { plain_token: text("payload.plainToken")? },
            "app_deauthorized" => {
                Self::AppDeauthorized { account_id: text("payload.account_id")?, user_id: text("payload.user_id")? }
            }
            _ => Self::Other { event },
        })
    }
}

/// Why an authenticated body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// The field at this path (`event`, `payload.plainToken`, …) is missing or not a string.
    #[error("{0} must be a string")]
    NotAString(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "zoom-webhook-secret-token";
    const NOW: u64 = 1_700_000_030;
    /// A delivery and its `x-zm-signature`, computed apart from this code, with Python:
    /// `"v0=" + hmac.new(SECRET, b"v0:1700000030:" + BODY, hashlib.sha256).hexdigest()`.
    const BODY: &str = r#"{"event":"app_deauthorized","payload":{"account_id":"AcCoUnT1","user_id":"UsEr1","signature":"x","deauthorization_time":"2023-11-14T22:13:50.000Z","client_id":"cid"},"event_ts":1700000030000}"#;
    const MAC: &str = "v0=916b1cc5d93ca2a3fca1156119ddf34f23bcef7ef038e6d574b6e05c6780c99a";

    fn secret(text: &str) -> WebhookSecret {
        WebhookSecret::new(SecretString::from(text))
    }

    fn delivery<'a>(timestamp: &'a str, mac: &'a str, body: &'a str) -> Delivery<'a> {
        Delivery { timestamp: Some(timestamp.as_bytes()), mac: Some(mac.as_bytes()), body: body.as_bytes() }
    }

    /// `x-zm-signature` for `body` at `timestamp`, made by this module's own HMAC.
    fn mac_of(timestamp: u64, body: &str) -> String {
        let mut mac = secret(SECRET).hmac();
        mac.update(format!("v0:{timestamp}:{body}").as_bytes());
        format!("v0={}", to_hex(&mac.finalize().into_bytes()))
    }

    #[test]
    fn a_delivery_made_as_zoom_documents_is_authentic() {
        assert_eq!(secret(SECRET).authenticate(&delivery("1700000030", MAC, BODY), NOW), Ok(()));
    }

    #[test]
    fn upper_case_hex_is_the_same_mac() {
        let upper = format!("v0={}", MAC[3..].to_ascii_uppercase());
        assert_eq!(secret(SECRET).authenticate(&delivery("1700000030", &upper, BODY), NOW), Ok(()));
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let tampered = BODY.replace("UsEr1", "UsEr2");
        let outcome = secret(SECRET).authenticate(&delivery("1700000030", MAC, &tampered), NOW);
        assert_eq!(outcome, Err(Unauthenticated::WrongMac));
    }

    #[test]
    fn a_changed_timestamp_is_refused() {
        let outcome = secret(SECRET).authenticate(&delivery("1700000031", MAC, BODY), NOW);
        assert_eq!(outcome, Err(Unauthenticated::WrongMac));
    }

    #[test]
    fn another_secret_is_refused() {
        let outcome = secret("another-secret-token").authenticate(&delivery("1700000030", MAC, BODY), NOW);
        assert_eq!(outcome, Err(Unauthenticated::WrongMac));
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_old_is_refused() {
        let made = NOW - 301;
        let mac = mac_of(made, BODY);
        let outcome = secret(SECRET).authenticate(&delivery(&made.to_string(), &mac, BODY), NOW);
        assert_eq!(outcome, Err(Unauthenticated::Stale { seconds: 301 }));
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_ahead_is_refused() {
        let made = NOW + 301;
        let mac = mac_of(made, BODY);
        let outcome = secret(SECRET).authenticate(&delivery(&made.to_string(), &mac, BODY), NOW);
        assert_eq!(outcome, Err(Unauthenticated::Stale { seconds: 301 }));
    }

    #[test]
    fn a_timestamp_five_minutes_off_either_way_is_fresh() {
        for made in [NOW - 300, NOW + 300] {
            let mac = mac_of(made, BODY);
            assert_eq!(secret(SECRET).authenticate(&delivery(&made.to_string(), &mac, BODY), NOW), Ok(()), "{made}");
        }
    }

    #[test]
    fn a_stale_delivery_with_a_wrong_mac_is_reported_as_the_wrong_mac() {
        let made = (NOW - 3600).to_string();
        let outcome = secret(SECRET).authenticate(&delivery(&made, MAC, BODY), NOW);
        assert_eq!(outcome, Err(Unauthenticated::WrongMac));
    }

    #[test]
    fn missing_headers_are_refused_naming_which() {
        let no_timestamp = Delivery { timestamp: None, ..delivery("1700000030", MAC, BODY) };
        assert_eq!(secret(SECRET).authenticate(&no_timestamp, NOW), Err(Unauthenticated::NoTimestamp));
        let no_mac = Delivery { mac: None, ..delivery("1700000030", MAC, BODY) };
        assert_eq!(secret(SECRET).authenticate(&no_mac, NOW), Err(Unauthenticated::NoMac));
    }

    #[test]
    fn odd_timestamps_are_refused() {
        for odd in ["", " 1700000030", "+1700000030", "-5", "1700000030.5", "17e8", "99999999999999999999999"] {
            let outcome = secret(SECRET).authenticate(&delivery(odd, MAC, BODY), NOW);
            assert_eq!(outcome, Err(Unauthenticated::BadTimestamp), "{odd:?}");
        }
        let not_text = Delivery { timestamp: Some(&[0xff, 0x31]), ..delivery("", MAC, BODY) };
        assert_eq!(secret(SECRET).authenticate(&not_text, NOW), Err(Unauthenticated::BadTimestamp));
    }

    #[test]
    fn odd_mac_headers_are_refused() {
        let hex = &MAC[3..];
        for odd in [
            "",
            hex,
            &format!("v1={hex}"),
            &format!("v0={}", &hex[..62]),
            &format!("v0={hex}00"),
            &format!("v0={}zz", &hex[..62]),
            &format!("v0= {}", &hex[1..]),
            &format!("V0={hex}"),
        ] {
            let outcome = secret(SECRET).authenticate(&delivery("1700000030", odd, BODY), NOW);
            assert_eq!(outcome, Err(Unauthenticated::BadMac), "{odd:?}");
        }
    }

    #[test]
    fn the_validation_answer_is_the_hex_hmac_of_the_plain_token() {
        // Python: hmac.new(SECRET, b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
        assert_eq!(
            secret(SECRET).validation_token("qgg8vlvZRS6UYooatFL8Aw"),
            "303d596c41398000067ebaef31f940ff99945195fe501fc03a7549f882aa6c08"
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_or_errors() {
        assert_eq!(format!("{:?}", secret(SECRET)), "WebhookSecret([REDACTED])");
        let errors = [
            Unauthenticated::NoTimestamp,
            Unauthenticated::BadTimestamp,
            Unauthenticated::NoMac,
            Unauthenticated::BadMac,
            Unauthenticated::WrongMac,
            Unauthenticated::Stale { seconds: 301 },
        ];
        for error in errors {
            assert!(!error.to_string().contains(SECRET), "{error}");
            assert!(error.code().starts_with("webhook_"), "{error}");
        }
    }

    #[test]
    fn events_are_read_into_their_kinds() {
        let validation = br#"{"event":"endpoint.url_validation","payload":{"plainToken":"abc"},"event_ts":1}"#;
        assert_eq!(WebhookEvent::parse(validation), Ok(WebhookEvent::UrlValidation { plain_token: "abc".into() }));
        let removed = WebhookEvent::parse(BODY.as_bytes()).unwrap();
        assert_eq!(removed, WebhookEvent::AppDeauthorized { account_id: "AcCoUnT1".into(), user_id: "UsEr1".into() });
        assert_eq!(removed.kind().as_str(), "app_deauthorized");
        let other = WebhookEvent::parse(br#"{"event":"meeting.started","payload":{}}"#).unwrap();
        assert_eq!(other, WebhookEvent::Other { event: "meeting.started".into() });
    }

    #[test]
    fn a_validation_without_a_string_plain_token_is_refused_naming_it() {
        for body in [
            r#"{"event":"endpoint.url_validation","payload":{}}"#,
            r#"{"event":"endpoint.url_validation","payload":{"plainToken":42}}"#,
            r#"{"event":"endpoint.url_validation"}"#,
        ] {
            let error = WebhookEvent::parse(body.as_bytes()).unwrap_err();
            assert_eq!(error, EventError::NotAString("payload.plainToken"), "{body}");
        }
    }

    #[test]
    fn a_deauthorization_without_its_ids_is_refused_naming_the_id() {
        let error = WebhookEvent::parse(br#"{"event":"app_deauthorized","payload":{"account_id":"a"}}"#).unwrap_err();
        assert_eq!(error, EventError::NotAString("payload.user_id"));
    }

    #[test]
    fn bodies_that_are_not_events_are_refused() {
        assert!(matches!(WebhookEvent::parse(b"{\"event\": "), Err(EventError::NotJson(_))));
        assert!(matches!(WebhookEvent::parse(b"not json"), Err(EventError::NotJson(_))));
        for body in [&b"[]"[..], b"{}", br#"{"event":7}"#, b"\"app_deauthorized\""] {
            let error = WebhookEvent::parse(body).unwrap_err();
            assert_eq!(error, EventError::NotAString("event"), "{}", String::from_utf8_lossy(body));
        }
    }
}
