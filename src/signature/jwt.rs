//! The Meeting SDK JWT, byte for byte as Zoom's own auth sample writes it.

use super::{Claims, Signature, Signer, b64url};
use std::time::SystemTime;

/// base64url of `{"alg":"HS256","typ":"JWT"}`: Zoom's samples put `alg` first.
pub(super) const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

impl Signer {
    /// `header.payload.mac`, base64url without padding: the JWS compact form of HS256.
    pub(super) fn seal_jwt(&self, payload: &str, expires_at: u64) -> Signature {
        let mut token = String::with_capacity(HEADER_B64.len() + payload.len() * 4 / 3 + 48);
        token.push_str(HEADER_B64);
        token.push('.');
        b64url(payload.as_bytes(), &mut token);
        let mac = self.mac(token.as_bytes());
        token.push('.');
        b64url(&mac, &mut token);
        Signature { value: token, expires_at }
    }

    pub(super) fn meeting_jwt(&self, claims: &Claims, now: SystemTime) -> Signature {
        let iat = self.issued_at(now);
        let exp = iat + claims.lifetime.unwrap_or(self.default_lifetime).seconds();

        // Written by hand rather than through serde: claim order and number formatting are part of
        // what Zoom's samples produce, and this is the hot path.
        let mut payload = String::with_capacity(112 + 2 * self.sdk_key_json.len());
        payload.push_str("{\"appKey\":");
        payload.push_str(&self.sdk_key_json);
        payload.push_str(",\"sdkKey\":");
        payload.push_str(&self.sdk_key_json);
        let mut number = itoa::Buffer::new();
        if let Some(target) = &claims.meeting {
            payload.push_str(",\"mn\":\"");
            payload.push_str(target.number.as_str());
            payload.push_str("\",\"role\":");
            payload.push_str(number.format(target.role.as_number()));
        }
        payload.push_str(",\"iat\":");
        payload.push_str(number.format(iat));
        let exp_text = number.format(exp);
        payload.push_str(",\"exp\":");
        payload.push_str(exp_text);
        payload.push_str(",\"tokenExp\":");
        payload.push_str(exp_text);
        if let Some(mode) = claims.video_webrtc_mode {
            payload.push_str(",\"video_webrtc_mode\":");
            payload.push_str(if mode { "1" } else { "0" });
        }
        payload.push('}');

        self.seal_jwt(&payload, exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{Clock, FixedClock, Format, Lifetime, MeetingNumber, MeetingTarget, Role};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::Mac;
    use proptest::prelude::*;
    use secrecy::SecretString;
    use serde_json::{Value, json};

    /// Section 1 of the spec sheet: key abc123, secret "secret", mn 123456789, role 0, iat 1700000000.
    const PUBLISHED_VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.sQRCPsE0QXEU_QM1u5MTqb1gh-CqoiW_bXUrX2rJ2bM";

    fn signer(key: &str, secret: &str) -> Signer {
        Signer::new(key.into(), SecretString::from(secret), Format::Jwt)
    }

    fn web_claims(mn: &str, role: Role) -> Claims {
        Claims { meeting: Some(MeetingTarget { number: MeetingNumber::parse(mn).unwrap(), role }), ..Claims::default() }
    }

    /// Checks the HMAC with `secret` and returns the decoded payload.
    fn verify(token: &str, secret: &str) -> Value {
        let (signed, mac_b64) = token.rsplit_once('.').expect("three parts");
        let (header, payload) = signed.split_once('.').expect("three parts");
        assert_eq!(header, HEADER_B64);
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(signed.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(mac_b64).unwrap()).expect("HMAC verifies");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    }

    #[test]
    fn reproduces_the_published_vector_byte_for_byte() {
        // The vector's iat is 1700000000, so "now" is 30 s later with the default backdate.
        let now = FixedClock::at_unix_seconds(1_700_000_030).now();
        let signature = signer("abc123", "secret").sign(&web_claims("123456789", Role::Participant), now).unwrap();
        assert_eq!(signature.expose(), PUBLISHED_VECTOR);
        assert_eq!(signature.expires_at, 1_700_007_200);
    }

    #[test]
    fn native_sdk_token_has_no_meeting_or_role() {
        let now = FixedClock::at_unix_seconds(1_700_000_000).now();
        let token = signer("abc123", "secret").with_backdate(0).sign(&Claims::default(), now).unwrap();
        let claims = verify(token.expose(), "secret");
        assert_eq!(
            claims,
            json!({"appKey":"abc123","sdkKey":"abc123","iat":1_700_000_000u64,"exp":1_700_007_200u64,"tokenExp":1_700_007_200u64})
        );
    }

    #[test]
    fn video_webrtc_mode_is_written_only_when_asked() {
        let now = FixedClock::at_unix_seconds(1_700_000_000).now();
        let mut claims = web_claims("1", Role::Host);
        claims.video_webrtc_mode = Some(true);
        let token = signer("k", "s").sign(&claims, now).unwrap();
        let payload = verify(token.expose(), "s");
        assert_eq!(payload["video_webrtc_mode"], json!(1));
        assert_eq!(payload["role"], json!(1));
        assert_eq!(payload["mn"], json!("1"));
    }

    #[test]
    fn debug_never_shows_the_signature_or_secret() {
        let signer = signer("abc123", "canary-secret");
        let token = signer.sign(&Claims::default(), SystemTime::now()).unwrap();
        let shown = format!("{signer:?} {token:?}");
        assert!(!shown.contains("canary-secret"));
        assert!(!shown.contains(token.expose()));
    }

    proptest! {
        #[test]
        fn every_token_verifies_and_carries_exactly_the_claims_asked_for(
            key in "\\PC{1,40}",
            secret in "\\PC{1,64}",
            meeting in proptest::option::of(("[0-9]{1,12}", any::<bool>())),
            lifetime in proptest::option::of(1800u64..=172_800),
            video in proptest::option::of(any::<bool>()),
            backdate in 0u64..3600,
            now in 1_000_000_000u64..4_000_000_000,
        ) {
            let claims = Claims {
                meeting: meeting.clone().map(|(mn, host)| MeetingTarget {
                    number: MeetingNumber::parse(&mn).unwrap(),
                    role: if host { Role::Host } else { Role::Participant },
                }),
                lifetime: lifetime.map(|s| Lifetime::new(s.into()).unwrap()),
                video_webrtc_mode: video,
            };
            let signer = signer(&key, &secret).with_backdate(backdate);
            let token = signer.sign(&claims, FixedClock::at_unix_seconds(now).now()).unwrap();
            let payload = verify(token.expose(), &secret);

            let iat = now - backdate;
            let exp = iat + lifetime.unwrap_or(7200);
            let mut expected = json!({"appKey": key, "sdkKey": key, "iat": iat, "exp": exp, "tokenExp": exp});
            if let Some((mn, host)) = meeting {
                expected["mn"] = json!(mn);
                expected["role"] = json!(u8::from(host));
            }
            if let Some(mode) = video {
                expected["video_webrtc_mode"] = json!(u8::from(mode));
            }
            prop_assert_eq!(&payload, &expected);
            let window = payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap();
            prop_assert!((1800..=172_800).contains(&window));
            prop_assert_eq!(token.expires_at, exp);
        }
    }
}
