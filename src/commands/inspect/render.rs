//! A [`Report`] as text for people (✓/✗ per rule) or as one JSON object for scripts.

use super::decode::Object;
use super::rules::shown;
use super::time::{date, relative, rfc3339, unix_seconds};
use super::{HmacStatus, Kind, Report};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use std::time::SystemTime;

/// Above this a JWT time claim is milliseconds, and shown as such.
const MILLISECONDS_ABOVE: i64 = 100_000_000_000;

/// The Unix seconds a time claim stands for, and a remark when it is not in its usual unit.
fn time_of(kind: Kind, name: &str, value: &Value) -> Option<(i64, &'static str)> {
    let number = match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }?;
    match (kind, name) {
        (Kind::Legacy, "timestamp") if number < MILLISECONDS_ABOVE => Some((number, " (seconds)")),
        (Kind::Legacy, "timestamp") => Some((number / 1000, "")),
        (Kind::MeetingJwt, "iat" | "exp" | "tokenExp") | (Kind::VideoJwt, "iat" | "exp") => {
            if number > MILLISECONDS_ABOVE { Some((number / 1000, " (milliseconds)")) } else { Some((number, "")) }
        }
        _ => None,
    }
}

/// A name from a token, quoted when it holds anything a terminal might act on.
fn safe_name(name: &str) -> String {
    if name.chars().any(char::is_control) || name.is_empty() { shown(&Value::from(name)) } else { name.to_owned() }
}

fn section(out: &mut String, title: &str, object: &Object, kind: Kind, now: i64) {
    let _ = writeln!(out, "\n{title}");
    let names: Vec<String> = object.names().map(safe_name).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (name, (raw_name, value)) in names.iter().zip(&object.0) {
        let _ = write!(out, "  {name:width$}  {}", shown(value));
        if let Some((seconds, remark)) = time_of(kind, raw_name, value) {
            let _ = write!(out, "  {}, {}{remark}", date(seconds), relative(seconds, now));
        }
        out.push('\n');
    }
}

pub(super) fn text(report: &Report, now: SystemTime) -> String {
    let Some(kind) = report.kind else {
        return report.checks.first().map(|c| c.message.clone()).unwrap_or_default();
    };
    let now = unix_seconds(now);
    let mut out = String::from(kind.title());
    out.push('\n');
    if let Some(header) = &report.header {
        section(&mut out, "header", header, kind, now);
    }
    if let Some(claims) = &report.claims {
        section(&mut out, "claims", claims, kind, now);
    }
    out.push_str("\nchecks\n");
    let width = report.checks.iter().map(|c| c.rule.len()).chain(std::iter::once("hmac".len())).max().unwrap_or(0);
    for check in &report.checks {
        let mark = if check.ok { '✓' } else { '✗' };
        let _ = writeln!(out, "  {mark} {:width$}  {}", check.rule, check.message);
    }
    if report.hmac == HmacStatus::Unchecked {
        let _ = writeln!(out, "  ? {:width$}  {}", "hmac", report.hmac_message);
    }
    for note in &report.notes {
        let _ = write!(out, "\nnote: {note}\n");
    }
    let failures = report.checks.iter().filter(|c| !c.ok).count();
    out.push('\n');
    match failures {
        0 if report.hmac == HmacStatus::Unchecked => {
            out.push_str("OK: nothing Zoom would refuse, apart from the unchecked HMAC.")
        }
        0 => out.push_str("OK: nothing Zoom would refuse."),
        1 => out.push_str("1 problem: fix the ✗ line above."),
        n => {
            let _ = write!(out, "{n} problems: fix the ✗ lines above.");
        }
    }
    out
}

pub(super) fn json(report: &Report) -> String {
    let mut dates = Map::new();
    if let (Some(kind), Some(claims)) = (report.kind, &report.claims) {
        for (name, value) in &claims.0 {
            if let Some(iso) = time_of(kind, name, value).and_then(|(s, _)| rfc3339(s)) {
                dates.insert(name.clone(), Value::from(iso));
            }
        }
    }
    json!({
        "kind": report.kind.map(Kind::id),
        "header": report.header.as_ref().map(Object::to_value),
        "claims": report.claims.as_ref().map(Object::to_value),
        "dates": dates,
        "checks": report.checks.iter().map(|c| json!({
            "rule": c.rule,
            "ok": c.ok,
            "message": c.message,
        })).collect::<Vec<_>>(),
        "hmac": report.hmac.id(),
        "hmac_message": report.hmac_message,
        "notes": report.notes,
        "ok": report.ok(),
    })
    .to_string()
}
