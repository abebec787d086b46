//! Success replies of the signing routes, written as JSON by hand.
//!
//! A reply is a flat object of a few strings and numbers, one of them a 300-byte token. serde_json
//! checks every byte of it for escapes, one by one; this writer copies the token as it is (its
//! alphabet needs none), copies other strings that need none, and falls back to serde_json for
//! the rest. Tests check it against serde_json.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Response};

/// The headers a reply ends up with (type, CORS, request id, security headers): the map is
/// allocated once rather than grown as the layers add them.
const HEADERS: usize = 8;

/// A JSON object being written.
pub struct JsonObject {
    out: String,
}

impl JsonObject {
    pub fn with_capacity(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes);
        out.push('{');
        Self { out }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        // Keys are this crate's own names, which need no escapes.
        debug_assert!(!needs_escape(key.as_bytes()), "{key:?} needs escapes");
        quoted(&mut self.out, key);
        self.out.push(':');
    }

    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        if needs_escape(value.as_bytes()) {
            self.out.push_str(&serde_json::to_string(value).expect("a string always serialises"));
        } else {
            quoted(&mut self.out, value);
        }
        self
    }

    /// A signature: base64 (or base64url) and dots, which JSON never escapes, so it is copied
    /// without looking at its 300 bytes.
    pub fn token(&mut self, key: &str, token: &str) -> &mut Self {
        debug_assert!(!needs_escape(token.as_bytes()), "a token is base64 and dots");
        self.key(key);
        quoted(&mut self.out, token);
        self
    }

    pub fn number(&mut self, key: &str, value: u64) -> &mut Self {
        self.key(key);
        self.out.push_str(itoa::Buffer::new().format(value));
        self
    }

    /// The finished object as a `200 OK` reply.
    pub fn into_response(mut self) -> axum::response::Response {
        self.out.push('}');
        let mut response = Response::new(Body::from(self.out));
        let headers = response.headers_mut();
        headers.reserve(HEADERS);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// `"text"`, for text that needs no escapes.
fn quoted(out: &mut String, text: &str) {
    out.push('"');
    out.push_str(text);
    out.push('"');
}

/// Whether JSON needs any byte of `bytes` escaped.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    async fn text(object: JsonObject) -> String {
        let response = object.into_response();
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let bytes = response.into_body().collect().await.expect("an in-memory body").to_bytes();
        String::from_utf8(bytes.to_vec()).expect("UTF-8")
    }

    fn body(object: JsonObject) -> Value {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        serde_json::from_str(&runtime.block_on(text(object))).expect("valid JSON")
    }

    #[tokio::test]
    async fn writes_strings_and_numbers_in_order() {
        let mut object = JsonObject::with_capacity(8);
        object.token("signature", "a.b_c-d+/=").number("expiresAt", 1_700_007_200).string("empty", "");
        assert_eq!(text(object).await, r#"{"signature":"a.b_c-d+/=","expiresAt":1700007200,"empty":""}"#);
    }

    #[test]
    fn an_empty_object_is_valid() {
        assert_eq!(body(JsonObject::with_capacity(0)), json!({}));
    }

    proptest! {
        #[test]
        fn matches_serde_json_for_any_string(key in "[a-zA-Z_]{0,8}", value in any::<String>(), number in any::<u64>()) {
            let mut object = JsonObject::with_capacity(0);
            object.string("value", &value).number("number", number).string(&format!("k{key}"), &value);
            prop_assert_eq!(body(object), json!({"value": value, "number": number, format!("k{key}"): value}));
        }
    }
}
