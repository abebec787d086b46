//! Thousands of arbitrary requests through the whole application: whatever a client sends, the
//! answer is a 2xx or a 4xx, never a 5xx or a panic.

use crate::helpers::{HOST_TOKEN, send_to, state_with_policy, test_options, tokens};
use axum::body::Body;
use axum::http::{Method, Request};
use proptest::prelude::*;
use zoom_signer::access::{AccessPolicy, AllowedOrigins};
use zoom_signer::{AppState, Options};

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "content-length",
    "authorization",
    "origin",
    "host",
    "x-forwarded-for",
    "accept",
    "transfer-encoding",
    "access-control-request-method",
    "x-anything",
];

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("application/json".to_owned()),
        Just(format!("Bearer {HOST_TOKEN}")),
        Just("https://www.example.com".to_owned()),
        "[ -~]{0,40}",
        "[0-9]{1,25}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "\\PC{0,200}".prop_map(String::into_bytes),
        (
            prop_oneof![
                Just(serde_json::json!("123456789")),
                any::<i64>().prop_map(serde_json::Value::from),
                "\\PC{0,14}".prop_map(serde_json::Value::from)
            ],
            prop_oneof![
                Just(serde_json::json!(0)),
                Just(serde_json::json!(1)),
                any::<i64>().prop_map(serde_json::Value::from),
                "\\PC{0,3}".prop_map(serde_json::Value::from)
            ],
            proptest::option::of(any::<i64>()),
            proptest::option::of("[a-zA-Z]{1,12}"),
        )
            .prop_map(|(mn, role, ttl, extra)| {
                let mut body = serde_json::json!({"meetingNumber": mn, "role": role});
                if let Some(ttl) = ttl {
                    body["expirationSeconds"] = ttl.into();
                }
                if let Some(extra) = extra {
                    body[extra] = 1.into();
                }
                body.to_string().into_bytes()
            }),
    ]
}

fn guarded_state() -> AppState {
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    let origins = AllowedOrigins::parse("https://www.example.com").unwrap();
    state_with_policy(policy, Options { origins, ..test_options() })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn never_a_5xx_whatever_is_sent(
        method in prop_oneof![Just(Method::POST), Just(Method::POST), Just(Method::GET), Just(Method::OPTIONS), Just(Method::PUT)],
        path in prop_oneof![Just("/signature"), Just("/signature"), Just("/"), Just("/healthz"), Just("/x")],
        headers in proptest::collection::vec((proptest::sample::select(HEADER_NAMES), header_value()), 0..6),
        body in body(),
    ) {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in &headers {
            // Values the HTTP layer itself would refuse never reach the application.
            if let Ok(value) = axum::http::HeaderValue::from_str(value) {
                request = request.header(*name, value);
            }
        }
        let request = request.body(Body::from(body)).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let reply = runtime.block_on(send_to(guarded_state(), request));
        prop_assert!(reply.status.is_success() || reply.status.is_client_error(), "{} for {headers:?}", reply.status);
        if !reply.status.is_success() {
            // Every refusal is in the one error shape.
            let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            prop_assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "{body}");
        }
    }
}
