//! `POST /video-signature`: Video SDK tokens, with the same guards as meeting signatures.

use crate::helpers::{
    API_TOKEN, HOST_TOKEN, NOW, SECRET, VIDEO_KEY, VIDEO_SECRET, bearer, from_origin, post_json, send_to,
    state_with_options, state_with_video, test_options, tokens, verify_jwt, with_peer,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use std::time::Duration;
use zoom_signer::Options;
use zoom_signer::access::{AccessPolicy, RateLimit};
use zoom_signer::signature::SessionName;

fn video_request(body: serde_json::Value) -> Request<Body> {
    post_json("/video-signature", body.to_string())
}

#[tokio::test]
async fn without_video_credentials_the_endpoint_says_how_to_enable_it() {
    let state = state_with_options(test_options());
    let reply = send_to(state, video_request(json!({"sessionName": "standup", "role": 0}))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let (property, reason) = &reply.reasons()[0];
    assert_eq!(property, "$request");
    assert!(reason.contains("ZOOM_VIDEO_SDK_KEY") && reason.contains("ZOOM_VIDEO_SDK_SECRET"), "{reason}");
}

#[tokio::test]
async fn issues_a_video_token_signed_with_the_video_secret() {
    let body = json!({"sessionName": "standup", "role": 0, "userIdentity": "ada", "geoRegions": ["US"], "expirationSeconds": 1800});
    let reply = send_to(state_with_video(AccessPolicy::default(), test_options()), video_request(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    let body = reply.json();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["expiresAt", "signature"]);
    assert_eq!(body["expiresAt"], NOW - 30 + 1800);
    let claims = verify_jwt(body["signature"].as_str().unwrap(), VIDEO_SECRET).unwrap();
    assert_eq!(
        claims,
        json!({"app_key": VIDEO_KEY, "tpc": "standup", "role_type": 0, "version": 1, "iat": NOW - 30, "exp": NOW - 30 + 1800,
               "user_identity": "ada", "geo_regions": "US"})
    );
    assert!(verify_jwt(body["signature"].as_str().unwrap(), SECRET).is_err(), "not the meeting secret");
}

#[tokio::test]
async fn the_host_rule_applies_to_sessions() {
    let host_body = || video_request(json!({"sessionName": "standup", "role": 1}));
    let refused = send_to(state_with_video(AccessPolicy::default(), test_options()), host_body()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.reasons()[0].1.contains("SIGNER_HOST_TOKENS"));

    let policy = || AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    assert_eq!(send_to(state_with_video(policy(), test_options()), host_body()).await.status, StatusCode::UNAUTHORIZED);
    let granted = send_to(state_with_video(policy(), test_options()), bearer(host_body(), HOST_TOKEN)).await;
    assert_eq!(granted.status, StatusCode::OK);
    let claims = verify_jwt(granted.json()["signature"].as_str().unwrap(), VIDEO_SECRET).unwrap();
    assert_eq!(claims["role_type"], 1);
}

#[tokio::test]
async fn only_allowed_sessions_are_signed_and_api_tokens_gate_them() {
    let policy = AccessPolicy {
        allowed_sessions: Some([SessionName::parse("standup").unwrap()].into_iter().collect()),
        ..AccessPolicy::default()
    };
    let state = state_with_video(policy, test_options());
    let other = send_to(state.clone(), video_request(json!({"sessionName": "retro", "role": 0}))).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.reasons()[0].0, "sessionName");
    assert_eq!(
        send_to(state, video_request(json!({"sessionName": "standup", "role": 0}))).await.status,
        StatusCode::OK
    );

    let gated = AccessPolicy { api_tokens: tokens(&[API_TOKEN]), ..AccessPolicy::default() };
    let reply =
        send_to(state_with_video(gated, test_options()), video_request(json!({"sessionName": "standup", "role": 0})))
            .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn origins_and_rate_limits_apply_as_for_meetings() {
    let foreign = from_origin(video_request(json!({"sessionName": "standup", "role": 0})), "https://evil.example");
    assert_eq!(
        send_to(state_with_video(AccessPolicy::default(), test_options()), foreign).await.status,
        StatusCode::FORBIDDEN
    );

    let limited = state_with_video(
        AccessPolicy::default(),
        Options { rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(3600) }), ..test_options() },
    );
    let from_client = || with_peer(video_request(json!({"sessionName": "standup", "role": 0})), "192.0.2.7:1000");
    assert_eq!(send_to(limited.clone(), from_client()).await.status, StatusCode::OK);
    assert_eq!(send_to(limited, from_client()).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn bad_requests_get_every_reason_at_once() {
    let body = json!({"sessionName": "", "role": 2, "geoRegions": ["XX"], "cloudRecordingOption": 5});
    let reply = send_to(state_with_video(AccessPolicy::default(), test_options()), video_request(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let properties: Vec<String> = reply.reasons().into_iter().map(|(p, _)| p).collect();
    assert_eq!(properties, ["sessionName", "role", "geoRegions", "cloudRecordingOption"]);
}
