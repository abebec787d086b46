//! The join page: HTML, script and style embedded in the binary, no build step.
//!
//! The page holds no credential; it learns the Web SDK version and demo flag from attributes
//! filled in here once, at start-up.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

const INDEX_HTML: &str = include_str!("index.html");
const JOIN_JS: &str = include_str!("join.js");
const JOIN_CSS: &str = include_str!("join.css");

/// The rendered page, ready to send.
#[derive(Debug, Clone)]
pub struct JoinPage {
    html: Bytes,
}

impl JoinPage {
    /// `sdk_version` must already be validated as `MAJOR.MINOR.PATCH` (it lands in an attribute).
    pub fn new(sdk_version: &str, demo: bool) -> Self {
        debug_assert!(sdk_version.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        let html = INDEX_HTML
            .replace("__SDK_VERSION__", sdk_version)
            .replace("__DEMO__", if demo { "true" } else { "false" });
        Self {
            html: Bytes::from(html),
        }
    }
}

pub async fn index(State(state): State<AppState>) -> Response {
    // no-cache, not no-store: the page holds nothing secret, but a new release must show at once.
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        state.page.html.clone(),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        JOIN_JS,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        JOIN_CSS,
    )
        .into_response()
}
