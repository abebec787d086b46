//! `zoom-signer inspect`: the signature doctor. Error 3712 "Signature is invalid" is the most asked
//! question on Zoom's developer forum; this decodes a signature, shows what it holds and checks it
//! against every rule Zoom applies, saying for each failure what to change.
//!
//! [`inspect`] is the whole analysis (pure, no I/O); `render` turns its [`Report`] into text or
//! JSON.

mod claims;
mod decode;
mod hmac;
mod legacy;
mod render;
mod rules;
#[cfg(test)]
mod tests;
mod time;

pub use decode::Object;

use crate::config::{InspectArgs, ToolSettings};
use decode::{Decoded, Jwt};
use hmac::Product;
use rules::Checks;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::SystemTime;

/// Which signature a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MeetingJwt,
    VideoJwt,
    Legacy,
}

impl Kind {
    /// The name scripts see in `--json`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::MeetingJwt => "meeting_jwt",
            Kind::VideoJwt => "video_jwt",
            Kind::Legacy => "legacy",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::MeetingJwt => "Meeting SDK JWT",
            Kind::VideoJwt => "Video SDK JWT",
            Kind::Legacy => "Legacy Web SDK signature (API key and secret)",
        }
    }
}

/// What the HMAC check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacStatus {
    Valid,
    Invalid,
    /// No matching secret is configured: not a fault of the signature.
    Unchecked,
}

impl HmacStatus {
    pub fn id(self) -> &'static str {
        match self {
            HmacStatus::Valid => "valid",
            HmacStatus::Invalid => "invalid",
            HmacStatus::Unchecked => "unchecked",
        }
    }
}

/// One rule: whether the signature keeps it, and a description (when kept) or the one sentence
/// saying what to change (when not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub rule: &'static str,
    pub ok: bool,
    pub message: String,
}

/// Everything `inspect` found out about one signature.
#[derive(Debug, Clone)]
pub struct Report {
    /// `None`: not a signature at all (the only check says what it is not).
    pub kind: Option<Kind>,
    pub header: Option<Object>,
    pub claims: Option<Object>,
    pub checks: Vec<Check>,
    pub hmac: HmacStatus,
    pub hmac_message: String,
    /// Things worth knowing that are not faults.
    pub notes: Vec<String>,
}

impl Report {
    /// Nothing wrong (an unchecked HMAC is not wrong).
    pub fn ok(&self) -> bool {
        self.kind.is_some() && self.checks.iter().all(|c| c.ok)
    }

    /// The first check of `rule`.
    pub fn check(&self, rule: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.rule == rule)
    }

    fn not_a_signature(sentence: String) -> Self {
        Self {
            kind: None,
            header: None,
            claims: None,
            checks: vec![Check { rule: "format", ok: false, message: sentence }],
            hmac: HmacStatus::Unchecked,
            hmac_message: "not checked: this is not a signature".into(),
            notes: Vec::new(),
        }
    }
}

/// Far longer than any signature; not worth decoding.
const MAX_LENGTH: usize = 16 * 1024;

/// Decodes `signature` (surrounding whitespace and quotes ignored) and checks it, HMAC included
/// when `keys` holds the matching secret, as of `now`.
pub fn inspect(signature: &str, keys: &ToolSettings, now: SystemTime) -> Report {
    let text = signature.trim();
    let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).map_or(text, str::trim);
    if text.len() > MAX_LENGTH {
        return Report::not_a_signature(format!(
            "This is not a signature: it is {} bytes long, and Zoom signatures are a few hundred.",
            text.len()
        ));
    }
    match decode::decode(text) {
        Decoded::NotASignature(sentence) => Report::not_a_signature(sentence),
        Decoded::Legacy(decoded) => legacy::report(&decoded, keys, time::unix_millis(now)),
        Decoded::Jwt(jwt) => jwt_report(&jwt, keys, time::unix_seconds(now)),
    }
}

fn jwt_report(jwt: &Jwt<'_>, keys: &ToolSettings, now: i64) -> Report {
    let payload = &jwt.payload;
    let Some(is_meeting) = claims::is_meeting(payload) else {
        let hint = if payload.has("iss") {
            " (its iss claim suggests a Zoom JWT-app or OAuth token, which the SDKs do not accept)"
        } else {
            ""
        };
        return Report::not_a_signature(format!(
            "This is a JWT, but not a Zoom SDK signature: its payload has none of appKey, sdkKey, \
             mn, role (Meeting SDK) or app_key, tpc, role_type (Video SDK){hint}."
        ));
    };
    let mut checks = Checks::default();
    let mut notes = Vec::new();
    rules::header_and_encoding(&mut checks, jwt);
    let (kind, product, token_key) = if is_meeting {
        claims::meeting(&mut checks, payload, now);
        if payload.get("role").and_then(|r| r.as_u64()) == Some(1) {
            notes.push(
                "Role 1 starts the meeting only with the host's ZAK (zak in join()); keep host \
                 signatures away from anyone who is not the host."
                    .into(),
            );
        }
        let key = payload.str("appKey").or_else(|| payload.str("sdkKey"));
        (Kind::MeetingJwt, Product::Meeting, key)
    } else {
        claims::video(&mut checks, payload, now);
        (Kind::VideoJwt, Product::Video, payload.str("app_key"))
    };
    let hmac = hmac::outcome(product, token_key, keys, |secret| {
        hmac::verify(secret, jwt.signing_input.as_bytes(), jwt.segments[2])
    });
    checks.0.extend(hmac.checks);
    Report {
        kind: Some(kind),
        header: Some(jwt.header.clone()),
        claims: Some(payload.clone()),
        checks: checks.0,
        hmac: hmac.status,
        hmac_message: hmac.message,
        notes,
    }
}

/// Prints the report of `args.signature` (or of standard input for `-`); exits 0 when nothing is
/// wrong, 1 when something is, 2 when standard input cannot be read.
pub fn run(args: &InspectArgs, keys: &ToolSettings, now: SystemTime) -> ExitCode {
    let input = if args.signature == "-" {
        let mut bytes = Vec::new();
        let limit = (MAX_LENGTH + 1) as u64;
        if let Err(error) = std::io::stdin().lock().take(limit).read_to_end(&mut bytes) {
            eprintln!("zoom-signer: cannot read standard input: {error}");
            return ExitCode::from(2);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        args.signature.clone()
    };
    let report = inspect(&input, keys, now);
    let output = if args.json { render::json(&report) } else { render::text(&report, now) };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{output}").and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    if report.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
