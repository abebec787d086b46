//! The pre-2.7 legacy signature: base64 of `key.meetingNumber.timestampMs.role.hash`.

use super::decode::{Object, all_digits, base64_any};
use super::hmac::{Product, legacy_message, outcome, verify};
use super::rules::{Checks, issued, shown};
use super::time::{date, relative};
use super::{HmacStatus, Kind, Report};
use crate::config::ToolSettings;
use serde_json::Value;

/// Zoom accepted a legacy signature for about a day after its timestamp.
const ACCEPTED_FOR_MS: i64 = 24 * 3600 * 1000;
/// Below this a "milliseconds" timestamp is really seconds (1e11 ms is March 1973).
const SECONDS_BELOW: i64 = 100_000_000_000;

const NOTE: &str = "Web SDK 2.7 and later refuse legacy signatures: move to a Meeting SDK JWT \
                    (zoom-signer sign --meeting N).";

pub(super) fn report(text: &str, keys: &ToolSettings, now_ms: i64) -> Report {
    let parts: Vec<&str> = text.split('.').collect();
    let mut checks = Checks::default();
    let [key, mn, ts, role, hash] = parts[..] else {
        checks.fail(
            "parts",
            format!(
                "The decoded text has {} dot-separated parts: a legacy signature is \
                 key.meetingNumber.timestamp.role.hash, five parts.",
                parts.len()
            ),
        );
        let claims = Object(vec![("parts".into(), parts.iter().map(|p| Value::from(*p)).collect())]);
        return Report {
            kind: Some(Kind::Legacy),
            header: None,
            claims: Some(claims),
            checks: checks.0,
            hmac: HmacStatus::Unchecked,
            hmac_message: "not checked: the signature could not be taken apart".into(),
            notes: vec![NOTE.into()],
        };
    };
    let claims = Object(
        [("apiKey", key), ("meetingNumber", mn), ("timestamp", ts), ("role", role), ("hash", hash)]
            .iter()
            .map(|(name, value)| ((*name).to_owned(), Value::from(*value)))
            .collect(),
    );
    checks.pass("parts", "key.meetingNumber.timestamp.role.hash");
    if key.is_empty() {
        checks.fail("api key", "The key part is empty: put your API key (SDK key) first.");
    } else {
        checks.pass("api key", "present");
    }
    if all_digits(mn) && mn.len() <= 12 {
        checks.pass("meeting number", format!("meeting {mn}"));
    } else {
        checks.fail(
            "meeting number",
            format!(
                "The meeting number is {}: write its 1 to 12 digits only, without spaces or hyphens.",
                shown(&Value::from(mn))
            ),
        );
    }
    timestamp(&mut checks, ts, now_ms);
    match role {
        "0" => checks.pass("role", "0 (participant)"),
        "1" => checks.pass("role", "1 (host)"),
        other => {
            checks.fail("role", format!("The role is {}: use 0 (participant) or 1 (host).", shown(&Value::from(other))))
        }
    }
    if base64_any(hash).is_some_and(|mac| mac.len() == 32) {
        checks.pass("hash", "an HMAC-SHA256, base64");
    } else {
        checks.fail(
            "hash",
            "The hash part is not a base64 HMAC-SHA256 (32 bytes): compute it as \
             base64(HMAC_SHA256(secret, base64(key + meetingNumber + timestamp + role))).",
        );
    }
    let message = legacy_message(key, mn, ts, role);
    let hmac = outcome(Product::Meeting, Some(key), keys, |secret| verify(secret, message.as_bytes(), hash));
    checks.0.extend(hmac.checks);
    Report {
        kind: Some(Kind::Legacy),
        header: None,
        claims: Some(claims),
        checks: checks.0,
        hmac: hmac.status,
        hmac_message: hmac.message,
        notes: vec![NOTE.into()],
    }
}

fn timestamp(checks: &mut Checks, ts: &str, now_ms: i64) {
    let Some(ms) = ts.parse::<i64>().ok().filter(|_| all_digits(ts)) else {
        checks.fail(
            "timestamp",
            format!(
                "The timestamp is {}: write the Unix time in milliseconds, digits only \
                 (Date.now() - 30000).",
                shown(&Value::from(ts))
            ),
        );
        return;
    };
    if ms < SECONDS_BELOW {
        checks.fail(
            "timestamp",
            format!(
                "The timestamp {ms} is in seconds: legacy signatures take milliseconds \
                 (Date.now() - 30000)."
            ),
        );
        return;
    }
    checks.pass("timestamp", format!("milliseconds: {}", date(ms / 1000)));
    issued(checks, "issued", "the timestamp", ms / 1000, now_ms.div_euclid(1000));
    if now_ms - ms > ACCEPTED_FOR_MS {
        checks.fail(
            "age",
            format!(
                "It was made {} ({}), and Zoom accepted a legacy signature for only about 24h: \
                 make a fresh one for each join.",
                relative(ms / 1000, now_ms / 1000),
                date(ms / 1000)
            ),
        );
    } else if ms <= now_ms {
        checks.pass(
            "age",
            format!(
                "within the ~24h Zoom accepted, which ends {}",
                relative((ms + ACCEPTED_FOR_MS) / 1000, now_ms / 1000)
            ),
        );
    }
}
