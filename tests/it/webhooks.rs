//! Zoom's webhooks, `POST /webhooks/zoom`, sent exactly as Zoom sends them (the stand-in's
//! [`ZoomWebhooks`]): on only with the app's Secret Token; every delivery authenticated before its
//! body is read, refusals that say nothing of why; Zoom's endpoint validation answered; a
//! deauthorization acknowledged, counted and audited; their own body limit and rate limit.

use crate::helpers::process::{Running, signer_in};
use crate::helpers::stand_in_zoom::{WEBHOOK_PATH, ZoomWebhooks, unix_now};
use crate::helpers::{
    MEETING_BODY, NOW, Reply, WEBHOOK_SECRET, post_json, request, send_to, state_with_options, state_with_webhooks,
    test_options, with_header,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::time::Duration;
use zoom_signer::access::RateLimit;
use zoom_signer::{AppState, Options};

/// A `plainToken` as Zoom sends one.
const PLAIN_TOKEN: &str = "qgg8vlvZRS6UYooatFL8Aw";
const ACCOUNT_ID: &str = "AcCoUnTiD-00000000000a";
const USER_ID: &str = "UsErId-0000000000000z";

/// Zoom, with the Secret Token the service knows.
fn zoom() -> ZoomWebhooks {
    ZoomWebhooks::new(WEBHOOK_SECRET)
}

fn webhooks_on() -> AppState {
    state_with_webhooks(test_options())
}

/// How many times the metrics counted `series` (0 when it never appeared).
fn counted(state: &AppState, series: &str) -> u64 {
    let text = state.metrics.render();
    text.lines().find_map(|line| line.strip_prefix(series)?.trim().parse().ok()).unwrap_or(0)
}

/// The one reply to any delivery the service does not take as Zoom's.
fn assert_unauthenticated(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header(header::WWW_AUTHENTICATE), zoom_signer::http::error::WEBHOOK_CHALLENGE);
    let reasons = reply.reasons();
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].0, "$request");
    assert!(reasons[0].1.starts_with("not a webhook from Zoom for this app"), "{reasons:?}");
}

#[tokio::test]
async fn without_a_secret_the_webhook_route_is_404_naming_the_setting() {
    let reply = send_to(state_with_options(test_options()), zoom().url_validation(PLAIN_TOKEN, NOW).request()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.reasons()[0].1.contains("SIGNER_ZOOM_WEBHOOK_SECRET"), "{:?}", reply.reasons());
}

#[tokio::test]
async fn zooms_endpoint_validation_is_answered_with_the_hmac_of_its_plain_token() {
    let state = webhooks_on();
    let reply = send_to(state.clone(), zoom().url_validation(PLAIN_TOKEN, NOW).request()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"plainToken": PLAIN_TOKEN, "encryptedToken": zoom().encrypted_token(PLAIN_TOKEN)}));
    assert_eq!(counted(&state, r#"zoom_signer_webhook_events_total{event="url_validation"}"#), 1);
}

#[tokio::test]
async fn a_deauthorization_is_acknowledged_and_counted() {
    let state = webhooks_on();
    let reply = send_to(state.clone(), zoom().app_deauthorized(ACCOUNT_ID, USER_ID, NOW).request()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"status": "received"}));
    assert_eq!(counted(&state, r#"zoom_signer_webhook_events_total{event="app_deauthorized"}"#), 1);
}

#[tokio::test]
async fn other_events_are_acknowledged_and_counted_as_other() {
    let state = webhooks_on();
    let delivery = zoom().deliver("meeting.started", json!({"account_id": ACCOUNT_ID, "object": {}}), NOW);
    let reply = send_to(state.clone(), delivery.request()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(counted(&state, r#"zoom_signer_webhook_events_total{event="other"}"#), 1);
}

#[tokio::test]
async fn a_tampered_body_is_refused() {
    let delivery = zoom().app_deauthorized(ACCOUNT_ID, USER_ID, NOW);
    let tampered = delivery.with_body(&delivery.body.replace(USER_ID, "someone-else"));
    assert_unauthenticated(&send_to(webhooks_on(), tampered.request()).await);
}

#[tokio::test]
async fn a_delivery_made_with_another_secret_is_refused() {
    let forged = ZoomWebhooks::new("not-the-apps-secret-token").url_validation(PLAIN_TOKEN, NOW);
    assert_unauthenticated(&send_to(webhooks_on(), forged.request()).await);
}

#[tokio::test]
async fn a_delivery_older_than_five_minutes_is_refused() {
    let replayed = zoom().app_deauthorized(ACCOUNT_ID, USER_ID, NOW - 301);
    assert_unauthenticated(&send_to(webhooks_on(), replayed.request()).await);
}

#[tokio::test]
async fn a_delivery_more_than_five_minutes_ahead_is_refused() {
    let ahead = zoom().app_deauthorized(ACCOUNT_ID, USER_ID, NOW + 301);
    assert_unauthenticated(&send_to(webhooks_on(), ahead.request()).await);
}

#[tokio::test]
async fn a_delivery_without_zooms_headers_is_refused() {
    let body = zoom().url_validation(PLAIN_TOKEN, NOW).body;
    assert_unauthenticated(&send_to(webhooks_on(), post_json(WEBHOOK_PATH, body)).await);
}

/// Deliveries the service must not take as Zoom's, one per way of failing, by the refusal code
/// the audit line and the metrics give them.
fn unauthenticated_deliveries() -> Vec<(&'static str, Request<Body>)> {
    let good = zoom().url_validation(PLAIN_TOKEN, NOW);
    let mut no_timestamp = good.request();
    no_timestamp.headers_mut().remove("x-zm-request-timestamp");
    let mut no_mac = good.request();
    no_mac.headers_mut().remove("x-zm-signature");
    let odd_timestamp = with_header(good.request(), "x-zm-request-timestamp".try_into().unwrap(), "yesterday");
    let odd_mac = with_header(good.request(), "x-zm-signature".try_into().unwrap(), "sha256=abc");
    vec![
        ("webhook_no_timestamp", no_timestamp),
        ("webhook_bad_timestamp", odd_timestamp),
        ("webhook_no_mac", no_mac),
        ("webhook_bad_mac", odd_mac),
        ("webhook_wrong_mac", good.with_body(r#"{"event":"endpoint.url_validation"}"#).request()),
        ("webhook_stale", zoom().url_validation(PLAIN_TOKEN, NOW - 3600).request()),
    ]
}

#[tokio::test]
async fn every_unauthenticated_delivery_gets_the_same_reply() {
    let mut bodies = Vec::new();
    for (code, request) in unauthenticated_deliveries() {
        let reply = send_to(webhooks_on(), request).await;
        assert_unauthenticated(&reply);
        bodies.push((code, reply.body));
    }
    let first = bodies[0].1.clone();
    for (code, body) in &bodies {
        assert_eq!(*body, first, "{code}: {}", String::from_utf8_lossy(body));
    }
}

#[tokio::test]
async fn the_refusal_metrics_say_why_a_delivery_was_refused() {
    let state = webhooks_on();
    for (code, request) in unauthenticated_deliveries() {
        let reply = send_to(state.clone(), request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{code}");
        assert_eq!(counted(&state, &format!(r#"zoom_signer_refusals_total{{reason="{code}"}}"#)), 1, "{code}");
    }
    assert_eq!(counted(&state, r#"zoom_signer_webhook_events_total{event="url_validation"}"#), 0);
}

#[tokio::test]
async fn malformed_json_from_zoom_is_400() {
    let malformed = zoom().deliver_body(r#"{"event": "endpoint.url_validation", "payload": "#, NOW);
    let reply = send_to(webhooks_on(), malformed.request()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reasons = reply.reasons();
    assert_eq!(reasons[0].0, "$body");
    assert!(reasons[0].1.contains("not JSON") && reasons[0].1.contains("line 1"), "{reasons:?}");
}

#[tokio::test]
async fn malformed_json_without_zooms_hmac_is_401_not_400() {
    let request = post_json(WEBHOOK_PATH, r#"{"event": "#);
    assert_unauthenticated(&send_to(webhooks_on(), request).await);
}

#[tokio::test]
async fn a_validation_without_a_string_plain_token_is_400_naming_it() {
    for payload in [json!({}), json!({"plainToken": 42})] {
        let delivery = zoom().deliver("endpoint.url_validation", payload.clone(), NOW);
        let reply = send_to(webhooks_on(), delivery.request()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{payload}");
        assert_eq!(reply.reasons()[0].0, "payload.plainToken", "{payload}");
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_announced_or_not() {
    let padding = "x".repeat(64 * 1024);
    let large = zoom().deliver("meeting.started", json!({"padding": padding}), NOW);
    let streamed = send_to(webhooks_on(), large.request()).await;
    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(streamed.reasons()[0].1.contains("65536 bytes"), "{:?}", streamed.reasons());
    let announced = with_header(large.request(), header::CONTENT_LENGTH, &large.body.len().to_string());
    assert_eq!(send_to(webhooks_on(), announced).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_body_of_64_kib_is_read() {
    let event = |padding: usize| zoom().deliver("meeting.started", json!({"padding": "x".repeat(padding)}), NOW);
    let overhead = event(0).body.len();
    let largest = event(64 * 1024 - overhead);
    assert_eq!(largest.body.len(), 64 * 1024);
    assert_eq!(send_to(webhooks_on(), largest.request()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_delivery_not_labelled_json_is_still_read() {
    let delivery = zoom().url_validation(PLAIN_TOKEN, NOW);
    let request = with_header(delivery.request(), header::CONTENT_TYPE, "text/plain");
    let reply = send_to(webhooks_on(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["encryptedToken"], zoom().encrypted_token(PLAIN_TOKEN));
}

#[tokio::test]
async fn a_foreign_origin_changes_nothing() {
    let delivery = zoom().url_validation(PLAIN_TOKEN, NOW);
    let request = with_header(delivery.request(), header::ORIGIN, "https://evil.example");
    let reply = send_to(webhooks_on(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
    assert_eq!(reply.header(header::VARY), "");
}

#[tokio::test]
async fn only_post_is_taken() {
    for method in [Method::GET, Method::OPTIONS, Method::PUT] {
        let reply = send_to(webhooks_on(), request(method.clone(), WEBHOOK_PATH)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header(header::ALLOW), "POST", "{method}");
    }
}

#[tokio::test]
async fn webhooks_have_a_rate_limit_of_their_own() {
    let one_an_hour = Some(RateLimit { count: 1, period: Duration::from_secs(3600) });
    let state =
        state_with_webhooks(Options { rate_limit: one_an_hour, webhook_rate_limit: one_an_hour, ..test_options() });
    let signature = || post_json("/signature", MEETING_BODY);
    assert_eq!(send_to(state.clone(), signature()).await.status, StatusCode::OK);
    assert_eq!(send_to(state.clone(), signature()).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The API's bucket is empty; the webhooks' is not.
    let delivery = zoom().url_validation(PLAIN_TOKEN, NOW);
    assert_eq!(send_to(state.clone(), delivery.request()).await.status, StatusCode::OK);
    let limited = send_to(state.clone(), delivery.request()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!limited.header(header::RETRY_AFTER).is_empty());
    assert_eq!(counted(&state, r#"zoom_signer_refusals_total{reason="rate_limited"}"#), 2);
}

/// The binary at trace level, over a real socket, with the Secret Token from a file: Zoom's
/// deliveries answered, the deauthorization in the audit log with who removed the app, every
/// event and refusal counted, and the Secret Token nowhere in the log.
#[tokio::test]
async fn over_a_socket_deliveries_are_answered_audited_and_counted_and_the_secret_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("webhook-secret");
    std::fs::write(&secret_file, format!("{WEBHOOK_SECRET}\n")).unwrap();
    let metrics_port = crate::helpers::free_port();
    let mut command = signer_in(dir.path());
    command
        .env("ZOOM_MEETING_SDK_KEY", "meeting-sdk-key")
        .env("ZOOM_MEETING_SDK_SECRET", "meeting-sdk-secret")
        .env("SIGNER_ZOOM_WEBHOOK_SECRET_FILE", &secret_file)
        .env("SIGNER_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("RUST_LOG", "trace");
    let running = Running::start(&mut command);
    let base = format!("http://{}", running.addr);

    let validated = zoom().url_validation(PLAIN_TOKEN, unix_now()).send(&base).await;
    assert_eq!(validated.status(), StatusCode::OK);
    let answer: serde_json::Value = serde_json::from_slice(&validated.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["encryptedToken"], zoom().encrypted_token(PLAIN_TOKEN));
    let removed = zoom().app_deauthorized(ACCOUNT_ID, USER_ID, unix_now()).send(&base).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let other = zoom().deliver("meeting.ended", json!({"object": {}}), unix_now()).send(&base).await;
    assert_eq!(other.status(), StatusCode::OK);
    let forged = ZoomWebhooks::new("not-the-apps-secret-token").url_validation(PLAIN_TOKEN, unix_now());
    assert_eq!(forged.send(&base).await.status(), StatusCode::UNAUTHORIZED);

    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.unwrap().text().await.unwrap();
    for series in [
        r#"zoom_signer_webhook_events_total{event="url_validation"} 1"#,
        r#"zoom_signer_webhook_events_total{event="app_deauthorized"} 1"#,
        r#"zoom_signer_webhook_events_total{event="other"} 1"#,
        r#"zoom_signer_refusals_total{reason="webhook_wrong_mac"} 1"#,
        r#"zoom_signer_http_requests_total{route="/webhooks/zoom",status="200"} 3"#,
    ] {
        assert!(metrics.contains(series), "{series} not in\n{metrics}");
    }
    let log = running.stop();
    let audit = |needle: &str| log.lines().find(|l| l.contains("zoom_signer::audit") && l.contains(needle));
    let deauthorized = audit("app_deauthorized").unwrap_or_else(|| panic!("no deauthorization audit line:\n{log}"));
    for field in [ACCOUNT_ID, USER_ID, "nothing to delete"] {
        assert!(deauthorized.contains(field), "{field} not in {deauthorized}");
    }
    let refused = audit("webhook_wrong_mac").unwrap_or_else(|| panic!("no refusal audit line:\n{log}"));
    assert!(refused.contains("refused"), "{refused}");
    assert!(
        log.lines().any(|l| l.contains("DEBUG") && l.contains("meeting.ended")),
        "no debug line for the other event:\n{log}"
    );
    assert!(!log.contains(WEBHOOK_SECRET), "the Secret Token reached the log:\n{log}");
}
