//! Rules shared by the Meeting and Video SDK JWTs: header, encoding, claim names, times.

use super::Check;
use super::decode::{Jwt, Object, is_base64url};
use super::time::{date, relative, span};
use serde_json::Value;

/// Above this a "seconds" claim is really milliseconds (1e11 s is the year 5138).
const MILLISECONDS_ABOVE: f64 = 1e11;
/// Zoom refuses `exp - iat` outside this window.
pub(super) const MIN_LIFETIME: i64 = 1800;
pub(super) const MAX_LIFETIME: i64 = 172_800;

/// The checks of one report, in the order they are made.
#[derive(Debug, Default)]
pub(super) struct Checks(pub Vec<Check>);

impl Checks {
    pub fn pass(&mut self, rule: &'static str, message: impl Into<String>) {
        self.push(rule, true, message);
    }

    pub fn fail(&mut self, rule: &'static str, message: impl Into<String>) {
        self.push(rule, false, message);
    }

    pub fn push(&mut self, rule: &'static str, ok: bool, message: impl Into<String>) {
        self.0.push(Check { rule, ok, message: message.into() });
    }
}

/// "a string", "a number", ...: what a JSON value is, for messages.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as JSON text: strings quoted and escaped, so nothing in a token reaches a terminal raw.
pub(super) fn shown(value: &Value) -> String {
    value.to_string()
}

pub(super) fn header_and_encoding(checks: &mut Checks, jwt: &Jwt<'_>) {
    let header = &jwt.header;
    let exact = header.0.len() == 2
        && header.get("alg") == Some(&Value::from("HS256"))
        && header.get("typ") == Some(&Value::from("JWT"));
    if exact {
        checks.pass("header", "alg HS256, typ JWT");
    } else {
        checks.fail(
            "header",
            format!(
                "The header is {}: make it exactly {{\"alg\":\"HS256\",\"typ\":\"JWT\"}}, as Zoom \
                 accepts only HMAC-SHA256 with the SDK secret.",
                shown(&header.to_value())
            ),
        );
    }
    if jwt.segments.iter().all(|s| is_base64url(s)) {
        checks.pass("encoding", "base64url without padding");
    } else {
        checks.fail(
            "encoding",
            "The parts use padding (=) or the standard alphabet (+ /): encode each with base64url \
             without padding, as JWTs require.",
        );
    }
}

/// Flags misspelt claim names (`renames`: written name, the name Zoom reads) and lists the
/// extra ones Zoom ignores.
pub(super) fn claim_names(checks: &mut Checks, claims: &Object, known: &[&str], renames: &[(&str, &str)]) {
    let mut misnamed = Vec::new();
    let mut ignored = Vec::new();
    for name in claims.names() {
        if known.contains(&name) {
            continue;
        }
        match renames.iter().find(|(wrong, _)| *wrong == name) {
            Some((wrong, right)) => misnamed.push(format!("{wrong} to {right}")),
            None => ignored.push(shown(&Value::from(name))),
        }
    }
    if !misnamed.is_empty() {
        checks.fail("claim names", format!("Rename {}: Zoom reads only {}.", misnamed.join(" and "), known.join(", ")));
    } else if ignored.is_empty() {
        checks.pass("claim names", "only claims Zoom reads");
    } else {
        checks.pass("claim names", format!("also carries {}, which Zoom ignores", ignored.join(", ")));
    }
}

/// `iat`/`exp`/`tokenExp`: must be a whole number of seconds. Returns it when it is one.
pub(super) fn seconds(checks: &mut Checks, claims: &Object, name: &'static str) -> Option<i64> {
    let Some(value) = claims.get(name) else {
        checks.fail(name, format!("Add {name} as a number: the Unix time in seconds."));
        return None;
    };
    let problem = match value {
        Value::Number(n) if n.as_f64().is_some_and(|f| f > MILLISECONDS_ABOVE) => format!(
            "{name} is {n}, which is milliseconds: divide by 1000 (Math.floor(Date.now() / 1000) \
             in JavaScript), as Zoom reads seconds."
        ),
        Value::Number(n) => match n.as_i64() {
            Some(v) if v >= 0 => {
                checks.pass(name, format!("whole seconds: {}", date(v)));
                return Some(v);
            }
            Some(v) => format!("{name} is negative ({v}): write the Unix time in seconds."),
            None => format!(
                "{name} is {n}: write a whole number of seconds, without a decimal point \
                 (Math.floor in JavaScript)."
            ),
        },
        Value::String(s) => {
            format!("{name} is a string ({}): write it as a number, without quotes.", shown(&Value::from(s.as_str())))
        }
        other => format!("{name} is {}: write it as a number, the Unix time in seconds.", type_name(other)),
    };
    checks.fail(name, problem);
    None
}

/// The lifetime window, `iat` not in the future, and `exp` not passed (all in seconds).
pub(super) fn times(checks: &mut Checks, iat: Option<i64>, exp: Option<i64>, now: i64) {
    if let (Some(iat), Some(exp)) = (iat, exp) {
        let lifetime = exp - iat;
        let shown_lifetime = format!(
            "exp - iat is {lifetime} s ({}{})",
            if lifetime < 0 { "-" } else { "" },
            span(lifetime.unsigned_abs())
        );
        if lifetime < MIN_LIFETIME {
            checks.fail(
                "lifetime",
                format!(
                    "{shown_lifetime}: Zoom wants at least {MIN_LIFETIME} s (30m), so set exp to \
                     iat + {MIN_LIFETIME} or more."
                ),
            );
        } else if lifetime > MAX_LIFETIME {
            checks.fail(
                "lifetime",
                format!("{shown_lifetime}: Zoom allows at most {MAX_LIFETIME} s (48h), so shorten it."),
            );
        } else {
            checks.pass("lifetime", format!("{shown_lifetime}, within {MIN_LIFETIME}..{MAX_LIFETIME}"));
        }
    }
    if let Some(iat) = iat {
        issued(checks, "issued", "iat", iat, now);
    }
    if let Some(exp) = exp {
        if exp <= now {
            checks.fail(
                "expiry",
                format!(
                    "It expired {} ({}): fetch a fresh signature for each join instead of \
                     reusing one.",
                    relative(exp, now),
                    date(exp)
                ),
            );
        } else {
            checks.pass("expiry", format!("expires {}", relative(exp, now)));
        }
    }
}

/// The issue time must not be ahead of this machine's clock: Zoom's servers refuse it.
pub(super) fn issued(checks: &mut Checks, rule: &'static str, what: &str, at: i64, now: i64) {
    if at > now {
        checks.fail(
            rule,
            format!(
                "{what} is {} s ahead of this machine's clock: Zoom refuses signatures issued in \
                 the future (error 3712), so backdate {what} by 30 s or more and keep the signing \
                 server's clock synced with NTP.",
                at - now
            ),
        );
    } else {
        checks.pass(rule, format!("issued {}", relative(at, now)));
    }
}

/// An optional 0/1 number claim.
pub(super) fn flag(checks: &mut Checks, claims: &Object, name: &'static str) {
    match claims.get(name) {
        None => {}
        Some(v) if v.as_u64().is_some_and(|n| n <= 1) => checks.pass(name, format!("{v}")),
        Some(v) => checks.fail(name, format!("{name} is {}: write 0 or 1, as a number.", shown(v))),
    }
}

/// An optional string claim of at most `max` characters.
pub(super) fn bounded_string(checks: &mut Checks, claims: &Object, name: &'static str, max: usize) {
    match claims.get(name) {
        None => {}
        Some(Value::String(s)) if (1..=max).contains(&s.chars().count()) => {
            checks.pass(name, format!("{} characters, at most {max}", s.chars().count()));
        }
        Some(Value::String(s)) => {
            checks.fail(name, format!("{name} has {} characters: make it 1 to {max}.", s.chars().count()))
        }
        Some(v) => checks.fail(name, format!("{name} is {}: write it as a string.", type_name(v))),
    }
}
