//! Checking the HMAC against the configured secret, in constant time. Never shows a secret.

use super::decode::base64_any;
use super::{Check, HmacStatus};
use crate::config::Credentials;
use crate::config::ToolSettings;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Which app's credentials a signature is checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Product {
    Meeting,
    Video,
}

impl Product {
    fn name(self) -> &'static str {
        match self {
            Product::Meeting => "Meeting SDK",
            Product::Video => "Video SDK",
        }
    }

    fn variables(self) -> (&'static str, &'static str) {
        match self {
            Product::Meeting => ("ZOOM_MEETING_SDK_KEY", "ZOOM_MEETING_SDK_SECRET"),
            Product::Video => ("ZOOM_VIDEO_SDK_KEY", "ZOOM_VIDEO_SDK_SECRET"),
        }
    }

    fn other(self) -> Product {
        match self {
            Product::Meeting => Product::Video,
            Product::Video => Product::Meeting,
        }
    }

    fn credentials(self, keys: &ToolSettings) -> Option<&Credentials> {
        match self {
            Product::Meeting => keys.meeting.as_ref(),
            Product::Video => keys.video.as_ref(),
        }
    }
}

/// True when `mac_b64` (base64, either alphabet) is HMAC-SHA256 of `data` under `secret`.
pub(super) fn verify(secret: &SecretString, data: &[u8], mac_b64: &str) -> bool {
    let Some(tag) = base64_any(mac_b64) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.verify_slice(&tag).is_ok()
}

/// The message a legacy signature's hash covers: base64(key + mn + ts + role).
pub(super) fn legacy_message(key: &str, mn: &str, ts: &str, role: &str) -> String {
    STANDARD.encode(format!("{key}{mn}{ts}{role}"))
}

/// What the HMAC says: its status, the sentence explaining it, and a check when it was made.
pub(super) struct Outcome {
    pub status: HmacStatus,
    pub message: String,
    pub checks: Vec<Check>,
}

/// Checks a signature made for `product`, whose claims name `token_key`, with `verifies`
/// telling whether a given secret made it.
pub(super) fn outcome(
    product: Product,
    token_key: Option<&str>,
    keys: &ToolSettings,
    verifies: impl Fn(&SecretString) -> bool,
) -> Outcome {
    let (key_var, secret_var) = product.variables();
    let Some(credentials) = product.credentials(keys) else {
        return Outcome {
            status: HmacStatus::Unchecked,
            message: format!("not checked: set {key_var} and {secret_var} (or their _FILE forms) to verify it"),
            checks: Vec::new(),
        };
    };
    let configured = credentials.sdk_key.as_str();
    let shown_key = |key: Option<&str>| serde_json::Value::from(key.unwrap_or("")).to_string();
    if verifies(&credentials.sdk_secret) {
        let mut checks = vec![check(true, format!("valid: signed with {secret_var}"))];
        if token_key.is_some_and(|k| k != configured) {
            checks.push(Check {
                rule: "app key",
                ok: false,
                message: format!(
                    "The token names app key {} although {secret_var} (of {key_var} {}) signed \
                     it: Zoom looks the secret up by that key, so write {} in the token.",
                    shown_key(token_key),
                    shown_key(Some(configured)),
                    shown_key(Some(configured))
                ),
            });
        }
        return Outcome { status: HmacStatus::Valid, message: format!("valid: signed with {secret_var}"), checks };
    }
    let other = product.other();
    let message = if other.credentials(keys).is_some_and(|c| verifies(&c.sdk_secret)) {
        format!(
            "The HMAC does not match {secret_var} but matches {}: sign {} tokens with the {} \
             app's secret.",
            other.variables().1,
            product.name(),
            product.name()
        )
    } else if token_key.is_some_and(|k| k != configured) {
        format!(
            "The HMAC does not match: the signature was made for another app key ({}, while \
             {key_var} is {}), so inspect it with that app's key and secret or sign with \
             {secret_var}.",
            shown_key(token_key),
            shown_key(Some(configured))
        )
    } else {
        format!(
            "The HMAC does not match {secret_var}: the token was signed with another secret or \
             altered after signing, so sign it with the {} app's Client Secret (not a JWT-app, \
             OAuth or other product's secret).",
            product.name()
        )
    };
    Outcome { status: HmacStatus::Invalid, checks: vec![check(false, message.clone())], message }
}

fn check(ok: bool, message: String) -> Check {
    Check { rule: "hmac", ok, message }
}
