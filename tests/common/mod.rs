//! Shared by the integration tests: a test signer on a fixed clock, and token verification.
#![allow(dead_code)] // each test crate uses its own part of this module

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::Value;
use sha2::Sha256;
use zoom_signer::AppState;
use zoom_signer::page::JoinPage;
use zoom_signer::signature::{FixedClock, Format, Lifetime, Signer};

pub const KEY: &str = "test-sdk-key";
pub const SECRET: &str = "test-sdk-secret-do-not-use";
/// "Now" in these tests; with the default 30 s backdate, `iat` is this minus 30.
pub const NOW: u64 = 1_700_000_030;

pub fn signer(format: Format) -> Signer {
    Signer::new(KEY.into(), SecretString::from(SECRET), format)
}

pub fn state_with(format: Format, max_lifetime: Lifetime) -> AppState {
    AppState::with_clock(
        signer(format),
        max_lifetime,
        JoinPage::new("6.2.0", false),
        FixedClock::at_unix_seconds(NOW),
    )
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
        return Err(format!(
            "unexpected header {}",
            String::from_utf8_lossy(&header)
        ));
    }
    let mut expected = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    expected.update(signed.as_bytes());
    let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|e| e.to_string())?;
    expected
        .verify_slice(&mac)
        .map_err(|_| "HMAC does not verify".to_owned())?;
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
