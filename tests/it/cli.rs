//! The binary as an operator runs it: exit codes, messages, `.env`, and secrets kept out of output.

use crate::helpers::process::{Running, signer_in};
use crate::helpers::{MEETING_BODY, json_of, raw_get, raw_http, raw_post, status_of};

use std::process::{Command, Output};

const CANARY: &str = "canary-secret-7f3a9c";
/// Too short to be a token: refused, and never echoed.
const CANARY_SHORT: &str = "canary-tok";
/// A good session key (32 bytes of base64), then a bad one: refused by position, neither shown.
const CANARY_KEYS: &str = "Y2FuYXJ5LXNlc3Npb24ta2V5LW9mLTMyLWJ5dGVzISE=,Y2FuYXJ5LXRvby1zaG9ydA==";

fn run(command: &mut Command) -> (Output, String) {
    let output = command.output().unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output, all)
}

#[test]
fn a_missing_key_exits_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let (output, all) = run(signer_in(dir.path()).env("ZOOM_MEETING_SDK_SECRET", CANARY));
    assert_eq!(output.status.code(), Some(2), "{all}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("ZOOM_MEETING_SDK_KEY is not set"), "{stderr}");
    assert!(stderr.contains(".env.example"), "{stderr}");
    assert!(!all.contains(CANARY));
}

/// Sign-in's settings, each wrong in one way (the session key a secret too short to use).
const SIGN_IN_CASES: &[(&[(&str, &str)], &str)] = &[
    (&[("SIGNER_ZOOM_SIGN_IN", "yes")], "SIGNER_ZOOM_SIGN_IN"),
    (&[("SIGNER_ZOOM_CLOUD", "zoom.com")], "SIGNER_ZOOM_CLOUD"),
    (&[("SIGNER_PUBLIC_URL", "http://meet.example.com/")], "SIGNER_PUBLIC_URL"),
    (&[("SIGNER_ZOOM_SIGN_IN", "on")], "SIGNER_PUBLIC_URL"),
    (&[("SIGNER_ZOOM_SIGN_IN", "on"), ("SIGNER_PUBLIC_URL", "http://meet.example.com/")], "SIGNER_PUBLIC_URL"),
    (
        &[
            ("SIGNER_ZOOM_SIGN_IN", "on"),
            ("SIGNER_PUBLIC_URL", "https://meet.example.com/"),
            ("SIGNER_SESSION_KEY", CANARY_SHORT),
        ],
        "SIGNER_SESSION_KEY",
    ),
    (
        &[
            ("SIGNER_ZOOM_SIGN_IN", "on"),
            ("SIGNER_PUBLIC_URL", "https://meet.example.com/"),
            ("SIGNER_SESSION_KEY", CANARY_KEYS),
        ],
        "key #2",
    ),
    (
        &[
            ("SIGNER_ZOOM_SIGN_IN", "on"),
            ("SIGNER_PUBLIC_URL", "https://meet.example.com/"),
            ("ZOOM_OAUTH_CLIENT_ID", "id"),
        ],
        "ZOOM_OAUTH_CLIENT_SECRET",
    ),
    (
        &[
            ("SIGNER_ZOOM_SIGN_IN", "on"),
            ("SIGNER_PUBLIC_URL", "https://meet.example.com/"),
            ("SIGNER_ZOOM_API_URL", "http://api.example/v2"),
        ],
        "SIGNER_ZOOM_API_URL",
    ),
];

#[test]
fn sign_in_without_a_session_key_warns_that_sessions_end_at_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = signer_in(dir.path());
    command
        .env("ZOOM_MEETING_SDK_KEY", "key")
        .env("ZOOM_MEETING_SDK_SECRET", CANARY)
        .env("SIGNER_ZOOM_SIGN_IN", "on")
        .env("SIGNER_PUBLIC_URL", "http://localhost:4000/");
    let log = with_running_server(&mut command, |addr| {
        let session = raw_http(addr, &raw_get("/auth/zoom/session", "localhost:4000")).unwrap();
        assert!(session.starts_with("HTTP/1.1 200") && session.contains(r#"{"signedIn":false}"#), "{session}");
    });
    assert!(log.contains("SIGNER_SESSION_KEY is not set") && log.contains("replicas"), "{log}");
    assert!(!log.contains(CANARY));
}

#[test]
fn bad_settings_exit_2_and_never_print_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{CANARY}\n")).unwrap();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("PORT", "eighty")], "PORT"),
        (&[("SIGNER_TTL", "10")], "SIGNER_TTL"),
        (&[("SIGNER_MAX_TTL", "999999")], "SIGNER_MAX_TTL"),
        (&[("SIGNER_FORMAT", "jws")], "SIGNER_FORMAT"),
        (&[("SIGNER_BACKDATE", "soon")], "SIGNER_BACKDATE"),
        (&[("ZOOM_MEETING_SDK_SECRET_FILE", secret_file.to_str().unwrap())], "ZOOM_MEETING_SDK_SECRET"),
        (&[("ZOOM_MEETING_SDK_KEY", "")], "ZOOM_MEETING_SDK_KEY"),
        (&[("ZOOM_VIDEO_SDK_KEY", "video-key")], "ZOOM_VIDEO_SDK_SECRET"),
        (&[("SIGNER_RATE_LIMIT", "lots")], "SIGNER_RATE_LIMIT"),
        (&[("SIGNER_TRUSTED_PROXIES", "the-proxy")], "SIGNER_TRUSTED_PROXIES"),
        (&[("SIGNER_HOST_TOKENS", CANARY_SHORT)], "SIGNER_HOST_TOKENS"),
        (&[("SIGNER_ALLOWED_ORIGINS", "example.com")], "SIGNER_ALLOWED_ORIGINS"),
        (&[("SIGNER_METRICS_ADDR", "nine-thousand")], "SIGNER_METRICS_ADDR"),
        (&[("SIGNER_ZOOM_WEBHOOK_RATE_LIMIT", "lots")], "SIGNER_ZOOM_WEBHOOK_RATE_LIMIT"),
        (
            &[
                ("SIGNER_ZOOM_WEBHOOK_SECRET", CANARY),
                ("SIGNER_ZOOM_WEBHOOK_SECRET_FILE", secret_file.to_str().unwrap()),
            ],
            "SIGNER_ZOOM_WEBHOOK_SECRET_FILE",
        ),
    ];
    for (extra, variable) in cases.iter().chain(SIGN_IN_CASES) {
        let mut command = signer_in(dir.path());
        command.env("ZOOM_MEETING_SDK_KEY", "key").env("ZOOM_MEETING_SDK_SECRET", CANARY).envs(extra.iter().copied());
        let (output, all) = run(&mut command);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {all}");
        assert!(all.contains(variable), "{extra:?} should name {variable}: {all}");
        let shown = [CANARY, CANARY_SHORT].into_iter().chain(CANARY_KEYS.split(','));
        assert!(!shown.clone().any(|secret| all.contains(secret)), "{extra:?} printed a secret: {all}");
    }
}

#[test]
fn help_lists_every_setting_and_hides_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    let (output, all) = run(signer_in(dir.path()).arg("--help").env("ZOOM_MEETING_SDK_SECRET", CANARY));
    assert!(output.status.success(), "{all}");
    for variable in [
        "ZOOM_MEETING_SDK_KEY",
        "ZOOM_MEETING_SDK_KEY_FILE",
        "ZOOM_MEETING_SDK_SECRET",
        "ZOOM_MEETING_SDK_SECRET_FILE",
        "HOST",
        "PORT",
        "SIGNER_FORMAT",
        "SIGNER_TTL",
        "SIGNER_MAX_TTL",
        "SIGNER_BACKDATE",
        "SIGNER_WEB_SDK_VERSION",
        "SIGNER_LOG_FORMAT",
        "SIGNER_ZOOM_SIGN_IN",
        "SIGNER_PUBLIC_URL",
        "ZOOM_OAUTH_CLIENT_ID",
        "ZOOM_OAUTH_CLIENT_SECRET_FILE",
        "SIGNER_SESSION_KEY",
        "SIGNER_ZOOM_CLOUD",
        "SIGNER_ZOOM_OAUTH_URL",
        "SIGNER_ZOOM_API_URL",
        "SIGNER_ZOOM_WEBHOOK_SECRET",
        "SIGNER_ZOOM_WEBHOOK_SECRET_FILE",
        "SIGNER_ZOOM_WEBHOOK_RATE_LIMIT",
        "--demo",
    ] {
        assert!(all.contains(variable), "--help does not mention {variable}");
    }
    assert!(all.contains("[default: 7200]") && all.contains("[default: 4000]"));
    assert!(all.contains(&format!("[default: {}]", zoom_signer::access::RateLimit::WEBHOOK_DEFAULT)), "{all}");
    assert!(!all.contains(CANARY));
}

#[test]
fn dotenv_is_read_but_the_real_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("ZOOM_MEETING_SDK_KEY=key\nZOOM_MEETING_SDK_SECRET={CANARY}\nSIGNER_TTL=from-dotenv\n"),
    )
    .unwrap();
    let (output, all) = run(signer_in(dir.path()).env("SIGNER_TTL", "from-environment"));
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("\"from-environment\""), "the environment should win: {all}");
    assert!(!all.contains(CANARY));

    // A .env line that cannot be parsed is reported without echoing it (it may hold a secret).
    std::fs::write(dir.path().join(".env"), format!("ZOOM_MEETING_SDK_SECRET {CANARY}\n")).unwrap();
    let (output, all) = run(&mut signer_in(dir.path()));
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains(".env"), "{all}");
    assert!(!all.contains(CANARY), "{all}");
}

/// Starts the binary, runs `f` against it, then stops it and returns everything it printed.
fn with_running_server(command: &mut Command, f: impl FnOnce(std::net::SocketAddr)) -> String {
    let running = Running::start(command);
    f(running.addr);
    running.stop()
}

const CANARY_HOST_TOKEN: &str = "host-canary-token-5d1e0b7a";
const CANARY_API_TOKEN: &str = "api-canary-token-93c4f2e8";
const CANARY_WRONG_TOKEN: &str = "wrong-canary-token-11aa22bb";

fn post_signature(addr: std::net::SocketAddr, body: &str, bearer: Option<&str>) -> (u16, serde_json::Value) {
    let authorization = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let answer = raw_http(addr, &raw_post("/signature?pwd=hunter2", "t", &authorization, body)).unwrap();
    (status_of(&answer), json_of(&answer))
}

#[test]
fn at_trace_level_no_secret_token_or_signature_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = signer_in(dir.path());
    command
        .env("ZOOM_MEETING_SDK_KEY", "key")
        .env("ZOOM_MEETING_SDK_SECRET", CANARY)
        .env("SIGNER_HOST_TOKENS", CANARY_HOST_TOKEN)
        .env("SIGNER_API_TOKENS", CANARY_API_TOKEN)
        .env("RUST_LOG", "trace");
    let participant = MEETING_BODY;
    let host = r#"{"meetingNumber":"123456789","role":1}"#;
    let mut issued = Vec::new();
    let cases = [
        (participant, Some(CANARY_API_TOKEN), 200),
        (host, Some(CANARY_HOST_TOKEN), 200),
        ("{]", Some(CANARY_API_TOKEN), 400),
        (host, Some(CANARY_API_TOKEN), 401),
        (participant, Some(CANARY_WRONG_TOKEN), 401),
        (participant, None, 401),
    ];
    let log = with_running_server(&mut command, |addr| {
        for (body, bearer, expected) in cases {
            let (status, json) = post_signature(addr, body, bearer);
            assert_eq!(status, expected, "{body} with {bearer:?}: {json}");
            if let Some(signature) = json["signature"].as_str() {
                issued.push(signature.to_owned());
            }
        }
        let health = raw_http(addr, &raw_get("/healthz", "t")).unwrap();
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    });
    assert_eq!(issued.len(), 2);
    for (what, secret) in [
        ("SDK secret", CANARY),
        ("host token", CANARY_HOST_TOKEN),
        ("API token", CANARY_API_TOKEN),
        ("wrong token", CANARY_WRONG_TOKEN),
    ] {
        assert!(!log.contains(secret), "{what} in log:\n{log}");
    }
    for signature in &issued {
        assert!(!log.contains(signature.as_str()), "signature in log:\n{log}");
        // Not even its signing part.
        assert!(!log.contains(signature.rsplit('.').next().unwrap()), "signature in log:\n{log}");
    }
    assert!(!log.contains("hunter2"), "query string in log:\n{log}");

    // One line per request: the audit line on the signing route (it carries the access line's
    // fields), the access line elsewhere.
    let access: Vec<&str> = log.lines().filter(|l| l.contains("zoom_signer::access")).collect();
    assert_eq!(access.len(), 1, "one access line, for GET /healthz:\n{log}");
    assert!(access[0].contains("route=\"/healthz\"") && access[0].contains("status=200"), "{}", access[0]);

    let audit: Vec<&str> = log.lines().filter(|l| l.contains("zoom_signer::audit")).collect();
    assert_eq!(audit.len(), 6, "one audit line per signing request:\n{log}");
    for (line, (_, _, status)) in audit.iter().zip(cases) {
        assert!(
            line.contains("method=POST")
                && line.contains("route=\"/signature\"")
                && line.contains(&format!("status={status}"))
                && line.contains("latency_us="),
            "the access line's fields: {line}"
        );
    }
    assert!(audit.iter().all(|l| l.contains("client=127.0.0.1")), "{audit:#?}");
    assert!(
        audit[0].contains("outcome=\"issued\"")
            && audit[0].contains("meeting=\"123456789\"")
            && audit[0].contains("role=\"0\""),
        "{}",
        audit[0]
    );
    assert!(audit[1].contains("outcome=\"issued\"") && audit[1].contains("role=\"1\""), "{}", audit[1]);
    assert!(audit[3].contains("outcome=\"refused\"") && audit[3].contains("not_a_host_token"), "{}", audit[3]);
    assert!(audit[5].contains("outcome=\"refused\"") && audit[5].contains("api_token_missing"), "{}", audit[5]);
}

#[test]
fn demo_mode_needs_no_credentials_and_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let log = with_running_server(signer_in(dir.path()).arg("--demo"), |addr| {
        let page = raw_http(addr, &raw_get("/", "t")).unwrap();
        assert!(page.contains(r#"data-demo="true""#), "{page}");
    });
    assert!(log.contains("DEMO MODE") && log.contains("REJECT"), "{log}");
}

#[test]
fn the_example_configuration_starts_the_service_once_credentials_are_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".env.example");
    std::fs::copy(example, dir.path().join(".env")).unwrap();
    // The real environment wins over the example's empty credentials (and its PORT).
    let mut command = signer_in(dir.path());
    command.env("ZOOM_MEETING_SDK_KEY", "key").env("ZOOM_MEETING_SDK_SECRET", CANARY);
    let running = Running::start(&mut command);
    let page = raw_http(running.addr, &raw_get("/", "t")).unwrap();
    assert!(page.to_ascii_lowercase().contains("frame-ancestors 'self'"), "{page}");
    let log = running.stop();
    assert!(!log.contains(CANARY));
}

/// The README's configuration table: `(variable, flag, default)` per row.
fn readme_settings() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme.split("| Variable | Flag | Default | Meaning |").nth(1).expect("the configuration table");
    let cell = |text: &str| text.trim().trim_matches('`').to_owned();
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            (cell(cells[1]), cell(cells[2]), cells[3].trim().to_owned())
        })
        .collect()
}

#[test]
fn the_readme_lists_every_setting_with_the_default_the_binary_has() {
    let dir = tempfile::tempdir().unwrap();
    let (_, help) = run(signer_in(dir.path()).arg("--help"));
    let rows = readme_settings();
    let mut checked = 0;
    for line in help.lines().filter(|l| l.contains("[env: ")) {
        let variable = line.split("[env: ").nth(1).unwrap().split(']').next().unwrap();
        let row = rows.iter().find(|(v, _, _)| v == variable);
        let (_, flag, default) =
            row.unwrap_or_else(|| panic!("README's configuration table has no row for {variable}"));
        assert!(help.contains(&format!("{flag} <")) || help.contains(&format!("{flag}\n")), "{variable}: {flag}");
        if let Some(value) = line.split("[default: ").nth(1).map(|d| d.trim_end_matches(']')) {
            let value = if value == "\"\"" { "—" } else { value };
            assert!(default.contains(value), "{variable}: README says {default}, the binary {value}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} settings in --help");
    for (variable, _, _) in &rows {
        assert!(
            variable == "—" || help.contains(&format!("[env: {variable}]")),
            "README lists {variable}, the binary has none"
        );
    }
}
