//! Runs the real-browser suite in `tests/browser/` (Playwright driving Debian's Chromium, with
//! Zoom's real Web SDK from npm) against this service, started here on a loopback port.
//!
//! Without Node, the npm packages or Chromium it skips with the reason, unless `CI` is set: CI
//! must prove the page works, so there a missing piece is a failure.

use crate::helpers::nginx::Nginx;
use crate::helpers::stand_in_zoom::StandInZoom;
use crate::helpers::{Served, login_at, skip, stand_in_zoom_for, tokens};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zoom_signer::access::{AccessPolicy, TrustedProxies};
use zoom_signer::http::page::JoinPage;
use zoom_signer::http::state::Secrets;
use zoom_signer::signature::{Format, Signer};
use zoom_signer::zoom::ZoomCloud;
use zoom_signer::{AppState, Options};

const KEY: &str = "browser-test-key";
/// The one host token the service accepts (SIGNER_HOST_TOKENS), typed into the page's host-key field.
const HOST_KEY: &str = "browser-host-key-0123456789abcdef";
/// The strict service's API token (it has no host tokens).
const API_TOKEN: &str = "browser-api-token-0123456789abcdef";
const SDK_VERSION: &str = "6.2.0";
/// The whole suite takes well under a minute; this only stops a hung browser from hanging CI.
const SUITE_TIMEOUT: Duration = Duration::from_secs(300);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_page_works_with_zooms_real_web_sdk_in_chromium() {
    if let Some(reason) = missing_prerequisite() {
        skip("browser end-to-end tests", &reason);
        return;
    }

    let secret = format!("browser-test-secret-{}", std::process::id());
    let signer = Signer::new(KEY.into(), SecretString::from(secret.clone()), Format::Jwt);
    // One host token, so the page's host-key field has something to be right or wrong about.
    let policy = AccessPolicy { host_tokens: tokens(&[HOST_KEY]), ..Default::default() };
    // Production defaults otherwise, trusting the local nginx as a deployment would. The rate limit
    // too (30/minute): both runs share 127.0.0.1's bucket (nginx connects from there and forwards
    // that address), and the suite posts 5 signature requests per run, 10 in all.
    let options = Options {
        page: JoinPage::new(SDK_VERSION, false),
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
        ..Options::default()
    };
    let state = AppState::new(Secrets { policy, ..Secrets::from(signer) }, options);
    let served = Served::start(state).await;
    let url = format!("http://{}/", served.addr);

    // A second service, configured strictly (API tokens, no host tokens), whose real refusals the
    // page must show in the right places.
    let strict_policy = AccessPolicy { api_tokens: tokens(&[API_TOKEN]), ..Default::default() };
    let strict_signer = Signer::new(KEY.into(), SecretString::from(secret.clone()), Format::Jwt);
    let strict_options = Options { page: JoinPage::new(SDK_VERSION, false), ..Options::default() };
    let strict_state = AppState::new(Secrets { policy: strict_policy, ..Secrets::from(strict_signer) }, strict_options);
    let strict = Served::start(strict_state).await;
    let strict_url = format!("http://{}/", strict.addr);

    // One configured for Zoom for Government (SIGNER_ZOOM_CLOUD=zoomgov.com): its page must make
    // the SDK talk to zoomgov.com only.
    let government_options = Options {
        page: JoinPage::new(SDK_VERSION, false).with_zoom_cloud(ZoomCloud::Government),
        ..Options::default()
    };
    let government_signer = Signer::new(KEY.into(), SecretString::from(secret.clone()), Format::Jwt);
    let government = Served::start(AppState::new(government_signer, government_options)).await;
    let government_url = format!("http://{}/", government.addr);

    // A third, with "Sign in with Zoom" on against a stand-in Zoom: one per run, since its public
    // URL (the redirect URI Zoom knows, the cookies' path) is where the browser sees it.
    let signed_in_direct = SignedIn::start(|addr| format!("http://{addr}/")).await;

    // Straight to the service, then through real nginx under /zoom/ as operators deploy it.
    let mut targets = vec![("direct", url, signed_in_direct, None, None)];
    match Nginx::missing() {
        Some(reason) => skip("the browser run through nginx", &reason),
        None => {
            let nginx = Nginx::start(served.addr);
            let port = crate::helpers::free_port();
            let signed_in = SignedIn::start(|_| format!("http://127.0.0.1:{port}/zoom/")).await;
            let signed_in_nginx = Nginx::start_on(signed_in.served.addr, port);
            targets.push(("through nginx", nginx.url(), signed_in, Some(nginx), Some(signed_in_nginx)));
        }
    }
    for (name, url, signed_in, _nginx, _signed_in_nginx) in targets {
        let (secret, strict_url) = (secret.clone(), strict_url.clone());
        let mut env = signed_in.env();
        env.push(("SIGNER_GOV_URL", government_url.clone()));
        let run = tokio::task::spawn_blocking(move || run_suite(&url, &strict_url, &secret, &env)).await.unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        println!("== browser suite, {name} ==\n{printed}");
        assert!(run.status.success(), "the browser suite failed {name} ({}):\n{printed}", run.status);
        assert!(passed_count(&printed) > 0, "the browser suite ran no test {name}:\n{printed}");
        assert!(!printed.contains("SIGNED_IN_BASE_URL"), "the signed-in tests were skipped {name}:\n{printed}");
        let issued = signed_in.zoom.issued();
        assert!(issued.iter().any(|t| t.kind == "zak"), "the stand-in never issued a ZAK {name}");
        signed_in.served.stop().await.unwrap().unwrap();
    }

    served.stop().await.unwrap().unwrap();
    strict.stop().await.unwrap().unwrap();
    government.stop().await.unwrap().unwrap();
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

/// A service with "Sign in with Zoom" on, against a stand-in Zoom, for the signed-in tests.
struct SignedIn {
    served: Served,
    zoom: StandInZoom,
    public_url: String,
}

/// The ZAK the stand-in hands out, so the suite can find it where the SDK sends it.
const SIGNED_IN_ZAK: &str = "stand-in-zak-for-the-browser-0123456789";

impl SignedIn {
    /// `public_url` names where browsers see the service, given its address.
    async fn start(public_url: impl FnOnce(std::net::SocketAddr) -> String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_url = public_url(listener.local_addr().unwrap());
        let zoom = stand_in_zoom_for(&public_url, Some(SIGNED_IN_ZAK.to_owned()));
        let options = Options {
            page: JoinPage::new(SDK_VERSION, false).with_login(true),
            trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
            ..Options::default()
        };
        let signer = Signer::new(KEY.into(), SecretString::from("browser-signed-in-secret"), Format::Jwt);
        let login = Some(login_at(&zoom, &public_url));
        let state = AppState::new(Secrets { login, ..Secrets::from(signer) }, options);
        Self { served: Served::start_on(listener, state), zoom, public_url }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SIGNED_IN_BASE_URL", self.public_url.clone()),
            ("SIGNED_IN_USER_NAME", self.zoom.config().user.display_name.clone()),
            ("SIGNED_IN_ZAK", SIGNED_IN_ZAK.to_owned()),
        ]
    }
}

/// Runs `node --test` in tests/browser against `url` (and the services `more` names), killed if it
/// outlives the timeout.
fn run_suite(url: &str, strict_url: &str, secret: &str, more: &[(&'static str, String)]) -> std::process::Output {
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .current_dir(suite_dir())
        .env("SIGNER_URL", url)
        .env("SIGNER_TEST_KEY", KEY)
        .env("SIGNER_TEST_SECRET", secret)
        .env("SIGNER_TEST_HOST_KEY", HOST_KEY)
        .env("SIGNER_STRICT_URL", strict_url)
        .env("SIGNER_TEST_API_TOKEN", API_TOKEN)
        .env("SIGNER_SDK_VERSION", SDK_VERSION)
        .env("CHROMIUM_PATH", chromium())
        .envs(more.iter().map(|(name, value)| (*name, value.as_str())))
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
