//! `inspect` against the published vectors, tokens made by `Signer`, and one broken token per rule.

use super::*;
use crate::config::Credentials;
use crate::signature::{Claims, Format, MeetingNumber, MeetingTarget, Role, SessionName, Signer, VideoClaims};
use ::hmac::{Hmac, Mac};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};

/// Spec sheet, section 1: key abc123, secret "secret", iat 1700000000, exp 1700007200.
const MEETING_VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.sQRCPsE0QXEU_QM1u5MTqb1gh-CqoiW_bXUrX2rJ2bM";
/// Spec sheet, section 2: key abc123, secret "secret", ts 1600000000000 ms.
const LEGACY_VECTOR: &str =
    "YWJjMTIzLjEyMzQ1Njc4OS4xNjAwMDAwMDAwMDAwLjAuYUlpN1U3N1JnR0V0d3c4cTkrQ2RvcnlsM1JlaUFNODFmb2VxZ1lBODd3WT0";
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const IAT: i64 = 1_700_000_000;

fn at(seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds as u64)
}

/// A moment when a token issued at `IAT` for 2 hours is fresh.
fn now() -> SystemTime {
    at(IAT + 30)
}

fn pair(key: &str, secret: &str) -> Credentials {
    Credentials { sdk_key: key.into(), sdk_secret: SecretString::from(secret) }
}

fn keys() -> ToolSettings {
    ToolSettings {
        meeting: Some(pair("abc123", "secret")),
        video: Some(pair("video-key", "video-secret")),
        ..ToolSettings::default()
    }
}

/// A JWT with this exact header and payload text, signed with `secret`.
fn jwt(header: &str, payload: &str, secret: &str) -> String {
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{tag}")
}

/// The vector's claims, with `changes` applied (`null` removes a claim), signed correctly.
fn meeting_token(changes: Value) -> String {
    let mut claims = json!({"appKey": "abc123", "sdkKey": "abc123", "mn": "123456789", "role": 0,
        "iat": IAT, "exp": IAT + 7200, "tokenExp": IAT + 7200});
    apply(&mut claims, changes);
    jwt(HEADER, &claims.to_string(), "secret")
}

fn video_token(changes: Value) -> String {
    let mut claims = json!({"app_key": "video-key", "tpc": "standup", "role_type": 1,
        "version": 1, "iat": IAT, "exp": IAT + 7200});
    apply(&mut claims, changes);
    jwt(HEADER, &claims.to_string(), "video-secret")
}

fn apply(claims: &mut Value, changes: Value) {
    let object = claims.as_object_mut().unwrap();
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            object.remove(name);
        } else {
            object.insert(name.clone(), value.clone());
        }
    }
}

/// Asserts that exactly `rule` fails (besides `also`), with a message containing `words`.
#[track_caller]
fn fails(report: &Report, rule: &str, words: &str) {
    let check = report
        .checks
        .iter()
        .find(|c| c.rule == rule && !c.ok)
        .unwrap_or_else(|| panic!("{rule} did not fail: {:#?}", report.checks));
    assert!(check.message.contains(words), "{}", check.message);
    assert!(!report.ok());
}

#[track_caller]
fn only_failure(report: &Report, rule: &str, words: &str) {
    fails(report, rule, words);
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.ok).collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
}

#[test]
fn published_meeting_vector_is_valid() {
    let report = inspect(MEETING_VECTOR, &keys(), now());
    assert!(report.ok(), "{:#?}", report.checks);
    assert_eq!(report.kind, Some(Kind::MeetingJwt));
    assert_eq!(report.hmac, HmacStatus::Valid);
    let claims = report.claims.unwrap();
    assert_eq!(claims.get("mn"), Some(&json!("123456789")));
    assert_eq!(claims.get("role"), Some(&json!(0)));
    assert_eq!(claims.get("tokenExp"), Some(&json!(1_700_007_200)));
    assert_eq!(report.header.unwrap().to_value(), json!({"alg": "HS256", "typ": "JWT"}));
}

#[test]
fn published_legacy_vector_is_valid_in_any_base64() {
    let now = UNIX_EPOCH + Duration::from_millis(1_600_000_030_000);
    let text = String::from_utf8(decode::base64_any(LEGACY_VECTOR).unwrap()).unwrap();
    for form in [LEGACY_VECTOR.to_owned(), STANDARD.encode(&text)] {
        let report = inspect(&form, &keys(), now);
        assert!(report.ok(), "{form}: {:#?}", report.checks);
        assert_eq!(report.kind, Some(Kind::Legacy));
        assert_eq!(report.hmac, HmacStatus::Valid);
        let claims = report.claims.unwrap();
        assert_eq!(claims.get("meetingNumber"), Some(&json!("123456789")));
        assert_eq!(claims.get("timestamp"), Some(&json!("1600000000000")));
        assert!(report.notes[0].contains("2.7"));
    }
}

#[test]
fn tokens_made_by_the_signer_inspect_clean() {
    let meeting = Signer::new("abc123".into(), SecretString::from("secret"), Format::Jwt);
    let target = MeetingTarget { number: MeetingNumber::parse("987654321").unwrap(), role: Role::Host };
    let web = Claims { meeting: Some(target.clone()), video_webrtc_mode: Some(true), ..Claims::default() };
    let video = Signer::new("video-key".into(), SecretString::from("video-secret"), Format::Jwt);
    let session = VideoClaims::new(SessionName::parse("standup").unwrap(), Role::Host);
    let legacy = Signer::new("abc123".into(), SecretString::from("secret"), Format::Legacy);
    let legacy_claims = Claims { meeting: Some(target), ..Claims::default() };
    for token in [
        meeting.sign(&web, now()).unwrap(),
        meeting.sign(&Claims::default(), now()).unwrap(),
        video.video_jwt(&session, now()),
        legacy.sign(&legacy_claims, now()).unwrap(),
    ] {
        let report = inspect(token.expose(), &keys(), now());
        assert!(report.ok(), "{:?}: {:#?}", report.kind, report.checks);
        assert_eq!(report.hmac, HmacStatus::Valid);
    }
}

#[test]
fn whitespace_and_quotes_around_a_token_are_ignored() {
    let report = inspect(&format!(" \"{MEETING_VECTOR}\"\n"), &keys(), now());
    assert!(report.ok());
}

#[test]
fn an_unchecked_hmac_is_not_a_fault() {
    let report = inspect(MEETING_VECTOR, &ToolSettings::default(), now());
    assert!(report.ok());
    assert_eq!(report.hmac, HmacStatus::Unchecked);
    assert!(report.hmac_message.contains("ZOOM_MEETING_SDK_SECRET"));
    let video = inspect(&video_token(json!({})), &ToolSettings::default(), now());
    assert!(video.hmac_message.contains("ZOOM_VIDEO_SDK_SECRET"));
}

#[test]
fn iat_as_a_string_fails() {
    let report = inspect(&meeting_token(json!({"iat": "1700000000"})), &keys(), now());
    only_failure(&report, "iat", "string");
}

#[test]
fn times_in_milliseconds_fail() {
    let token = meeting_token(json!({"iat": IAT * 1000, "exp": (IAT + 7200) * 1000,
        "tokenExp": (IAT + 7200) * 1000}));
    let report = inspect(&token, &keys(), now());
    fails(&report, "iat", "milliseconds");
    fails(&report, "exp", "milliseconds");
}

#[test]
fn fractional_times_fail() {
    let report = inspect(&meeting_token(json!({"iat": 1_700_000_000.5})), &keys(), now());
    only_failure(&report, "iat", "whole number");
}

#[test]
fn missing_app_key_fails() {
    let report = inspect(&meeting_token(json!({"appKey": null})), &keys(), now());
    only_failure(&report, "appKey", "Web SDK 5.0");
    let renamed = meeting_token(json!({"appKey": null, "sdkKey": null, "apiKey": "abc123"}));
    let report = inspect(&renamed, &keys(), now());
    fails(&report, "appKey", "apiKey is the old name");
    fails(&report, "claim names", "apiKey to appKey");
}

#[test]
fn sdk_key_must_equal_app_key() {
    let report = inspect(&meeting_token(json!({"sdkKey": "other"})), &keys(), now());
    only_failure(&report, "sdkKey", "set both");
}

#[test]
fn mn_without_role_fails_and_neither_is_a_native_token() {
    let report = inspect(&meeting_token(json!({"role": null})), &keys(), now());
    only_failure(&report, "mn and role", "add role");
    let report = inspect(&meeting_token(json!({"mn": null})), &keys(), now());
    only_failure(&report, "mn and role", "add mn");
    let native = inspect(&meeting_token(json!({"mn": null, "role": null})), &keys(), now());
    assert!(native.ok());
    assert!(native.check("mn and role").unwrap().message.contains("native-SDK"));
}

#[test]
fn mn_must_be_a_string_of_up_to_12_digits() {
    let cases = [
        (json!(123456789), "write it as a string"),
        (json!("123 456 789"), "\"123456789\""),
        (json!("1234567890123"), "13 digits"),
    ];
    for (mn, words) in cases {
        let report = inspect(&meeting_token(json!({ "mn": mn })), &keys(), now());
        only_failure(&report, "mn", words);
    }
}

#[test]
fn role_must_be_the_number_0_or_1() {
    let report = inspect(&meeting_token(json!({"role": 2})), &keys(), now());
    only_failure(&report, "role", "0 (participant) or 1 (host)");
    let report = inspect(&meeting_token(json!({"role": "1"})), &keys(), now());
    only_failure(&report, "role", "string");
}

#[test]
fn lifetime_below_1800_seconds_fails() {
    let token = meeting_token(json!({"exp": IAT + 1799, "tokenExp": IAT + 1799}));
    only_failure(&inspect(&token, &keys(), now()), "lifetime", "at least 1800");
}

#[test]
fn lifetime_above_48_hours_fails() {
    let token = meeting_token(json!({"exp": IAT + 172_801, "tokenExp": IAT + 172_801}));
    only_failure(&inspect(&token, &keys(), now()), "lifetime", "at most 172800");
}

#[test]
fn token_exp_must_equal_exp() {
    let token = meeting_token(json!({"tokenExp": IAT + 3600}));
    only_failure(&inspect(&token, &keys(), now()), "tokenExp", "same number");
}

#[test]
fn iat_in_the_future_fails_with_the_skew() {
    let report = inspect(MEETING_VECTOR, &keys(), at(IAT - 45));
    only_failure(&report, "issued", "45 s ahead");
    fails(&report, "issued", "NTP");
}

#[test]
fn expired_tokens_fail() {
    let report = inspect(MEETING_VECTOR, &keys(), at(IAT + 7200 + 3 * 3600));
    only_failure(&report, "expiry", "fetch a fresh signature");
    fails(&report, "expiry", "3h ago");
}

#[test]
fn wrong_secret_is_invalid() {
    let token = jwt(
        HEADER,
        &json!({"appKey": "abc123", "mn": "1", "role": 0, "iat": IAT, "exp": IAT + 7200}).to_string(),
        "not-the-secret",
    );
    let report = inspect(&token, &keys(), now());
    assert_eq!(report.hmac, HmacStatus::Invalid);
    only_failure(&report, "hmac", "ZOOM_MEETING_SDK_SECRET");
}

#[test]
fn a_tampered_payload_is_invalid() {
    let mut parts: Vec<String> = MEETING_VECTOR.split('.').map(String::from).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(
        r#"{"appKey":"abc123","sdkKey":"abc123","mn":"123456789","role":1,"iat":1700000000,"exp":1700007200,"tokenExp":1700007200}"#,
    );
    let report = inspect(&parts.join("."), &keys(), now());
    assert_eq!(report.hmac, HmacStatus::Invalid);
    fails(&report, "hmac", "altered");
}

#[test]
fn another_app_key_or_product_secret_is_named() {
    let token =
        jwt(HEADER, &json!({"appKey": "someone-else", "iat": IAT, "exp": IAT + 7200}).to_string(), "their-secret");
    let report = inspect(&token, &keys(), now());
    fails(&report, "hmac", "another app key");
    let signed_with_video =
        jwt(HEADER, &json!({"appKey": "abc123", "iat": IAT, "exp": IAT + 7200}).to_string(), "video-secret");
    let report = inspect(&signed_with_video, &keys(), now());
    fails(&report, "hmac", "matches ZOOM_VIDEO_SDK_SECRET");
}

#[test]
fn a_valid_hmac_under_another_app_key_is_flagged() {
    let token = jwt(HEADER, &json!({"appKey": "typo", "iat": IAT, "exp": IAT + 7200}).to_string(), "secret");
    let report = inspect(&token, &keys(), now());
    assert_eq!(report.hmac, HmacStatus::Valid);
    only_failure(&report, "app key", "looks the secret up by that key");
}

#[test]
fn wrong_header_fails() {
    for header in [r#"{"alg":"HS512","typ":"JWT"}"#, r#"{"alg":"HS256"}"#, r#"{"alg":"HS256","typ":"JWT","kid":"1"}"#] {
        let claims = json!({"appKey": "abc123", "mn": "1", "role": 0, "iat": IAT, "exp": IAT + 7200});
        let token = jwt(header, &claims.to_string(), "secret");
        only_failure(&inspect(&token, &keys(), now()), "header", "exactly");
    }
}

#[test]
fn padded_segments_fail_the_encoding_rule() {
    let mut parts: Vec<&str> = MEETING_VECTOR.split('.').collect();
    let padded = format!("{}=", parts[2]);
    parts[2] = &padded;
    let report = inspect(&parts.join("."), &keys(), now());
    only_failure(&report, "encoding", "base64url without padding");
}

#[test]
fn misspelt_claims_fail_and_extra_ones_are_listed() {
    let report = inspect(&meeting_token(json!({"meetingNumber": "1"})), &keys(), now());
    only_failure(&report, "claim names", "meetingNumber to mn");
    let report = inspect(&meeting_token(json!({"jti": "x"})), &keys(), now());
    assert!(report.ok());
    assert!(report.check("claim names").unwrap().message.contains("\"jti\""));
}

#[test]
fn video_tokens_keep_zoom_limits() {
    assert!(inspect(&video_token(json!({})), &keys(), now()).ok());
    let cases = [
        (json!({"tpc": "x".repeat(201)}), "tpc", "201 characters"),
        (json!({"role_type": "1"}), "role_type", "string"),
        (json!({"version": 2}), "version", "the number 1"),
        (json!({"session_key": "k".repeat(37)}), "session_key", "1 to 36"),
        (json!({"user_identity": "u".repeat(36)}), "user_identity", "1 to 35"),
        (json!({"geo_regions": "US,XX"}), "geo_regions", "\"XX\""),
        (json!({"audio_webrtc_mode": 2}), "audio_webrtc_mode", "0 or 1"),
        (json!({"exp": IAT + 60}), "lifetime", "at least 1800"),
        (json!({"app_key": null}), "app_key", "Video SDK key"),
    ];
    for (changes, rule, words) in cases {
        let report = inspect(&video_token(changes.clone()), &keys(), now());
        assert_eq!(report.kind, Some(Kind::VideoJwt), "{changes}");
        only_failure(&report, rule, words);
    }
}

#[test]
fn legacy_rules() {
    let legacy = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let now_ms = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    let report = inspect(&legacy("abc123.1.1600000000.0.aGFzaA=="), &keys(), now());
    fails(&report, "timestamp", "in seconds");
    let report = inspect(&legacy("abc123.1.1600000000000.2.aGFzaA=="), &keys(), now());
    fails(&report, "role", "0 (participant) or 1 (host)");
    fails(&report, "hash", "32 bytes");
    let report = inspect(LEGACY_VECTOR, &keys(), now_ms(1_600_000_000_000 + 25 * 3_600_000));
    only_failure(&report, "age", "24h");
    let report = inspect(LEGACY_VECTOR, &keys(), now_ms(1_599_999_000_000));
    only_failure(&report, "issued", "1000 s ahead");
    let report = inspect(&legacy("abc123.1.2"), &keys(), now());
    only_failure(&report, "parts", "five parts");
}

#[test]
fn other_text_says_what_it_is_not() {
    let cases = [
        ("hello", "neither a JWT"),
        ("", "empty"),
        (&jwt(HEADER, r#"{"iss":"x","exp":1}"#, "s"), "JWT-app or OAuth"),
        (&"A".repeat(20_000), "bytes long"),
    ];
    for (text, words) in cases {
        let report = inspect(text, &keys(), now());
        assert_eq!(report.kind, None);
        fails(&report, "format", words);
        assert_eq!(render::text(&report, now()), report.checks[0].message);
    }
}

#[test]
fn text_shows_dates_marks_and_fixes() {
    let text = render::text(&inspect(MEETING_VECTOR, &keys(), at(IAT + 3600)), at(IAT + 3600));
    assert!(text.starts_with("Meeting SDK JWT\n"), "{text}");
    assert!(text.contains("iat       1700000000  2023-11-14 22:13:20 UTC, 1h ago"), "{text}");
    assert!(text.contains("exp       1700007200  2023-11-15 00:13:20 UTC, in 1h"), "{text}");
    assert!(text.contains("✓ hmac"), "{text}");
    assert!(text.ends_with("OK: nothing Zoom would refuse."), "{text}");
    let bad = render::text(&inspect(MEETING_VECTOR, &keys(), at(IAT - 60)), at(IAT - 60));
    assert!(bad.contains("✗ issued"), "{bad}");
    assert!(bad.ends_with("1 problem: fix the ✗ line above."), "{bad}");
}

#[test]
fn control_characters_in_a_token_never_reach_the_terminal() {
    let token = meeting_token(json!({"\u{1b}[31mevil": "\u{1b}[2J"}));
    let text = render::text(&inspect(&token, &keys(), now()), now());
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn json_has_the_documented_shape() {
    let report = inspect(MEETING_VECTOR, &keys(), now());
    let value: Value = serde_json::from_str(&render::json(&report)).unwrap();
    assert_eq!(value["kind"], "meeting_jwt");
    assert_eq!(value["header"]["alg"], "HS256");
    assert_eq!(value["claims"]["mn"], "123456789");
    assert_eq!(value["dates"]["iat"], "2023-11-14T22:13:20Z");
    assert_eq!(value["hmac"], "valid");
    assert_eq!(value["ok"], true);
    let checks = value["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["ok"] == true && c["rule"].is_string()));
    let legacy: Value = serde_json::from_str(&render::json(&inspect(LEGACY_VECTOR, &keys(), now()))).unwrap();
    assert_eq!(legacy["kind"], "legacy");
    assert_eq!(legacy["header"], Value::Null);
}

#[test]
fn no_output_ever_shows_a_secret() {
    let canary = "canary-secret-51e7";
    let keys = ToolSettings {
        meeting: Some(pair("abc123", canary)),
        video: Some(pair("video-key", canary)),
        ..ToolSettings::default()
    };
    for token in [MEETING_VECTOR.to_owned(), video_token(json!({})), LEGACY_VECTOR.into()] {
        let report = inspect(&token, &keys, now());
        let all = format!("{}{}{report:?}", render::text(&report, now()), render::json(&report));
        assert!(!all.contains(canary));
    }
}
