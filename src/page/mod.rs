//! The join page: HTML, script and style embedded in the binary, no build step.
//!
//! The page holds no credential; it learns the Web SDK version and demo flag from attributes
//! filled in here once, at start-up.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

const INDEX_HTML: &str = include_str!("index.html");
const JOIN_JS: &str = include_str!("join.js");
const JOIN_CSS: &str = include_str!("join.css");

/// What Zoom's Web SDK (client view) needs, and nothing more: its scripts, styles, fonts and
/// WebAssembly from source.zoom.us, its API and media servers on zoom.us over HTTPS and
/// WebSockets, and blob: workers and media. Checked by the real-SDK browser test, which fails on
/// any CSP violation.
const CONTENT_SECURITY_POLICY_BASE: &str = "default-src 'none'; \
     script-src 'self' https://source.zoom.us 'unsafe-eval' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline' https://source.zoom.us; \
     img-src 'self' data: blob: https://source.zoom.us https://zoom.us https://*.zoom.us; \
     font-src 'self' data: https://source.zoom.us; \
     connect-src 'self' https://zoom.us https://*.zoom.us wss://zoom.us wss://*.zoom.us; \
     media-src 'self' blob: https://source.zoom.us https://zoom.us https://*.zoom.us; \
     worker-src 'self' blob: https://source.zoom.us; \
     child-src 'self' blob: https://*.zoom.us; \
     frame-src https://zoom.us https://*.zoom.us; \
     manifest-src 'self'; \
     base-uri 'none'; \
     form-action 'self'";

/// The rendered page and its headers, ready to send.
#[derive(Debug, Clone)]
pub struct JoinPage {
    html: Bytes,
    csp: HeaderValue,
}

impl JoinPage {
    /// `sdk_version` must already be validated as `MAJOR.MINOR.PATCH` (it lands in an attribute).
    pub fn new(sdk_version: &str, demo: bool) -> Self {
        debug_assert!(sdk_version.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        let html =
            INDEX_HTML.replace("__SDK_VERSION__", sdk_version).replace("__DEMO__", if demo { "true" } else { "false" });
        Self { html: Bytes::from(html), csp: HeaderValue::from_static("") }.with_frame_ancestors("'self'")
    }

    /// Who may frame the page (`SIGNER_FRAME_ANCESTORS`, already validated as a source list).
    pub fn with_frame_ancestors(mut self, sources: &str) -> Self {
        let policy = format!("{CONTENT_SECURITY_POLICY_BASE}; frame-ancestors {sources}");
        self.csp = HeaderValue::from_str(&policy).expect("a validated source list is a valid header");
        self
    }

    pub fn content_security_policy(&self) -> &HeaderValue {
        &self.csp
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
