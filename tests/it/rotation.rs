//! Every secret rotates on SIGHUP, over a real socket with a real signal: the `_FILE` settings are
//! read again and swapped in at once, a bad new value is refused with a log line and the old one
//! kept, and session keys rotate without signing anybody out.

use crate::helpers::process::{Running, signer_in};
use crate::helpers::stand_in_zoom::{StandInZoom, ZoomWebhooks, unix_now};
use crate::helpers::{MEETING_BODY, json_of, log_in_over_http, raw_http, raw_post, stand_in_zoom_for, verify_jwt};
use base64::Engine;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A directory of secret files, one per setting.
struct SecretFiles(tempfile::TempDir);

impl SecretFiles {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    /// Writes `value` (and a newline, as editors do) to the file `name`; its path.
    fn write(&self, name: &str, value: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path
    }

    fn dir(&self) -> &Path {
        self.0.path()
    }
}

fn post(addr: SocketAddr, path: &str, authorization: &str, body: &str) -> String {
    let headers =
        if authorization.is_empty() { String::new() } else { format!("Authorization: Bearer {authorization}\r\n") };
    raw_http(addr, &raw_post(path, "t", &headers, body)).unwrap()
}

fn status(answer: &str) -> u16 {
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// The service with the Meeting SDK pair from files, plus `more` settings.
fn running_with(files: &SecretFiles, more: &[(&str, &str)]) -> Running {
    let mut command = signer_in(files.dir());
    command
        .env("ZOOM_MEETING_SDK_KEY_FILE", files.write("sdk-key", "rotation-key"))
        .env("ZOOM_MEETING_SDK_SECRET_FILE", files.write("sdk-secret", "rotation-secret-1"))
        .env("SIGNER_RATE_LIMIT", "off");
    for (name, value) in more {
        command.env(name, value);
    }
    Running::start(&mut command)
}

#[test]
fn sighup_rotates_the_video_sdk_pair() {
    let files = SecretFiles::new();
    let key_file = files.write("video-key", "video-key-1");
    let secret_file = files.write("video-secret", "video-secret-1");
    let mut running = running_with(
        &files,
        &[
            ("ZOOM_VIDEO_SDK_KEY_FILE", key_file.to_str().unwrap()),
            ("ZOOM_VIDEO_SDK_SECRET_FILE", secret_file.to_str().unwrap()),
        ],
    );
    let body = r#"{"sessionName": "standup", "role": 0}"#;
    let video = |running: &Running| {
        json_of(&post(running.addr, "/video-signature", "", body))["signature"].as_str().unwrap().to_owned()
    };
    assert!(verify_jwt(&video(&running), "video-secret-1").is_ok());
    files.write("video-key", "video-key-2");
    files.write("video-secret", "video-secret-2");
    running.reload().unwrap();
    let claims = verify_jwt(&video(&running), "video-secret-2").unwrap();
    assert_eq!(claims["app_key"], "video-key-2");
    running.stop();
}

#[test]
fn sighup_rotates_the_host_and_api_tokens() {
    let files = SecretFiles::new();
    let host = files.write("host-tokens", "host-token-one-0123456789");
    let api = files.write("api-tokens", "api-token-one-0123456789ab");
    let mut running = running_with(
        &files,
        &[("SIGNER_HOST_TOKENS_FILE", host.to_str().unwrap()), ("SIGNER_API_TOKENS_FILE", api.to_str().unwrap())],
    );
    let host_body = r#"{"meetingNumber": "123456789", "role": 1}"#;
    assert_eq!(status(&post(running.addr, "/signature", "api-token-one-0123456789ab", MEETING_BODY)), 200);
    assert_eq!(status(&post(running.addr, "/signature", "host-token-one-0123456789", host_body)), 200);
    files.write("host-tokens", "host-token-two-0123456789");
    files.write("api-tokens", "api-token-two-0123456789ab");
    running.reload().unwrap();
    assert_eq!(status(&post(running.addr, "/signature", "api-token-one-0123456789ab", MEETING_BODY)), 401);
    assert_eq!(status(&post(running.addr, "/signature", "api-token-two-0123456789ab", MEETING_BODY)), 200);
    assert_eq!(status(&post(running.addr, "/signature", "host-token-one-0123456789", host_body)), 401);
    assert_eq!(status(&post(running.addr, "/signature", "host-token-two-0123456789", host_body)), 200);
    running.stop();
}

#[tokio::test]
async fn sighup_rotates_the_webhook_secret() {
    let files = SecretFiles::new();
    let secret_file = files.write("webhook-secret", "webhook-secret-token-1");
    let mut running = running_with(&files, &[("SIGNER_ZOOM_WEBHOOK_SECRET_FILE", secret_file.to_str().unwrap())]);
    let base = format!("http://{}", running.addr);
    let (old, new) = (ZoomWebhooks::new("webhook-secret-token-1"), ZoomWebhooks::new("webhook-secret-token-2"));
    let validate = async |zoom: &ZoomWebhooks| zoom.url_validation("plain-token", unix_now()).send(&base).await;
    assert_eq!(validate(&old).await.status(), 200);
    // The Secret Token is regenerated in the Marketplace: Zoom authenticates with the new one.
    files.write("webhook-secret", "webhook-secret-token-2");
    running.reload().unwrap();
    assert_eq!(validate(&old).await.status(), 401);
    let answer = validate(&new).await;
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["encryptedToken"], new.encrypted_token("plain-token"));
    let log = running.stop();
    assert!(!log.contains("webhook-secret-token-"), "{log}");
}

/// Where the service under test takes its OAuth client from.
enum OAuthClient {
    /// `ZOOM_OAUTH_CLIENT_ID` and `ZOOM_OAUTH_CLIENT_SECRET_FILE` (the file `oauth-secret`).
    OwnSecretFile,
    /// The Meeting SDK pair, its secret from the file `sdk-secret` (one General app does both).
    SdkSecretFile,
    /// The Meeting SDK pair, in the environment.
    SdkPair,
}

/// The service with the login on against a stand-in Zoom made for it, its OAuth client from
/// `client`, its session keys from the file `session-keys` holding `keys`.
fn running_with_login(client: OAuthClient, keys: &str) -> (SecretFiles, StandInZoom, Running) {
    let files = SecretFiles::new();
    let port = crate::helpers::free_port();
    let zoom = stand_in_zoom_for(&format!("http://127.0.0.1:{port}/"), None);
    let config = zoom.config().clone();
    let mut command = signer_in(files.dir());
    command
        .env("PORT", port.to_string())
        .env("SIGNER_RATE_LIMIT", "off")
        .env("SIGNER_ZOOM_SIGN_IN", "on")
        .env("SIGNER_PUBLIC_URL", format!("http://127.0.0.1:{port}/"))
        .env("SIGNER_SESSION_KEY_FILE", files.write("session-keys", keys))
        .env("SIGNER_ZOOM_OAUTH_URL", zoom.oauth_url().as_str())
        .env("SIGNER_ZOOM_API_URL", zoom.api_url().as_str());
    match client {
        OAuthClient::OwnSecretFile => command
            .env("ZOOM_MEETING_SDK_KEY", "meeting-key")
            .env("ZOOM_MEETING_SDK_SECRET", "meeting-secret")
            .env("ZOOM_OAUTH_CLIENT_ID", &config.client_id)
            .env("ZOOM_OAUTH_CLIENT_SECRET_FILE", files.write("oauth-secret", &config.client_secret)),
        OAuthClient::SdkSecretFile => command
            .env("ZOOM_MEETING_SDK_KEY", &config.client_id)
            .env("ZOOM_MEETING_SDK_SECRET_FILE", files.write("sdk-secret", &config.client_secret)),
        OAuthClient::SdkPair => {
            command.env("ZOOM_MEETING_SDK_KEY", &config.client_id).env("ZOOM_MEETING_SDK_SECRET", &config.client_secret)
        }
    };
    let running = Running::start(&mut command);
    assert_eq!(running.addr.port(), port);
    (files, zoom, running)
}

#[tokio::test]
async fn sighup_rotates_the_oauth_client_secret() {
    let (files, zoom, mut running) = running_with_login(OAuthClient::OwnSecretFile, &key(1));
    assert!(log_in_over_http(running.addr, &zoom).await.succeeded());
    // The app's secret is rotated in the Marketplace: the old one stops working at Zoom.
    zoom.rotate_client_secret("rotated-oauth-secret-0123456789");
    assert_eq!(log_in_over_http(running.addr, &zoom).await.callback.0, 502);
    files.write("oauth-secret", "rotated-oauth-secret-0123456789");
    running.reload().unwrap();
    assert!(log_in_over_http(running.addr, &zoom).await.succeeded(), "{}", running.log());
    let log = running.stop();
    assert!(!log.contains("rotated-oauth-secret-0123456789"), "{log}");
}

#[tokio::test]
async fn sighup_rotates_the_sdk_secret_that_is_also_the_oauth_client() {
    let (files, zoom, mut running) = running_with_login(OAuthClient::SdkSecretFile, &key(1));
    assert!(log_in_over_http(running.addr, &zoom).await.succeeded());
    zoom.rotate_client_secret("rotated-general-app-secret-0123");
    files.write("sdk-secret", "rotated-general-app-secret-0123");
    running.reload().unwrap();
    assert!(log_in_over_http(running.addr, &zoom).await.succeeded(), "the OAuth client follows the SDK pair");
    let signature =
        json_of(&post(running.addr, "/signature", "", MEETING_BODY))["signature"].as_str().unwrap().to_owned();
    assert!(verify_jwt(&signature, "rotated-general-app-secret-0123").is_ok());
    running.stop();
}

#[tokio::test]
async fn session_keys_rotate_without_signing_anybody_out() {
    let (files, zoom, mut running) = running_with_login(OAuthClient::SdkPair, &key(1));
    let old = log_in_over_http(running.addr, &zoom).await;
    assert!(old.succeeded());

    // Step 1: the new key is added second (on every replica): it opens, the old one still encrypts.
    files.write("session-keys", &format!("{},{}", key(1), key(2)));
    running.reload().unwrap();
    assert!(old.is_logged_in().await);
    // Step 2: the new key moves first: new sessions are made with it, old ones still open.
    files.write("session-keys", &format!("{}\n{}", key(2), key(1)));
    running.reload().unwrap();
    let new = log_in_over_http(running.addr, &zoom).await;
    assert!(old.is_logged_in().await, "the old session is still good");
    assert!(new.is_logged_in().await);
    // Step 3, a session lifetime later: the old key goes; only sessions made with it end.
    files.write("session-keys", &key(2));
    running.reload().unwrap();
    assert!(new.is_logged_in().await);
    assert!(!old.is_logged_in().await, "sessions of a dropped key end");
    running.stop();
}

#[tokio::test]
async fn a_bad_new_session_key_is_refused_and_the_old_one_kept() {
    let (files, zoom, mut running) = running_with_login(OAuthClient::SdkPair, &key(1));
    let browser = log_in_over_http(running.addr, &zoom).await;
    files.write("session-keys", &format!("{},c2hvcnQ=", key(3)));
    let refusal = running.reload().unwrap_err();
    assert!(refusal.contains("SIGNER_SESSION_KEY") && refusal.contains("key #2"), "{refusal}");
    assert!(browser.is_logged_in().await, "the old key still opens the session");
    let log = running.stop();
    assert!(!log.contains(&key(3)) && !log.contains(&key(1)), "{log}");
}
