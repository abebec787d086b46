//! Sign in with Zoom, against the stand-in Zoom (tests/it/helpers/stand_in_zoom.rs): the whole
//! flow in process and over a socket, and everything that can go wrong on the way.

use crate::helpers::stand_in_zoom::{Fault, Route, StandInZoom};
use crate::helpers::{
    Cookies, HOST_TOKEN, PUBLIC_URL, Reply, Returning, from_origin, get, location, options, post_json, request,
    send_to, settings, sign_in, sign_in_for, signing_in, signing_in_with, stand_in, start_sign_in, state, tokens,
    with_policy,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::collections::BTreeMap;
use std::time::Duration;
use zoom_signer::Options;
use zoom_signer::access::AccessPolicy;
use zoom_signer::http::session::SignIn;

fn zak_request(role: u8) -> Request<Body> {
    post_json("/signature", format!(r#"{{"meetingNumber": "123456789", "role": {role}, "userToken": "zak"}}"#))
}

#[tokio::test]
async fn start_sends_the_browser_to_zooms_authorize_page_with_state_and_pkce() {
    let zoom = stand_in();
    let reply = send_to(signing_in(&zoom), get("/auth/zoom/start")).await;
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
    assert!(cookie.starts_with("zoom_signer_sign_in="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(!cookie.contains(&query["state"]), "the state is encrypted in the cookie");
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_on_the_public_urls_path() {
    let zoom = stand_in();
    let sign_in = sign_in_for(&zoom, "https://meet.example.com/zoom/");
    let state = crate::helpers::state_from(Options { sign_in: Some(sign_in), ..options() });
    let reply = send_to(state, get("/auth/zoom/start")).await;
    let cookie = reply.header(header::SET_COOKIE);
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/zoom/"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} missing from {cookie}");
    }
    let authorize = url::Url::parse(&location(&reply)).unwrap();
    let redirect = authorize.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
    assert_eq!(redirect, "https://meet.example.com/zoom/auth/zoom/callback");
}

#[tokio::test]
async fn the_whole_flow_signs_in_and_the_signature_carries_the_persons_zak() {
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
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
}

#[tokio::test]
async fn an_obf_token_is_for_the_requests_meeting() {
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
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
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
    let host = post_json("/signature", r#"{"meetingNumber": "123456789", "role": 1}"#);
    assert_eq!(send_to(state.clone(), cookies.on(host)).await.status, StatusCode::FORBIDDEN);
    let obf_host = post_json("/signature", r#"{"meetingNumber": "123456789", "role": 1, "userToken": "obf"}"#);
    assert_eq!(send_to(state, cookies.on(obf_host)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_token_without_a_session_is_401_naming_where_to_sign_in() {
    let zoom = stand_in();
    let reply = send_to(signing_in(&zoom), zak_request(0)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let (property, reason) = &reply.reasons()[0];
    assert_eq!(property, "userToken");
    assert!(reason.contains("/auth/zoom/start"), "{reason}");
    assert_eq!(zoom.calls(Route::UserToken), 0);
}

#[tokio::test]
async fn tampered_and_foreign_key_cookies_read_as_signed_out() {
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
    let mut tampered = cookies.clone();
    let value = tampered.0.get_mut("zoom_signer_session").unwrap();
    let flipped = if value.ends_with('A') { 'B' } else { 'A' };
    value.pop();
    value.push(flipped);
    let other_key = crate::helpers::state_from(Options {
        sign_in: Some(SignIn::with_client(zoom.client(Duration::from_secs(5)), &settings(&zoom, &[7; 32]))),
        ..options()
    });
    for (what, state, cookies) in [("tampered", state.clone(), tampered), ("another key", other_key, cookies)] {
        let session = send_to(state.clone(), cookies.on(get("/auth/zoom/session"))).await;
        assert_eq!(session.status, StatusCode::OK, "{what}");
        assert_eq!(session.json(), serde_json::json!({"signedIn": false}), "{what}");
        assert_eq!(send_to(state, cookies.on(zak_request(0))).await.status, StatusCode::UNAUTHORIZED, "{what}");
    }
}

#[tokio::test]
async fn a_replayed_callback_is_refused_with_a_page_to_try_again() {
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let Returning { cookies: attempt, callback, back } = start_sign_in(&state, &zoom, "/auth/zoom/start").await;
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
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let Returning { cookies, back, .. } = start_sign_in(&state, &zoom, "/auth/zoom/start").await;
    let forged = format!("/auth/zoom/callback?code={}&state=forged-state", back.code.unwrap());
    let reply = send_to(state, cookies.on(get(&forged))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&reply.body).contains("state differs"));
    assert_eq!(zoom.calls(Route::Token), 0, "no code is exchanged for a mismatched state");
}

#[tokio::test]
async fn return_must_be_a_path_on_this_service() {
    let zoom = stand_in();
    let state = signing_in(&zoom);
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
    let zoom = stand_in();
    zoom.refuse_consent();
    let state = signing_in(&zoom);
    let Returning { cookies, callback, back } =
        start_sign_in(&state, &zoom, "/auth/zoom/start?return=%2Fzoom%2F").await;
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
    let zoom = stand_in();
    let state = signing_in_with(&zoom, options(), timeout);
    let cookies = sign_in(&state, &zoom).await;
    zoom.set_fault(fault);
    (send_to(state, cookies.on(zak_request(0))).await, zoom)
}

#[tokio::test]
async fn zoom_answering_401_ends_the_session_and_clears_its_cookie() {
    let (reply, _zoom) = zak_with_fault(Fault::TokenRevoked, Duration::from_secs(5)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.reasons()[0].1.contains("sign in again"), "{:?}", reply.reasons());
    let cleared = reply.header(header::SET_COOKIE);
    assert!(cleared.starts_with("zoom_signer_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
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
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
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
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let mut cookies = sign_in(&state, &zoom).await;
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
    let zoom = stand_in();
    let state = signing_in(&zoom);
    let cookies = sign_in(&state, &zoom).await;
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
        let reply = send_to(state(), request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.reasons()[0].1.contains("SIGNER_ZOOM_SIGN_IN"), "{path}: {:?}", reply.reasons());
    }
    let reply = send_to(state(), zak_request(0)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.reasons()[0].1.contains("SIGNER_ZOOM_SIGN_IN"));
    // And a host still needs a host token there, ZAK or not.
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..AccessPolicy::default() };
    let reply = send_to(with_policy(policy, options()), zak_request(1)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "userToken is refused before the role is judged");
}

/// The binary at trace level, over a real socket: sign in, take a ZAK, sign out; then its log
/// holds the audit lines and none of the secrets that went by.
#[tokio::test]
async fn over_a_socket_the_flow_works_and_at_trace_level_nothing_secret_reaches_the_log() {
    use crate::helpers::process::{Running, signer_in};
    let zoom = stand_in();
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
        r#"zoom_signer_zoom_api_duration_seconds_count{call="user_token"} 1"#,
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
