//! A Meeting SDK signature request body into [`Claims`], reporting every problem at once.
//!
//! Accepts what clients of Zoom's Node sample send: numbers or numeric strings, meeting numbers
//! with spaces or hyphens. Refuses unknown and repeated fields, since a typo must never silently
//! produce a different token than the one asked for.

use crate::http::decode::fields::{collect, describe, integer, parse_flag, parse_lifetime, parse_role, read_fields};
use crate::http::error::Problem;
use crate::signature::{Claims, Lifetime, MeetingNumber, MeetingTarget};
use crate::zoom::UserTokenKind;
use serde_json::Value;

const FIELDS: [&str; 5] = ["meetingNumber", "role", "expirationSeconds", "videoWebRtcMode", "userToken"];
const EXAMPLE: &str = r#"{"meetingNumber": "123456789", "role": 0}"#;

/// A signature request: the claims to sign, and the signed-in person's token to add, if asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRequest {
    pub claims: Claims,
    /// `userToken`: fetch the signed-in person's ZAK, or an OBF token for the meeting.
    pub user_token: Option<UserTokenKind>,
}

/// Decodes `body`, reporting every problem at once; `max_lifetime` is the longest
/// `expirationSeconds` allowed (`SIGNER_MAX_TTL`).
pub fn decode(body: &[u8], max_lifetime: Lifetime) -> Result<MeetingRequest, Vec<Problem>> {
    let mut problems = Vec::new();
    let values = read_fields(body, FIELDS, EXAMPLE, &mut problems)?;
    let [given_meeting_number, given_role, expiration, video, given_user_token] = values;

    let meeting_number =
        given_meeting_number.as_ref().and_then(|v| collect(&mut problems, "meetingNumber", parse_meeting_number(v)));
    let role = given_role.as_ref().and_then(|v| collect(&mut problems, "role", parse_role(v)));
    let lifetime =
        expiration.as_ref().and_then(|v| collect(&mut problems, "expirationSeconds", parse_lifetime(v, max_lifetime)));
    let video_webrtc_mode = video.as_ref().and_then(|v| collect(&mut problems, "videoWebRtcMode", parse_flag(v)));
    let user_token = given_user_token.as_ref().and_then(|v| collect(&mut problems, "userToken", parse_user_token(v)));
    if user_token == Some(UserTokenKind::Obf) && given_meeting_number.is_none() {
        problems.push(Problem::new(
            "userToken",
            "userToken \"obf\" needs meetingNumber and role: an OBF token is for one meeting",
        ));
    }

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
    Ok(MeetingRequest { claims: Claims { meeting, lifetime, video_webrtc_mode }, user_token })
}

fn parse_user_token(value: &Value) -> Result<UserTokenKind, String> {
    match value.as_str() {
        Some("zak") => Ok(UserTokenKind::Zak),
        Some("obf") => Ok(UserTokenKind::Obf),
        _ => Err(format!(
            "must be \"zak\" (the signed-in person's ZAK) or \"obf\" (an OBF token for the meeting), got {}",
            describe(value)
        )),
    }
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
        decode(body.as_bytes(), max()).unwrap_or_else(|p| panic!("{body}: {p:?}")).claims
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
    fn user_tokens_are_zak_or_obf_and_obf_needs_a_meeting() {
        let zak = decode(br#"{"meetingNumber": "1", "role": 1, "userToken": "zak"}"#, max()).unwrap();
        assert_eq!(zak.user_token, Some(UserTokenKind::Zak));
        assert_eq!(decode(b"{}", max()).unwrap().user_token, None);
        assert_eq!(decode(br#"{"userToken": "zak"}"#, max()).unwrap().user_token, Some(UserTokenKind::Zak));
        assert_eq!(problems(r#"{"userToken": "obf"}"#)[0].0, "userToken");
        assert!(problems(r#"{"meetingNumber": "1", "role": 0, "userToken": "ZAK"}"#)[0].1.contains(r#"got "ZAK""#));
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
            r#"unknown field "rol"; the fields are meetingNumber, role, expirationSeconds, videoWebRtcMode, userToken"#
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
