//! `zoom-signer sign` and `zoom-signer inspect` as a user runs them: exit codes, output, and the
//! secret never shown.

use crate::helpers::process::signer_in;
use crate::helpers::verify_jwt;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CANARY: &str = "canary-secret-3b9d71";
const OTHER_SECRET: &str = "canary-other-secret-0c4e";

/// The binary with only `env` set, in an empty directory (so no `.env` is read).
fn signer(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = signer_in(dir);
    command.envs(env.iter().copied());
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `command` with `stdin`, checking that no secret appears in anything it prints.
fn run(command: &mut Command, stdin: Option<&str>) -> Run {
    let output: Output = match stdin {
        None => command.output().unwrap(),
        Some(text) => {
            let mut child =
                command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        }
    };
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for secret in [CANARY, OTHER_SECRET] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
    run
}

const MEETING: &[(&str, &str)] = &[("ZOOM_MEETING_SDK_KEY", "key-1"), ("ZOOM_MEETING_SDK_SECRET", CANARY)];

/// A fresh Meeting SDK signature for meeting 123456789, made by the binary.
fn signed(dir: &Path) -> String {
    let out = run(signer(dir, MEETING).args(["sign", "--meeting", "123 456 789", "--role", "0"]), None);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "only the signature: {}", out.stdout);
    out.stdout.trim_end().to_owned()
}

#[test]
fn a_signed_token_inspects_valid_with_the_same_settings() {
    let dir = tempfile::tempdir().unwrap();
    let token = signed(dir.path());
    assert!(token.starts_with("eyJ") && token.split('.').count() == 3);
    let out = run(signer(dir.path(), MEETING).args(["inspect", &token]), None);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stdout.contains("✓ hmac"), "{}", out.stdout);
    assert!(out.stdout.contains("valid"), "{}", out.stdout);
    assert!(out.stdout.contains("\"123456789\""), "{}", out.stdout);
    assert!(!out.stdout.contains('✗'), "{}", out.stdout);
}

#[test]
fn inspect_reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let token = signed(dir.path());
    let out = run(signer(dir.path(), MEETING).args(["inspect", "-"]), Some(&format!("  {token}\n")));
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stdout.contains("valid"), "{}", out.stdout);
}

#[test]
fn json_says_a_tampered_token_is_not_ok() {
    let dir = tempfile::tempdir().unwrap();
    let token = signed(dir.path());
    let mut parts: Vec<&str> = token.split('.').collect();
    // Re-encode the payload with host role: the HMAC no longer covers it.
    let tampered_payload = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = String::from_utf8(engine.decode(parts[1]).unwrap()).unwrap();
        engine.encode(payload.replace("\"role\":0", "\"role\":1"))
    };
    parts[1] = &tampered_payload;
    let out = run(signer(dir.path(), MEETING).args(["inspect", "--json", &parts.join(".")]), None);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["kind"], "meeting_jwt");
    assert_eq!(report["hmac"], "invalid");
    assert_eq!(report["claims"]["role"], 1);
    assert!(report["checks"].as_array().unwrap().iter().any(|c| c["rule"] == "hmac" && c["ok"] == false));
}

#[test]
fn a_wrong_secret_exits_1_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let token = signed(dir.path());
    let other = [("ZOOM_MEETING_SDK_KEY", "key-1"), ("ZOOM_MEETING_SDK_SECRET", OTHER_SECRET)];
    let out = run(signer(dir.path(), &other).args(["inspect", &token]), None);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let line = out.stdout.lines().find(|l| l.contains("✗ hmac")).unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(line.contains("does not match ZOOM_MEETING_SDK_SECRET"), "{line}");
    assert!(line.contains("secret"), "{line}");
}

#[test]
fn without_a_secret_the_hmac_is_unchecked_and_not_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    let token = signed(dir.path());
    let out = run(signer(dir.path(), &[]).args(["inspect", &token]), None);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stdout.contains("not checked: set ZOOM_MEETING_SDK_KEY and ZOOM_MEETING_SDK_SECRET"));
}

#[test]
fn a_video_session_token_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let video = [("ZOOM_VIDEO_SDK_KEY", "video-key"), ("ZOOM_VIDEO_SDK_SECRET", CANARY)];
    let out =
        run(signer(dir.path(), &video).args(["sign", "--session", "standup", "--role", "1", "--ttl", "3600"]), None);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let token = out.stdout.trim_end();
    let out = run(signer(dir.path(), &video).args(["inspect", "--json", token]), None);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(report["kind"], "video_jwt");
    assert_eq!(report["hmac"], "valid");
    assert_eq!(report["claims"]["tpc"], "standup");
    let lifetime = report["claims"]["exp"].as_i64().unwrap() - report["claims"]["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 3600);
}

#[test]
fn sign_without_credentials_exits_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (args, variable) in [
        (&["sign", "--meeting", "123456789"][..], "ZOOM_MEETING_SDK_KEY"),
        (&["sign", "--session", "standup"], "ZOOM_VIDEO_SDK_KEY"),
    ] {
        let out = run(signer(dir.path(), &[]).args(args), None);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(variable), "{}", out.stderr);
    }
    // A secret without its key is refused by the settings, still naming the key.
    let out = run(signer(dir.path(), &[("ZOOM_MEETING_SDK_SECRET", CANARY)]).args(["sign", "--meeting", "1"]), None);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("ZOOM_MEETING_SDK_KEY"), "{}", out.stderr);
}

#[test]
fn sign_with_a_bad_flag_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (&["sign", "--meeting", "12a"][..], "--meeting"),
        (&["sign", "--meeting", "1", "--role", "2"], "--role"),
        (&["sign", "--meeting", "1", "--ttl", "60"], "--ttl"),
    ] {
        let out = run(signer(dir.path(), MEETING).args(args), None);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(flag), "{}", out.stderr);
    }
}

#[test]
fn something_that_is_not_a_signature_gets_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(signer(dir.path(), MEETING).args(["inspect", "hello-world"]), None);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.starts_with("This is not a Zoom signature"), "{}", out.stdout);
}

#[test]
fn sign_honours_signer_ttl_and_backdate_as_the_service_does() {
    let dir = tempfile::tempdir().unwrap();
    let env = [MEETING, &[("SIGNER_TTL", "3600"), ("SIGNER_BACKDATE", "0")]].concat();
    let out = run(signer(dir.path(), &env).args(["sign", "--meeting", "1"]), None);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let claims = verify_jwt(out.stdout.trim(), CANARY).unwrap();
    let (iat, exp) = (claims["iat"].as_u64().unwrap(), claims["exp"].as_u64().unwrap());
    assert_eq!(exp - iat, 3600);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(now.abs_diff(iat) <= 5, "no backdate: iat {iat}, now {now}");

    let bad =
        run(signer(dir.path(), &[MEETING, &[("SIGNER_TTL", "60")]].concat()).args(["sign", "--meeting", "1"]), None);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("SIGNER_TTL"), "{}", bad.stderr);
}
