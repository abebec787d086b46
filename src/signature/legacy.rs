//! The pre-2.7 Web SDK signature (API key and secret), as in the forum thread this project grew
//! from. Web SDK 2.7 and later refuse it; it exists for pages pinned to old SDKs.

use super::{MeetingTarget, Signature, Signer, b64std, b64url, unix_millis};
use std::time::SystemTime;

/// Zoom accepted a legacy signature for about a day after its timestamp.
const LEGACY_VALIDITY_SECONDS: u64 = 24 * 60 * 60;

impl Signer {
    pub(super) fn legacy(&self, target: &MeetingTarget, now: SystemTime) -> Signature {
        let timestamp_ms = unix_millis(now).saturating_sub(self.backdate_seconds * 1000);
        let role = target.role.as_number();
        let message = b64std(format!("{}{}{timestamp_ms}{role}", self.sdk_key, target.number).as_bytes());
        let hash = b64std(&self.mac(message.as_bytes()));
        let joined = format!("{}.{}.{timestamp_ms}.{role}.{hash}", self.sdk_key, target.number);
        let mut value = String::with_capacity(joined.len() * 4 / 3 + 4);
        b64url(joined.as_bytes(), &mut value);
        Signature { value, expires_at: timestamp_ms / 1000 + LEGACY_VALIDITY_SECONDS }
    }
}

#[cfg(test)]
mod tests {
    use crate::signature::{Claims, Format, Lifetime, MeetingNumber, MeetingTarget, Role, SignError, Signer};
    use secrecy::SecretString;
    use std::time::{Duration, UNIX_EPOCH};

    /// Section 2 of the spec sheet: key abc123, secret "secret", mn 123456789, role 0, ts 1600000000000.
    const PUBLISHED_VECTOR: &str =
        "YWJjMTIzLjEyMzQ1Njc4OS4xNjAwMDAwMDAwMDAwLjAuYUlpN1U3N1JnR0V0d3c4cTkrQ2RvcnlsM1JlaUFNODFmb2VxZ1lBODd3WT0";

    fn legacy_signer() -> Signer {
        Signer::new("abc123".into(), SecretString::from("secret"), Format::Legacy)
    }

    fn claims() -> Claims {
        Claims {
            meeting: Some(MeetingTarget {
                number: MeetingNumber::parse("123456789").unwrap(),
                role: Role::Participant,
            }),
            ..Claims::default()
        }
    }

    #[test]
    fn reproduces_the_published_vector_byte_for_byte() {
        // ts = now - 30 s backdate, in milliseconds.
        let now = UNIX_EPOCH + Duration::from_millis(1_600_000_030_000);
        let signature = legacy_signer().sign(&claims(), now).unwrap();
        assert_eq!(signature.expose(), PUBLISHED_VECTOR);
        assert_eq!(signature.expires_at, 1_600_000_000 + 86_400);
    }

    #[test]
    fn refuses_what_a_legacy_signature_cannot_carry() {
        let now = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
        assert_eq!(legacy_signer().sign(&Claims::default(), now), Err(SignError::LegacyNeedsMeeting));
        let mut with_lifetime = claims();
        with_lifetime.lifetime = Some(Lifetime::MIN);
        assert_eq!(legacy_signer().sign(&with_lifetime, now), Err(SignError::LegacyUnsupported("expirationSeconds")));
    }
}
