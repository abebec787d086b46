//! Logging in with Zoom against the stand-in Zoom: a service with the login on, and a browser's
//! cookies for it.

use crate::helpers::stand_in_zoom::{Callback, StandInConfig, StandInZoom};
use crate::helpers::{Reply, request, send_to, signer, test_options, with_header};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use std::collections::BTreeMap;
use std::time::Duration;
use zoom_signer::config::{Credentials, LoginSettings, PublicUrl, SessionKeys};
use zoom_signer::http::login::Login;
use zoom_signer::http::state::Secrets;
use zoom_signer::signature::Format;
use zoom_signer::zoom::{ZoomClient, ZoomSettings};
use zoom_signer::{AppState, Options};

/// Where the service is, as browsers see it, in these tests.
pub const PUBLIC_URL: &str = "http://127.0.0.1:4000/";
/// The session key of [`login_settings`]'s callers that name none.
pub const SESSION_KEY: [u8; 32] = [42; 32];

/// A stand-in Zoom whose app's redirect URI is `public_url`'s callback.
pub fn stand_in_zoom_for(public_url: &str, fixed_zak: Option<String>) -> StandInZoom {
    StandInZoom::start_with(StandInConfig {
        redirect_uri: format!("{public_url}auth/zoom/callback"),
        fixed_zak,
        ..StandInConfig::default()
    })
}

/// A stand-in Zoom for a service at [`PUBLIC_URL`].
pub fn stand_in_zoom() -> StandInZoom {
    stand_in_zoom_for(PUBLIC_URL, None)
}

/// The login settings of a service at [`PUBLIC_URL`] using `zoom`, with these session keys.
pub fn login_settings(zoom: &StandInZoom, keys: &[&[u8]]) -> LoginSettings {
    let config = zoom.config();
    LoginSettings {
        client: Credentials { sdk_key: config.client_id.clone(), sdk_secret: config.client_secret.clone().into() },
        public_url: PublicUrl::parse(PUBLIC_URL).unwrap(),
        session_keys: SessionKeys::from_bytes(keys.iter().map(|key| key.to_vec()).collect()),
        oauth_url: zoom.oauth_url(),
        api_url: zoom.api_url(),
    }
}

/// The login of a service at `public_url` using `zoom` (calls time out after 5 s).
pub fn login_at(zoom: &StandInZoom, public_url: &str) -> Login {
    let mut settings = login_settings(zoom, &[&SESSION_KEY]);
    settings.public_url = PublicUrl::parse(public_url).unwrap();
    let client =
        ZoomSettings { redirect_uri: settings.public_url.redirect_uri(), ..zoom.settings(Duration::from_secs(5)) };
    Login::with_client(ZoomClient::new(client).unwrap(), &settings, Default::default())
}

/// JWT meeting signatures with `login` on, and `options`.
pub fn state_for_login(login: Login, options: Options) -> AppState {
    AppState::new(Secrets { login: Some(login), ..Secrets::from(signer(Format::Jwt)) }, options)
}

/// A service at [`PUBLIC_URL`] with the login on against `zoom`, `options`, and calls to Zoom
/// timing out after `timeout`.
pub fn state_with_login_options(zoom: &StandInZoom, options: Options, timeout: Duration) -> AppState {
    let login = Login::with_client(zoom.client(timeout), &login_settings(zoom, &[&SESSION_KEY]), Default::default());
    state_for_login(login, options)
}

/// A service at [`PUBLIC_URL`] with the login on against `zoom` ([`test_options`]).
pub fn state_with_login(zoom: &StandInZoom) -> AppState {
    state_with_login_options(zoom, test_options(), Duration::from_secs(5))
}

/// The browser's cookies for this service.
#[derive(Debug, Default, Clone)]
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

/// A `GET` of `path`, as a browser's navigation.
pub fn get(path: &str) -> Request<Body> {
    request(Method::GET, path)
}

/// The reply's `Location` header.
pub fn location(reply: &Reply) -> String {
    reply.header(header::LOCATION).to_owned()
}

/// Logs in through the service and the stand-in; the browser's cookies afterwards.
pub async fn log_in(state: &AppState, zoom: &StandInZoom) -> Cookies {
    let Returning { mut cookies, callback, .. } =
        start_login(state, zoom, "/auth/zoom/start?return=%2Fzoom%2F%3Fmn%3D123456789").await;
    let finished = send_to(state.clone(), cookies.on(get(&callback))).await;
    assert_eq!(finished.status, StatusCode::FOUND, "{}", String::from_utf8_lossy(&finished.body));
    assert_eq!(location(&finished), "/zoom/?mn=123456789");
    cookies.take(&finished.headers);
    cookies
}

/// A login started at `start` and answered by the stand-in, before the browser comes back.
pub struct Returning {
    /// The browser's cookies: the login under way.
    pub cookies: Cookies,
    /// Where Zoom sends the browser back, as a path and query on this service.
    pub callback: String,
    pub back: Callback,
    /// Zoom's authorize URL the service sent the browser to.
    pub authorize: String,
}

/// Starts a login at `start` and lets the stand-in consent, stopping before the browser comes back.
pub async fn start_login(state: &AppState, zoom: &StandInZoom, start: &str) -> Returning {
    let mut cookies = Cookies::default();
    let started = send_to(state.clone(), get(start)).await;
    assert_eq!(started.status, StatusCode::FOUND);
    cookies.take(&started.headers);
    let authorize = location(&started);
    let back = zoom.consent(&authorize).await;
    let callback = format!("{}?{}", back.url.path(), back.url.query().unwrap());
    Returning { cookies, callback, back, authorize }
}

/// A browser on a real socket (no redirects followed, cookies kept by hand) that has logged in at
/// a running service with the stand-in's consent: what it saw on the way.
pub struct LoggedInOverHttp {
    pub browser: reqwest::Client,
    /// `http://ADDR`, the service.
    pub base: String,
    pub cookies: Cookies,
    /// Where `GET /auth/zoom/start` sent the browser: Zoom's authorize URL.
    pub authorize: String,
    /// Where Zoom sent the browser back.
    pub back: Callback,
    /// The callback's reply: status, `Location` (if any) and body.
    pub callback: (u16, Option<String>, String),
}

/// Logs in at the service at `addr` with `zoom`: `GET /auth/zoom/start`, the stand-in's authorize
/// page (followed by this process, on the host), then the callback, whose cookies are kept.
pub async fn log_in_over_http(addr: std::net::SocketAddr, zoom: &StandInZoom) -> LoggedInOverHttp {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let mut cookies = Cookies::default();
    let started = browser.get(format!("{base}/auth/zoom/start")).send().await.unwrap();
    assert_eq!(started.status(), 302);
    cookies.take(started.headers());
    let authorize = started.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let back = zoom.consent(&authorize).await;
    assert!(back.code.is_some(), "{}", back.url);
    let callback = browser.get(back.url.as_str()).header("cookie", cookies.header()).send().await.unwrap();
    let (status, headers) = (callback.status().as_u16(), callback.headers().clone());
    cookies.take(&headers);
    let location = headers.get(header::LOCATION).map(|l| l.to_str().unwrap().to_owned());
    let callback = (status, location, callback.text().await.unwrap());
    LoggedInOverHttp { browser, base, cookies, authorize, back, callback }
}

impl LoggedInOverHttp {
    /// Whether the callback signed the browser in (302 back to the page).
    pub fn succeeded(&self) -> bool {
        self.callback.0 == 302
    }

    /// Whether the service says this browser is signed in now (`GET /auth/zoom/session`).
    pub async fn is_logged_in(&self) -> bool {
        let reply = self
            .browser
            .get(format!("{}/auth/zoom/session", self.base))
            .header("cookie", self.cookies.header())
            .send()
            .await
            .unwrap();
        let session: serde_json::Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
        session["signedIn"] == true
    }

    /// `POST path` of the JSON `body` with the browser's cookies: the status and the body.
    pub async fn post_json(&self, path: &str, body: &'static str) -> (u16, String) {
        let reply = self
            .browser
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("cookie", self.cookies.header())
            .body(body)
            .send()
            .await
            .unwrap();
        (reply.status().as_u16(), reply.text().await.unwrap())
    }
}
