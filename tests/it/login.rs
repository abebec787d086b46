//! Sign in with Zoom (the login), against the stand-in Zoom (tests/it/helpers/stand_in_zoom.rs):
//! the whole flow in process and over a socket, and everything that can go wrong on the way,
//! from a careless Zoom or from an attacker.

use crate::helpers::stand_in_zoom::{
    CO_HOSTED_MEETING, FOREIGN_MEETING, Fault, HOSTED_MEETING, Route, StandInConfig, StandInUser, StandInZoom,
};
use crate::helpers::{
    Cookies, HOST_TOKEN, PUBLIC_URL, Reply, Returning, SESSION_KEY, bearer, from_origin, get, location, log_in,
    login_at, login_settings, post_json, request, send_to, stand_in_zoom, start_login, state_for_login,
    state_with_login, state_with_login_options, state_with_policy, test_options, test_state, tokens,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::collections::BTreeMap;
use std::time::Duration;
use zoom_signer::access::{AccessPolicy, RateLimit};
use zoom_signer::http::login::{Login, MAX_COOKIE_BYTES};

const SESSION: &str = "zoom_signer_session";
const ATTEMPT: &str = "zoom_signer_login";

fn zak_request(role: u8) -> Request<Body> {
    post_json("/signature", format!(r#"{{"meetingNumber": "123456789", "role": {role}, "userToken": "zak"}}"#))
}

#[tokio::test]
async fn start_sends_the_browser_to_zooms_authorize_page_with_state_and_pkce() {
    let zoom = stand_in_zoom();
    let reply = send_to(state_with_login(&zoom), get("/auth/zoom/start")).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let authorize = url::Url::parse(&location(&reply)).unwrap();
    assert!(authorize.as_str().starts_with(&format!("{}oauth/authorize?", zoom.oauth_url())), "{authorize}");
    let query: BTreeMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], zoom.config().client_id);
    assert_eq!(query["redirect_uri"], format!("{PUBLIC_URL}auth/zoom/callback"));
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["state"].len() >= 16 && query["code_challenge"].len() >= 43, "{query:?}");
    let cookie = reply.header(header::SET_COOKIE);
    assert!(cookie.starts_with(&format!("{ATTEMPT}=")), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(!cookie.contains(&query["state"]), "the state is encrypted in the cookie");
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_on_the_public_urls_path() {
    let zoom = stand_in_zoom();
    let login = login_at(&zoom, "https://meet.example.com/zoom/");
    let reply = send_to(state_for_login(login, test_options()), get("/auth/zoom/start")).await;
    let cookie = reply.header(header::SET_COOKIE);
    assert!(cookie.starts_with("__Secure-zoom_signer_login="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/zoom/"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} missing from {cookie}");
    }
    let authorize = url::Url::parse(&location(&reply)).unwrap();
    let redirect = authorize.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
    assert_eq!(redirect, "https://meet.example.com/zoom/auth/zoom/callback");
}

#[tokio::test]
async fn the_whole_flow_signs_in_and_the_signature_carries_the_persons_zak() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    let session = send_to(state.clone(), cookies.on(get("/auth/zoom/session"))).await.json();
    assert_eq!(session["signedIn"], true);
    assert_eq!(session["name"], zoom.config().user.display_name);
    assert_eq!(session["email"], zoom.config().user.email);
    assert!(session["expiresAt"].as_u64().unwrap() > 1_700_000_000);
    // A signed-in person starts the meeting as host with their own ZAK: no host token needed.
    let reply = send_to(state, cookies.on(zak_request(1))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    let issued = zoom.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].kind, "zak");
    assert_eq!(reply.json()["zak"], issued[0].token.as_str());
    assert_eq!(reply.json()["role"], 1);
    assert_eq!(zoom.calls(Route::Meeting), 1, "Zoom was asked who hosts the meeting");
}

#[tokio::test]
async fn an_obf_token_is_for_the_requests_meeting() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    let body = r#"{"meetingNumber": "123 456 789", "role": 0, "userToken": "obf"}"#;
    let reply = send_to(state, cookies.on(post_json("/signature", body))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let issued = zoom.issued();
    assert_eq!((issued[0].kind.as_str(), issued[0].meeting_id.as_deref()), ("onbehalf", Some("123456789")));
    assert_eq!(reply.json()["obfToken"], issued[0].token.as_str());
    assert!(reply.json().get("zak").is_none());
}

#[tokio::test]
async fn host_without_zak_keeps_todays_rules() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    let host = post_json("/signature", r#"{"meetingNumber": "123456789", "role": 1}"#);
    assert_eq!(send_to(state.clone(), cookies.on(host)).await.status, StatusCode::FORBIDDEN);
    let obf_host = post_json("/signature", r#"{"meetingNumber": "123456789", "role": 1, "userToken": "obf"}"#);
    assert_eq!(send_to(state, cookies.on(obf_host)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_token_without_a_session_is_401_naming_where_to_sign_in() {
    let zoom = stand_in_zoom();
    let reply = send_to(state_with_login(&zoom), zak_request(0)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let (property, reason) = &reply.reasons()[0];
    assert_eq!(property, "userToken");
    assert!(reason.contains("/auth/zoom/start"), "{reason}");
    assert_eq!(zoom.calls(Route::UserToken), 0);
}

#[tokio::test]
async fn tampered_and_foreign_key_cookies_read_as_signed_out() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    let mut tampered = cookies.clone();
    let value = tampered.0.get_mut(SESSION).unwrap();
    let flipped = if value.ends_with('A') { 'B' } else { 'A' };
    value.pop();
    value.push(flipped);
    let other_login = Login::with_client(
        zoom.client(Duration::from_secs(5)),
        &login_settings(&zoom, &[&[7; 32]]),
        Default::default(),
    );
    let other_key = state_for_login(other_login, test_options());
    for (what, state, cookies) in [("tampered", state.clone(), tampered), ("another key", other_key, cookies)] {
        let session = send_to(state.clone(), cookies.on(get("/auth/zoom/session"))).await;
        assert_eq!(session.status, StatusCode::OK, "{what}");
        assert_eq!(session.json(), serde_json::json!({"signedIn": false}), "{what}");
        assert_eq!(send_to(state, cookies.on(zak_request(0))).await.status, StatusCode::UNAUTHORIZED, "{what}");
    }
}

#[tokio::test]
async fn a_replayed_callback_is_refused_with_a_page_to_try_again() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let Returning { cookies: attempt, callback, back, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    assert_eq!(send_to(state.clone(), attempt.on(get(&callback))).await.status, StatusCode::FOUND);
    // The same callback again, even with the first cookie kept by an attacker: its code is spent.
    let replayed = send_to(state.clone(), attempt.on(get(&callback))).await;
    assert!(replayed.status.is_client_error(), "{}", replayed.status);
    let page = String::from_utf8_lossy(&replayed.body).into_owned();
    assert!(page.contains("Try again") && page.contains("/auth/zoom/start?return="), "{page}");
    assert!(!page.contains(back.code.as_deref().unwrap()), "the code never shows");
    // Without the cookie at all (a browser that finished, or another browser).
    let cookieless = send_to(state, get(&callback)).await;
    assert_eq!(cookieless.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&cookieless.body).contains("no sign-in under way"));
}

#[tokio::test]
async fn a_state_that_does_not_match_the_cookie_is_refused() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let Returning { cookies, back, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    let forged = format!("/auth/zoom/callback?code={}&state=forged-state", back.code.unwrap());
    let reply = send_to(state, cookies.on(get(&forged))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&reply.body).contains("state differs"));
    assert_eq!(zoom.calls(Route::Token), 0, "no code is exchanged for a mismatched state");
}

#[tokio::test]
async fn return_must_be_a_path_on_this_service() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    for bad in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
        "evil",
        "%2F%0D%0ASet-Cookie%3A%20x",
    ] {
        let reply = send_to(state.clone(), get(&format!("/auth/zoom/start?return={bad}"))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.reasons()[0].0, "return", "{bad}");
        assert!(reply.headers.get(header::LOCATION).is_none(), "{bad}");
    }
}

#[tokio::test]
async fn a_refused_consent_shows_what_happened() {
    let zoom = stand_in_zoom();
    zoom.refuse_consent();
    let state = state_with_login(&zoom);
    let Returning { cookies, callback, back, .. } =
        start_login(&state, &zoom, "/auth/zoom/start?return=%2Fzoom%2F").await;
    assert_eq!(back.error.as_deref(), Some("access_denied"));
    let reply = send_to(state, cookies.on(get(&callback))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(page.contains("did not allow"), "{page}");
    assert!(page.contains("/auth/zoom/start?return=%2Fzoom%2F"), "{page}");
    assert_eq!(reply.header(header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert!(reply.header(header::CONTENT_SECURITY_POLICY).contains("default-src 'none'"));
}

/// The signature request with a ZAK, after signing in, with Zoom then misbehaving as `fault`.
async fn zak_with_fault(fault: Fault, timeout: Duration) -> (Reply, StandInZoom) {
    let zoom = stand_in_zoom();
    let state = state_with_login_options(&zoom, test_options(), timeout);
    let cookies = log_in(&state, &zoom).await;
    zoom.set_fault(fault);
    (send_to(state, cookies.on(zak_request(0))).await, zoom)
}

#[tokio::test]
async fn zoom_answering_401_ends_the_session_and_clears_its_cookie() {
    let (reply, _zoom) = zak_with_fault(Fault::TokenRevoked, Duration::from_secs(5)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.reasons()[0].1.contains("sign in again"), "{:?}", reply.reasons());
    let cleared = reply.header(header::SET_COOKIE);
    assert!(cleared.starts_with(&format!("{SESSION}=;")) && cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn a_missing_scope_is_502_naming_the_scope_to_add() {
    let (reply, _zoom) = zak_with_fault(Fault::MissingScope("user:read:token".into()), Duration::from_secs(5)).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(reply.reasons()[0].1.contains("user:read:token"), "{:?}", reply.reasons());
}

#[tokio::test]
async fn zoom_failing_is_502_and_zoom_slow_is_504() {
    for status in [403, 500, 503] {
        let (reply, _zoom) = zak_with_fault(Fault::Status(status), Duration::from_secs(5)).await;
        assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "Zoom answering {status}");
        assert!(reply.reasons()[0].1.contains("ZAK"), "{:?}", reply.reasons());
    }
    let (reply, zoom) = zak_with_fault(Fault::Slow(Duration::from_secs(3)), Duration::from_millis(300)).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(zoom.calls(Route::UserToken), 1, "no blind retry");
}

#[tokio::test]
async fn zoom_down_is_502_naming_what_failed() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    zoom.stop();
    let reply = send_to(state.clone(), cookies.on(zak_request(0))).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(reply.reasons()[0].1.contains("could not be reached"), "{:?}", reply.reasons());
    // Signing in while Zoom is down: the page says so, 502.
    let mut attempt = Cookies::default();
    let started = send_to(state.clone(), get("/auth/zoom/start")).await;
    attempt.take(&started.headers);
    let authorize = url::Url::parse(&location(&started)).unwrap();
    let the_state: String = authorize.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let reply = send_to(state, attempt.on(get(&format!("/auth/zoom/callback?code=c0de&state={the_state}")))).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&reply.body).contains("token endpoint"));
}

#[tokio::test]
async fn signing_out_revokes_the_token_and_clears_the_cookie() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let mut cookies = log_in(&state, &zoom).await;
    let reply = send_to(state.clone(), cookies.on(request(Method::POST, "/auth/zoom/sign-out"))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(zoom.calls(Route::Revoke), 1);
    cookies.take(&reply.headers);
    assert!(!cookies.0.contains_key("zoom_signer_session"));
    let session = send_to(state, cookies.on(get("/auth/zoom/session"))).await.json();
    assert_eq!(session["signedIn"], false);
}

#[tokio::test]
async fn a_foreign_page_cannot_sign_a_person_out() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    let foreign = from_origin(request(Method::POST, "/auth/zoom/sign-out"), "https://evil.example");
    let reply = send_to(state.clone(), cookies.on(foreign)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    assert_eq!(zoom.calls(Route::Revoke), 0);
    assert_eq!(send_to(state, cookies.on(get("/auth/zoom/session"))).await.json()["signedIn"], true);
}

#[tokio::test]
async fn with_sign_in_off_its_endpoints_are_404_naming_the_setting() {
    for request in [
        get("/auth/zoom/start"),
        get("/auth/zoom/callback?code=c&state=s"),
        get("/auth/zoom/session"),
        request(Method::POST, "/auth/zoom/sign-out"),
    ] {
        let path = request.uri().path().to_owned();
        let reply = send_to(test_state(), request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.reasons()[0].1.contains("SIGNER_ZOOM_SIGN_IN"), "{path}: {:?}", reply.reasons());
    }
    let reply = send_to(test_state(), zak_request(0)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.reasons()[0].1.contains("SIGNER_ZOOM_SIGN_IN"));
    // And a host still needs a host token there, ZAK or not.
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    let reply = send_to(state_with_policy(policy, test_options()), zak_request(1)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "userToken is refused before the role is judged");
}

/// The binary at trace level, over a real socket: sign in, take a ZAK, sign out; then its log
/// holds the audit lines and none of the secrets that went by.
#[tokio::test]
async fn over_a_socket_the_flow_works_and_at_trace_level_nothing_secret_reaches_the_log() {
    use crate::helpers::process::{Running, signer_in};
    let zoom = stand_in_zoom();
    let dir = tempfile::tempdir().unwrap();
    let session_key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [9u8; 32]);
    let config = zoom.config().clone();
    let metrics_port = crate::helpers::free_port();
    let mut command = signer_in(dir.path());
    command
        .env("ZOOM_MEETING_SDK_KEY", "meeting-sdk-key")
        .env("ZOOM_MEETING_SDK_SECRET", "meeting-sdk-secret-canary-51d0")
        .env("SIGNER_ZOOM_SIGN_IN", "on")
        .env("SIGNER_PUBLIC_URL", PUBLIC_URL)
        .env("ZOOM_OAUTH_CLIENT_ID", &config.client_id)
        .env("ZOOM_OAUTH_CLIENT_SECRET", &config.client_secret)
        .env("SIGNER_SESSION_KEY", &session_key)
        .env("SIGNER_ZOOM_OAUTH_URL", zoom.oauth_url().as_str())
        .env("SIGNER_ZOOM_API_URL", zoom.api_url().as_str())
        .env("SIGNER_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("RUST_LOG", "trace");
    let running = Running::start(&mut command);
    let base = format!("http://{}", running.addr);
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut cookies = Cookies::default();
    let mut seen = Vec::new();
    let mut send = async |request: reqwest::RequestBuilder, cookies: &mut Cookies| {
        let request = if cookies.0.is_empty() { request } else { request.header(header::COOKIE, cookies.header()) };
        let reply = request.send().await.unwrap();
        for value in reply.headers().get_all(header::SET_COOKIE) {
            seen.push(value.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
        cookies.take(reply.headers());
        reply
    };
    let started = send(browser.get(format!("{base}/auth/zoom/start?return=%2F")), &mut cookies).await;
    assert_eq!(started.status(), StatusCode::FOUND);
    let back = zoom.consent(started.headers()[header::LOCATION].to_str().unwrap()).await;
    let callback = format!("{base}{}?{}", back.url.path(), back.url.query().unwrap());
    let finished = send(browser.get(callback), &mut cookies).await;
    assert_eq!(finished.status(), StatusCode::FOUND);
    assert_eq!(finished.headers()[header::LOCATION], "/");
    let body = r#"{"meetingNumber":"123456789","role":1,"userToken":"zak"}"#;
    let signed = send(
        browser.post(format!("{base}/signature")).header(header::CONTENT_TYPE, "application/json").body(body),
        &mut cookies,
    )
    .await;
    assert_eq!(signed.status(), StatusCode::OK);
    let reply: serde_json::Value = serde_json::from_slice(&signed.bytes().await.unwrap()).unwrap();
    let access_tokens = zoom.access_tokens();
    let signed_out = send(browser.post(format!("{base}/auth/zoom/sign-out")), &mut cookies).await;
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let metrics = browser.get(format!("http://127.0.0.1:{metrics_port}/metrics")).send().await.unwrap();
    let metrics = String::from_utf8(metrics.bytes().await.unwrap().to_vec()).unwrap();
    for counted in [
        r#"zoom_signer_sign_ins_total{outcome="signed_in"} 1"#,
        r#"zoom_signer_user_tokens_issued_total{kind="zak"} 1"#,
        r#"zoom_signer_zoom_api_duration_seconds_count{call="zak"} 1"#,
        r#"zoom_signer_zoom_api_duration_seconds_count{call="meeting"} 1"#,
        r#"zoom_signer_zoom_api_duration_seconds_count{call="revoke"} 1"#,
    ] {
        assert!(metrics.contains(counted), "{counted} not in\n{metrics}");
    }
    let log = running.stop();

    let user = &zoom.config().user.id;
    assert!(log.lines().any(|l| l.contains("signed in with Zoom") && l.contains(user.as_str())), "{log}");
    assert!(log.lines().any(|l| l.contains("signature issued") && l.contains(r#"user_token="zak""#)), "{log}");
    assert!(log.lines().any(|l| l.contains("signed out") && l.contains(user.as_str())), "{log}");
    let mut secrets = vec![
        ("the OAuth client secret", config.client_secret.clone()),
        ("the SDK secret", "meeting-sdk-secret-canary-51d0".to_owned()),
        ("the session key", session_key),
        ("the authorization code", back.code.unwrap()),
        ("the ZAK", reply["zak"].as_str().unwrap().to_owned()),
        ("the signature", reply["signature"].as_str().unwrap().to_owned()),
    ];
    secrets.extend(access_tokens.into_iter().map(|t| ("an access token", t)));
    secrets.extend(
        seen.into_iter()
            .filter_map(|c| Some(("a cookie", c.split_once('=')?.1.to_owned())))
            .filter(|(_, v)| !v.is_empty()),
    );
    for (what, secret) in secrets {
        assert!(!log.contains(&secret), "{what} reached the log:\n{log}");
    }
}

/// The reply to a host start (role 1 with the ZAK) of `meeting` by the stand-in's default user,
/// on a service with `policy`.
async fn host_start(meeting: &str, policy: AccessPolicy, token: Option<&str>) -> (Reply, StandInZoom) {
    let zoom = stand_in_zoom();
    let login = Login::with_client(
        zoom.client(Duration::from_secs(5)),
        &login_settings(&zoom, &[&SESSION_KEY]),
        Default::default(),
    );
    let state = zoom_signer::AppState::new(
        zoom_signer::http::state::Secrets {
            policy,
            login: Some(login),
            ..zoom_signer::http::state::Secrets::from(crate::helpers::signer(zoom_signer::signature::Format::Jwt))
        },
        test_options(),
    );
    let cookies = log_in(&state, &zoom).await;
    let body = format!(r#"{{"meetingNumber": "{meeting}", "role": 1, "userToken": "zak"}}"#);
    let mut request = cookies.on(post_json("/signature", body));
    if let Some(token) = token {
        request = bearer(request, token);
    }
    (send_to(state, request).await, zoom)
}

#[tokio::test]
async fn only_the_meetings_host_gets_a_host_signature_with_their_zak() {
    let (foreign, zoom) = host_start(FOREIGN_MEETING, AccessPolicy::default(), None).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&foreign.body));
    let (property, reason) = &foreign.reasons()[0];
    assert_eq!(property, "role");
    assert!(reason.starts_with("only this meeting's host can start it"), "{reason}");
    assert!(reason.contains(&zoom.config().user.email), "says who the person is signed in as: {reason}");
    assert!(zoom.issued().iter().all(|t| foreign.body.windows(t.token.len()).all(|w| w != t.token.as_bytes())));
}

#[tokio::test]
async fn with_no_host_tokens_a_stranger_still_gets_no_host_signature() {
    let (reply, _zoom) = host_start(FOREIGN_MEETING, AccessPolicy::default(), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let (hosted, _zoom) = host_start(HOSTED_MEETING, AccessPolicy::default(), None).await;
    assert_eq!(hosted.status, StatusCode::OK, "the host starts their own meeting without a host token");
    assert_eq!(hosted.json()["role"], 1);
}

#[tokio::test]
async fn an_alternative_host_may_start_the_meeting() {
    let (reply, zoom) = host_start(CO_HOSTED_MEETING, AccessPolicy::default(), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["zak"], zoom.issued()[0].token.as_str());
}

#[tokio::test]
async fn a_meeting_zoom_does_not_know_is_refused_as_not_the_hosts() {
    let (reply, _zoom) = host_start("555000111", AccessPolicy::default(), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.reasons()[0].1.starts_with("only this meeting's host can start it"));
}

#[tokio::test]
async fn a_wrong_bearer_token_is_not_ignored_on_a_host_start() {
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    let (reply, zoom) = host_start(HOSTED_MEETING, policy, Some("not-a-token-of-this-service")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(zoom.calls(Route::Meeting) + zoom.calls(Route::UserToken), 0, "refused before asking Zoom");
}

#[tokio::test]
async fn a_missing_meeting_scope_is_502_naming_it() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    zoom.set_fault(Fault::MissingScope("meeting:read:meeting".into()));
    let reply = send_to(state, cookies.on(zak_request(1))).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(reply.reasons()[0].1.contains("meeting:read:meeting"), "{:?}", reply.reasons());
}

#[tokio::test]
async fn a_host_start_asks_zoom_for_the_meeting_and_the_zak_at_the_same_time() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let cookies = log_in(&state, &zoom).await;
    // Each call takes 300 ms from now on: asked one after the other, they would never overlap.
    zoom.set_fault(Fault::Slow(Duration::from_millis(300)));
    let reply = send_to(state, cookies.on(zak_request(1))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!((zoom.calls(Route::Meeting), zoom.calls(Route::UserToken)), (1, 1));
    assert_eq!(zoom.most_at_once(), 2, "the meeting and the ZAK were asked for at once");
}

/// The callback's reply when the stand-in is `config` (its redirect URI set for [`PUBLIC_URL`]).
async fn callback_with(config: StandInConfig) -> (Reply, StandInZoom) {
    let zoom =
        StandInZoom::start_with(StandInConfig { redirect_uri: format!("{PUBLIC_URL}auth/zoom/callback"), ..config });
    let state = state_with_login(&zoom);
    let Returning { cookies, callback, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    (send_to(state, cookies.on(get(&callback))).await, zoom)
}

/// The `Max-Age` of the session cookie a reply sets.
fn session_max_age(reply: &Reply) -> u64 {
    let cookie = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(&format!("{SESSION}=")))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers));
    let max_age = cookie.split("; ").find_map(|a| a.strip_prefix("Max-Age=")).unwrap();
    max_age.parse().unwrap()
}

#[tokio::test]
async fn a_session_lasts_at_most_two_hours_whatever_zoom_says() {
    for expires_in in [serde_json::json!(u64::MAX), serde_json::json!(315_360_000)] {
        let (reply, _zoom) =
            callback_with(StandInConfig { expires_in: expires_in.clone(), ..Default::default() }).await;
        assert_eq!(reply.status, StatusCode::FOUND, "expires_in {expires_in}");
        assert_eq!(session_max_age(&reply), 7200, "expires_in {expires_in}");
    }
    let (normal, _zoom) = callback_with(StandInConfig::default()).await;
    assert_eq!(session_max_age(&normal), 3599);
}

#[tokio::test]
async fn an_access_token_that_expires_at_once_is_a_zoom_failure() {
    let (reply, _zoom) = callback_with(StandInConfig { expires_in: serde_json::json!(0), ..Default::default() }).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&reply.body).contains("expires_in"));
}

#[tokio::test]
async fn a_token_reply_larger_than_64_kib_is_502_naming_the_cap() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let Returning { cookies, callback, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    zoom.set_fault(Fault::HugeReply(200 * 1024 * 1024));
    let reply = send_to(state, cookies.on(get(&callback))).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&reply.body).contains("longer than 64 KiB"));
}

#[tokio::test]
async fn a_huge_name_is_cut_so_the_session_still_fits_a_cookie() {
    let user = StandInUser { display_name: "Ada ".repeat(15_000), ..StandInConfig::default().user };
    let (reply, zoom) = callback_with(StandInConfig { user, ..Default::default() }).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", String::from_utf8_lossy(&reply.body));
    for cookie in reply.headers.get_all(header::SET_COOKIE) {
        assert!(cookie.len() <= MAX_COOKIE_BYTES, "a Set-Cookie of {} bytes", cookie.len());
    }
    let mut cookies = Cookies::default();
    cookies.take(&reply.headers);
    let state = state_with_login(&zoom);
    let session = send_to(state, cookies.on(get("/auth/zoom/session"))).await.json();
    assert_eq!(session["signedIn"], true, "{session}");
    assert_eq!(session["name"].as_str().unwrap().chars().count(), 128);
}

#[tokio::test]
async fn an_access_token_too_large_for_a_cookie_is_said_on_the_page() {
    let config = StandInConfig { access_token_chars: 5000, ..Default::default() };
    let (reply, _zoom) = callback_with(config).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    let page = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(page.contains("too large to keep in a browser cookie"), "{page}");
    assert!(!reply.headers.get_all(header::SET_COOKIE).iter().any(|c| c.to_str().unwrap().starts_with(SESSION)));
}

#[tokio::test]
async fn two_session_cookies_read_as_signed_out() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let victim = log_in(&state, &zoom).await;
    let attacker = log_in(&state, &zoom).await;
    let both = format!("{SESSION}={}; {SESSION}={}", victim.0[SESSION], attacker.0[SESSION]);
    for cookie in [both.clone(), format!("{SESSION}={}; {both}", victim.0[SESSION])] {
        let reply =
            send_to(state.clone(), crate::helpers::with_header(get("/auth/zoom/session"), header::COOKIE, &cookie));
        assert_eq!(reply.await.json(), serde_json::json!({"signedIn": false}), "{cookie}");
    }
    // One of them alone still works.
    assert_eq!(send_to(state, victim.on(get("/auth/zoom/session"))).await.json()["signedIn"], true);
}

#[tokio::test]
async fn two_login_attempt_cookies_finish_no_login() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let mine = start_login(&state, &zoom, "/auth/zoom/start").await;
    let planted = start_login(&state, &zoom, "/auth/zoom/start").await;
    let cookie = format!("{ATTEMPT}={}; {ATTEMPT}={}", planted.cookies.0[ATTEMPT], mine.cookies.0[ATTEMPT]);
    let reply = send_to(state, crate::helpers::with_header(get(&mine.callback), header::COOKIE, &cookie)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(zoom.calls(Route::Token), 0);
}

#[tokio::test]
async fn cookies_take_the_host_prefix_behind_https_at_the_root() {
    let zoom = stand_in_zoom();
    let login = login_at(&zoom, "https://meet.example.com/");
    let reply = send_to(state_for_login(login, test_options()), get("/auth/zoom/start")).await;
    let cookie = reply.header(header::SET_COOKIE);
    assert!(cookie.starts_with("__Host-zoom_signer_login="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/;") && !cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn a_login_attempt_is_spent_by_its_callback_even_when_the_cookie_is_kept() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let Returning { cookies: attempt, callback, authorize, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    let first = send_to(state.clone(), attempt.on(get(&callback))).await;
    assert_eq!(first.status, StatusCode::FOUND);
    let mut set = first.headers.get_all(header::SET_COOKIE).iter().map(|c| c.to_str().unwrap());
    assert!(set.any(|c| c.starts_with(&format!("{ATTEMPT}=;")) && c.contains("Max-Age=0")), "cleared in that reply");
    // The kept cookie, with a new code Zoom issued for the same authorization (state and challenge).
    let again = zoom.consent(&authorize).await;
    let replay = format!("/auth/zoom/callback?{}", again.url.query().unwrap());
    let second = send_to(state, attempt.on(get(&replay))).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&second.body).contains("finished already"));
    assert_eq!(zoom.calls(Route::Token), 1, "the second code was never exchanged");
}

#[tokio::test]
async fn a_foreign_callback_leaves_the_persons_own_login_under_way() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let Returning { cookies, callback, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    let foreign =
        send_to(state.clone(), cookies.on(get("/auth/zoom/callback?code=attackers-code&state=attackers"))).await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert!(foreign.headers.get(header::SET_COOKIE).is_none(), "{:?}", foreign.headers);
    assert_eq!(send_to(state, cookies.on(get(&callback))).await.status, StatusCode::FOUND);
}

#[tokio::test]
async fn the_login_routes_count_against_the_clients_rate_limit() {
    let zoom = stand_in_zoom();
    let limited = zoom_signer::Options {
        rate_limit: Some(RateLimit { count: 2, period: Duration::from_secs(3600) }),
        ..test_options()
    };
    let state = state_with_login_options(&zoom, limited, Duration::from_secs(5));
    let Returning { cookies, callback, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    assert_eq!(send_to(state.clone(), cookies.on(get(&callback))).await.status, StatusCode::FOUND);
    for path in ["/auth/zoom/start", "/auth/zoom/callback?code=c&state=s"] {
        let refused = send_to(state.clone(), get(path)).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        let wait = refused.header(header::RETRY_AFTER).parse::<u64>().unwrap();
        assert!(wait > 0, "{path}");
        // A person navigated here: a page, saying when to try again.
        assert_eq!(refused.header(header::CONTENT_TYPE), "text/html; charset=utf-8", "{path}");
        let page = String::from_utf8_lossy(&refused.body).into_owned();
        assert!(page.contains(&format!("Wait {wait} seconds, then try again")), "{page}");
    }
    assert_eq!(zoom.calls(Route::Token), 1);
}

#[tokio::test]
async fn a_zoom_that_echoes_the_request_puts_no_credential_on_the_page_or_in_the_reply() {
    let zoom = stand_in_zoom();
    let state = state_with_login(&zoom);
    let signed_in = log_in(&state, &zoom).await;
    let Returning { cookies, callback, back, .. } = start_login(&state, &zoom, "/auth/zoom/start").await;
    zoom.set_fault(Fault::Echo);
    let page = send_to(state.clone(), cookies.on(get(&callback))).await;
    let reply = send_to(state, signed_in.on(zak_request(0))).await;
    assert_eq!((page.status, reply.status), (StatusCode::BAD_GATEWAY, StatusCode::BAD_GATEWAY));
    let config = zoom.config();
    let basic = |id: &str, secret: &str| {
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{id}:{secret}"))
    };
    let mut forms =
        vec![config.client_secret.clone(), basic(&config.client_id, &config.client_secret), back.code.unwrap()];
    forms.extend(zoom.access_tokens());
    for (what, shown) in [("the page", &page.body), ("the reply", &reply.body)] {
        let shown = String::from_utf8_lossy(shown);
        assert!(shown.contains("[redacted]"), "{what} shows Zoom's scrubbed echo: {shown}");
        for form in &forms {
            assert!(!shown.contains(form.as_str()), "{what} shows {form}: {shown}");
        }
    }
}

#[tokio::test]
async fn a_pages_origin_must_match_the_public_urls_scheme_too() {
    use clap::Parser;
    use zoom_signer::config::{Cli, Settings};
    let cli = Cli::try_parse_from([
        "zoom-signer",
        "--sdk-key",
        "k",
        "--sdk-secret",
        "s",
        "--public-url",
        "https://signer.example.com/",
    ])
    .unwrap();
    let state = zoom_signer::AppState::from_settings(&Settings::from_cli(cli).unwrap()).unwrap();
    let body = r#"{"meetingNumber": "123456789", "role": 0}"#;
    for (origin, allowed) in [
        ("https://signer.example.com", true),
        ("http://signer.example.com", false),
        ("https://signer.example.com:8443", false),
    ] {
        let reply = send_to(state.clone(), from_origin(post_json("/signature", body), origin)).await;
        assert_eq!(reply.status == StatusCode::OK, allowed, "{origin}: {}", reply.status);
    }
}

/// The binary with the login on against `zoom` (made for a service on `port`), at trace level.
fn binary_with_login(dir: &std::path::Path, zoom: &StandInZoom, port: u16) -> crate::helpers::process::Running {
    let config = zoom.config();
    let mut command = crate::helpers::process::signer_in(dir);
    command
        .env("PORT", port.to_string())
        .env("ZOOM_MEETING_SDK_KEY", &config.client_id)
        .env("ZOOM_MEETING_SDK_SECRET", &config.client_secret)
        .env("SIGNER_ZOOM_SIGN_IN", "on")
        .env("SIGNER_PUBLIC_URL", format!("http://127.0.0.1:{port}/"))
        .env("SIGNER_SESSION_KEY", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [5u8; 32]))
        .env("SIGNER_ZOOM_OAUTH_URL", zoom.oauth_url().as_str())
        .env("SIGNER_ZOOM_API_URL", zoom.api_url().as_str())
        .env("RUST_LOG", "trace");
    crate::helpers::process::Running::start(&mut command)
}

#[tokio::test]
async fn a_200_mb_token_reply_leaves_the_services_memory_flat() {
    let port = crate::helpers::free_port();
    let zoom = crate::helpers::stand_in_zoom_for(&format!("http://127.0.0.1:{port}/"), None);
    let dir = tempfile::tempdir().unwrap();
    let running = binary_with_login(dir.path(), &zoom, port);
    let before = running.peak_memory();
    zoom.set_fault(Fault::HugeReply(200 * 1024 * 1024));
    let (status, _, page) = crate::helpers::log_in_over_http(running.addr, &zoom).await.callback;
    assert_eq!(status, 502);
    assert!(page.contains("longer than 64 KiB"), "{page}");
    let grown = running.peak_memory().saturating_sub(before);
    assert!(grown < 16 * 1024 * 1024, "the peak grew by {grown} bytes reading a 200 MB reply");
    running.stop();
}

#[tokio::test]
async fn a_zoom_that_echoes_the_request_puts_no_credential_in_the_log() {
    let port = crate::helpers::free_port();
    let zoom = crate::helpers::stand_in_zoom_for(&format!("http://127.0.0.1:{port}/"), None);
    let dir = tempfile::tempdir().unwrap();
    let running = binary_with_login(dir.path(), &zoom, port);
    let browser = crate::helpers::log_in_over_http(running.addr, &zoom).await;
    zoom.set_fault(Fault::Echo);
    assert_eq!(crate::helpers::log_in_over_http(running.addr, &zoom).await.callback.0, 502);
    let (status, _) =
        browser.post_json("/signature", r#"{"meetingNumber": "123456789", "role": 0, "userToken": "zak"}"#).await;
    assert_eq!(status, 502);
    let log = running.stop();
    assert!(log.contains("[redacted]"), "the echo reached the audit lines, scrubbed:\n{log}");
    let config = zoom.config();
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{}:{}", config.client_id, config.client_secret),
    );
    let mut forms = vec![config.client_secret.clone(), basic];
    forms.extend(zoom.access_tokens());
    for form in forms {
        assert!(!log.contains(&form), "{form} reached the log:\n{log}");
    }
}
