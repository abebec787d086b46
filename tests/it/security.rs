//! "Safe by default": who may get a signature, origins and CORS, rate limits, timeouts and
//! security headers, all through `app()` in-process.

use crate::helpers::{
    API_TOKEN, HOST_TOKEN, Reply, SECRET, Stalled, bearer, from_origin, post_json, preflight, request, send_to,
    state_with_options, state_with_policy, test_options, tokens, verify_jwt, with_peer,
};
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;
use zoom_signer::access::{AccessPolicy, AllowedOrigins, RateLimit, TrustedProxies};
use zoom_signer::signature::MeetingNumber;
use zoom_signer::{AppState, Options};

fn sign_request(role: u8, token: Option<&str>) -> Request<Body> {
    let request = post_json("/signature", json!({"meetingNumber": "123456789", "role": role}).to_string());
    match token {
        Some(token) => bearer(request, token),
        None => request,
    }
}

#[tokio::test]
async fn host_signatures_are_refused_when_no_host_token_is_configured() {
    let reply = send_to(state_with_policy(AccessPolicy::default(), test_options()), sign_request(1, None)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let (property, reason) = &reply.reasons()[0];
    assert_eq!(property, "role");
    assert!(reason.contains("SIGNER_HOST_TOKENS"), "{reason}");
    // Participants are still served.
    assert_eq!(
        send_to(state_with_policy(AccessPolicy::default(), test_options()), sign_request(0, None)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn host_signatures_need_a_host_bearer_token() {
    let policy = || AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    for bearer in [None, Some("not-the-host-token-at-all")] {
        let reply = send_to(state_with_policy(policy(), test_options()), sign_request(1, bearer)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bearer:?}");
        assert!(reply.header(header::WWW_AUTHENTICATE).starts_with("Bearer"), "{bearer:?}");
    }
    let granted = send_to(state_with_policy(policy(), test_options()), sign_request(1, Some(HOST_TOKEN))).await;
    assert_eq!(granted.status, StatusCode::OK);
    let claims = verify_jwt(granted.json()["signature"].as_str().unwrap(), SECRET).unwrap();
    assert_eq!(claims["role"], 1);
}

#[tokio::test]
async fn api_tokens_gate_every_request_and_host_tokens_satisfy_them() {
    let policy = || AccessPolicy {
        host_tokens: tokens(&[HOST_TOKEN]),
        api_tokens: tokens(&[API_TOKEN]),
        ..AccessPolicy::default()
    };
    let cases = [
        (0, None, StatusCode::UNAUTHORIZED),
        (0, Some("wrong-token-cccccccccccccccc"), StatusCode::UNAUTHORIZED),
        (0, Some(API_TOKEN), StatusCode::OK),
        (0, Some(HOST_TOKEN), StatusCode::OK),
        (1, Some(API_TOKEN), StatusCode::UNAUTHORIZED),
        (1, Some(HOST_TOKEN), StatusCode::OK),
    ];
    for (role, bearer, expected) in cases {
        let reply = send_to(state_with_policy(policy(), test_options()), sign_request(role, bearer)).await;
        assert_eq!(reply.status, expected, "role {role} with {bearer:?}");
        if expected == StatusCode::UNAUTHORIZED {
            assert!(reply.header(header::WWW_AUTHENTICATE).starts_with("Bearer"));
        }
    }
    // Without a token the body is not even looked at.
    let reply = send_to(state_with_policy(policy(), test_options()), post_json("/signature", "not json")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_allowed_meetings_are_signed() {
    let policy = || AccessPolicy {
        allowed_meetings: Some(["123456789", "5550001"].iter().map(|m| MeetingNumber::parse(m).unwrap()).collect()),
        ..AccessPolicy::default()
    };
    let listed = send_to(state_with_policy(policy(), test_options()), sign_request(0, None)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let other = json!({"meetingNumber": "987654321", "role": 0}).to_string();
    let refused = send_to(state_with_policy(policy(), test_options()), post_json("/signature", other)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.reasons()[0].0, "meetingNumber");
    let native = send_to(state_with_policy(policy(), test_options()), post_json("/signature", "{}")).await;
    assert_eq!(native.status, StatusCode::FORBIDDEN);
}

fn with_origins(list: &str) -> AppState {
    state_with_options(Options { origins: AllowedOrigins::parse(list).unwrap(), ..test_options() })
}

#[tokio::test]
async fn foreign_origins_are_refused_and_never_reflected() {
    let reply = send_to(with_origins(""), from_origin(sign_request(0, None), "https://evil.example")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.reasons()[0].1.contains("SIGNER_ALLOWED_ORIGINS"));
    assert!(reply.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    assert_eq!(reply.header(header::VARY), "origin");

    let listed_elsewhere =
        send_to(with_origins("https://www.example.com"), preflight("/signature", "https://evil.example")).await;
    assert_eq!(listed_elsewhere.status, StatusCode::FORBIDDEN);
    assert!(listed_elsewhere.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn the_services_own_origin_needs_no_listing() {
    let reply = send_to(with_origins(""), from_origin(sign_request(0, None), "https://signer.example.com")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn listed_origins_get_cors_including_preflight() {
    let state = || with_origins("https://www.example.com, http://localhost:3000");
    let reply = send_to(state(), preflight("/signature", "https://www.example.com")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "https://www.example.com");
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_METHODS), "POST");
    let allowed_headers = reply.header(header::ACCESS_CONTROL_ALLOW_HEADERS).to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    assert_eq!(reply.header(header::VARY), "origin");

    let actual = send_to(state(), from_origin(sign_request(0, None), "http://localhost:3000")).await;
    assert_eq!(actual.status, StatusCode::OK);
    assert_eq!(actual.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "http://localhost:3000");
    assert_eq!(actual.header(header::VARY), "origin");
}

#[tokio::test]
async fn a_wildcard_is_honoured_only_when_written() {
    let reply = send_to(with_origins("*"), from_origin(sign_request(0, None), "https://any.example")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
}

fn from_peer(peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = with_peer(sign_request(0, None), peer);
    if let Some(forwarded) = forwarded_for {
        request.headers_mut().insert("x-forwarded-for", HeaderValue::from_str(forwarded).unwrap());
    }
    request
}

fn limited(count: u32, trusted: &str) -> AppState {
    state_with_options(Options {
        rate_limit: Some(RateLimit { count, period: Duration::from_secs(3600) }),
        trusted_proxies: TrustedProxies::parse(trusted).unwrap(),
        ..test_options()
    })
}

async fn statuses(state: &AppState, requests: impl IntoIterator<Item = Request<Body>>) -> Vec<u16> {
    let mut found = Vec::new();
    for request in requests {
        found.push(send_to(state.clone(), request).await.status.as_u16());
    }
    found
}

#[tokio::test]
async fn each_client_gets_a_bucket_and_then_429_with_retry_after() {
    let state = limited(2, "");
    let first = statuses(&state, (0..3).map(|_| from_peer("192.0.2.1:5000", None))).await;
    assert_eq!(first, [200, 200, 429]);
    let reply: Reply = send_to(state.clone(), from_peer("192.0.2.1:5001", None)).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = reply.header(header::RETRY_AFTER).parse().unwrap();
    assert!((1..=1800).contains(&retry_after), "{retry_after}");
    // Another address has a bucket of its own; X-Forwarded-For from an untrusted peer is ignored.
    assert_eq!(statuses(&state, [from_peer("192.0.2.2:5000", None)]).await, [200]);
    assert_eq!(statuses(&state, [from_peer("192.0.2.1:5000", Some("198.51.100.1"))]).await, [429]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let state = limited(1, "127.0.0.1/32");
    let proxy = "127.0.0.1:40000";
    let found = statuses(
        &state,
        [
            from_peer(proxy, Some("198.51.100.1")),
            from_peer(proxy, Some("198.51.100.2")),
            from_peer(proxy, Some("198.51.100.1")),
            // A client forging a left-most entry is still itself.
            from_peer(proxy, Some("203.0.113.50, 198.51.100.2")),
        ],
    )
    .await;
    assert_eq!(found, [200, 200, 429, 429]);
}

#[tokio::test]
async fn without_a_client_address_nothing_is_signed() {
    // Only an app run without `serve` (and, in tests, without MockConnectInfo) lacks one: a fault
    // of the server, not a client to guess at (the rate limit keys on it).
    let response = zoom_signer::app(state_with_options(test_options())).oneshot(sign_request(0, None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let requests = [
        request(Method::GET, "/"),
        request(Method::GET, "/healthz"),
        request(Method::GET, "/nope"),
        request(Method::DELETE, "/signature"),
        post_json("/signature", "{]"),
        sign_request(0, None),
    ];
    for request in requests {
        let path = request.uri().to_string();
        let reply = send_to(state_with_options(test_options()), request).await;
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{path}");
        assert_eq!(reply.header(header::REFERRER_POLICY), "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn the_page_has_a_content_security_policy_with_configurable_frame_ancestors() {
    let page = send_to(state_with_options(test_options()), request(Method::GET, "/")).await;
    let csp = page.header(header::CONTENT_SECURITY_POLICY).to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self' https://source.zoom.us"), "{csp}");
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");

    let framed =
        zoom_signer::http::page::JoinPage::new("6.2.0", false).with_frame_ancestors("https://intranet.example.com");
    let page = send_to(state_with_options(Options { page: framed, ..test_options() }), request(Method::GET, "/")).await;
    assert!(page.header(header::CONTENT_SECURITY_POLICY).ends_with("frame-ancestors https://intranet.example.com"));
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_gets_408() {
    let limits =
        zoom_signer::config::ServerLimits { request_timeout: Duration::from_millis(200), ..Default::default() };
    let request = post_json("/signature", Body::new(Stalled));
    let reply = send_to(state_with_options(Options { limits, ..test_options() }), request).await;
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(reply.reasons()[0].0, "$request");
}

#[tokio::test]
async fn options_without_an_origin_lists_each_routes_own_methods() {
    for (path, allow) in
        [("/", "GET, HEAD, OPTIONS, POST"), ("/signature", "OPTIONS, POST"), ("/video-signature", "OPTIONS, POST")]
    {
        let request = request(Method::OPTIONS, path);
        let reply = send_to(state_with_options(test_options()), request).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(reply.header(header::ALLOW), allow, "{path}");
    }
}
