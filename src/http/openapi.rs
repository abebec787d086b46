//! `GET /openapi.json`: the API contract, an OpenAPI 3.1 document embedded in the binary.
//!
//! `tests/it/openapi.rs` drives every documented (operation, status) pair through the app and
//! checks each reply against this document; `.ci/schemathesis` fuzzes the running service with it.

use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

/// The document, served as written.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], DOCUMENT).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn is_an_openapi_3_1_document_whose_references_resolve() {
        let document: Value = serde_json::from_str(DOCUMENT).expect("src/http/openapi.json is JSON");
        assert_eq!(document["openapi"], "3.1.0");
        let mut stack = vec![&document];
        let mut references = 0;
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(reference)) = map.get("$ref") {
                        let pointer =
                            reference.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {reference}"));
                        assert!(document.pointer(pointer).is_some(), "$ref {reference} resolves to nothing");
                        references += 1;
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        assert!(references > 0);
    }
}
