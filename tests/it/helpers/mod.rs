//! Shared by the integration tests: a test signer on a fixed clock, and token verification.
#![allow(dead_code)] // each test crate uses its own part of this module

pub mod nginx;
pub mod process;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::Value;
use sha2::Sha256;
use tower::ServiceExt;
use zoom_signer::app;
use zoom_signer::signature::{FixedClock, Format, Lifetime, Signer};
use zoom_signer::{AppState, Options};

pub const KEY: &str = "test-sdk-key";
pub const SECRET: &str = "test-sdk-secret-do-not-use";
/// "Now" in these tests; with the default 30 s backdate, `iat` is this minus 30.
pub const NOW: u64 = 1_700_000_030;

pub fn signer(format: Format) -> Signer {
    Signer::new(KEY.into(), SecretString::from(SECRET), format)
}

/// Default options but a fixed clock and no rate limit (tests send many requests from one client).
pub fn options() -> Options {
    Options { clock: Box::new(FixedClock::at_unix_seconds(NOW)), rate_limit: None, ..Options::default() }
}

pub fn state_with(format: Format, max_lifetime: Lifetime) -> AppState {
    AppState::new(signer(format), Options { max_lifetime, ..options() })
}

pub fn state() -> AppState {
    state_with(Format::Jwt, Lifetime::TWO_HOURS)
}

/// Checks a Meeting SDK JWT's header and HMAC against `secret`; returns its claims.
pub fn verify_jwt(token: &str, secret: &str) -> Result<Value, String> {
    let (signed, mac) = token.rsplit_once('.').ok_or("not a JWT")?;
    let (header, payload) = signed.split_once('.').ok_or("not a JWT")?;
    let header = URL_SAFE_NO_PAD.decode(header).map_err(|e| e.to_string())?;
    if header != br#"{"alg":"HS256","typ":"JWT"}"# {
        return Err(format!("unexpected header {}", String::from_utf8_lossy(&header)));
    }
    let mut expected = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    expected.update(signed.as_bytes());
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|e| e.to_string())?;
    expected.verify_slice(&mac).map_err(|_| "HMAC does not verify".to_owned())?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|e| e.to_string())?;
    serde_json::from_slice(&payload).map_err(|e| e.to_string())
}

/// Sends raw HTTP/1.1 bytes to `addr` and returns everything the server answers before closing.
pub fn raw_http(addr: std::net::SocketAddr, request: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

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

pub async fn send_to(state: zoom_signer::AppState, request: Request<Body>) -> Reply {
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

pub fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").body(body.into()).unwrap()
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
