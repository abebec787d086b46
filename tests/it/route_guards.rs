//! Every route that takes `POST` runs the signing guards: found by walking the paths the router
//! itself holds, so a route added later, in whatever group, is covered without editing this test.

use crate::helpers::{MEETING_BODY, from_origin, options, post_json, send_to, state, state_from};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::time::Duration;
use zoom_signer::access::RateLimit;
use zoom_signer::{Options, app};

/// The paths of the application's route table, read from the router's `Debug` (axum has no other
/// way to list routes). The test checks it finds the known routes, so a change of that format
/// fails here rather than silently walking nothing.
fn router_paths() -> Vec<String> {
    let debug = format!("{:?}", app(state()));
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
        let reply = send_to(state(), post(&path)).await;
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
        let reply = send_to(state(), from_origin(post(&path), "https://evil.example")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "POST {path} from a foreign origin");
        assert_eq!(reply.reasons()[0].0, "$request", "POST {path}");
    }
}

#[tokio::test]
async fn every_post_route_counts_against_the_rate_limit() {
    for path in post_routes().await {
        let limited = state_from(Options {
            rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(3600) }),
            ..options()
        });
        let first = send_to(limited.clone(), post(&path)).await;
        assert_ne!(first.status, StatusCode::TOO_MANY_REQUESTS, "POST {path}: the first request");
        let second = send_to(limited, post(&path)).await;
        assert_eq!(
            second.status,
            StatusCode::TOO_MANY_REQUESTS,
            "POST {path}: the second request within the limit's period"
        );
    }
}
