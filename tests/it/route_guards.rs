//! Every route that takes `POST` runs the origin guard (but the one Zoom calls server to server,
//! which refuses whatever Zoom did not authenticate), and every route but a short list of ones
//! that never call Zoom nor sign counts against a rate limit: found by walking the paths the
//! router itself holds, so a route added later, in whatever group, is covered without editing
//! this test.

use crate::helpers::{
    MEETING_BODY, from_origin, get, post_json, send_to, stand_in_zoom, state_with_login_options, state_with_webhooks,
    test_options, test_state,
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

/// The `POST` routes without the origin rule, and why: Zoom's webhooks come from Zoom's servers,
/// which send no `Origin`; what keeps a page (or anyone) out is Zoom's HMAC of each delivery,
/// which only a holder of the app's Secret Token can make. Listed here, such a route must still
/// refuse with 401 a request Zoom did not authenticate.
const SERVER_TO_SERVER: &[&str] = &["/webhooks/zoom"];

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
async fn every_post_route_refuses_a_foreign_origin_or_what_zoom_did_not_authenticate() {
    let routes = post_routes().await;
    for listed in SERVER_TO_SERVER {
        assert!(routes.iter().any(|p| p == listed), "{listed} is listed but not a POST route: {routes:?}");
    }
    for path in routes {
        // Webhooks on, so that their route answers as it does in use, not 404.
        let reply =
            send_to(state_with_webhooks(test_options()), from_origin(post(&path), "https://evil.example")).await;
        if SERVER_TO_SERVER.contains(&path.as_str()) {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "POST {path} without Zoom's HMAC");
            assert_eq!(
                reply.header(axum::http::header::WWW_AUTHENTICATE),
                zoom_signer::http::error::WEBHOOK_CHALLENGE,
                "POST {path}"
            );
        } else {
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "POST {path} from a foreign origin");
        }
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
            let limits = Options { rate_limit: limit, webhook_rate_limit: limit, ..test_options() };
            let limited = state_with_login_options(&zoom, limits, Duration::from_secs(5));
            let first = send_to(limited.clone(), request()).await;
            if first.status == StatusCode::METHOD_NOT_ALLOWED || FREE.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            let second = send_to(limited, request()).await;
            assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{method} {path}: the second request");
            counted.push(format!("{method} {path}"));
        }
    }
    for route in [
        "GET /auth/zoom/start",
        "GET /auth/zoom/callback",
        "POST /auth/zoom/sign-out",
        "POST /signature",
        "POST /webhooks/zoom",
    ] {
        assert!(counted.iter().any(|c| c == route), "{route} not among the counted {counted:?}");
    }
}

#[tokio::test]
async fn the_404_names_every_path_of_the_route_table() {
    let reply = send_to(test_state(), get("/no/such/path")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reason = &reply.reasons()[0].1;
    for path in router_paths() {
        assert!(
            reason.contains(&format!(" {path},")) || reason.contains(&format!(" {path} ")),
            "{path} not in {reason}"
        );
    }
}

#[tokio::test]
async fn every_route_is_counted_under_its_own_label() {
    let state = test_state();
    for path in router_paths() {
        send_to(state.clone(), get(&path)).await;
    }
    send_to(state.clone(), get("/no/such/path")).await;
    let metrics = state.metrics.render();
    for path in router_paths() {
        assert!(metrics.contains(&format!("route=\"{path}\"")), "{path} is not a label of\n{metrics}");
    }
    assert!(metrics.contains("route=\"(unmatched)\""), "{metrics}");
}
