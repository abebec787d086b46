//! The HTTP API through `app()` in-process: every status, header and reply shape it promises.

use crate::helpers::{
    KEY, NOW, Reply, SECRET, post_json, request, send_to, state_for_format, state_with_options, test_options,
    test_state, verify_jwt,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use clap::Parser;
use serde_json::{Value, json};
use zoom_signer::config::{Cli, Settings};
use zoom_signer::signature::{Format, Lifetime};
use zoom_signer::{AppState, Options};

async fn send(request: Request<Body>) -> Reply {
    send_to(test_state(), request).await
}

async fn sign(body: Value) -> Reply {
    send(post_json("/signature", body.to_string())).await
}

#[tokio::test]
async fn issues_a_meeting_signature_that_verifies() {
    let reply = sign(json!({"meetingNumber": "123 456 789", "role": 0})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(reply.header(header::CONTENT_TYPE), "application/json");
    let body = reply.json();
    assert_eq!(body["sdkKey"], KEY);
    assert_eq!(body["meetingNumber"], "123456789");
    assert_eq!(body["role"], 0);
    assert_eq!(body["expiresAt"], NOW - 30 + 7200);
    let claims = verify_jwt(body["signature"].as_str().unwrap(), SECRET).unwrap();
    assert_eq!(
        claims,
        json!({"appKey": KEY, "sdkKey": KEY, "mn": "123456789", "role": 0, "iat": NOW - 30, "exp": NOW - 30 + 7200, "tokenExp": NOW - 30 + 7200})
    );
}

#[tokio::test]
async fn post_to_the_root_is_an_alias_as_in_zooms_sample() {
    let body = json!({"meetingNumber": 987654321u64, "role": "0", "expirationSeconds": "1800", "videoWebRtcMode": "1"});
    let reply = send(post_json("/", body.to_string())).await;
    assert_eq!(reply.status, StatusCode::OK);
    let claims = verify_jwt(reply.json()["signature"].as_str().unwrap(), SECRET).unwrap();
    assert_eq!(claims["mn"], "987654321");
    assert_eq!(claims["role"], 0);
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 1800);
    assert_eq!(claims["video_webrtc_mode"], 1);
}

#[tokio::test]
async fn an_empty_request_gets_a_native_sdk_token() {
    let reply = sign(json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["sdkKey", "signature"]);
    let claims = verify_jwt(body["signature"].as_str().unwrap(), SECRET).unwrap();
    assert!(claims.get("mn").is_none() && claims.get("role").is_none());
}

#[tokio::test]
async fn bad_values_get_400_with_every_reason_at_once() {
    let reply = sign(json!({"meetingNumber": "12ab", "role": 2, "expirationSeconds": 60, "userName": "x"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    let reasons = reply.reasons();
    let properties: Vec<&str> = reasons.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(properties, ["userName", "meetingNumber", "role", "expirationSeconds"]);
    assert!(reasons.contains(&("role".into(), "role must be 0 (participant) or 1 (host), got 2".into())));
}

#[tokio::test]
async fn expiration_is_capped_by_max_ttl() {
    let asks_a_day = json!({"meetingNumber": "1", "role": 0, "expirationSeconds": 86400}).to_string();
    let refused = send(post_json("/signature", asks_a_day.clone())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.reasons()[0].1,
        "expirationSeconds must be from 1800 to 7200 seconds (SIGNER_MAX_TTL), got 86400"
    );

    let raised = state_for_format(Format::Jwt, Lifetime::MAX);
    let granted = send_to(raised, post_json("/signature", asks_a_day)).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.json()["expiresAt"], NOW - 30 + 86400);
}

#[tokio::test]
async fn malformed_json_gets_400_with_line_and_column() {
    let reply = send(post_json("/signature", "{\"meetingNumber\": \"1\",\n \"role\": }")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let (property, reason) = &reply.reasons()[0];
    assert_eq!(property, "$body");
    assert!(reason.contains("line 2 column"), "{reason}");
}

#[tokio::test]
async fn bodies_over_4_kib_get_413() {
    let padding = "1".repeat(5000);
    let announced = send(post_json("/signature", format!("{{\"meetingNumber\": \"{padding}\"}}"))).await;
    assert_eq!(announced.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(announced.reasons()[0].0, "$body");

    assert_eq!(announced.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn bodies_that_are_not_json_get_415() {
    for content_type in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/jsonp"), Some(";")]
    {
        let mut request = Request::post("/signature");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let reply = send(request.body(Body::from(r#"{"meetingNumber":"1","role":0}"#)).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        assert_eq!(reply.reasons()[0].0, "$request");
    }
    for json in ["Application/JSON; charset=utf-8", " application/json ;charset=utf-8"] {
        let request = Request::post("/signature").header(header::CONTENT_TYPE, json).body(Body::from("{}")).unwrap();
        assert_eq!(send(request).await.status, StatusCode::OK, "{json}");
    }
}

#[tokio::test]
async fn wrong_methods_get_405_with_allow() {
    for (method, path, allow) in [
        (Method::GET, "/signature", "POST,OPTIONS"),
        (Method::PUT, "/", "GET,HEAD,POST,OPTIONS"),
        (Method::DELETE, "/healthz", "GET,HEAD"),
    ] {
        let reply = send(request(method.clone(), path)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(reply.header(header::ALLOW), allow);
        assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
        assert_eq!(reply.reasons()[0].0, "$request");
    }
}

#[tokio::test]
async fn unknown_paths_get_404_in_the_same_shape() {
    let reply = send(request(Method::GET, "/wp-admin/?q=1")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(reply.reasons()[0].0, "$request");
}

#[tokio::test]
async fn healthz_says_ok() {
    let reply = send(request(Method::GET, "/healthz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"status": "ok"}));
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn legacy_format_signs_meetings_and_refuses_what_it_cannot_carry() {
    let legacy = || state_for_format(Format::Legacy, Lifetime::TWO_HOURS);
    let body = json!({"meetingNumber": "123456789", "role": 0}).to_string();
    let reply = send_to(legacy(), post_json("/signature", body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let signature = reply.json()["signature"].as_str().unwrap().to_owned();
    let decoded = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &signature).unwrap(),
    )
    .unwrap();
    assert!(decoded.starts_with(&format!("{KEY}.123456789.{}.0.", (NOW - 30) * 1000)), "{decoded}");

    let native = send_to(legacy(), post_json("/signature", "{}")).await;
    assert_eq!(native.status, StatusCode::BAD_REQUEST);
    assert_eq!(native.reasons()[0].0, "meetingNumber");
    let with_ttl = json!({"meetingNumber": "1", "role": 0, "expirationSeconds": 3600}).to_string();
    let refused = send_to(legacy(), post_json("/signature", with_ttl)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.reasons()[0].0, "expirationSeconds");
}

#[tokio::test]
async fn the_page_is_served_without_any_credential() {
    let reply = send(request(Method::GET, "/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header(header::CONTENT_TYPE).starts_with("text/html"));
    let html = String::from_utf8(reply.body).unwrap();
    assert!(html.contains(r#"data-sdk-version="6.2.0""#), "version not injected");
    assert!(html.contains(r#"data-demo="false""#), "demo flag not injected");
    assert!(!html.contains(SECRET) && !html.contains(KEY));
    for (path, content_type) in [("/assets/join.js", "text/javascript"), ("/assets/join.css", "text/css")] {
        let asset = send(request(Method::GET, path)).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert!(asset.header(header::CONTENT_TYPE).starts_with(content_type), "{path}");
        let text = String::from_utf8(asset.body).unwrap();
        assert!(!text.is_empty() && !text.contains(SECRET), "{path}");
    }
}

#[tokio::test]
async fn the_page_says_whether_sign_in_with_zoom_is_on() {
    let html = |state| async move { String::from_utf8(send_to(state, request(Method::GET, "/")).await.body).unwrap() };
    assert!(html(test_state()).await.contains(r#"data-login="false""#));
    let page = zoom_signer::http::page::JoinPage::new("6.2.0", false).with_login(true);
    assert!(html(state_with_options(Options { page, ..test_options() })).await.contains(r#"data-login="true""#));
    // Start-up turns it on with SIGNER_ZOOM_SIGN_IN=on, and leaves the rest of the page as it was.
    let settings = |extra: &[&str]| {
        let base = ["zoom-signer", "--sdk-key", KEY, "--sdk-secret", SECRET, "--web-sdk-version", "5.1.4"];
        let cli = Cli::try_parse_from(base.iter().chain(extra)).unwrap();
        AppState::from_settings(&Settings::from_cli(cli).unwrap()).unwrap()
    };
    let on = html(settings(&["--zoom-sign-in", "on", "--public-url", "http://127.0.0.1:4000/zoom/"])).await;
    assert!(on.contains(r#"data-login="true""#) && on.contains(r#"data-sdk-version="5.1.4""#), "{on}");
    let off = html(settings(&[])).await;
    assert!(off.contains(r#"data-login="false""#) && off.contains(r#"data-demo="false""#), "{off}");
}

#[tokio::test]
async fn the_page_shows_the_demo_banner_only_in_demo_mode() {
    let page = zoom_signer::http::page::JoinPage::new("5.1.4", true);
    let demo = state_with_options(Options { page, ..test_options() });
    let html = String::from_utf8(send_to(demo, request(Method::GET, "/")).await.body).unwrap();
    assert!(html.contains(r#"data-demo="true""#));
    assert!(html.contains(r#"data-sdk-version="5.1.4""#));
}
