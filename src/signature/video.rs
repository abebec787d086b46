//! The Video SDK JWT (sessions, not meetings), with the claim names and order of Zoom's Video SDK
//! auth sample.

use super::{Lifetime, Role, Signature, Signer};
use std::fmt::Write as _;
use std::time::SystemTime;

/// Regions a session's media may be routed through (`geo_regions`).
pub const GEO_REGIONS: [&str; 12] = ["AU", "BR", "CA", "CN", "DE", "HK", "IN", "JP", "MX", "NL", "SG", "US"];

/// A Video SDK session name: 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VideoClaimError {
    #[error("must be 1 to {max} characters, got {got}")]
    Length { max: usize, got: usize },
    #[error("must list regions from AU BR CA CN DE HK IN JP MX NL SG US, got {0:?}")]
    UnknownRegion(String),
}

fn bounded(text: &str, max: usize) -> Result<String, VideoClaimError> {
    let got = text.chars().count();
    if (1..=max).contains(&got) { Ok(text.to_owned()) } else { Err(VideoClaimError::Length { max, got }) }
}

impl SessionName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, VideoClaimError> {
        bounded(text, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `session_key` (at most 36 characters).
pub fn session_key(text: &str) -> Result<String, VideoClaimError> {
    bounded(text, 36)
}

/// `user_identity` (at most 35 characters).
pub fn user_identity(text: &str) -> Result<String, VideoClaimError> {
    bounded(text, 35)
}

/// One `geo_regions` entry, upper-cased.
pub fn geo_region(text: &str) -> Result<&'static str, VideoClaimError> {
    let upper = text.trim().to_ascii_uppercase();
    GEO_REGIONS.iter().find(|r| **r == upper).copied().ok_or_else(|| VideoClaimError::UnknownRegion(text.to_owned()))
}

/// What a caller asks a Video SDK token for. Optional claims are written only when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoClaims {
    pub session: SessionName,
    pub role: Role,
    pub session_key: Option<String>,
    pub user_identity: Option<String>,
    pub geo_regions: Vec<&'static str>,
    pub cloud_recording_option: Option<bool>,
    pub cloud_recording_election: Option<bool>,
    pub video_webrtc_mode: Option<bool>,
    pub audio_webrtc_mode: Option<bool>,
    /// `None` takes the signer's default lifetime.
    pub lifetime: Option<Lifetime>,
}

impl VideoClaims {
    pub fn new(session: SessionName, role: Role) -> Self {
        Self {
            session,
            role,
            session_key: None,
            user_identity: None,
            geo_regions: Vec::new(),
            cloud_recording_option: None,
            cloud_recording_election: None,
            video_webrtc_mode: None,
            audio_webrtc_mode: None,
            lifetime: None,
        }
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serialises")
}

impl Signer {
    /// A Video SDK JWT; this signer must hold the Video SDK key and secret.
    pub fn video_jwt(&self, claims: &VideoClaims, now: SystemTime) -> Signature {
        let iat = self.issued_at(now);
        let exp = iat + claims.lifetime.unwrap_or(self.default_lifetime).seconds();
        let mut payload = String::with_capacity(160 + claims.session.0.len());
        let _ = write!(
            payload,
            "{{\"app_key\":{},\"tpc\":{},\"role_type\":{},\"version\":1,\"iat\":{iat},\"exp\":{exp}",
            self.sdk_key_json,
            json_string(claims.session.as_str()),
            claims.role.as_number()
        );
        if let Some(key) = &claims.session_key {
            let _ = write!(payload, ",\"session_key\":{}", json_string(key));
        }
        if let Some(identity) = &claims.user_identity {
            let _ = write!(payload, ",\"user_identity\":{}", json_string(identity));
        }
        if !claims.geo_regions.is_empty() {
            let _ = write!(payload, ",\"geo_regions\":\"{}\"", claims.geo_regions.join(","));
        }
        let flags = [
            ("cloud_recording_option", claims.cloud_recording_option),
            ("cloud_recording_election", claims.cloud_recording_election),
            ("video_webrtc_mode", claims.video_webrtc_mode),
            ("audio_webrtc_mode", claims.audio_webrtc_mode),
        ];
        for (name, value) in flags {
            if let Some(value) = value {
                let _ = write!(payload, ",\"{name}\":{}", u8::from(value));
            }
        }
        payload.push('}');

        self.seal_jwt(&payload, exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{Format, Signer};
    use secrecy::SecretString;
    use std::time::{Duration, UNIX_EPOCH};

    // Computed independently (Python's hmac and base64) from the claims in the spec sheet's order.
    const FULL_VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBfa2V5IjoidmlkZW8ta2V5IiwidHBjIjoiVGVhbSBcInN0YW5kdXBcIiIsInJvbGVfdHlwZSI6MSwidmVyc2lvbiI6MSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDcyMDAsInNlc3Npb25fa2V5IjoiYWJjIiwidXNlcl9pZGVudGl0eSI6ImFkYSIsImdlb19yZWdpb25zIjoiVVMsREUiLCJjbG91ZF9yZWNvcmRpbmdfb3B0aW9uIjoxLCJjbG91ZF9yZWNvcmRpbmdfZWxlY3Rpb24iOjAsInZpZGVvX3dlYnJ0Y19tb2RlIjoxLCJhdWRpb193ZWJydGNfbW9kZSI6MH0.hSzWswaoeca9GVCJ9Ag-apYoCzghEFbNDW8cGR5Se_M";
    const MINIMAL_VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBfa2V5IjoidmlkZW8ta2V5IiwidHBjIjoic3RhbmR1cCIsInJvbGVfdHlwZSI6MCwidmVyc2lvbiI6MSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDcyMDB9.o24C4NvqJvbNqU-1Br-0w5fgQRnaZK_EynjGqfv9o0w";

    fn signer() -> Signer {
        Signer::new("video-key".into(), SecretString::from("video-secret"), Format::Jwt).with_backdate(0)
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn minimal_token_matches_its_vector() {
        let claims = VideoClaims::new(SessionName::parse("standup").unwrap(), Role::Participant);
        let token = signer().video_jwt(&claims, at(1_700_000_000));
        assert_eq!(token.expose(), MINIMAL_VECTOR);
        assert_eq!(token.expires_at, 1_700_007_200);
    }

    #[test]
    fn every_optional_claim_in_order_matches_its_vector() {
        let claims = VideoClaims {
            session_key: Some(session_key("abc").unwrap()),
            user_identity: Some(user_identity("ada").unwrap()),
            geo_regions: vec![geo_region("us").unwrap(), geo_region("DE").unwrap()],
            cloud_recording_option: Some(true),
            cloud_recording_election: Some(false),
            video_webrtc_mode: Some(true),
            audio_webrtc_mode: Some(false),
            ..VideoClaims::new(SessionName::parse("Team \"standup\"").unwrap(), Role::Host)
        };
        assert_eq!(signer().video_jwt(&claims, at(1_700_000_000)).expose(), FULL_VECTOR);
    }

    #[test]
    fn limits_are_those_zoom_documents() {
        assert!(SessionName::parse(&"x".repeat(200)).is_ok());
        assert_eq!(SessionName::parse(&"x".repeat(201)), Err(VideoClaimError::Length { max: 200, got: 201 }));
        assert!(SessionName::parse("").is_err());
        assert!(session_key(&"k".repeat(37)).is_err());
        assert!(user_identity(&"u".repeat(36)).is_err());
        assert!(geo_region("XX").is_err());
    }
}
