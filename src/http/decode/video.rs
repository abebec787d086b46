//! A Video SDK token request body into [`VideoClaims`], reporting every problem at once.

use crate::http::decode::fields::{collect, describe, parse_flag, parse_lifetime, parse_role, read_fields, text};
use crate::http::error::Problem;
use crate::signature::{Lifetime, SessionName, VideoClaims, geo_region, session_key, user_identity};
use serde_json::Value;

const FIELDS: [&str; 10] = [
    "sessionName",
    "role",
    "sessionKey",
    "userIdentity",
    "geoRegions",
    "cloudRecordingOption",
    "cloudRecordingElection",
    "videoWebRtcMode",
    "audioWebRtcMode",
    "expirationSeconds",
];
const EXAMPLE: &str = r#"{"sessionName": "standup", "role": 0}"#;

/// Decodes a Video SDK token request, reporting every problem at once.
pub fn decode(body: &[u8], max_lifetime: Lifetime) -> Result<VideoClaims, Vec<Problem>> {
    let mut problems = Vec::new();
    let [session, role, key, identity, regions, recording_option, recording_election, video, audio, expiration] =
        read_fields(body, FIELDS, EXAMPLE, &mut problems)?;
    let required = |problems: &mut Vec<Problem>, name: &str, value: &Option<Value>, what: &str| {
        if value.is_none() {
            problems.push(Problem::new(name, format!("{name} is required: {what}")));
        }
    };
    required(&mut problems, "sessionName", &session, "the Video SDK session to join (1 to 200 characters)");
    required(&mut problems, "role", &role, "0 (participant) or 1 (host)");

    let session = session.as_ref().and_then(|v| {
        collect(&mut problems, "sessionName", text(v).and_then(|t| SessionName::parse(t).map_err(|e| e.to_string())))
    });
    let role = role.as_ref().and_then(|v| collect(&mut problems, "role", parse_role(v)));
    let session_key = key.as_ref().and_then(|v| {
        collect(&mut problems, "sessionKey", text(v).and_then(|t| session_key(t).map_err(|e| e.to_string())))
    });
    let user_identity = identity.as_ref().and_then(|v| {
        collect(&mut problems, "userIdentity", text(v).and_then(|t| user_identity(t).map_err(|e| e.to_string())))
    });
    let geo_regions = regions.as_ref().and_then(|v| collect(&mut problems, "geoRegions", parse_regions(v)));
    let mut flag =
        |name: &str, value: &Option<Value>| value.as_ref().and_then(|v| collect(&mut problems, name, parse_flag(v)));
    let cloud_recording_option = flag("cloudRecordingOption", &recording_option);
    let cloud_recording_election = flag("cloudRecordingElection", &recording_election);
    let video_webrtc_mode = flag("videoWebRtcMode", &video);
    let audio_webrtc_mode = flag("audioWebRtcMode", &audio);
    let lifetime =
        expiration.as_ref().and_then(|v| collect(&mut problems, "expirationSeconds", parse_lifetime(v, max_lifetime)));

    match (session, role) {
        (Some(session), Some(role)) if problems.is_empty() => Ok(VideoClaims {
            session_key,
            user_identity,
            geo_regions: geo_regions.unwrap_or_default(),
            cloud_recording_option,
            cloud_recording_election,
            video_webrtc_mode,
            audio_webrtc_mode,
            lifetime,
            ..VideoClaims::new(session, role)
        }),
        _ => Err(problems),
    }
}

/// `["US", "DE"]`, or the same as one comma-separated string.
fn parse_regions(value: &Value) -> Result<Vec<&'static str>, String> {
    let names: Vec<&str> = match value {
        Value::Array(items) => items.iter().map(|i| i.as_str().ok_or(())).collect::<Result<_, _>>().map_err(|()| {
            format!("must be a list of region codes such as [\"US\", \"DE\"], got {}", describe(value))
        })?,
        Value::String(list) => list.split(',').collect(),
        other => {
            return Err(format!("must be a list of region codes such as [\"US\", \"DE\"], got {}", describe(other)));
        }
    };
    let mut regions = Vec::with_capacity(names.len());
    for name in names {
        let region = geo_region(name).map_err(|e| e.to_string())?;
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err("must name at least one region, or be left out".into());
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Role;

    fn decode_str(body: &str) -> Result<VideoClaims, Vec<(String, String)>> {
        decode(body.as_bytes(), Lifetime::TWO_HOURS)
            .map_err(|p| p.into_iter().map(|p| (p.property, p.reason)).collect())
    }

    #[test]
    fn decodes_every_field() {
        let claims = decode_str(
            r#"{"sessionName": "standup", "role": "1", "sessionKey": "k1", "userIdentity": "ada", "geoRegions": ["us", "DE"],
                "cloudRecordingOption": 1, "cloudRecordingElection": "0", "videoWebRtcMode": 1, "audioWebRtcMode": 0, "expirationSeconds": 3600}"#,
        )
        .unwrap();
        assert_eq!(claims.session.as_str(), "standup");
        assert_eq!(claims.role, Role::Host);
        assert_eq!(claims.geo_regions, ["US", "DE"]);
        assert_eq!(claims.session_key.as_deref(), Some("k1"));
        assert_eq!(claims.cloud_recording_election, Some(false));
        assert_eq!(claims.lifetime.unwrap().seconds(), 3600);
        assert_eq!(
            decode_str(r#"{"sessionName": "s", "role": 0, "geoRegions": "SG,JP"}"#).unwrap().geo_regions,
            ["SG", "JP"]
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        let problems = decode_str(
            r#"{"role": 3, "sessionKey": "0123456789012345678901234567890123456", "geoRegions": ["XX"], "audioWebRtcMode": 2, "topic": "x"}"#,
        )
        .unwrap_err();
        let properties: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(properties, ["topic", "sessionName", "role", "sessionKey", "geoRegions", "audioWebRtcMode"]);
        assert_eq!(problems[1].1, "sessionName is required: the Video SDK session to join (1 to 200 characters)");
        assert!(problems[3].1.contains("1 to 36 characters"), "{}", problems[3].1);
    }

    #[test]
    fn session_names_are_bounded() {
        let long = format!(r#"{{"sessionName": "{}", "role": 0}}"#, "s".repeat(201));
        assert!(decode_str(&long).unwrap_err()[0].1.contains("1 to 200 characters, got 201"));
        assert!(decode_str(r#"{"sessionName": "", "role": 0}"#).is_err());
        assert!(decode_str(r#"{"sessionName": 5, "role": 0}"#).unwrap_err()[0].1.contains("must be a string"));
    }
}
