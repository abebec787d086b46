//! A Meeting SDK signature request body into [`Claims`], reporting every problem at once.
//!
//! Accepts what clients of Zoom's Node sample send: numbers or numeric strings, meeting numbers
//! with spaces or hyphens. Refuses unknown and repeated fields, since a typo must never silently
//! produce a different token than the one asked for.

use crate::http::decode::fields::{collect, describe, integer, parse_flag, parse_lifetime, parse_role, read_fields};
use crate::http::error::Problem;
use crate::signature::{Claims, Lifetime, MeetingNumber, MeetingTarget, Role};
use serde_json::Value;

const FIELDS: [&str; 4] = ["meetingNumber", "role", "expirationSeconds", "videoWebRtcMode"];
const EXAMPLE: &str = r#"{"meetingNumber": "123456789", "role": 0}"#;

/// Decodes `body`; `max_lifetime` is the longest `expirationSeconds` allowed (`SIGNER_MAX_TTL`).
pub fn decode(body: &[u8], max_lifetime: Lifetime) -> Result<Claims, Vec<Problem>> {
    if let Some(claims) = decode_plain(body, max_lifetime) {
        return Ok(claims);
    }
    decode_reporting(body, max_lifetime)
}

/// What a page sends, written plainly: `{"meetingNumber": "123456789", "role": 0}` (a digit string
/// without escapes, whole numbers, each field once, no others). Parsed without allocating; anything
/// else (or anything wrong) is left to [`decode_reporting`], which gives the same claims for what
/// both accept (a property test checks) and every problem for the rest.
fn decode_plain(body: &[u8], max_lifetime: Lifetime) -> Option<Claims> {
    // `default` for an absent field; `given` so that `null` is refused rather than read as absent.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Plain<'a> {
        #[serde(default, borrow, deserialize_with = "given")]
        meeting_number: Option<&'a str>,
        #[serde(default, deserialize_with = "given")]
        role: Option<u8>,
        #[serde(default, deserialize_with = "given")]
        expiration_seconds: Option<u64>,
        #[serde(default, deserialize_with = "given", rename = "videoWebRtcMode")]
        video_webrtc_mode: Option<u8>,
    }
    fn given<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(value: D) -> Result<Option<T>, D::Error> {
        T::deserialize(value).map(Some)
    }
    // serde would also read the struct from an array (`["1", 0]`): only an object is plain.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    let plain: Plain = serde_json::from_slice(body).ok()?;
    let meeting = match (plain.meeting_number, plain.role) {
        (Some(number), Some(role)) if number.bytes().all(|b| b.is_ascii_digit()) => Some(MeetingTarget {
            number: MeetingNumber::parse(number).ok()?,
            role: Role::from_number(role.into()).ok()?,
        }),
        (None, None) => None,
        _ => return None,
    };
    let lifetime = match plain.expiration_seconds {
        Some(seconds) => Some(Lifetime::within(seconds.into(), max_lifetime).ok()?),
        None => None,
    };
    let video_webrtc_mode = match plain.video_webrtc_mode {
        Some(flag @ (0 | 1)) => Some(flag == 1),
        Some(_) => return None,
        None => None,
    };
    Some(Claims { meeting, lifetime, video_webrtc_mode })
}

/// Decodes any body, reporting every problem at once.
fn decode_reporting(body: &[u8], max_lifetime: Lifetime) -> Result<Claims, Vec<Problem>> {
    let mut problems = Vec::new();
    let values = read_fields(body, FIELDS, EXAMPLE, &mut problems)?;
    let [given_meeting_number, given_role, expiration, video] = values;

    let meeting_number =
        given_meeting_number.as_ref().and_then(|v| collect(&mut problems, "meetingNumber", parse_meeting_number(v)));
    let role = given_role.as_ref().and_then(|v| collect(&mut problems, "role", parse_role(v)));
    let lifetime =
        expiration.as_ref().and_then(|v| collect(&mut problems, "expirationSeconds", parse_lifetime(v, max_lifetime)));
    let video_webrtc_mode = video.as_ref().and_then(|v| collect(&mut problems, "videoWebRtcMode", parse_flag(v)));

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
    Ok(Claims { meeting, lifetime, video_webrtc_mode })
}

fn parse_meeting_number(value: &Value) -> Result<MeetingNumber, String> {
    let must = "must be 1 to 12 digits (spaces and hyphens are ignored)";
    let parsed = match value {
        Value::String(s) => MeetingNumber::parse(s),
        Value::Number(_) => match integer(value) {
            Some(whole) if whole >= 0 => MeetingNumber::parse(&whole.to_string()),
            _ => return Err(format!("{must}, got {}", describe(value))),
        },
        other => return Err(format!("{must}, got {}", describe(other))),
    };
    parsed.map_err(|_| format!("{must}, got {}", describe(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Role;
    use proptest::prelude::*;

    fn max() -> Lifetime {
        Lifetime::new(7200).unwrap()
    }

    fn ok(body: &str) -> Claims {
        decode(body.as_bytes(), max()).unwrap_or_else(|p| panic!("{body}: {p:?}"))
    }

    fn problems(body: &str) -> Vec<(String, String)> {
        decode(body.as_bytes(), max()).unwrap_err().into_iter().map(|p| (p.property, p.reason)).collect()
    }

    #[test]
    fn accepts_what_zooms_node_sample_accepts() {
        let claims =
            ok(r#"{"meetingNumber": "123 456-789", "role": "1", "expirationSeconds": "3600", "videoWebRtcMode": 1}"#);
        let target = claims.meeting.unwrap();
        assert_eq!(target.number.as_str(), "123456789");
        assert_eq!(target.role, Role::Host);
        assert_eq!(claims.lifetime.unwrap().seconds(), 3600);
        assert_eq!(claims.video_webrtc_mode, Some(true));
        assert_eq!(ok(r#"{"meetingNumber": 123456789, "role": 0}"#).meeting.unwrap().role, Role::Participant);
    }

    #[test]
    fn field_names_may_be_written_with_escapes() {
        let claims = ok(r#"{"meeting\u004eumber": "123456789", "r\u006fle": 1}"#);
        assert_eq!(claims.meeting.unwrap().role, Role::Host);
        assert_eq!(problems(r#"{"r\u006fle": 1, "role": 0, "meetingNumber": "1"}"#)[0].0, "role");
    }

    #[test]
    fn what_pages_send_takes_the_plain_path() {
        for body in [
            r#"{"meetingNumber":"123456789","role":0}"#,
            r#"{ "role": 1, "meetingNumber": "1", "expirationSeconds": 3600, "videoWebRtcMode": 1 }"#,
            "{}",
        ] {
            assert!(decode_plain(body.as_bytes(), max()).is_some(), "{body}");
            assert_eq!(decode_plain(body.as_bytes(), max()).map(Ok), Some(decode_reporting(body.as_bytes(), max())));
        }
        for body in [
            r#"{"meetingNumber":123456789,"role":0}"#,
            r#"{"meetingNumber":"1","role":0,"role":0}"#,
            "[]",
            r#"["123456789", 0]"#,
        ] {
            assert!(decode_plain(body.as_bytes(), max()).is_none(), "{body}");
        }
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
        assert_eq!(properties, ["rol", "meetingNumber", "role", "expirationSeconds", "videoWebRtcMode"]);
        assert_eq!(
            found[0].1,
            r#"unknown field "rol"; the fields are meetingNumber, role, expirationSeconds, videoWebRtcMode"#
        );
        assert_eq!(found[1].1, r#"meetingNumber must be 1 to 12 digits (spaces and hyphens are ignored), got "abc""#);
        assert_eq!(found[2].1, "role must be 0 (participant) or 1 (host), got 2");
        assert_eq!(found[3].1, "expirationSeconds must be from 1800 to 7200 seconds (SIGNER_MAX_TTL), got 100");
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
        assert_eq!(problems(r#"{"meetingNumber": -5, "role": 0}"#)[0].0, "meetingNumber");
        assert_eq!(problems(r#"{"meetingNumber": 1.5, "role": 0}"#)[0].0, "meetingNumber");
        assert_eq!(problems(r#"{"meetingNumber": "1", "role": 0.5}"#)[0].0, "role");
        // A whole number written with a fraction is still that number, as in JSON and JavaScript.
        let whole = ok(r#"{"meetingNumber": 123456789.0, "role": 1.0, "expirationSeconds": 3600.0}"#);
        assert_eq!(whole.meeting.unwrap().number.as_str(), "123456789");
        assert_eq!(whole.lifetime.unwrap().seconds(), 3600);
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
        assert!(problems(" []")[0].1.ends_with("got an array"), "an empty array is not an empty object");
        assert!(problems(&"[".repeat(1000))[0].1.starts_with("the body nests deeper than 8 levels"));
        let nested = format!(r#"{{"meetingNumber": {}1{}, "role": 0}}"#, "[".repeat(8), "]".repeat(8));
        assert!(problems(&nested)[0].1.contains("nests deeper"));
        let in_string = format!(r#"{{"meetingNumber": "{}", "role": 0}}"#, "[".repeat(20));
        let reason = &problems(&in_string)[0].1;
        assert!(reason.starts_with("meetingNumber must be"), "brackets in strings do not count: {reason}");
    }

    #[test]
    fn long_input_is_shortened_in_reasons() {
        let long = "9".repeat(500);
        let found = problems(&format!(r#"{{"meetingNumber": "{long}", "role": 0, "{long}": 1}}"#));
        assert!(found.iter().all(|(p, r)| p.len() < 100 && r.len() < 200), "{found:?}");
    }

    /// Bodies near what pages send, each field present or not, right or wrong in every way the
    /// plain path must leave to the reporting one.
    fn plausible_body() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            Just("\"123456789\"".to_owned()),
            Just("123456789".to_owned()),
            Just("\"123 456-789\"".to_owned()),
            Just("\"\"".to_owned()),
            Just("\"1234567890123\"".to_owned()),
            Just("\"12\\u0033\"".to_owned()),
            Just("null".to_owned()),
            "[0-9]{1,14}".prop_map(|d| format!("\"{d}\"")),
        ];
        let small = prop_oneof![
            Just("0".to_owned()),
            Just("1".to_owned()),
            Just("2".to_owned()),
            Just("\"1\"".to_owned()),
            Just("1.0".to_owned()),
            Just("-1".to_owned()),
            Just("true".to_owned()),
        ];
        let seconds = prop_oneof![
            Just("1800".to_owned()),
            Just("7200".to_owned()),
            Just("7201".to_owned()),
            Just("1799".to_owned()),
            Just("\"3600\"".to_owned()),
            Just("3600.0".to_owned()),
            (0u64..200_000).prop_map(|s| s.to_string()),
        ];
        let field = |name: &'static str, value: BoxedStrategy<String>| {
            proptest::option::of(value).prop_map(move |v| v.map(|v| format!("\"{name}\": {v}")))
        };
        (
            field("meetingNumber", number.boxed()),
            field("role", small.clone().boxed()),
            field("expirationSeconds", seconds.boxed()),
            field("videoWebRtcMode", small.boxed()),
            proptest::option::of(prop_oneof![Just("\"role\": 0"), Just("\"extra\": 1")]),
        )
            .prop_flat_map(|(a, b, c, d, e)| {
                let fields: Vec<String> = [a, b, c, d, e.map(str::to_owned)].into_iter().flatten().collect();
                let values: Vec<String> =
                    fields.iter().map(|f| f.split_once(": ").map_or(f.clone(), |(_, v)| v.to_owned())).collect();
                // The same fields as an object, or their values as an array (which serde would read
                // into a struct, too).
                prop_oneof![Just(format!("{{{}}}", fields.join(", "))), Just(format!("[{}]", values.join(", ")))]
            })
    }

    proptest! {
        #[test]
        fn the_plain_path_agrees_with_the_reporting_one(body in plausible_body()) {
            let plain = decode_plain(body.as_bytes(), max());
            let reporting = decode_reporting(body.as_bytes(), max());
            if let Some(claims) = plain {
                prop_assert_eq!(Ok(claims), reporting, "{}", body);
            }
        }

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
