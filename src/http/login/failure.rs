//! What the person sees when a login does not finish: a small page saying what happened, with a
//! way to try again. It is also what the audit line says (its code and reason).

use crate::http::error::{ApiError, retry_seconds};
use crate::http::state::AppState;
use crate::observability::audit::RefusalReason;
use crate::zoom::ZoomError;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What went wrong at the callback.
pub struct CallbackFailure {
    pub status: StatusCode,
    pub code: &'static str,
    /// What happened, for the person and the audit line; never a code, token or cookie.
    pub what: String,
    /// Where "Try again" goes back to, when known.
    pub return_to: Option<String>,
    /// Whether the login attempt was answered (its cookie is cleared): not when the callback does
    /// not belong to it, so a foreign callback URL cannot end the person's own login under way.
    pub spends_attempt: bool,
}

impl CallbackFailure {
    /// A failure before the callback could be matched with this browser's attempt.
    pub fn unmatched(code: &'static str, what: impl Into<String>, return_to: Option<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, what: what.into(), return_to, spends_attempt: false }
    }

    /// A failure of the attempt this callback answered.
    pub fn answered(status: StatusCode, code: &'static str, what: impl Into<String>, return_to: &str) -> Self {
        Self { status, code, what: what.into(), return_to: Some(return_to.to_owned()), spends_attempt: true }
    }

    /// Zoom failed (or refused) while `during`.
    pub fn zoom(during: &'static str, error: ZoomError, return_to: &str) -> Self {
        let status = match error {
            ZoomError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ZoomError::InvalidGrant { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::BAD_GATEWAY,
        };
        let what = match &error {
            ZoomError::InvalidGrant { .. } => {
                "Zoom did not accept the sign-in code (it may have been used already, or be too old).".to_owned()
            }
            ZoomError::MissingScope { scope, .. } => format!(
                "Zoom refused {during}: the Zoom app lacks the scope {scope}. Its operator must add it in the Zoom App Marketplace."
            ),
            other => format!("Zoom failed while {during}: {other}."),
        };
        Self::answered(status, "zoom_failed", what, return_to)
    }

    /// The page: what happened, and a link to try again (through `home`, the public URL's path).
    /// No script; nothing from the request is shown but escaped text.
    pub fn page(&self, home: &str) -> Response {
        let return_to = self.return_to.as_deref().unwrap_or(home);
        let retry = format!(
            "{home}auth/zoom/start?return={}",
            url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
        );
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in with Zoom</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
             <h1>Sign in with Zoom did not finish</h1><p id=\"what\">{}</p>\
             <p><a id=\"retry\" href=\"{}\">Try again</a> · <a href=\"{}\">Back to the join page</a></p></body></html>\n",
            escape(&self.what),
            escape(&retry),
            escape(return_to),
        );
        let mut response = (
            self.status,
            [
                (CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(
                        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                    ),
                ),
            ],
            html,
        )
            .into_response();
        response.extensions_mut().insert(RefusalReason { code: self.code, reason: self.what.clone() });
        response
    }
}

/// A guard's refusal of a login navigation, for the person who made it: too many sign-ins from
/// their address is a page saying when to try again (with `Retry-After`); anything else as the
/// API answers it.
pub fn refusal_page(state: &AppState, error: ApiError) -> Response {
    let ApiError::TooManyRequests { retry_after } = error else { return error.into_response() };
    let seconds = retry_seconds(retry_after);
    let what = format!(
        "There have been too many sign-in attempts from your network in a short time. Wait {seconds} seconds, \
         then try again."
    );
    let failure = CallbackFailure {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "rate_limited",
        what,
        return_to: None,
        spends_attempt: false,
    };
    let home = state.secrets().login.as_ref().map_or_else(|| "/".to_owned(), |login| login.home().to_owned());
    let mut response = failure.page(&home);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Text for HTML (content and attribute values).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_would_read_as_markup() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
