//! "Sign in with Zoom" (`SIGNER_ZOOM_SIGN_IN=on`): `GET /auth/zoom/start` sends the browser to
//! Zoom's consent page, `GET /auth/zoom/callback` comes back with a code and sets the session
//! cookie, `GET /auth/zoom/session` says who is signed in, `POST /auth/zoom/sign-out` ends it.
//! With sign-in off every one of them answers 404, naming the setting.

use crate::http::error::ApiError;
use crate::http::guard::{self, with_action};
use crate::http::session::{
    ATTEMPT_COOKIE, ATTEMPT_LIFETIME, SESSION_COOKIE, Session, SignIn, SignInAttempt, is_local_path,
};
use crate::http::state::AppState;
use crate::observability::audit::{Action, AuditFacts, RefusalReason};
use crate::zoom::ZoomError;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::{Duration, Instant, UNIX_EPOCH};

/// `GET /auth/zoom/start?return=<path>`: to Zoom's authorize page, with a fresh `state` and PKCE
/// challenge kept (with `return`) in a ten-minute encrypted cookie.
pub async fn start(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let sign_in = state.sign_in.as_ref().ok_or(ApiError::SignInOff)?;
    let return_to = match query_value(request.uri(), "return") {
        Some(path) if is_local_path(&path) => path,
        Some(_) => return Err(ApiError::BadReturnPath),
        None => sign_in.home().to_owned(),
    };
    let authorization = sign_in.zoom.authorize();
    let attempt = SignInAttempt {
        state: authorization.state,
        pkce_verifier: authorization.pkce_verifier,
        return_to,
        expires_at: now(&state) + ATTEMPT_LIFETIME.as_secs(),
    };
    let jar = sign_in.jar(request.headers()).add(sign_in.cookie(ATTEMPT_COOKIE, &attempt, ATTEMPT_LIFETIME));
    let location = HeaderValue::try_from(authorization.url).map_err(|_| ApiError::SignInOff)?;
    Ok((StatusCode::FOUND, jar, [(LOCATION, location)]).into_response())
}

/// `GET /auth/zoom/callback?code=…&state=…` (or `?error=access_denied`): checks `state` against the
/// sign-in cookie, exchanges the code, reads who signed in, sets the session cookie and goes back.
/// Whatever goes wrong, the person sees a page saying what happened, with a way to try again.
pub async fn callback(State(state): State<AppState>, request: Request) -> Response {
    let Some(sign_in) = state.sign_in.as_ref() else { return ApiError::SignInOff.into_response() };
    let client = guard::client(&state, &request);
    let (request, _) = request.into_parts();
    let (mut user, outcome) = (None, finish_sign_in(&state, sign_in, &request).await);
    let (jar, response) = match outcome {
        Ok((session, return_to)) => {
            user = Some(session.user_id.clone());
            let lifetime = Duration::from_secs(session.expires_at.saturating_sub(now(&state)));
            let jar = sign_in.jar(&request.headers).remove(sign_in.removal(ATTEMPT_COOKIE)).add(sign_in.cookie(
                SESSION_COOKIE,
                &session,
                lifetime,
            ));
            (jar, (StatusCode::FOUND, [(LOCATION, return_to)]).into_response())
        }
        Err(failure) => {
            // The attempt is spent either way: a `state` is good for one callback.
            let jar = sign_in.jar(&request.headers).remove(sign_in.removal(ATTEMPT_COOKIE));
            (jar, failure.page(sign_in.home()))
        }
    };
    let mut response = (jar, response).into_response();
    if let Some(client) = client {
        response.extensions_mut().insert(AuditFacts { client, action: Action::SignIn { user } });
    }
    response
}

/// What went wrong at the callback, and its page.
struct CallbackFailure {
    status: StatusCode,
    code: &'static str,
    /// What happened, for the person and the audit line; never a code, token or cookie.
    what: String,
    /// Where "Try again" goes back to, when known.
    return_to: Option<String>,
}

impl CallbackFailure {
    fn new(status: StatusCode, code: &'static str, what: impl Into<String>, return_to: Option<String>) -> Self {
        Self { status, code, what: what.into(), return_to }
    }

    fn zoom(during: &'static str, error: ZoomError, return_to: &str) -> Self {
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
        Self::new(status, "zoom_failed", what, Some(return_to.to_owned()))
    }

    /// A small page: what happened, and a link to try again. No script; nothing from the request
    /// is shown but escaped text.
    fn page(&self, home: &str) -> Response {
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

async fn finish_sign_in(
    state: &AppState,
    sign_in: &SignIn,
    request: &Parts,
) -> Result<(Session, String), CallbackFailure> {
    let now = now(state);
    let jar = sign_in.jar(&request.headers);
    let Some(attempt) = sign_in.attempt(&jar, now) else {
        return Err(CallbackFailure::new(
            StatusCode::BAD_REQUEST,
            "no_sign_in_under_way",
            "This browser has no sign-in under way: it may have taken longer than 10 minutes, been finished \
             already, or cookies may be off for this site.",
            None,
        ));
    };
    if query_value(&request.uri, "state").as_deref() != Some(attempt.state.as_str()) {
        return Err(CallbackFailure::new(
            StatusCode::BAD_REQUEST,
            "bad_state",
            "The answer from Zoom does not belong to the sign-in this browser started (its state differs).",
            Some(attempt.return_to),
        ));
    }
    if let Some(error) = query_value(&request.uri, "error") {
        let (code, what) = if error == "access_denied" {
            ("access_denied", "You did not allow this app to use your Zoom account, so you are not signed in.")
        } else {
            ("zoom_refused", "Zoom did not sign you in.")
        };
        return Err(CallbackFailure::new(StatusCode::FORBIDDEN, code, what, Some(attempt.return_to)));
    }
    let Some(code) = query_value(&request.uri, "code") else {
        return Err(CallbackFailure::new(
            StatusCode::BAD_REQUEST,
            "no_code",
            "The answer from Zoom has no sign-in code.",
            Some(attempt.return_to),
        ));
    };
    let token = timed(state, "token", sign_in.zoom.exchange_code(&code, &attempt.pkce_verifier))
        .await
        .map_err(|e| CallbackFailure::zoom("exchanging the sign-in code", e, &attempt.return_to))?;
    let user = timed(state, "user", sign_in.zoom.me(&token.secret))
        .await
        .map_err(|e| CallbackFailure::zoom("reading who signed in", e, &attempt.return_to))?;
    let session = Session {
        access_token: token.secret,
        expires_at: now + token.expires_in.as_secs(),
        user_id: user.id,
        name: user.name,
        email: user.email,
    };
    Ok((session, attempt.return_to))
}

/// `GET /auth/zoom/session`: `{"signedIn": true, "name", "email", "expiresAt"}` or `{"signedIn": false}`.
pub async fn session(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let sign_in = state.sign_in.as_ref().ok_or(ApiError::SignInOff)?;
    let reply = match sign_in.session(&sign_in.jar(request.headers()), now(&state)) {
        Some(session) => json!({
            "signedIn": true, "name": session.name, "email": session.email, "expiresAt": session.expires_at,
        }),
        None => json!({"signedIn": false}),
    };
    Ok(Json(reply).into_response())
}

/// `POST /auth/zoom/sign-out`: revokes the access token at Zoom (best effort: the cookie goes
/// whatever Zoom answers), clears the session cookie, 204. Behind the signing guards' origin rules.
pub async fn sign_out(State(state): State<AppState>, request: Request) -> Response {
    let Some(sign_in) = state.sign_in.as_ref() else {
        return with_action(ApiError::SignInOff.into_response(), Action::SignOut { user: None });
    };
    let jar = sign_in.jar(request.headers());
    let session = sign_in.session(&jar, now(&state));
    if let Some(session) = &session {
        // Best effort: a token Zoom already forgot, or Zoom being down, must not keep anyone signed in.
        let _ = timed(&state, "revoke", sign_in.zoom.revoke(&session.access_token)).await;
    }
    let response = (StatusCode::NO_CONTENT, jar.remove(sign_in.removal(SESSION_COOKIE))).into_response();
    with_action(response, Action::SignOut { user: session.map(|s| s.user_id) })
}

/// A call to Zoom, timed and counted in the metrics.
pub async fn timed<T>(
    state: &AppState,
    call: &'static str,
    future: impl Future<Output = Result<T, ZoomError>>,
) -> Result<T, ZoomError> {
    let started = Instant::now();
    let outcome = future.await;
    state.metrics.record_zoom_call(call, started.elapsed(), outcome.as_ref().err().map(ZoomError::code));
    outcome
}

/// Unix seconds by the state's clock.
pub fn now(state: &AppState) -> u64 {
    state.clock.now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The first value of `name` in the request's query string.
fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
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
