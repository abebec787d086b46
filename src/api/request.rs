//! Decoding a signature request body into [`Claims`], reporting every problem at once.
//!
//! Accepts what clients of Zoom's Node sample send: numbers or numeric strings, meeting numbers
//! with spaces or hyphens. Refuses unknown and repeated fields, since a typo must never silently
//! produce a different token than the one asked for.

use crate::api::error::{BODY, Problem};
use crate::signature::{Claims, Lifetime, MeetingNumber, MeetingTarget, Role};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

const FIELDS: [&str; 4] = [
    "meetingNumber",
    "role",
    "expirationSeconds",
    "videoWebRtcMode",
];
/// A signature request is flat; this leaves room for odd but harmless values, and keeps the
/// parser's recursion (and the work per request) small whatever a client sends.
const MAX_DEPTH: usize = 8;
const EXAMPLE: &str = r#"{"meetingNumber": "123456789", "role": 0}"#;

/// Decodes `body`; `max_lifetime` is the longest `expirationSeconds` allowed (`SIGNER_MAX_TTL`).
pub fn decode(body: &[u8], max_lifetime: Lifetime) -> Result<Claims, Vec<Problem>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![Problem::new(
            BODY,
            format!("the body is empty; send a JSON object such as {EXAMPLE}"),
        )]);
    }
    if nesting_depth(body) > MAX_DEPTH {
        return Err(vec![Problem::new(
            BODY,
            format!(
                "the body nests deeper than {MAX_DEPTH} levels; a signature request is a flat object such as {EXAMPLE}"
            ),
        )]);
    }
    let fields = match serde_json::from_slice::<Fields>(body) {
        Ok(Fields::Object(fields)) => fields,
        Ok(Fields::Other(kind)) => {
            return Err(vec![Problem::new(
                BODY,
                format!("the body must be a JSON object such as {EXAMPLE}, got {kind}"),
            )]);
        }
        Err(e) => {
            return Err(vec![Problem::new(
                BODY,
                format!("the body is not valid JSON: {e}"),
            )]);
        }
    };

    let mut problems = Vec::new();
    let mut values: [Option<&Value>; 4] = [None; 4];
    for (name, value) in &fields {
        match FIELDS.iter().position(|known| known == name) {
            Some(i) if values[i].is_some() => problems.push(Problem::new(
                name.as_str(),
                format!("{name} is given more than once; give it once"),
            )),
            Some(i) => values[i] = Some(value),
            None => problems.push(Problem::new(
                shorten(name),
                format!(
                    "unknown field {:?}; the fields are {}",
                    shorten(name),
                    FIELDS.join(", ")
                ),
            )),
        }
    }
    let [given_meeting_number, given_role, expiration, video] = values;

    let meeting_number = given_meeting_number
        .and_then(|v| collect(&mut problems, "meetingNumber", parse_meeting_number(v)));
    let role = given_role.and_then(|v| collect(&mut problems, "role", parse_role(v)));
    let lifetime = expiration.and_then(|v| {
        collect(
            &mut problems,
            "expirationSeconds",
            parse_lifetime(v, max_lifetime),
        )
    });
    let video_webrtc_mode =
        video.and_then(|v| collect(&mut problems, "videoWebRtcMode", parse_flag(v)));

    // Half a web token would be a native token Zoom then refuses for the meeting: say so instead.
    match (given_meeting_number.is_some(), given_role.is_some()) {
        (true, false) => problems.push(Problem::new(
            "role",
            "role is required with meetingNumber: 0 (participant) or 1 (host); leave out both for a native-SDK token",
        )),
        (false, true) => problems.push(Problem::new(
            "meetingNumber",
            "meetingNumber is required with role; leave out both for a native-SDK token",
        )),
        _ => {}
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let meeting = match (meeting_number, role) {
        (Some(number), Some(role)) => Some(MeetingTarget { number, role }),
        _ => None,
    };
    Ok(Claims {
        meeting,
        lifetime,
        video_webrtc_mode,
    })
}

/// The deepest nesting of `[` and `{` outside strings; stops counting once past the limit.
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_DEPTH {
                    break;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn collect<T>(problems: &mut Vec<Problem>, property: &str, parsed: Result<T, String>) -> Option<T> {
    parsed
        .map_err(|reason| problems.push(Problem::new(property, format!("{property} {reason}"))))
        .ok()
}

fn parse_meeting_number(value: &Value) -> Result<MeetingNumber, String> {
    let must = "must be 1 to 12 digits (spaces and hyphens are ignored)";
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.as_u64().is_some() => n.to_string(),
        other => return Err(format!("{must}, got {}", describe(other))),
    };
    MeetingNumber::parse(&text).map_err(|_| format!("{must}, got {}", describe(value)))
}

fn parse_role(value: &Value) -> Result<Role, String> {
    let must = "must be 0 (participant) or 1 (host)";
    let number = integer(value).ok_or_else(|| format!("{must}, got {}", describe(value)))?;
    Role::from_number(number).map_err(|e| e.to_string())
}

fn parse_lifetime(value: &Value, max: Lifetime) -> Result<Lifetime, String> {
    let bounds = format!(
        "must be from {} to {} seconds",
        Lifetime::MIN.seconds(),
        max.seconds()
    );
    let hint = if max < Lifetime::MAX {
        " (SIGNER_MAX_TTL)"
    } else {
        " (Zoom's limits)"
    };
    let seconds =
        integer(value).ok_or_else(|| format!("{bounds}{hint}, got {}", describe(value)))?;
    Lifetime::within(seconds, max).map_err(|_| format!("{bounds}{hint}, got {seconds}"))
}

fn parse_flag(value: &Value) -> Result<bool, String> {
    match integer(value) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(format!("must be 0 or 1, got {}", describe(value))),
    }
}

/// A whole number given as a JSON number or a numeric string (`7200` or `"7200"`).
fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as a reason shows it: short, and never more than a few dozen characters of input.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => shorten(&n.to_string()),
        Value::String(s) => format!("{:?}", shorten(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The top level of a body: an object's fields in order, duplicates kept so they can be refused.
enum Fields {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            fields.push(entry);
        }
        Ok(Fields::Object(fields))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Fields, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Fields::Other("an array"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Fields, E> {
        Ok(Fields::Other("a string"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Fields, E> {
        Ok(Fields::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_unit<E>(self) -> Result<Fields, E> {
        Ok(Fields::Other("null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn max() -> Lifetime {
        Lifetime::new(7200).unwrap()
    }

    fn ok(body: &str) -> Claims {
        decode(body.as_bytes(), max()).unwrap_or_else(|p| panic!("{body}: {p:?}"))
    }

    fn problems(body: &str) -> Vec<(String, String)> {
        decode(body.as_bytes(), max())
            .unwrap_err()
            .into_iter()
            .map(|p| (p.property, p.reason))
            .collect()
    }

    #[test]
    fn accepts_what_zooms_node_sample_accepts() {
        let claims = ok(
            r#"{"meetingNumber": "123 456-789", "role": "1", "expirationSeconds": "3600", "videoWebRtcMode": 1}"#,
        );
        let target = claims.meeting.unwrap();
        assert_eq!(target.number.as_str(), "123456789");
        assert_eq!(target.role, Role::Host);
        assert_eq!(claims.lifetime.unwrap().seconds(), 3600);
        assert_eq!(claims.video_webrtc_mode, Some(true));
        assert_eq!(
            ok(r#"{"meetingNumber": 123456789, "role": 0}"#)
                .meeting
                .unwrap()
                .role,
            Role::Participant
        );
    }

    #[test]
    fn an_empty_object_asks_for_a_native_token() {
        assert_eq!(ok("{}"), Claims::default());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let found = problems(
            r#"{"meetingNumber": "abc", "role": 2, "expirationSeconds": 100, "videoWebRtcMode": true, "rol": 1}"#,
        );
        let properties: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            properties,
            [
                "rol",
                "meetingNumber",
                "role",
                "expirationSeconds",
                "videoWebRtcMode"
            ]
        );
        assert_eq!(
            found[0].1,
            r#"unknown field "rol"; the fields are meetingNumber, role, expirationSeconds, videoWebRtcMode"#
        );
        assert_eq!(
            found[1].1,
            r#"meetingNumber must be 1 to 12 digits (spaces and hyphens are ignored), got "abc""#
        );
        assert_eq!(
            found[2].1,
            "role must be 0 (participant) or 1 (host), got 2"
        );
        assert_eq!(
            found[3].1,
            "expirationSeconds must be from 1800 to 7200 seconds (SIGNER_MAX_TTL), got 100"
        );
        assert_eq!(found[4].1, "videoWebRtcMode must be 0 or 1, got true");
    }

    #[test]
    fn meeting_number_and_role_come_together() {
        assert_eq!(problems(r#"{"meetingNumber": "1"}"#)[0].0, "role");
        assert_eq!(problems(r#"{"role": 0}"#)[0].0, "meetingNumber");
    }

    #[test]
    fn refuses_repeated_fields_and_odd_numbers() {
        assert_eq!(
            problems(r#"{"meetingNumber": "1", "role": 0, "role": 1}"#)[0].1,
            "role is given more than once; give it once"
        );
        assert_eq!(
            problems(r#"{"meetingNumber": -5, "role": 0}"#)[0].0,
            "meetingNumber"
        );
        assert_eq!(
            problems(r#"{"meetingNumber": 1.5, "role": 0}"#)[0].0,
            "meetingNumber"
        );
        assert_eq!(
            problems(r#"{"meetingNumber": "1", "role": 0.0}"#)[0].0,
            "role"
        );
        assert_eq!(
            problems(r#"{"meetingNumber": null, "role": 0}"#)[0].1,
            "meetingNumber must be 1 to 12 digits (spaces and hyphens are ignored), got null"
        );
    }

    #[test]
    fn malformed_bodies_say_where() {
        let found = problems("{\n  \"role\": 0,\n}");
        assert_eq!(found[0].0, "$body");
        assert!(found[0].1.contains("line 3 column 1"), "{}", found[0].1);
        assert!(problems("")[0].1.starts_with("the body is empty"));
        assert!(problems("[1,2]")[0].1.ends_with("got an array"));
        assert!(
            problems(&"[".repeat(1000))[0]
                .1
                .starts_with("the body nests deeper than 8 levels")
        );
        let nested = format!(
            r#"{{"meetingNumber": {}1{}, "role": 0}}"#,
            "[".repeat(8),
            "]".repeat(8)
        );
        assert!(problems(&nested)[0].1.contains("nests deeper"));
        let in_string = format!(r#"{{"meetingNumber": "{}", "role": 0}}"#, "[".repeat(20));
        let reason = &problems(&in_string)[0].1;
        assert!(
            reason.starts_with("meetingNumber must be"),
            "brackets in strings do not count: {reason}"
        );
    }

    #[test]
    fn long_input_is_shortened_in_reasons() {
        let long = "9".repeat(500);
        let found = problems(&format!(
            r#"{{"meetingNumber": "{long}", "role": 0, "{long}": 1}}"#
        ));
        assert!(
            found.iter().all(|(p, r)| p.len() < 100 && r.len() < 200),
            "{found:?}"
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode(&body, max());
        }

        #[test]
        fn never_panics_on_arbitrary_field_values(
            mn in "\\PC{0,20}", role in "\\PC{0,5}", ttl in any::<i64>(), video in any::<f64>()
        ) {
            let body = serde_json::json!({"meetingNumber": mn, "role": role, "expirationSeconds": ttl, "videoWebRtcMode": video});
            let _ = decode(body.to_string().as_bytes(), max());
        }
    }
}
