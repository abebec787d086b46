//! `zoom_signer::zoom`, the Zoom API client, against the stand-in Zoom (helpers/stand_in_zoom.rs):
//! the OAuth flow with PKCE, who signed in, ZAK and OBF tokens, and each way a call can fail.

use crate::helpers::stand_in_zoom::{
    CO_HOSTED_MEETING, FOREIGN_MEETING, Fault, HOSTED_MEETING, Route, StandInConfig, StandInZoom,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use zoom_signer::signature::MeetingNumber;
use zoom_signer::zoom::{
    AccessToken, Endpoint, MAX_ACCESS_TOKEN_LIFETIME, Url, ZoomClient, ZoomError, ZoomMeeting, ZoomSettings, ZoomUser,
};

const TIMEOUT: Duration = ZoomSettings::DEFAULT_TIMEOUT;

/// Signs in through the stand-in as a browser would: authorize, consent, exchange.
async fn signed_in(zoom: &StandInZoom, client: &ZoomClient) -> AccessToken {
    let authorization = client.authorize();
    let callback = zoom.consent(&authorization.url).await;
    client.exchange_code(&callback.code.unwrap(), &authorization.pkce_verifier).await.unwrap()
}

fn query_of(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn the_authorize_url_asks_for_a_code_with_a_fresh_state_and_an_s256_challenge() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let authorization = client.authorize();
    let url = Url::parse(&authorization.url).unwrap();
    assert_eq!(url.as_str().split('?').next().unwrap(), format!("{}oauth/authorize", zoom.oauth_url()));
    let query = query_of(&url);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], zoom.config().client_id);
    assert_eq!(query["redirect_uri"], zoom.config().redirect_uri);
    assert_eq!(query["state"], authorization.state);
    assert_eq!(query["code_challenge_method"], "S256");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(authorization.pkce_verifier.expose_secret()));
    assert_eq!(query["code_challenge"], challenge);
    assert!(!query.values().any(|v| v == authorization.pkce_verifier.expose_secret()), "the verifier stays here");

    let again = client.authorize();
    assert_ne!(again.state, authorization.state);
    assert_ne!(again.pkce_verifier.expose_secret(), authorization.pkce_verifier.expose_secret());
}

#[tokio::test]
async fn the_callback_code_with_its_verifier_buys_an_access_token() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let authorization = client.authorize();
    let callback = zoom.consent(&authorization.url).await;
    assert_eq!(callback.url.as_str().split('?').next().unwrap(), zoom.config().redirect_uri);
    assert_eq!(callback.state.as_deref(), Some(authorization.state.as_str()));

    let token = client.exchange_code(&callback.code.unwrap(), &authorization.pkce_verifier).await.unwrap();
    assert!(token.secret.expose_secret().starts_with("standin-access-"));
    assert_eq!(token.expires_in, Duration::from_secs(3599));
}

#[tokio::test]
async fn a_declined_consent_comes_back_as_access_denied_with_the_state() {
    let zoom = StandInZoom::start();
    zoom.refuse_consent();
    let authorization = zoom.client(TIMEOUT).authorize();
    let callback = zoom.consent(&authorization.url).await;
    assert_eq!(callback.error.as_deref(), Some("access_denied"));
    assert_eq!(callback.state.as_deref(), Some(authorization.state.as_str()));
    assert_eq!(callback.code, None);
}

#[tokio::test]
async fn a_code_with_another_sign_ins_verifier_is_an_invalid_grant() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let authorization = client.authorize();
    let callback = zoom.consent(&authorization.url).await;
    let other = client.authorize().pkce_verifier;
    let error = client.exchange_code(&callback.code.unwrap(), &other).await.unwrap_err();
    assert!(matches!(&error, ZoomError::InvalidGrant { error, .. } if error == "invalid_grant"), "{error:?}");
    assert_eq!(error.code(), "invalid_grant");
}

#[tokio::test]
async fn a_code_buys_one_access_token_only() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let authorization = client.authorize();
    let code = zoom.consent(&authorization.url).await.code.unwrap();
    client.exchange_code(&code, &authorization.pkce_verifier).await.unwrap();
    let error = client.exchange_code(&code, &authorization.pkce_verifier).await.unwrap_err();
    assert!(matches!(error, ZoomError::InvalidGrant { .. }), "{error:?}");
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_by_the_token_endpoint_not_blamed_on_the_code() {
    let zoom = StandInZoom::start();
    let authorization = zoom.client(TIMEOUT).authorize();
    let code = zoom.consent(&authorization.url).await.code.unwrap();
    let wrong =
        ZoomClient::new(ZoomSettings { client_secret: SecretString::from("not-the-secret"), ..zoom.settings(TIMEOUT) })
            .unwrap();
    let error = wrong.exchange_code(&code, &authorization.pkce_verifier).await.unwrap_err();
    assert!(
        matches!(&error, ZoomError::Refused { endpoint: Endpoint::Token, status: 401, message } if message.contains("invalid_client")),
        "{error:?}"
    );
}

#[tokio::test]
async fn me_names_the_signed_in_user() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let user = client.me(&token.secret).await.unwrap();
    let expected = &zoom.config().user;
    assert_eq!(
        user,
        ZoomUser { id: expected.id.clone(), name: expected.display_name.clone(), email: expected.email.clone() }
    );
}

#[tokio::test]
async fn the_zak_returned_is_the_one_zoom_issued() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let zak = client.zak(&token.secret).await.unwrap();
    let issued = zoom.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!((issued[0].kind.as_str(), issued[0].meeting_id.as_deref()), ("zak", None));
    assert_eq!(zak.expose_secret(), issued[0].token);
}

#[tokio::test]
async fn the_obf_token_returned_is_the_one_zoom_issued_for_the_meeting_asked() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let meeting = MeetingNumber::parse("123 4567 8901").unwrap();
    let obf = client.obf_token(&token.secret, &meeting).await.unwrap();
    let issued = zoom.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!((issued[0].kind.as_str(), issued[0].meeting_id.as_deref()), ("onbehalf", Some("12345678901")));
    assert_eq!(obf.expose_secret(), issued[0].token);
}

#[tokio::test]
async fn a_401_from_the_api_is_an_invalid_token() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    zoom.set_fault(Fault::TokenRevoked);
    let error = client.zak(&token.secret).await.unwrap_err();
    assert_eq!(error, ZoomError::InvalidToken { endpoint: Endpoint::Zak });
    assert_eq!(error.code(), "invalid_token");
}

#[tokio::test]
async fn a_refusal_naming_a_scope_is_a_missing_scope() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    zoom.set_fault(Fault::MissingScope("user:read:token".into()));
    let error = client.zak(&token.secret).await.unwrap_err();
    assert_eq!(error, ZoomError::MissingScope { endpoint: Endpoint::Zak, scope: "user:read:token".into() });
    assert!(error.to_string().contains("user:read:token"), "{error}");
}

#[tokio::test]
async fn a_server_error_is_refused_with_its_status_and_zooms_message() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    for status in [500, 503] {
        zoom.set_fault(Fault::Status(status));
        let error = client.me(&token.secret).await.unwrap_err();
        let expected = format!("code {status}: The stand-in was told to fail.");
        assert_eq!(error, ZoomError::Refused { endpoint: Endpoint::Me, status, message: expected });
    }
}

#[tokio::test]
async fn a_zoom_slower_than_the_timeout_is_a_timeout_when_the_timeout_is_up() {
    let zoom = StandInZoom::start();
    let timeout = Duration::from_millis(300);
    let client = zoom.client(timeout);
    let token = signed_in(&zoom, &client).await;
    zoom.set_fault(Fault::Slow(Duration::from_secs(5)));
    let started = Instant::now();
    let error = client.zak(&token.secret).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(error, ZoomError::Timeout { endpoint: Endpoint::Zak, after: timeout });
    assert!(took >= timeout && took < Duration::from_millis(1500), "gave up after {took:?}");
}

#[tokio::test]
async fn a_failed_call_is_not_retried() {
    let zoom = StandInZoom::start();
    let client = zoom.client(Duration::from_millis(300));
    let token = signed_in(&zoom, &client).await;
    zoom.set_fault(Fault::Status(503));
    client.me(&token.secret).await.unwrap_err();
    assert_eq!(zoom.calls(Route::Me), 1);
    zoom.set_fault(Fault::Slow(Duration::from_secs(2)));
    client.zak(&token.secret).await.unwrap_err();
    assert_eq!(zoom.calls(Route::UserToken), 1);
}

#[tokio::test]
async fn a_zoom_that_does_not_listen_is_unreachable() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    zoom.stop();
    let error = client.me(&SecretString::from("any-token")).await.unwrap_err();
    assert!(matches!(&error, ZoomError::Unreachable { endpoint: Endpoint::Me, .. }), "{error:?}");
    assert!(error.to_string().contains("Connection refused"), "says why: {error}");
}

#[tokio::test]
async fn a_revoked_access_token_no_longer_works() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    client.revoke(&token.secret).await.unwrap();
    assert_eq!(zoom.calls(Route::Revoke), 1);
    let error = client.me(&token.secret).await.unwrap_err();
    assert_eq!(error, ZoomError::InvalidToken { endpoint: Endpoint::Me });
}

#[tokio::test]
async fn no_error_shows_a_secret_code_verifier_or_token() {
    let zoom = StandInZoom::start();
    let client = zoom.client(Duration::from_millis(300));
    let mut errors = Vec::new();
    let authorization = client.authorize();
    let code = zoom.consent(&authorization.url).await.code.unwrap();
    let wrong_verifier = SecretString::from(format!("{}x", authorization.pkce_verifier.expose_secret()));
    errors.push(client.exchange_code(&code, &wrong_verifier).await.unwrap_err());
    let token = signed_in(&zoom, &client).await;
    for fault in [Fault::TokenRevoked, Fault::MissingScope("user:read:token".into()), Fault::Status(500)] {
        zoom.set_fault(fault);
        errors.push(client.me(&token.secret).await.unwrap_err());
    }
    errors.push(client.revoke(&token.secret).await.unwrap_err());
    zoom.set_fault(Fault::Slow(Duration::from_secs(2)));
    errors.push(client.revoke(&token.secret).await.unwrap_err());
    zoom.stop();
    errors.push(client.revoke(&token.secret).await.unwrap_err());
    errors.push(client.exchange_code(&code, &authorization.pkce_verifier).await.unwrap_err());

    let codes: Vec<&str> = errors.iter().map(ZoomError::code).collect();
    for code in ["invalid_grant", "invalid_token", "missing_scope", "refused", "timeout", "unreachable"] {
        assert!(codes.contains(&code), "no {code} among {codes:?}");
    }
    let secrets = [
        zoom.config().client_secret.as_str(),
        token.secret.expose_secret(),
        code.as_str(),
        authorization.pkce_verifier.expose_secret(),
        wrong_verifier.expose_secret(),
    ];
    for error in &errors {
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!secrets.iter().any(|s| shown.contains(s)), "a secret in {shown}");
        }
    }
}

#[tokio::test]
async fn the_client_finds_zoom_by_host_name() {
    let zoom = StandInZoom::start();
    let settings =
        ZoomSettings { oauth_url: zoom.oauth_url_by_name(), api_url: zoom.api_url_by_name(), ..zoom.settings(TIMEOUT) };
    let client = ZoomClient::new(settings).unwrap();
    let authorization = client.authorize();
    assert!(authorization.url.starts_with("http://localhost:"), "{}", authorization.url);
    let token = signed_in(&zoom, &client).await;
    assert_eq!(client.me(&token.secret).await.unwrap().email, zoom.config().user.email);
}

#[tokio::test]
async fn a_meeting_says_who_hosts_it_and_an_unknown_one_is_not_found() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let meeting = async |number: &str| client.meeting(&token.secret, &MeetingNumber::parse(number).unwrap()).await;
    let hosted = meeting(HOSTED_MEETING).await.unwrap();
    assert_eq!(hosted, ZoomMeeting { host_id: zoom.config().user.id.clone(), alternative_hosts: vec![] });
    let co_hosted = meeting(CO_HOSTED_MEETING).await.unwrap();
    assert_eq!(co_hosted.alternative_hosts, ["grace@example.com", "ada@example.com"], "split and lower-cased");
    assert!(co_hosted.is_hosted_by("not-ada", &zoom.config().user.email));
    assert!(!meeting(FOREIGN_MEETING).await.unwrap().is_hosted_by(&zoom.config().user.id, &zoom.config().user.email));
    let error = meeting("555000111").await.unwrap_err();
    assert_eq!(error, ZoomError::MeetingNotFound { endpoint: Endpoint::Meeting });
    zoom.set_fault(Fault::MissingScope("meeting:read:meeting".into()));
    let scope = meeting(HOSTED_MEETING).await.unwrap_err();
    assert_eq!(scope, ZoomError::MissingScope { endpoint: Endpoint::Meeting, scope: "meeting:read:meeting".into() });
}

/// The access token a stand-in answering `expires_in` gives, or the error.
async fn token_expiring_in(expires_in: serde_json::Value) -> Result<AccessToken, ZoomError> {
    let zoom = StandInZoom::start_with(StandInConfig { expires_in, ..StandInConfig::default() });
    let client = zoom.client(TIMEOUT);
    let authorization = client.authorize();
    let callback = zoom.consent(&authorization.url).await;
    client.exchange_code(&callback.code.unwrap(), &authorization.pkce_verifier).await
}

#[tokio::test]
async fn an_access_tokens_lifetime_is_capped_and_zero_is_refused() {
    for huge in [serde_json::json!(u64::MAX), serde_json::json!(315_360_000)] {
        let token = token_expiring_in(huge.clone()).await.unwrap();
        assert_eq!(token.expires_in, MAX_ACCESS_TOKEN_LIFETIME, "expires_in {huge}");
    }
    assert_eq!(MAX_ACCESS_TOKEN_LIFETIME, Duration::from_secs(7200));
    let zero = token_expiring_in(serde_json::json!(0)).await.unwrap_err();
    assert!(matches!(zero, ZoomError::BadReply { endpoint: Endpoint::Token, .. }), "{zero:?}");
    assert!(zero.to_string().contains("expires_in"), "{zero}");
}

#[tokio::test]
async fn every_reply_is_read_up_to_64_kib_the_token_endpoints_too() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let authorization = client.authorize();
    let code = zoom.consent(&authorization.url).await.code.unwrap();
    zoom.set_fault(Fault::HugeReply(200 * 1024 * 1024));
    let errors = [
        client.exchange_code(&code, &authorization.pkce_verifier).await.unwrap_err(),
        client.me(&token.secret).await.unwrap_err(),
        client.revoke(&token.secret).await.unwrap_err(),
    ];
    for error in errors {
        assert!(matches!(error, ZoomError::BadReply { .. }), "{error:?}");
        assert!(error.to_string().contains("longer than 64 KiB"), "{error}");
    }
}

#[tokio::test]
async fn a_zoom_that_echoes_the_request_shows_no_credential_in_any_form() {
    let zoom = StandInZoom::start();
    let client = zoom.client(TIMEOUT);
    let token = signed_in(&zoom, &client).await;
    let authorization = client.authorize();
    let code = zoom.consent(&authorization.url).await.code.unwrap();
    zoom.set_fault(Fault::Echo);
    let errors = [
        client.exchange_code(&code, &authorization.pkce_verifier).await.unwrap_err(),
        client.zak(&token.secret).await.unwrap_err(),
        client.revoke(&token.secret).await.unwrap_err(),
    ];
    let config = zoom.config();
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", config.client_id, config.client_secret));
    let forms = [
        config.client_secret.clone(),
        basic,
        token.secret.expose_secret().to_owned(),
        code,
        authorization.pkce_verifier.expose_secret().to_owned(),
    ];
    for error in errors {
        let shown = error.to_string();
        assert!(shown.contains("[redacted]"), "the echo was read and scrubbed: {shown}");
        for form in &forms {
            assert!(!shown.contains(form.as_str()), "{form} shows in {shown}");
        }
    }
}
