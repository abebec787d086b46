//! Signing in with Zoom against the stand-in Zoom: a service with sign-in on, and a browser's
//! cookies for it.

use crate::helpers::stand_in_zoom::{Callback, StandInConfig, StandInZoom};
use crate::helpers::{Reply, options, request, send_to, state_from, with_header};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use std::collections::BTreeMap;
use std::time::Duration;
use zoom_signer::config::{Credentials, PublicUrl, SessionKey, SignInSettings};
use zoom_signer::http::session::SignIn;
use zoom_signer::zoom::{ZoomClient, ZoomSettings};
use zoom_signer::{AppState, Options};

/// Where the service is, as browsers see it, in these tests.
pub const PUBLIC_URL: &str = "http://127.0.0.1:4000/";
const SESSION_KEY: [u8; 32] = [42; 32];

/// A stand-in Zoom whose app's redirect URI is `public_url`'s callback.
pub fn stand_in_for(public_url: &str, fixed_zak: Option<String>) -> StandInZoom {
    StandInZoom::start_with(StandInConfig {
        redirect_uri: format!("{public_url}auth/zoom/callback"),
        fixed_zak,
        ..StandInConfig::default()
    })
}

/// Sign-in with Zoom for a service at `public_url`, against `zoom`.
pub fn sign_in_for(zoom: &StandInZoom, public_url: &str) -> SignIn {
    let mut settings = settings(zoom, &SESSION_KEY);
    settings.public_url = PublicUrl::parse(public_url).unwrap();
    let client =
        ZoomSettings { redirect_uri: settings.public_url.redirect_uri(), ..zoom.settings(Duration::from_secs(5)) };
    SignIn::with_client(ZoomClient::new(client).unwrap(), &settings)
}

pub fn stand_in() -> StandInZoom {
    StandInZoom::start_with(StandInConfig {
        redirect_uri: format!("{PUBLIC_URL}auth/zoom/callback"),
        ..StandInConfig::default()
    })
}

pub fn settings(zoom: &StandInZoom, key: &[u8]) -> SignInSettings {
    let config = zoom.config();
    SignInSettings {
        client: Credentials { sdk_key: config.client_id.clone(), sdk_secret: config.client_secret.clone().into() },
        public_url: PublicUrl::parse(PUBLIC_URL).unwrap(),
        session_key: SessionKey::from_bytes(key.to_vec()),
        oauth_url: zoom.oauth_url(),
        api_url: zoom.api_url(),
    }
}

/// The service with sign-in on against `zoom`, calls to it timing out after `timeout`.
pub fn signing_in_with(zoom: &StandInZoom, options: Options, timeout: Duration) -> AppState {
    let sign_in = SignIn::with_client(zoom.client(timeout), &settings(zoom, &SESSION_KEY));
    state_from(Options { sign_in: Some(sign_in), ..options })
}

pub fn signing_in(zoom: &StandInZoom) -> AppState {
    signing_in_with(zoom, options(), Duration::from_secs(5))
}

/// The browser's cookies for this service.
#[derive(Default, Clone)]
pub struct Cookies(pub BTreeMap<String, String>);

impl Cookies {
    /// Takes the reply's `Set-Cookie`s, as a browser does (an expired one removes the cookie).
    pub fn take(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header a browser sends with them.
    pub fn header(&self) -> String {
        let pairs: Vec<String> = self.0.iter().map(|(name, value)| format!("{name}={value}")).collect();
        pairs.join("; ")
    }

    pub fn on(&self, request: Request<Body>) -> Request<Body> {
        if self.0.is_empty() {
            return request;
        }
        with_header(request, header::COOKIE, &self.header())
    }
}

pub fn get(path: &str) -> Request<Body> {
    request(Method::GET, path)
}

pub fn location(reply: &Reply) -> String {
    reply.header(header::LOCATION).to_owned()
}

/// Signs in through the service and the stand-in; the browser's cookies afterwards.
pub async fn sign_in(state: &AppState, zoom: &StandInZoom) -> Cookies {
    let Returning { mut cookies, callback, .. } =
        start_sign_in(state, zoom, "/auth/zoom/start?return=%2Fzoom%2F%3Fmn%3D123456789").await;
    let finished = send_to(state.clone(), cookies.on(get(&callback))).await;
    assert_eq!(finished.status, StatusCode::FOUND, "{}", String::from_utf8_lossy(&finished.body));
    assert_eq!(location(&finished), "/zoom/?mn=123456789");
    cookies.take(&finished.headers);
    cookies
}

/// A sign-in started at `start` and answered by the stand-in, before the browser comes back.
pub struct Returning {
    /// The browser's cookies: the sign-in under way.
    pub cookies: Cookies,
    /// Where Zoom sends the browser back, as a path and query on this service.
    pub callback: String,
    pub back: Callback,
}

pub async fn start_sign_in(state: &AppState, zoom: &StandInZoom, start: &str) -> Returning {
    let mut cookies = Cookies::default();
    let started = send_to(state.clone(), get(start)).await;
    assert_eq!(started.status, StatusCode::FOUND);
    cookies.take(&started.headers);
    let back = zoom.consent(&location(&started)).await;
    let callback = format!("{}?{}", back.url.path(), back.url.query().unwrap());
    Returning { cookies, callback, back }
}
