//! Every route that takes `POST` runs the origin guard, and every route but a short list of ones
//! that never call Zoom nor sign counts against the rate limit: found by walking the paths the
//! router itself holds, so a route added later, in whatever group, is covered without editing
//! this test.

use crate::helpers::{
    MEETING_BODY, from_origin, get, post_json, send_to, stand_in_zoom, state_with_login_options, test_options,
    test_state,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use std::time::Duration;
use zoom_signer::access::RateLimit;
use zoom_signer::{Options, app};

/// The routes that need no rate limit: they never call Zoom and issue nothing.
const FREE: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/assets/join.js"),
    ("GET", "/assets/join.css"),
    ("GET", "/auth/zoom/session"),
];

/// The paths of the application's route table, read from the router's `Debug` (axum has no other
/// way to list routes). The test checks it finds the known routes, so a change of that format
/// fails here rather than silently walking nothing.
fn router_paths() -> Vec<String> {
    let debug = format!("{:?}", app(test_state()));
    let table = debug.split("node: Node { paths: {").nth(1).expect("the router's Debug lists its paths");
    let table = table.split('}').next().unwrap();
    let mut paths: Vec<String> = table.split('"').skip(1).step_by(2).map(str::to_owned).collect();
    paths.sort();
    for known in ["/", "/signature", "/video-signature", "/healthz"] {
        assert!(paths.iter().any(|p| p == known), "{known} not found in the router's paths {paths:?}");
    }
    paths
}

fn post(path: &str) -> Request<Body> {
    post_json(path, MEETING_BODY)
}

/// The paths that answer `POST` with anything but 405.
async fn post_routes() -> Vec<String> {
    let mut found = Vec::new();
    for path in router_paths() {
        let reply = send_to(test_state(), post(&path)).await;
        if reply.status != StatusCode::METHOD_NOT_ALLOWED {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn the_walk_finds_the_signing_routes() {
    let found = post_routes().await;
    for known in ["/", "/signature", "/video-signature"] {
        assert!(found.iter().any(|p| p == known), "POST {known} not found among {found:?}");
    }
}

#[tokio::test]
async fn every_post_route_refuses_a_foreign_origin() {
    for path in post_routes().await {
        let reply = send_to(test_state(), from_origin(post(&path), "https://evil.example")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "POST {path} from a foreign origin");
        assert_eq!(reply.reasons()[0].0, "$request", "POST {path}");
    }
}

#[tokio::test]
async fn every_route_but_the_free_ones_counts_against_the_rate_limit() {
    let zoom = stand_in_zoom();
    let mut counted = Vec::new();
    for path in router_paths() {
        for method in [Method::GET, Method::POST] {
            let request = || if method == Method::GET { get(&path) } else { post(&path) };
            let limit = Some(RateLimit { count: 1, period: Duration::from_secs(3600) });
            let limited = state_with_login_options(
                &zoom,
                Options { rate_limit: limit, ..test_options() },
                Duration::from_secs(5),
            );
            let first = send_to(limited.clone(), request()).await;
            if first.status == StatusCode::METHOD_NOT_ALLOWED || FREE.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            let second = send_to(limited, request()).await;
            assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{method} {path}: the second request");
            counted.push(format!("{method} {path}"));
        }
    }
    for route in ["GET /auth/zoom/start", "GET /auth/zoom/callback", "POST /auth/zoom/sign-out", "POST /signature"] {
        assert!(counted.iter().any(|c| c == route), "{route} not among the counted {counted:?}");
    }
}
