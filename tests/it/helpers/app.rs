//! Requests through `app()` in-process, and their replies read whole.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;
use zoom_signer::{AppState, app};

/// The `Host` of requests that come from a page (`from_origin`, `preflight`).
const SERVICE_HOST: &str = "signer.example.com";

/// A reply read whole, for assertions.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(&name).map_or("", |v| v.to_str().unwrap())
    }

    pub fn reasons(&self) -> Vec<(String, String)> {
        let body = self.json();
        body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors array in {body}"))
            .iter()
            .map(|e| (e["property"].as_str().unwrap().to_owned(), e["reason"].as_str().unwrap().to_owned()))
            .collect()
    }
}

/// Sends `request` through `app(state)` in-process. With no socket there is no peer: the client
/// is 0.0.0.0, unless the request carries its own `ConnectInfo` ([`with_peer`]).
pub async fn send_to(state: AppState, request: Request<Body>) -> Reply {
    let app = app(state).layer(MockConnectInfo(SocketAddr::from(([0, 0, 0, 0], 0))));
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

/// A request without a body.
pub fn request(method: Method, path: &str) -> Request<Body> {
    Request::builder().method(method).uri(path).body(Body::empty()).unwrap()
}

/// A `POST` of `body` as JSON (`Content-Type: application/json`).
pub fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
}

/// `request` with one more header.
pub fn with_header(mut request: Request<Body>, name: header::HeaderName, value: &str) -> Request<Body> {
    request.headers_mut().insert(name, HeaderValue::from_str(value).unwrap());
    request
}

/// `request` with `Authorization: Bearer <token>`.
pub fn bearer(request: Request<Body>, token: &str) -> Request<Body> {
    with_header(request, header::AUTHORIZATION, &format!("Bearer {token}"))
}

/// `request` as a page on `origin` sends it to the service at [`SERVICE_HOST`].
pub fn from_origin(request: Request<Body>, origin: &str) -> Request<Body> {
    let request = with_header(request, header::ORIGIN, origin);
    with_header(request, header::HOST, SERVICE_HOST)
}

/// A browser's CORS preflight for a `POST` to `path` from a page on `origin`.
pub fn preflight(path: &str, origin: &str) -> Request<Body> {
    let request = with_header(request(Method::OPTIONS, path), header::ACCESS_CONTROL_REQUEST_METHOD, "POST");
    let request = with_header(request, header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type");
    from_origin(request, origin)
}

/// `request` as the server sees it from the socket peer `peer` (an `ip:port`).
pub fn with_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    request
}

/// A request body that never arrives.
pub struct Stalled;

impl http_body::Body for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}
