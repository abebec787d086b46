//! The join page: HTML, script and style embedded in the binary, no build step.
//!
//! The page holds no credential; it learns the Web SDK version and hosts, the demo flag and whether
//! "Sign in with Zoom" is on from attributes filled in here once, at start-up.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::config::DEFAULT_FRAME_ANCESTORS;
use crate::http::state::AppState;
use crate::zoom::{DEFAULT_WEB_SDK_VERSION, ZoomCloud};

const INDEX_HTML: &str = include_str!("index.html");
const JOIN_JS: &str = include_str!("join.js");
const JOIN_CSS: &str = include_str!("join.css");

/// What Zoom's Web SDK (client view) needs, and nothing more; `{sdk}` is the SDK's asset origin
/// and `{zoom}` the Zoom cloud's domain (`zoom.us`, or `zoomgov.com` for Zoom for Government:
/// [`ZoomCloud`]). Two kinds of entries:
///
/// Proved by the real-SDK browser test (tests/browser), which runs Zoom's SDK up to its `wc/info`
/// request and fails on any CSP violation; without any one of these it fails:
/// - `script-src 'self' {sdk}` (this page's script; the SDK's bundle and libraries) and
///   `'unsafe-eval'` (the bundle evaluates strings, e.g. protobuf.js's module probe);
/// - `style-src 'self' {sdk} 'unsafe-inline'` (the SDK injects style elements);
/// - `connect-src 'self'` (the signature request; with sign-in on also `auth/zoom/session` and
///   `auth/zoom/sign-out`), `https://{zoom}` and `https://*.{zoom}` (`wc/info` on the SDK's
///   `webEndpoint`; texts and WebAssembly fetched from the asset host);
/// - `img-src data:`, `media-src https://*.{zoom}` (sounds from the asset host) and
///   `worker-src blob:` (the SDK starts workers from blob: URLs of code it fetched).
///
/// Needed only once Zoom accepts a signature, which the test cannot reach (its stubbed `wc/info`
/// refuses), so kept from reading the SDK's code and trying its patterns in Chromium; do not drop
/// them because the test passes without them:
/// - `script-src blob:`: audio worklets load with `audioWorklet.addModule(blob:…)`, which
///   script-src governs; `'wasm-unsafe-eval'`: audio and video run WebAssembly in blob: workers,
///   which inherit this policy;
/// - `connect-src wss://{zoom} wss://*.{zoom}`: the meeting and media servers Zoom names at join
///   time (and `https://*.{zoom}` for their HTTPS side);
/// - `img-src blob: https://{zoom} https://*.{zoom}`, `media-src blob: https://{zoom}`: avatars,
///   chat files, emoji and waiting-room images from Zoom's servers; audio and images made locally;
/// - `frame-src https://{zoom} https://*.{zoom}`: the whiteboard and other embedded Zoom views.
///
/// "Sign in with Zoom" adds nothing: signing in is a top-level navigation to `auth/zoom/start`
/// (which redirects to Zoom's consent page), and CSP does not govern where the page navigates.
///
/// Everything else stays at `default-src 'none'`: no fonts (neither the page nor the SDK loads
/// any), no child-src (worker-src and frame-src cover it), no manifest, and `form-action 'none'`:
/// the form is only ever sent by script, so without script nothing (a passcode) lands in a URL.
fn content_security_policy(cloud: ZoomCloud, frame_ancestors: &str) -> String {
    let (sdk, zoom) = (cloud.sdk_origin(), cloud.domain());
    format!(
        "default-src 'none'; \
         script-src 'self' {sdk} blob: 'unsafe-eval' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline' {sdk}; \
         img-src data: blob: https://{zoom} https://*.{zoom}; \
         connect-src 'self' https://{zoom} https://*.{zoom} wss://{zoom} wss://*.{zoom}; \
         media-src blob: https://{zoom} https://*.{zoom}; \
         worker-src blob:; \
         frame-src https://{zoom} https://*.{zoom}; \
         base-uri 'none'; \
         form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// The rendered page and its headers, ready to send, and what they were rendered from.
#[derive(Debug, Clone)]
pub struct JoinPage {
    html: Bytes,
    csp: HeaderValue,
    sdk_version: String,
    demo: bool,
    login: bool,
    cloud: ZoomCloud,
    frame_ancestors: String,
}

impl Default for JoinPage {
    /// The default Web SDK version, no demo banner, no login, Zoom's commercial cloud, framed by
    /// itself only: the page an operator gets with no settings.
    fn default() -> Self {
        Self::new(DEFAULT_WEB_SDK_VERSION, false)
    }
}

impl JoinPage {
    /// `sdk_version` must already be validated as `MAJOR.MINOR.PATCH` (it lands in an attribute).
    /// The login is off and the cloud commercial until the `with_*` methods say otherwise.
    pub fn new(sdk_version: &str, demo: bool) -> Self {
        debug_assert!(sdk_version.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        let page = Self {
            html: Bytes::new(),
            csp: HeaderValue::from_static(""),
            sdk_version: sdk_version.into(),
            demo,
            login: false,
            cloud: ZoomCloud::default(),
            frame_ancestors: DEFAULT_FRAME_ANCESTORS.into(),
        };
        page.render()
    }

    /// Whether the page offers "Sign in with Zoom" (`SIGNER_ZOOM_SIGN_IN=on`): its `data-login`.
    pub fn with_login(mut self, on: bool) -> Self {
        self.login = on;
        self.render()
    }

    /// Which Zoom the SDK talks to (`SIGNER_ZOOM_CLOUD`): its asset host, `webEndpoint` and the CSP.
    pub fn with_zoom_cloud(mut self, cloud: ZoomCloud) -> Self {
        self.cloud = cloud;
        self.render()
    }

    /// Who may frame the page (`SIGNER_FRAME_ANCESTORS`, already validated as a source list).
    pub fn with_frame_ancestors(mut self, sources: &str) -> Self {
        self.frame_ancestors = sources.to_owned();
        self.render()
    }

    fn render(mut self) -> Self {
        let flag = |on: bool| if on { "true" } else { "false" };
        let html = INDEX_HTML
            .replace("__SDK_VERSION__", &self.sdk_version)
            .replace("__SDK_ORIGIN__", self.cloud.sdk_origin())
            .replace("__WEB_ENDPOINT__", self.cloud.web_endpoint())
            .replace("__DEMO__", flag(self.demo))
            .replace("__LOGIN__", flag(self.login));
        self.html = Bytes::from(html);
        let policy = content_security_policy(self.cloud, &self.frame_ancestors);
        self.csp = HeaderValue::from_str(&policy).expect("a validated source list is a valid header");
        self
    }
}

pub async fn index(State(state): State<AppState>) -> Response {
    // no-cache, not no-store: the page holds nothing secret, but a new release must show at once.
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (CONTENT_SECURITY_POLICY, state.page.csp.clone()),
    ];
    (headers, state.page.html.clone()).into_response()
}

pub async fn script() -> Response {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], JOIN_JS).into_response()
}

pub async fn stylesheet() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "no-cache")], JOIN_CSS).into_response()
}
