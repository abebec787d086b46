//! "Sign in with Zoom" (`SIGNER_ZOOM_SIGN_IN=on`), the login: `GET /auth/zoom/start` sends the
//! browser to Zoom's consent page, `GET /auth/zoom/callback` comes back with a code and sets the
//! session cookie, `GET /auth/zoom/session` says who is signed in, `POST /auth/zoom/sign-out`
//! ends it; [`user_token`] fetches a signed-in person's ZAK or OBF token for a signature. With the
//! login off every route answers 404, naming the setting. Every call to Zoom is timed and counted.

mod cookies;
mod failure;
mod user_token;

pub use cookies::{
    ATTEMPT_LIFETIME, CookieTooLarge, Login, LoginAttempt, MAX_COOKIE_BYTES, Session, SpentAttempts, is_local_path,
};
pub use failure::refusal_page;
pub use user_token::user_token;

use crate::http::error::ApiError;
use crate::http::guard::with_action;
use crate::http::state::AppState;
use crate::observability::audit::Action;
use crate::observability::metrics::Metrics;
use crate::zoom::{Endpoint, ZoomError};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use failure::CallbackFailure;
use serde_json::json;
use std::time::Instant;

/// `GET /auth/zoom/start?return=<path>`: to Zoom's authorize page, with a fresh `state` and PKCE
/// challenge kept (with `return`) in a ten-minute encrypted cookie.
pub async fn start(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let secrets = state.secrets();
    let login = secrets.login.as_ref().ok_or(ApiError::LoginOff)?;
    let return_to = match query_value(request.uri(), "return") {
        Some(path) if is_local_path(&path) => path,
        Some(_) => return Err(ApiError::BadReturnPath),
        None => login.home().to_owned(),
    };
    let authorization = login.zoom.authorize();
    let attempt = LoginAttempt {
        state: authorization.state,
        pkce_verifier: authorization.pkce_verifier,
        return_to,
        expires_at: state.unix_now().saturating_add(ATTEMPT_LIFETIME.as_secs()),
    };
    let cookie = login.set_attempt(&attempt).expect("a return path of at most 1024 bytes fits a cookie");
    let location = HeaderValue::try_from(authorization.url).expect("oauth2 builds a valid URL");
    Ok((StatusCode::FOUND, [(SET_COOKIE, cookie), (LOCATION, location)]).into_response())
}

/// `GET /auth/zoom/callback?code=…&state=…` (or `?error=access_denied`): checks `state` against the
/// login cookie, exchanges the code, reads who signed in, sets the session cookie and goes back.
/// Whatever goes wrong, the person sees a page saying what happened, with a way to try again.
pub async fn callback(State(state): State<AppState>, request: Request) -> Response {
    let secrets = state.secrets();
    let Some(login) = secrets.login.as_ref() else { return ApiError::LoginOff.into_response() };
    let (request, _) = request.into_parts();
    match finish(&state, login, &request).await {
        Ok((session, return_to)) => {
            let user = Some(session.user_id.clone());
            match login.set_session(&session, state.unix_now()) {
                Ok(cookie) => {
                    let mut response = (StatusCode::FOUND, [(LOCATION, return_to)]).into_response();
                    response.headers_mut().append(SET_COOKIE, cookie);
                    response.headers_mut().append(SET_COOKIE, login.clear_attempt());
                    with_action(response, Action::Login { user })
                }
                Err(too_large) => {
                    let failure = session_too_large(too_large, &return_to);
                    with_action(failure_response(login, &failure), Action::Login { user })
                }
            }
        }
        Err(failure) => with_action(failure_response(login, &failure), Action::Login { user: None }),
    }
}

/// The page of a failed callback; the attempt's cookie cleared when the callback answered it.
fn failure_response(login: &Login, failure: &CallbackFailure) -> Response {
    let mut response = failure.page(login.home());
    if failure.spends_attempt {
        response.headers_mut().append(SET_COOKIE, login.clear_attempt());
    }
    response
}

fn session_too_large(too_large: CookieTooLarge, return_to: &HeaderValue) -> CallbackFailure {
    let what = format!(
        "Zoom's access token is too large to keep in a browser cookie (the cookie would be {} bytes; browsers keep \
         at most {MAX_COOKIE_BYTES}), so this service cannot sign you in. Its operator should report this to Zoom.",
        too_large.bytes
    );
    CallbackFailure::answered(
        StatusCode::BAD_GATEWAY,
        "session_too_large",
        what,
        return_to.to_str().expect("a local path is ASCII"),
    )
}

/// The callback's work: match it with this browser's attempt, spend the attempt, exchange the
/// code and read who signed in. The session and where to go back to.
async fn finish(state: &AppState, login: &Login, request: &Parts) -> Result<(Session, HeaderValue), CallbackFailure> {
    let now = state.unix_now();
    let Some(attempt) = login.attempt(&request.headers, now) else {
        return Err(CallbackFailure::unmatched(
            "no_sign_in_under_way",
            "This browser has no sign-in under way: it may have taken longer than 10 minutes, been finished \
             already, or cookies may be off for this site.",
            None,
        ));
    };
    if query_value(&request.uri, "state").as_deref() != Some(attempt.state.as_str()) {
        return Err(CallbackFailure::unmatched(
            "bad_state",
            "The answer from Zoom does not belong to the sign-in this browser started (its state differs).",
            Some(attempt.return_to),
        ));
    }
    let return_to = attempt.return_to.as_str();
    if !login.spend(&attempt, now) {
        return Err(CallbackFailure::answered(
            StatusCode::BAD_REQUEST,
            "sign_in_spent",
            "This sign-in was finished already; each sign-in can be used once. Sign in again.",
            return_to,
        ));
    }
    if let Some(error) = query_value(&request.uri, "error") {
        let (code, what) = if error == "access_denied" {
            ("access_denied", "You did not allow this app to use your Zoom account, so you are not signed in.")
        } else {
            ("zoom_refused", "Zoom did not sign you in.")
        };
        return Err(CallbackFailure::answered(StatusCode::FORBIDDEN, code, what, return_to));
    }
    let Some(code) = query_value(&request.uri, "code") else {
        return Err(CallbackFailure::answered(
            StatusCode::BAD_REQUEST,
            "no_code",
            "The answer from Zoom has no sign-in code.",
            return_to,
        ));
    };
    let metrics = &state.metrics;
    let token = timed(metrics, Endpoint::Token, login.zoom.exchange_code(&code, &attempt.pkce_verifier))
        .await
        .map_err(|e| CallbackFailure::zoom("exchanging the sign-in code", e, return_to))?;
    let user = timed(metrics, Endpoint::Me, login.zoom.me(&token.secret))
        .await
        .map_err(|e| CallbackFailure::zoom("reading who signed in", e, return_to))?;
    let session = Session::new(token.secret, now.saturating_add(token.expires_in.as_secs()), user);
    let location = HeaderValue::try_from(attempt.return_to.as_str()).expect("a local path is a header value");
    Ok((session, location))
}

/// `GET /auth/zoom/session`: `{"signedIn": true, "name", "email", "expiresAt"}` or `{"signedIn": false}`.
pub async fn session(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let secrets = state.secrets();
    let login = secrets.login.as_ref().ok_or(ApiError::LoginOff)?;
    let reply = match login.session(request.headers(), state.unix_now()) {
        Some(session) => json!({
            "signedIn": true, "name": session.name, "email": session.email, "expiresAt": session.expires_at,
        }),
        None => json!({"signedIn": false}),
    };
    Ok(Json(reply).into_response())
}

/// `POST /auth/zoom/sign-out`: revokes the access token at Zoom (best effort: the cookie goes
/// whatever Zoom answers), clears the session cookie, 204. Behind the origin rules.
pub async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let secrets = state.secrets();
    let Some(login) = secrets.login.as_ref() else {
        return with_action(ApiError::LoginOff.into_response(), Action::Logout { user: None });
    };
    let session = login.session(request.headers(), state.unix_now());
    if let Some(session) = &session {
        // Best effort: a token Zoom already forgot, or Zoom being down, must not keep anyone signed in.
        let _ = timed(&state.metrics, Endpoint::Revoke, login.zoom.revoke(&session.access_token)).await;
    }
    let response = (StatusCode::NO_CONTENT, [(SET_COOKIE, login.clear_session())]).into_response();
    with_action(response, Action::Logout { user: session.map(|s| s.user_id) })
}

/// A call to Zoom's `endpoint`, timed and counted in the metrics.
async fn timed<T>(
    metrics: &Metrics,
    endpoint: Endpoint,
    call: impl Future<Output = Result<T, ZoomError>>,
) -> Result<T, ZoomError> {
    let started = Instant::now();
    let outcome = call.await;
    metrics.record_zoom_call(endpoint, started.elapsed(), outcome.as_ref().err().map(ZoomError::code));
    outcome
}

/// The first value of `name` in the request's query string.
fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}
