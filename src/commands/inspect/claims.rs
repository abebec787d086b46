//! The claims of the Meeting SDK JWT and of the Video SDK JWT, rule by rule.

use super::decode::{Object, all_digits};
use super::rules::{Checks, bounded_string, claim_names, flag, seconds, shown, times, type_name};
use crate::signature::GEO_REGIONS;
use serde_json::Value;

pub(super) const MEETING_CLAIMS: &[&str] =
    &["appKey", "sdkKey", "mn", "role", "iat", "exp", "tokenExp", "video_webrtc_mode"];

const MEETING_RENAMES: &[(&str, &str)] = &[
    ("apiKey", "appKey"),
    ("app_key", "appKey"),
    ("sdk_key", "sdkKey"),
    ("meetingNumber", "mn"),
    ("meeting_number", "mn"),
    ("role_type", "role"),
    ("tokenexp", "tokenExp"),
    ("token_exp", "tokenExp"),
];

pub(super) const VIDEO_CLAIMS: &[&str] = &[
    "app_key",
    "tpc",
    "role_type",
    "version",
    "iat",
    "exp",
    "session_key",
    "user_identity",
    "geo_regions",
    "cloud_recording_option",
    "cloud_recording_election",
    "video_webrtc_mode",
    "audio_webrtc_mode",
    "telemetry_tracking_id",
];

const VIDEO_RENAMES: &[(&str, &str)] = &[
    ("appKey", "app_key"),
    ("sdkKey", "app_key"),
    ("apiKey", "app_key"),
    ("sessionName", "tpc"),
    ("topic", "tpc"),
    ("role", "role_type"),
    ("roleType", "role_type"),
    ("sessionKey", "session_key"),
    ("userIdentity", "user_identity"),
];

/// Names only a Meeting SDK JWT carries, and names only a Video SDK JWT carries.
const MEETING_MARKS: &[&str] = &["appKey", "sdkKey", "apiKey", "mn", "role", "tokenExp"];
const VIDEO_MARKS: &[&str] = &["app_key", "tpc", "role_type", "version", "session_key", "user_identity", "geo_regions"];

/// Which product a JWT payload is for: `Some(true)` Meeting SDK, `Some(false)` Video SDK.
pub(super) fn is_meeting(claims: &Object) -> Option<bool> {
    let count = |marks: &[&str]| marks.iter().filter(|m| claims.has(m)).count();
    match (count(MEETING_MARKS), count(VIDEO_MARKS)) {
        (0, 0) => None,
        (meeting, video) => Some(meeting >= video),
    }
}

pub(super) fn meeting(checks: &mut Checks, claims: &Object, now: i64) {
    claim_names(checks, claims, MEETING_CLAIMS, MEETING_RENAMES);
    app_key(checks, claims);
    match (claims.str("sdkKey"), claims.get("sdkKey"), claims.str("appKey")) {
        (_, None, _) => {}
        (Some(sdk), _, Some(app)) if sdk == app => checks.pass("sdkKey", "equals appKey"),
        (Some(_), _, None) => checks.pass("sdkKey", "present"),
        (_, Some(sdk), _) => checks.fail(
            "sdkKey",
            format!(
                "sdkKey is {} but appKey is {}: set both to your Meeting SDK key (Client ID).",
                shown(sdk),
                claims.get("appKey").map_or("absent".into(), shown)
            ),
        ),
    }
    meeting_and_role(checks, claims);
    let iat = seconds(checks, claims, "iat");
    let exp = seconds(checks, claims, "exp");
    match claims.get("tokenExp") {
        None => {}
        Some(token_exp) if token_exp.is_number() && claims.get("exp") == Some(token_exp) => {
            checks.pass("tokenExp", "equals exp");
        }
        Some(token_exp) if token_exp.is_number() => checks.fail(
            "tokenExp",
            format!(
                "tokenExp is {} but exp is {}: write the same number of seconds in both.",
                shown(token_exp),
                claims.get("exp").map_or("absent".into(), shown)
            ),
        ),
        Some(token_exp) => checks
            .fail("tokenExp", format!("tokenExp is {}: write it as a number, equal to exp.", type_name(token_exp))),
    }
    times(checks, iat, exp, now);
    flag(checks, claims, "video_webrtc_mode");
}

fn app_key(checks: &mut Checks, claims: &Object) {
    let problem = match claims.get("appKey") {
        Some(Value::String(key)) if !key.is_empty() => {
            return checks.pass("appKey", "present (Web SDK 5.0 and later require it)");
        }
        Some(Value::String(_)) => "appKey is empty: set it to your Meeting SDK key (Client ID).",
        Some(_) => "appKey must be your Meeting SDK key (Client ID) as a string.",
        None if claims.has("sdkKey") => "Add appKey with the same value as sdkKey: Web SDK 5.0 and later require it.",
        None if claims.has("apiKey") => {
            "Add appKey with your Meeting SDK key (apiKey is the old name): Web SDK 5.0 and later require it."
        }
        None => "Add appKey with your Meeting SDK key (Client ID): Web SDK 5.0 and later require it.",
    };
    checks.fail("appKey", problem);
}

fn meeting_and_role(checks: &mut Checks, claims: &Object) {
    match (claims.get("mn"), claims.get("role")) {
        (Some(_), Some(_)) => checks.pass("mn and role", "both present: a web token"),
        (None, None) => checks.pass(
            "mn and role",
            "both absent: a native-SDK token (the Web SDK needs both)",
        ),
        (Some(_), None) => checks.fail(
            "mn and role",
            "mn is present without role: add role (0 participant, 1 host), or drop mn for a native-SDK token.",
        ),
        (None, Some(_)) => checks.fail(
            "mn and role",
            "role is present without mn: add mn (the meeting number, as a string), or drop role for a native-SDK token.",
        ),
    }
    match claims.get("mn") {
        None => {}
        Some(Value::String(mn)) if all_digits(mn) && mn.len() <= 12 => {
            checks.pass("mn", format!("meeting {mn}"));
        }
        Some(Value::String(mn)) if all_digits(mn) => checks.fail(
            "mn",
            format!("mn has {} digits, more than a Zoom meeting number's 12: copy the meeting number again.", mn.len()),
        ),
        Some(Value::String(mn)) => {
            let digits: String = mn.chars().filter(char::is_ascii_digit).collect();
            checks.fail(
                "mn",
                format!(
                    "mn is {}: write the meeting number's digits only, e.g. \"{}\".",
                    shown(&Value::from(mn.as_str())),
                    if digits.is_empty() { "123456789" } else { &digits }
                ),
            );
        }
        Some(Value::Number(n)) => checks.fail("mn", format!("mn is a number ({n}): write it as a string, \"{n}\".")),
        Some(other) => {
            checks.fail("mn", format!("mn is {}: write the meeting number as a string of digits.", type_name(other)))
        }
    }
    role(checks, claims, "role");
}

/// `role` (Meeting) or `role_type` (Video): the number 0 or 1.
fn role(checks: &mut Checks, claims: &Object, name: &'static str) {
    match claims.get(name) {
        None => {}
        Some(v) if v.as_u64() == Some(0) => checks.pass(name, "0 (participant)"),
        Some(v) if v.as_u64() == Some(1) => checks.pass(name, "1 (host)"),
        Some(Value::String(s)) => checks.fail(
            name,
            format!("{name} is a string ({}): write it as a number, 0 or 1.", shown(&Value::from(s.as_str()))),
        ),
        Some(v) => checks.fail(name, format!("{name} is {}: use 0 (participant) or 1 (host).", shown(v))),
    }
}

pub(super) fn video(checks: &mut Checks, claims: &Object, now: i64) {
    claim_names(checks, claims, VIDEO_CLAIMS, VIDEO_RENAMES);
    match claims.get("app_key") {
        Some(Value::String(key)) if !key.is_empty() => checks.pass("app_key", "present"),
        _ => checks.fail("app_key", "Add app_key with your Video SDK key, as a string."),
    }
    match claims.get("tpc") {
        Some(Value::String(tpc)) if (1..=200).contains(&tpc.chars().count()) => {
            checks.pass("tpc", format!("session {}", shown(&Value::from(tpc.as_str()))));
        }
        Some(Value::String(tpc)) => checks
            .fail("tpc", format!("tpc has {} characters: the session name must be 1 to 200.", tpc.chars().count())),
        _ => checks.fail("tpc", "Add tpc with the session name, as a string."),
    }
    if claims.has("role_type") {
        role(checks, claims, "role_type");
    } else {
        checks.fail("role_type", "Add role_type: 1 for the host, 0 for a participant.");
    }
    match claims.get("version") {
        Some(v) if v.as_u64() == Some(1) => checks.pass("version", "1"),
        Some(v) => checks.fail("version", format!("version is {}: write the number 1.", shown(v))),
        None => checks.fail("version", "Add version: 1, as Zoom's Video SDK sample writes it."),
    }
    let iat = seconds(checks, claims, "iat");
    let exp = seconds(checks, claims, "exp");
    times(checks, iat, exp, now);
    bounded_string(checks, claims, "session_key", 36);
    bounded_string(checks, claims, "user_identity", 35);
    match claims.get("geo_regions") {
        None => {}
        Some(Value::String(list)) => {
            let unknown: Vec<&str> = list.split(',').filter(|r| !GEO_REGIONS.contains(&r.trim())).collect();
            if unknown.is_empty() {
                checks.pass("geo_regions", "known regions");
            } else {
                checks.fail(
                    "geo_regions",
                    format!(
                        "geo_regions has {}: list only {} (comma-separated).",
                        shown(&Value::from(unknown.join(","))),
                        GEO_REGIONS.join(", ")
                    ),
                );
            }
        }
        Some(v) => checks.fail(
            "geo_regions",
            format!("geo_regions is {}: write a comma-separated string such as \"US,DE\".", type_name(v)),
        ),
    }
    for name in ["cloud_recording_option", "cloud_recording_election", "video_webrtc_mode", "audio_webrtc_mode"] {
        flag(checks, claims, name);
    }
    if let Some(v) = claims.get("telemetry_tracking_id").filter(|v| !v.is_string()) {
        checks
            .fail("telemetry_tracking_id", format!("telemetry_tracking_id is {}: write it as a string.", type_name(v)));
    }
}
