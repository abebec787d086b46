//! Runs the real-browser suite in `tests/browser/` (Playwright driving Debian's Chromium, with
//! Zoom's real Web SDK from npm) against this service, started here on loopback ports in the
//! configurations whose pages and refusals the suite checks.
//!
//! Without Node, the npm packages or Chromium it skips with the reason, unless `CI` is set: CI
//! must prove the page works, so there a missing piece is a failure. Screenshots of the page in
//! its states land in `target/browser-screenshots/<run>/` (CI keeps them as artifacts).

use crate::helpers::nginx::Nginx;
use crate::helpers::stand_in_zoom::{Fault, StandInZoom};
use crate::helpers::{Served, login_at, skip, stand_in_zoom_for, tokens};
use axum::http::StatusCode;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zoom_signer::access::{AccessPolicy, AllowedOrigins, RateLimit, TrustedProxies};
use zoom_signer::http::page::JoinPage;
use zoom_signer::http::state::Secrets;
use zoom_signer::signature::{Format, MeetingNumber, Signer};
use zoom_signer::zoom::ZoomCloud;
use zoom_signer::{AppState, Options};

const KEY: &str = "browser-test-key";
/// The main service's one host token (SIGNER_HOST_TOKENS), as an operator with backends has one:
/// its page must still be a participant page, since a person cannot start a meeting without a ZAK.
const HOST_TOKEN: &str = "browser-host-token-0123456789abcdef";
/// The strict service's API token (it has no host tokens).
const API_TOKEN: &str = "browser-api-token-0123456789abcdef";
/// The one meeting the listed service signs for (SIGNER_ALLOWED_MEETINGS).
const LISTED_MEETING: &str = "123456789";
const SDK_VERSION: &str = "6.2.0";
/// The whole suite takes about a minute a run; this only stops a hung browser from hanging CI.
const SUITE_TIMEOUT: Duration = Duration::from_secs(300);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// `target/browser-screenshots/`: under cargo's target directory (`CARGO_TARGET_TMPDIR` is its
/// `tmp/`), wherever `CARGO_TARGET_DIR` puts it.
fn screenshots_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-screenshots")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Why the suite cannot run here, if it cannot. Installs the suite's npm packages (from its
/// lockfile) when Node is there but they are not, so `cargo test` alone sets the suite up.
fn missing_prerequisite() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("`node` is not installed (Debian: apt-get install nodejs npm)".into());
    }
    let installed = || {
        suite_dir().join("node_modules/playwright-core").is_dir()
            && suite_dir().join("node_modules/@zoom/meetingsdk").is_dir()
    };
    if !installed() {
        eprintln!("installing the browser suite's npm packages (npm ci in tests/browser)");
        let npm = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(suite_dir())
            .stdin(Stdio::null())
            .output();
        if !installed() {
            let why = npm.map_or_else(|e| e.to_string(), |o| String::from_utf8_lossy(&o.stderr).into_owned());
            return Some(format!("npm packages are missing and `npm ci` in tests/browser failed: {why}"));
        }
    }
    if !chromium().is_file() {
        return Some(format!("{} is missing: apt-get install chromium", chromium().display()));
    }
    None
}

/// A signer with the suite's key and `secret`.
fn signer(secret: &str) -> Signer {
    Signer::new(KEY.into(), SecretString::from(secret.to_owned()), Format::Jwt)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_page_works_with_zooms_real_web_sdk_in_chromium() {
    if let Some(reason) = missing_prerequisite() {
        skip("browser end-to-end tests", &reason);
        return;
    }
    let screenshots = screenshots_dir();
    let _ = std::fs::remove_dir_all(&screenshots); // Only this run's pictures.

    let secret = format!("browser-test-secret-{}", std::process::id());
    // The main service: a host token configured (for backends), production defaults otherwise,
    // trusting the local nginx as a deployment would. The rate limit too (30/minute): both runs
    // share 127.0.0.1's bucket (nginx connects from there and forwards that address), and the
    // suite posts 6 signature requests to it per run, 12 in all.
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_TOKEN]), ..Default::default() };
    let options = Options {
        page: JoinPage::new(SDK_VERSION, false),
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
        ..Options::default()
    };
    let served = Served::start(AppState::new(Secrets { policy, ..Secrets::from(signer(&secret)) }, options)).await;
    let url = format!("http://{}/", served.addr);

    // The services whose refusals the page must turn into sentences, each configured as an
    // operator would. Strict: API tokens (for backends only), no host tokens.
    let strict_policy = AccessPolicy { api_tokens: tokens(&[API_TOKEN]), ..Default::default() };
    let strict_options = Options { page: JoinPage::new(SDK_VERSION, false), ..Options::default() };
    let strict_state =
        AppState::new(Secrets { policy: strict_policy, ..Secrets::from(signer(&secret)) }, strict_options);
    let strict = Served::start(strict_state).await;

    // Listed: signs for one meeting only (SIGNER_ALLOWED_MEETINGS), and its own origin is exactly
    // its 127.0.0.1 URL, as SIGNER_PUBLIC_URL makes it: the same page opened as localhost is foreign.
    let listed_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listed_url = format!("http://{}/", listed_listener.local_addr().unwrap());
    let listed_policy = AccessPolicy {
        allowed_meetings: Some([MeetingNumber::parse(LISTED_MEETING).unwrap()].into()),
        ..Default::default()
    };
    let listed_options = Options {
        page: JoinPage::new(SDK_VERSION, false),
        origins: AllowedOrigins::default().with_own_origin(listed_url.trim_end_matches('/')),
        ..Options::default()
    };
    let listed_state =
        AppState::new(Secrets { policy: listed_policy, ..Secrets::from(signer(&secret)) }, listed_options);
    let listed = Served::start_on(listed_listener, listed_state);

    // Limited: one signature a minute per client, so the suite meets a real 429 and Retry-After.
    let limited_options = Options {
        page: JoinPage::new(SDK_VERSION, false),
        rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(60) }),
        ..Options::default()
    };
    let limited = Served::start(AppState::new(signer(&secret), limited_options)).await;

    // Zoom for Government (SIGNER_ZOOM_CLOUD=zoomgov.com): its page must make the SDK talk to
    // zoomgov.com only.
    let government_options = Options {
        page: JoinPage::new(SDK_VERSION, false).with_zoom_cloud(ZoomCloud::Government),
        ..Options::default()
    };
    let government = Served::start(AppState::new(signer(&secret), government_options)).await;

    let services = vec![
        ("SIGNER_STRICT_URL", format!("http://{}/", strict.addr)),
        ("SIGNER_TEST_API_TOKEN", API_TOKEN.to_owned()),
        ("SIGNER_LISTED_URL", listed_url),
        ("SIGNER_LISTED_MEETING", LISTED_MEETING.to_owned()),
        ("SIGNER_LIMITED_URL", format!("http://{}/", limited.addr)),
        ("SIGNER_GOV_URL", format!("http://{}/", government.addr)),
    ];

    // With the login on against a stand-in Zoom: one per run, since its public URL (the redirect
    // URI Zoom knows, the cookies' path) is where the browser sees it.
    let signed_in_direct = SignedIn::start(|addr| format!("http://{addr}/")).await;

    // Straight to the service, then through real nginx under /zoom/ as operators deploy it.
    let mut runs = vec![("direct", url, signed_in_direct, None, None)];
    match Nginx::missing() {
        Some(reason) => skip("the browser run through nginx", &reason),
        None => {
            let nginx = Nginx::start(served.addr);
            let port = crate::helpers::free_port();
            let signed_in = SignedIn::start(|_| format!("http://127.0.0.1:{port}/zoom/")).await;
            let signed_in_nginx = Nginx::start_on(signed_in.served.addr, port);
            runs.push(("through-nginx", nginx.url(), signed_in, Some(nginx), Some(signed_in_nginx)));
        }
    }
    for (name, url, signed_in, _nginx, _signed_in_nginx) in runs {
        let mut env = services.clone();
        env.extend(signed_in.env());
        env.push(("SIGNER_URL", url));
        env.push(("SIGNER_TEST_SECRET", secret.clone()));
        env.push(("SCREENSHOT_DIR", screenshots.join(name).display().to_string()));
        let run = tokio::task::spawn_blocking(move || run_suite(&env)).await.unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        println!("== browser suite, {name} ==\n{printed}");
        assert!(run.status.success(), "the browser suite failed {name} ({}):\n{printed}", run.status);
        assert!(passed_count(&printed) > 0, "the browser suite ran no test {name}:\n{printed}");
        assert!(!printed.contains("SIGNED_IN_BASE_URL"), "the signed-in tests were skipped {name}:\n{printed}");
        let issued = signed_in.zoom.issued();
        assert!(issued.iter().any(|t| t.kind == "zak"), "the stand-in never issued a ZAK {name}");
        signed_in.served.stop().await.unwrap().unwrap();
    }
    println!("screenshots of the page: {}", screenshots.display());

    for service in [served, strict, listed, limited, government] {
        service.stop().await.unwrap().unwrap();
    }
}

/// The "pass N" summary of node's test reporter (`ℹ pass 4` in spec form, `# pass 4` in TAP).
fn passed_count(printed: &str) -> usize {
    printed
        .lines()
        .filter_map(|line| line.trim_start_matches(['ℹ', '#', ' ']).strip_prefix("pass "))
        .filter_map(|n| n.trim().parse().ok())
        .max()
        .unwrap_or(0)
}

/// A service with the login ("Sign in with Zoom") on, against a stand-in Zoom the suite can make
/// fail or be slow, for the logged-in tests.
struct SignedIn {
    served: Served,
    zoom: Arc<StandInZoom>,
    public_url: String,
    faults: FaultSwitch,
}

/// The ZAK the stand-in hands out, so the suite can find it where the SDK sends it.
const SIGNED_IN_ZAK: &str = "stand-in-zak-for-the-browser-0123456789";

impl SignedIn {
    /// `public_url` names where browsers see the service, given its address.
    async fn start(public_url: impl FnOnce(SocketAddr) -> String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_url = public_url(listener.local_addr().unwrap());
        let zoom = Arc::new(stand_in_zoom_for(&public_url, Some(SIGNED_IN_ZAK.to_owned())));
        let options = Options {
            page: JoinPage::new(SDK_VERSION, false).with_login(true),
            trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
            // The suite logs in about ten times a run, each a start and a callback, which count
            // against the rate limit like the signatures do: room for all of them in a minute.
            rate_limit: Some(RateLimit { count: 300, period: Duration::from_secs(60) }),
            ..Options::default()
        };
        let login = Some(login_at(&zoom, &public_url));
        let state = AppState::new(Secrets { login, ..Secrets::from(signer("browser-signed-in-secret")) }, options);
        let faults = FaultSwitch::start(zoom.clone()).await;
        Self { served: Served::start_on(listener, state), zoom, public_url, faults }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SIGNED_IN_BASE_URL", self.public_url.clone()),
            ("SIGNED_IN_USER_NAME", self.zoom.config().user.display_name.clone()),
            ("SIGNED_IN_ZAK", SIGNED_IN_ZAK.to_owned()),
            ("SIGNED_IN_ZOOM_FAULT_URL", self.faults.url.clone()),
        ]
    }
}

/// What the suite posts to make the stand-in Zoom misbehave from then on (every call but
/// authorize, see [`Fault`]): `none`, `status <code>` or `slow <milliseconds>`. The page then meets
/// the service's real 502 and 504, after logging in while Zoom still worked.
struct FaultSwitch {
    url: String,
    server: tokio::task::JoinHandle<()>,
}

impl FaultSwitch {
    async fn start(zoom: Arc<StandInZoom>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let switch = move |body: String| {
            let zoom = zoom.clone();
            async move {
                let Some(fault) = parse_fault(body.trim()) else { return StatusCode::BAD_REQUEST };
                zoom.set_fault(fault);
                StatusCode::NO_CONTENT
            }
        };
        let app = axum::Router::new().route("/", axum::routing::post(switch));
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, server }
    }
}

impl Drop for FaultSwitch {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn parse_fault(text: &str) -> Option<Fault> {
    match text.split_once(' ') {
        None if text == "none" => Some(Fault::None),
        Some(("status", code)) => code.parse().ok().map(Fault::Status),
        Some(("slow", ms)) => ms.parse().ok().map(|ms| Fault::Slow(Duration::from_millis(ms))),
        _ => None,
    }
}

/// Runs `node --test` in tests/browser with `env` naming the services, killed if it outlives the
/// timeout.
fn run_suite(env: &[(&'static str, String)]) -> std::process::Output {
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .current_dir(suite_dir())
        .env("SIGNER_TEST_KEY", KEY)
        .env("SIGNER_SDK_VERSION", SDK_VERSION)
        .env("CHROMIUM_PATH", chromium())
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > SUITE_TIMEOUT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}
