//! Taking a signature apart: which kind it looks like, and its decoded pieces. No judgement here
//! beyond "this is not a signature at all".

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Standard alphabet, padding optional, stray low bits tolerated: what Zoom's samples produce.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// base64 in either alphabet (standard or url), with or without padding.
pub(super) fn base64_any(text: &str) -> Option<Vec<u8>> {
    let standard: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    LENIENT.decode(standard).ok()
}

/// True when `segment` is base64url without padding, as a JWS segment must be.
pub(super) fn is_base64url(segment: &str) -> bool {
    segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A JSON object with its members in the order the token wrote them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(pub Vec<(String, Value)>);

impl Object {
    /// The member called `name`; the last one if it appears twice, as most JSON parsers read it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.iter().cloned().collect::<Map<_, _>>())
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Object(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A JWS compact token, split and decoded.
#[derive(Debug, Clone)]
pub struct Jwt<'a> {
    /// `header.payload`, exactly as given: what the HMAC covers.
    pub signing_input: &'a str,
    pub segments: [&'a str; 3],
    pub header: Object,
    pub payload: Object,
}

/// What a piece of text turned out to be.
#[derive(Debug, Clone)]
pub enum Decoded<'a> {
    Jwt(Jwt<'a>),
    /// The decoded text of a legacy signature (`key.mn.ts.role.hash`, checked later).
    Legacy(String),
    /// Not a signature; the sentence says what it is not.
    NotASignature(String),
}

fn json_object(segment: &str) -> Option<Object> {
    serde_json::from_slice(&base64_any(segment)?).ok()
}

pub fn decode(text: &str) -> Decoded<'_> {
    if text.is_empty() {
        return Decoded::NotASignature(
            "This is empty, not a signature: pass one, or `-` to read it from standard input.".into(),
        );
    }
    let parts: Vec<&str> = text.split('.').collect();
    match parts[..] {
        [header, payload, signature] => {
            let Some(header_json) = json_object(header) else {
                return Decoded::NotASignature(
                    "This is not a JWT: it has three dot-separated parts, but the first is not \
                     base64url-encoded JSON."
                        .into(),
                );
            };
            let Some(payload_json) = json_object(payload) else {
                return Decoded::NotASignature(
                    "This is not a Zoom SDK JWT: its header decodes, but its payload is not \
                     base64url-encoded JSON."
                        .into(),
                );
            };
            Decoded::Jwt(Jwt {
                signing_input: &text[..header.len() + 1 + payload.len()],
                segments: [header, payload, signature],
                header: header_json,
                payload: payload_json,
            })
        }
        [_, mn, ts, role, _] if [mn, ts, role].iter().all(|p| all_digits(p)) => Decoded::NotASignature(
            "This is not a signature but the decoded text of a legacy one \
                 (key.meetingNumber.timestamp.role.hash): base64url-encode it to get the signature."
                .into(),
        ),
        [single] => match base64_any(single).map(String::from_utf8) {
            Some(Ok(decoded)) if decoded.contains('.') => Decoded::Legacy(decoded),
            _ => Decoded::NotASignature(
                "This is not a Zoom signature: it is neither a JWT (three dot-separated parts) nor \
                 base64 of a legacy key.meetingNumber.timestamp.role.hash."
                    .into(),
            ),
        },
        _ => Decoded::NotASignature(format!(
            "This is not a Zoom signature: a Meeting or Video SDK JWT has three dot-separated \
             parts (this has {}), and a legacy signature is a single base64 string.",
            parts.len()
        )),
    }
}

pub(super) fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_in_any_alphabet_with_or_without_padding() {
        for text in ["Pz8_", "Pz8/", "YQ", "YQ==", "YQ="] {
            assert!(base64_any(text).is_some(), "{text}");
        }
        assert_eq!(base64_any("Pz8_").unwrap(), b"???");
        assert!(base64_any("not base64!").is_none());
    }

    #[test]
    fn objects_keep_their_order_and_read_the_last_duplicate() {
        let object: Object = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(object.names().collect::<Vec<_>>(), ["b", "a", "b"]);
        assert_eq!(object.get("b"), Some(&Value::from(3)));
        assert!(serde_json::from_str::<Object>("[1]").is_err());
    }

    #[test]
    fn tells_what_a_text_is_not() {
        let not = |text: &str| match decode(text) {
            Decoded::NotASignature(sentence) => sentence,
            other => panic!("{other:?}"),
        };
        assert!(not("").contains("empty"));
        assert!(not("a.b").contains("has 2"));
        assert!(not("hello world").contains("neither a JWT"));
        assert!(not("!!.!!.!!").contains("not a JWT"));
        assert!(not("abc.123.1600000000000.0.aGFzaA==").contains("decoded text of a legacy"));
    }
}
