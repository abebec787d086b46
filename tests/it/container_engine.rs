//! The image under a real container engine, as users run it with docker: podman 4.3 (Debian's),
//! driven by `.ci/container`, which builds the image from the Dockerfile first. The image holds the
//! static binary alone; it runs read-only, without capabilities, from secret files; the engine
//! stops it and reloads it; it logs a person in with a stand-in Zoom found through the engine's
//! /etc/hosts; Compose runs it behind nginx; `podman kube play` runs the Kubernetes Deployment.
//!
//! Where podman here differs from docker or Kubernetes, the workaround is written beside it. From
//! the host, traffic goes only to 127.0.0.1 (published ports); between containers, only over the
//! networks these tests create. Without what `.ci/container` prepares these skip, saying why, and
//! fail under `CI` (`.ci/run`'s `cargo test` leaves them out: `.ci/container` runs them, once).

use crate::helpers::engine::{
    Container, Engine, Load, NONROOT, Network, Outcome, SecretFiles, bounded, bounded_command, podman, podman_ok,
    post_signature_within,
};
use crate::helpers::process::static_release_binary;
use crate::helpers::stand_in_zoom::Route;
use crate::helpers::{
    MEETING_BODY, free_port, json_of, log_in_over_http, raw_get, raw_http, raw_post, stand_in_zoom_for, status_of,
    verify_jwt,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// `docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges`, as users type it.
/// podman's `--read-only` also mounts writable tmpfs on /run, /tmp and /var/tmp, which docker's
/// does not: `--read-only-tmpfs=false` makes it docker's, with no writable directory at all.
const AS_USERS_RUN_IT: [&str; 4] =
    ["--read-only", "--read-only-tmpfs=false", "--cap-drop=ALL", "--security-opt=no-new-privileges"];

/// Where the secret files are mounted, read-only. (A podman secret, `--secret`, cannot be mounted
/// into a root without podman's /run tmpfs: podman 4.3 fails to make its mount point. A read-only
/// bind mount is what `docker run -v ./secrets:/run/secrets:ro` does.)
const SECRETS: &str = "/run/secrets";

/// The settings naming the two secret files of [`meeting_sdk_files`], for `podman run`.
const SDK_FILE_SETTINGS: [&str; 4] = [
    "--env",
    "ZOOM_MEETING_SDK_KEY_FILE=/run/secrets/sdk-key",
    "--env",
    "ZOOM_MEETING_SDK_SECRET_FILE=/run/secrets/sdk-secret",
];

/// The Meeting SDK key and `secret` as files for the service.
fn meeting_sdk_files(secret: &str) -> SecretFiles {
    SecretFiles::for_the_service(&[("sdk-key", "engine-sdk-key"), ("sdk-secret", secret)])
}

/// The image serving as users run it, on a network of its own, port 4000 published on a free
/// loopback port (`addr`); removed, then its network, when dropped.
struct Serving {
    container: Container,
    addr: SocketAddr,
    _network: Network,
}

impl Serving {
    /// With `settings` (podman options), then `arguments` for the binary.
    fn start(engine: &Engine, what: &str, settings: &[&str], arguments: &[&str]) -> Self {
        let network = Network::create(what);
        let mut args = vec!["--network", &network.name, "--publish", "127.0.0.1::4000"];
        args.extend_from_slice(&AS_USERS_RUN_IT);
        args.extend_from_slice(settings);
        args.push(&engine.image);
        args.extend_from_slice(arguments);
        let container = Container::run(what, &args);
        let addr = container.published(4000);
        container.wait_until_serving(addr);
        Self { container, addr, _network: network }
    }

    /// With the Meeting SDK credentials from `secrets` ([`meeting_sdk_files`]) mounted read-only
    /// at [`SECRETS`], and `settings`.
    fn with_secret_files(engine: &Engine, what: &str, secrets: &SecretFiles, settings: &[&str]) -> Self {
        let mount = secrets.mount_at(SECRETS);
        Self::start(engine, what, &[&["--volume", &mount][..], &SDK_FILE_SETTINGS, settings].concat(), &[])
    }
}

/// The value of header `name` in a raw HTTP answer.
fn header<'a>(answer: &'a str, name: &str) -> &'a str {
    let head = answer.split("\r\n\r\n").next().unwrap();
    let line = head.lines().find(|l| l.get(..name.len()).is_some_and(|start| start.eq_ignore_ascii_case(name)));
    line.and_then(|l| l.split_once(':')).map(|(_, v)| v.trim()).unwrap_or_else(|| panic!("no {name}: {answer}"))
}

/// The JSON log line of the request with id `request_id`.
fn log_line_of(logs: &str, request_id: &str) -> Value {
    let line = logs.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok());
    let mut line = line.filter(|l| l["span"]["request_id"] == request_id);
    line.next().unwrap_or_else(|| panic!("no log line of request {request_id}:\n{logs}"))
}

/// The image's root file system, mounted read-only on the host until dropped.
struct ImageRoot {
    image: String,
    path: PathBuf,
}

impl ImageRoot {
    fn mount(image: &str) -> Self {
        Self { image: image.to_owned(), path: PathBuf::from(podman_ok(["image", "mount", image])) }
    }
}

impl Drop for ImageRoot {
    fn drop(&mut self) {
        podman(["image", "unmount", &self.image]);
    }
}

/// Every path under `dir`, relative to `root`, with its mode, uid and gid.
fn tree(root: &Path, dir: &Path, found: &mut Vec<(String, u32, u32, u32)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let relative = path.strip_prefix(root).unwrap().display().to_string();
        found.push((relative, meta.mode() & 0o7777, meta.uid(), meta.gid()));
        if meta.is_dir() {
            tree(root, &path, found);
        }
    }
}

#[test]
fn the_image_holds_the_static_binary_alone_owned_by_root() {
    let Some(engine) = Engine::prepared("the image's file system") else {
        return;
    };
    let size: u64 = podman_ok(["image", "inspect", "--format", "{{.Size}}", &engine.image]).parse().unwrap();
    eprintln!("{}: {size} bytes ({:.1} MiB)", engine.image, size as f64 / 1_048_576.0);
    assert!(size <= 12 * 1_048_576, "the image is {size} bytes, over the 12 MiB goal");

    let root = ImageRoot::mount(&engine.image);
    let mut found = Vec::new();
    tree(&root.path, &root.path, &mut found);
    assert_eq!(found, [("zoom-signer".to_owned(), 0o755, 0, 0)], "the image's files (path, mode, uid, gid)");
    let in_the_image = std::fs::read(root.path.join("zoom-signer")).unwrap();
    let built = std::fs::read(static_release_binary()).unwrap();
    assert!(in_the_image == built, "the image holds another binary than the static release build");
}

#[test]
fn the_image_runs_as_65532_from_its_entrypoint_with_its_healthcheck_labels_and_port() {
    let Some(engine) = Engine::prepared("the image's configuration") else {
        return;
    };
    let inspected: Value = serde_json::from_str(&podman_ok(["image", "inspect", &engine.image])).unwrap();
    let image = &inspected[0];
    let config = &image["Config"];
    assert_eq!(config["User"], format!("{NONROOT}:{NONROOT}"));
    assert_eq!(config["Entrypoint"], serde_json::json!(["/zoom-signer"]));
    assert!(config["Cmd"].is_null(), "no default arguments: {}", config["Cmd"]);
    assert_eq!(config["ExposedPorts"], serde_json::json!({"4000/tcp": {}}));
    let env: Vec<&str> = config["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(env.contains(&"HOST=0.0.0.0") && env.contains(&"PORT=4000"), "{env:?}");
    // Docker's image format: the OCI one has no healthcheck (buildah drops it there).
    assert_eq!(image["Healthcheck"]["Test"], serde_json::json!(["CMD", "/zoom-signer", "healthcheck"]));
    for label in ["title", "description", "source", "licenses"] {
        let value = &config["Labels"][format!("org.opencontainers.image.{label}")];
        assert!(value.as_str().is_some_and(|v| !v.is_empty()), "label {label}: {value}");
    }
}

#[test]
fn the_container_signs_read_only_without_capabilities_from_secret_files_and_reports_healthy() {
    let Some(engine) = Engine::prepared("the image run as users run it") else {
        return;
    };
    let secrets = meeting_sdk_files("engine-secret-run");
    let service = Serving::with_secret_files(&engine, "run", &secrets, &[]);
    let (container, addr) = (&service.container, service.addr);
    container.process().assert_locked_down();

    // The image's own HEALTHCHECK, run by the engine. (Without systemd podman cannot time it on
    // its interval here, so it is run on demand.)
    let check = podman(["healthcheck", "run", &container.name]);
    assert!(check.status.success(), "{check:?}");
    assert_eq!(container.inspect("{{.State.Health.Status}}"), "healthy");

    let answer = raw_http(addr, &raw_post("/signature", &addr.to_string(), "", MEETING_BODY)).unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}");
    let reply = json_of(&answer);
    assert_eq!(reply["sdkKey"], "engine-sdk-key");
    let signature = reply["signature"].as_str().unwrap();
    let claims = verify_jwt(signature, "engine-secret-run").unwrap();
    assert_eq!(claims["mn"], "123456789");
    let logs = container.logs();
    assert!(!logs.contains("engine-secret-run"), "the secret is never logged:\n{logs}");
    assert!(!logs.contains(signature), "signatures are never logged:\n{logs}");
}

#[test]
fn demo_mode_serves_the_join_page_from_an_empty_environment() {
    let Some(engine) = Engine::prepared("the image in demo mode") else {
        return;
    };
    let service = Serving::start(&engine, "demo", &[], &["--demo"]);
    let addr = service.addr;
    let page = raw_http(addr, &raw_get("/", &addr.to_string())).unwrap();
    assert_eq!(status_of(&page), 200, "{page}");
    assert!(page.contains(r#"data-demo="true""#), "{page}");
}

#[test]
fn a_bad_setting_stops_the_container_with_exit_2_naming_the_variable_in_its_log() {
    let Some(engine) = Engine::prepared("a bad setting in the image") else {
        return;
    };
    let secrets = meeting_sdk_files("engine-secret-bad");
    let mount = secrets.mount_at(SECRETS);
    let mut args = vec!["--network=none", "--volume", &mount, "--env", "SIGNER_RATE_LIMIT=lots"];
    args.extend_from_slice(&AS_USERS_RUN_IT);
    args.extend_from_slice(&SDK_FILE_SETTINGS);
    args.push(&engine.image);
    let container = Container::run("bad-setting", &args);
    assert_eq!(container.exit_code(), 2, "{}", container.logs());
    let logs = container.logs();
    assert!(logs.contains("SIGNER_RATE_LIMIT"), "the log names the variable:\n{logs}");
    assert!(!logs.contains("engine-secret-bad"), "{logs}");
}

/// `SIGNER_SHUTDOWN_TIMEOUT`, given explicitly to the container that is stopped under load.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn podman_stop_under_load_fails_no_request_and_exits_0_within_the_shutdown_timeout() {
    let Some(engine) = Engine::prepared("stopping the container under load") else {
        return;
    };
    let secrets = meeting_sdk_files("engine-secret-stop");
    let timeout = format!("SIGNER_SHUTDOWN_TIMEOUT={}", SHUTDOWN_TIMEOUT.as_secs());
    let settings = ["--env", "SIGNER_RATE_LIMIT=off", "--env", &timeout];
    let service = Serving::with_secret_files(&engine, "stop", &secrets, &settings);
    let (container, addr) = (&service.container, service.addr);

    // A request fails when it gets anything but a whole 200; one refused at connect, or closed
    // before any answer, was not accepted: expected once the listener closes.
    let load = Load::start(addr, 2, |answer| match answer {
        Ok(answer) if answer.starts_with("HTTP/1.1 200") && answer.contains("\"signature\"") => Outcome::Answered,
        Ok(answer) if answer.is_empty() => Outcome::NotAccepted,
        Ok(_) => Outcome::Failed,
        Err(_) => Outcome::NotAccepted,
    });
    load.wait_for_answers(50);
    let started = Instant::now();
    // SIGTERM, then SIGKILL only after 30 s: an exit before that is the service's own.
    let stop = podman(["stop", "--time", "30", &container.name]);
    let took = started.elapsed();
    let (answered, failed) = load.stop();
    assert!(stop.status.success(), "{stop:?}");
    assert_eq!(container.inspect("{{.State.ExitCode}}"), "0", "{}", container.logs());
    assert!(took < SHUTDOWN_TIMEOUT, "podman stop took {took:?}, SIGNER_SHUTDOWN_TIMEOUT is {SHUTDOWN_TIMEOUT:?}");
    assert!(failed.is_empty(), "{} of {answered} requests failed: {failed:?}", failed.len());
}

#[test]
fn sighup_from_the_engine_signs_with_a_changed_secret_file_without_failing_a_request() {
    let Some(engine) = Engine::prepared("reloading the container's secrets") else {
        return;
    };
    let secrets = meeting_sdk_files("engine-secret-first");
    let settings = ["--env", "SIGNER_RATE_LIMIT=off"];
    let service = Serving::with_secret_files(&engine, "reload", &secrets, &settings);
    let (container, addr) = (&service.container, service.addr);

    // Every request during the reload must get a signature made with one secret or the other.
    let load = Load::start(addr, 2, |answer| {
        let signature = match answer {
            Ok(answer) if answer.starts_with("HTTP/1.1 200") => {
                json_of(answer)["signature"].as_str().map(str::to_owned)
            }
            _ => None,
        };
        let signed = |secret| signature.as_deref().is_some_and(|s| verify_jwt(s, secret).is_ok());
        if signed("engine-secret-first") || signed("engine-secret-second") {
            Outcome::Answered
        } else {
            Outcome::Failed
        }
    });
    load.wait_for_answers(20);
    secrets.write("sdk-secret", "engine-secret-second");
    podman_ok(["kill", "--signal", "HUP", &container.name]);
    let reloaded = container.wait_for_log("SIGHUP: reloaded the secrets", Duration::from_secs(10));
    assert!(reloaded.is_some(), "no reload:\n{}", container.logs());
    std::thread::sleep(Duration::from_millis(200));
    let (answered, failed) = load.stop();
    assert!(failed.is_empty(), "{} of {answered} requests failed during the reload: {failed:?}", failed.len());

    let after = json_of(&post_signature_within(addr, Duration::from_secs(5)).unwrap());
    let after = after["signature"].as_str().unwrap();
    assert!(verify_jwt(after, "engine-secret-second").is_ok(), "new signatures use the new secret");
    assert!(verify_jwt(after, "engine-secret-first").is_err(), "and not the old one");
    let logs = container.logs();
    assert!(!logs.contains("engine-secret-first") && !logs.contains("engine-secret-second"), "{logs}");
}

/// Forwards each connection to `listen` on to `to` (on its own thread and runtime) until dropped.
struct Forwarder {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Forwarder {
    fn start(listen: SocketAddr, to: SocketAddr) -> Self {
        let listener = std::net::TcpListener::bind(listen).unwrap_or_else(|e| panic!("listening on {listen}: {e}"));
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::pin!(stopped);
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((mut inbound, _)) = accepted else { continue };
                            tokio::spawn(async move {
                                if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                                }
                            });
                        }
                    }
                }
            });
        });
        Self { stop: Some(stop) }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[tokio::test]
async fn the_image_logs_in_with_a_stand_in_zoom_it_finds_through_the_engines_hosts_file() {
    let Some(engine) = Engine::prepared("logging in with Zoom from the image") else {
        return;
    };
    // The service calls Zoom over plain http only at `localhost` (anything else must be https,
    // which no stand-in can serve: the binary trusts only the roots compiled into it). So the name
    // is `localhost`, and the engine's /etc/hosts (--add-host) gives it the address of the gateway
    // of the network the test made, where the test forwards to the stand-in on the host's
    // loopback. Every other address `localhost` can have there is the container's own loopback,
    // where nothing listens: the host's `127.0.0.1 localhost`, which podman copies in, and ::1,
    // which hickory answers itself for what the file lacks. So the login works only if the binary,
    // in an image without /etc, reads the /etc/hosts the engine mounted (without the --add-host it
    // fails: tried). The engine's resolv.conf names only the container's loopback: no lookup can
    // leave the machine.
    let network = Network::create("login");
    let gateway = podman_ok(["network", "inspect", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}", &network.name]);
    let port = free_port();
    let public_url = format!("http://127.0.0.1:{port}/");
    let zoom = stand_in_zoom_for(&public_url, None);
    let (oauth_url, api_url) = (zoom.oauth_url_by_name().to_string(), zoom.api_url_by_name().to_string());
    let (client_id, client_secret) = (zoom.config().client_id.clone(), zoom.config().client_secret.clone());
    let secrets = SecretFiles::for_the_service(&[
        ("sdk-key", &client_id),
        ("sdk-secret", &client_secret),
        ("session-key", "Y29udGFpbmVyLWVuZ2luZS1zZXNzaW9uLWtleS0zMmIh"),
    ]);
    let mount = secrets.mount_at(SECRETS);
    let settings = [
        format!("--publish=127.0.0.1:{port}:{port}"),
        format!("--add-host=localhost:{gateway}"),
        format!("--env=PORT={port}"),
        format!("--env=SIGNER_PUBLIC_URL={public_url}"),
        format!("--env=SIGNER_ZOOM_OAUTH_URL={oauth_url}"),
        format!("--env=SIGNER_ZOOM_API_URL={api_url}"),
    ];
    let mut args = vec![
        "--network",
        &network.name,
        "--dns",
        "127.0.0.1",
        "--volume",
        &mount,
        "--env",
        "SIGNER_ZOOM_SIGN_IN=on",
        "--env",
        "SIGNER_SESSION_KEY_FILE=/run/secrets/session-key",
    ];
    args.extend(settings.iter().map(String::as_str));
    args.extend_from_slice(&AS_USERS_RUN_IT);
    args.extend_from_slice(&SDK_FILE_SETTINGS);
    args.push(&engine.image);
    let container = Container::run("login", &args);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    container.wait_until_serving(addr);
    container.process().assert_locked_down();
    let zoom_port = zoom.oauth_url().port().unwrap();
    let _forwarder = Forwarder::start(
        format!("{gateway}:{zoom_port}").parse().unwrap(),
        format!("127.0.0.1:{zoom_port}").parse().unwrap(),
    );

    // The browser is the test, on the host, where `localhost` is the host's loopback.
    let logged_in = log_in_over_http(addr, &zoom).await;
    assert!(logged_in.authorize.starts_with(&format!("{oauth_url}oauth/authorize?")), "{}", logged_in.authorize);
    // The callback: the service exchanges the code and reads who signed in, at `localhost`.
    let (status, _, body) = &logged_in.callback;
    assert_eq!(*status, 302, "{body}\n{}", container.logs());
    assert!(logged_in.cookies.0.contains_key("zoom_signer_session"), "{:?}", logged_in.cookies.0.keys());

    // A participant's signature with their ZAK, fetched by the service from `localhost`.
    let (status, text) =
        logged_in.post_json("/signature", r#"{"meetingNumber":"123456789","role":0,"userToken":"zak"}"#).await;
    assert_eq!(status, 200, "{text}");
    let reply: Value = serde_json::from_str(&text).unwrap();
    let issued = zoom.issued();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!((issued[0].kind.as_str(), reply["zak"].as_str()), ("zak", Some(issued[0].token.as_str())));
    let claims = verify_jwt(reply["signature"].as_str().unwrap(), &client_secret).unwrap();
    assert_eq!((claims["mn"].as_str(), claims["role"].as_u64()), (Some("123456789"), Some(0)));
    for route in [Route::Authorize, Route::Token, Route::Me, Route::UserToken] {
        assert_eq!(zoom.calls(route), 1, "{route:?}");
    }
    let logs = container.logs();
    assert!(!logs.contains(&issued[0].token), "the ZAK is never logged");
    assert!(!logs.contains(logged_in.back.code.as_deref().unwrap()), "the code is never logged");
}

/// Compose's project: `compose.yaml` as users have it (less its `name:`, see below), with the nginx
/// image swapped for the stand-in by an override file; brought down when dropped.
struct ComposeProject {
    dir: tempfile::TempDir,
}

/// The project name the test gives (not the file's `zoom-signer`, so a real deployment on the same
/// machine is never touched).
const PROJECT: &str = "zoom-signer-test";
const COMPOSE_SIGNER: &str = "zoom-signer-test_zoom-signer_1";
const COMPOSE_NGINX: &str = "zoom-signer-test_nginx_1";
const COMPOSE_NETWORK: &str = "zoom-signer-test_signer";

impl ComposeProject {
    fn new(engine: &Engine, secrets: &[(&str, &str)]) -> Self {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::Builder::new().prefix("zoom-signer-compose-").tempdir().unwrap();
        // Debian's docker-compose (1.29) predates the specification's top-level `name:` and refuses
        // the file with it: the only line taken out; the project is named with -p instead.
        let users = std::fs::read_to_string(repo.join("compose.yaml")).unwrap();
        let without_name: Vec<&str> = users.lines().filter(|l| !l.starts_with("name:")).collect();
        assert_eq!(without_name.len() + 1, users.lines().count(), "compose.yaml has one top-level name");
        std::fs::write(dir.path().join("compose.yaml"), without_name.join("\n") + "\n").unwrap();
        // A STAND-IN for the official nginx image, which cannot be pulled here: Debian's nginx,
        // built by .ci/container, serving the same deploy/compose/nginx.conf.
        let stand_in = format!("services:\n  nginx:\n    image: {}\n", engine.nginx_stand_in);
        std::fs::write(dir.path().join("compose.stand-in.yaml"), stand_in).unwrap();
        std::fs::create_dir_all(dir.path().join("deploy/compose")).unwrap();
        std::fs::copy(repo.join("deploy/compose/nginx.conf"), dir.path().join("deploy/compose/nginx.conf")).unwrap();
        let files = SecretFiles::for_the_service(secrets);
        std::fs::create_dir(dir.path().join("secrets")).unwrap();
        for (name, _) in secrets {
            std::fs::rename(files.path(name), dir.path().join("secrets").join(name)).unwrap();
        }
        Self { dir }
    }

    /// `docker-compose -p PROJECT -f compose.yaml -f compose.stand-in.yaml args…`, not waited for.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = bounded_command("docker-compose");
        command
            .args(["--no-ansi", "-p", PROJECT, "-f", "compose.yaml", "-f", "compose.stand-in.yaml"])
            .args(args)
            .current_dir(self.dir.path());
        command
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().expect("docker-compose runs")
    }

    /// What of the project podman still has: containers, networks, volumes.
    fn leftovers() -> Vec<String> {
        let mut left = Vec::new();
        for (kind, list) in [
            ("container", &["ps", "--all", "--format", "{{.Names}}"][..]),
            ("network", &["network", "ls", "--format", "{{.Name}}"]),
            ("volume", &["volume", "ls", "--format", "{{.Name}}"]),
        ] {
            let listed = podman_ok(list);
            left.extend(listed.lines().filter(|l| l.starts_with(PROJECT)).map(|l| format!("{kind} {l}")));
        }
        left
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        let _ = self.run(&["down", "--timeout", "20"]);
    }
}

/// When podman says the container started, in nanoseconds since the epoch.
fn started_at(container: &str) -> u128 {
    podman_ok(["inspect", "--format", "{{.State.StartedAt.UnixNano}}", container]).parse().unwrap()
}

#[test]
fn compose_runs_the_signer_healthy_behind_nginx_unpublished_and_down_leaves_nothing() {
    let Some(engine) = Engine::prepared("Compose") else {
        return;
    };
    assert!(std::env::var_os("DOCKER_HOST").is_some(), "DOCKER_HOST names podman's Docker-compatible socket");
    assert!(std::net::TcpListener::bind("0.0.0.0:8080").is_ok(), "compose.yaml publishes nginx on 8080, in use here");
    let project = ComposeProject::new(
        &engine,
        &[
            ("zoom_sdk_key", "compose-key"),
            ("zoom_sdk_secret", "compose-secret"),
            ("host_tokens", "compose-host-token-0123456789"),
        ],
    );
    assert!(ComposeProject::leftovers().is_empty(), "left from before: {:?}", ComposeProject::leftovers());

    let mut up = project
        .command(&["up", "--detach", "--no-build"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let signer = Container::named(COMPOSE_SIGNER);
    let listening = signer.wait_for_log("listening on http://0.0.0.0:4000", Duration::from_secs(60));
    assert!(listening.is_some(), "zoom-signer did not start:\n{}", signer.logs());
    // podman has no systemd here to run the healthcheck on its interval: until the test runs it,
    // zoom-signer stays "starting", and Compose must not start nginx.
    std::thread::sleep(Duration::from_secs(2));
    let nginx_running = podman(["inspect", "--format", "{{.State.Running}}", COMPOSE_NGINX]);
    assert!(
        String::from_utf8_lossy(&nginx_running.stdout).trim() != "true",
        "nginx started before zoom-signer was healthy"
    );
    let mut first_healthy = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    let up = loop {
        if first_healthy.is_none() {
            let before = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos();
            if podman(["healthcheck", "run", COMPOSE_SIGNER]).status.success() {
                first_healthy = Some(before);
            }
        }
        if let Some(status) = up.try_wait().unwrap() {
            break (status, up.wait_with_output().unwrap());
        }
        assert!(Instant::now() < deadline, "docker-compose up did not finish");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(up.0.success(), "docker-compose up: {}", String::from_utf8_lossy(&up.1.stderr));
    let first_healthy = first_healthy.expect("zoom-signer became healthy");
    assert!(started_at(COMPOSE_NGINX) > first_healthy, "nginx started before zoom-signer was healthy");

    // zoom-signer runs as the file says, and only nginx reaches it: nothing published.
    signer.process().assert_locked_down();
    assert_eq!(podman_ok(["port", COMPOSE_SIGNER]), "", "zoom-signer's port is published");

    // A signature through nginx at http://localhost:8080/zoom/, with a forged X-Forwarded-For.
    let nginx = Container::named(COMPOSE_NGINX);
    let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let forged = "X-Forwarded-For: 203.0.113.9\r\n";
    let answer = raw_http(addr, &raw_post("/zoom/signature", "localhost:8080", forged, MEETING_BODY)).unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}\n{}", nginx.logs());
    let reply = json_of(&answer);
    assert_eq!(reply["sdkKey"], "compose-key");
    assert!(verify_jwt(reply["signature"].as_str().unwrap(), "compose-secret").is_ok());
    // The client is whom nginx saw (from nginx, X-Forwarded-For is believed), not the forged entry.
    let nginx_saw = nginx.logs().lines().rev().find(|l| l.contains("POST /zoom/signature")).map(str::to_owned);
    let nginx_saw = nginx_saw.expect("nginx logged the request");
    let nginx_saw = nginx_saw.split(' ').next().unwrap();
    let audit = log_line_of(&signer.logs(), header(&answer, "x-request-id"));
    assert_eq!(audit["client"], nginx_saw, "{audit}");

    // From another container on the same network, X-Forwarded-For is not believed: the client is
    // the socket's peer.
    let other = Container::run(
        "not-nginx",
        &[
            "--network",
            COMPOSE_NETWORK,
            "--ip",
            "172.28.0.99",
            &engine.nginx_stand_in,
            "curl",
            "--silent",
            "--include",
            "--max-time",
            "10",
            "--header",
            "Content-Type: application/json",
            "--header",
            "X-Forwarded-For: 203.0.113.9",
            "--data",
            MEETING_BODY,
            "http://zoom-signer:4000/signature",
        ],
    );
    assert_eq!(other.exit_code(), 0, "{}", other.logs());
    let answer = other.logs();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let audit = log_line_of(&signer.logs(), header(&answer, "x-request-id"));
    assert_eq!(audit["client"], "172.28.0.99", "{audit}");
    drop(other);

    let down = project.run(&["down", "--timeout", "20"]);
    assert!(down.status.success(), "docker-compose down: {}", String::from_utf8_lossy(&down.stderr));
    assert_eq!(ComposeProject::leftovers(), Vec::<String>::new(), "left behind by down");
}

/// The CI overlay of the Kubernetes Deployment: only what podman 4.3 cannot do is changed.
struct KubeOverlay {
    dir: tempfile::TempDir,
    /// The hostPort each named containerPort is published on.
    host_ports: BTreeMap<String, u16>,
}

/// The lines of `yaml` with the block starting at the line exactly `line` (and everything indented
/// deeper after it) replaced by `replacement`. The line must occur exactly once.
fn replace_block(yaml: &str, line: &str, replacement: &[String], why: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == line).collect();
    assert_eq!(at.len(), 1, "deployment.yaml must have `{line}` once, for: {why}");
    let indent = |l: &str| l.len() - l.trim_start().len();
    let end = (at[0] + 1..lines.len()).find(|&i| indent(lines[i]) <= indent(line)).unwrap_or(lines.len());
    eprintln!("CI overlay: `{}` ({} lines) -> {replacement:?}: {why}", line.trim(), end - at[0]);
    let mut out: Vec<String> = lines[..at[0]].iter().map(|l| (*l).to_owned()).collect();
    out.extend(replacement.iter().cloned());
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    out.join("\n") + "\n"
}

impl KubeOverlay {
    fn new(engine: &Engine, secrets: &SecretFiles) -> Self {
        let written =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/deployment.yaml"))
                .unwrap();
        let mut yaml = written.clone();
        let pad = |n: usize, text: &str| format!("{}{text}", " ".repeat(n));
        yaml = replace_block(
            &yaml,
            "  replicas: 2",
            &[pad(2, "replicas: 1")],
            "podman runs each replica as a pod publishing the same host ports, so a second one cannot start",
        );
        yaml = replace_block(
            &yaml,
            "          image: zoom-signer",
            &[pad(10, &format!("image: {}", engine.image))],
            "the image's name, as kustomization.yaml's `images:` sets it for users (podman does not read kustomize)",
        );
        let mut host_ports = BTreeMap::new();
        for (name, port) in [("http", 4000), ("metrics", 9090)] {
            let host_port = free_port();
            host_ports.insert(name.to_owned(), host_port);
            yaml = replace_block(
                &yaml,
                &pad(14, &format!("containerPort: {port}")),
                &[
                    pad(14, &format!("containerPort: {port}")),
                    pad(14, "hostIP: 127.0.0.1"),
                    pad(14, &format!("hostPort: {host_port}")),
                ],
                "podman publishes every containerPort on the host, on all interfaces: here on loopback, on a free port",
            );
        }
        for probe in ["readinessProbe:", "livenessProbe:"] {
            yaml = replace_block(
                &yaml,
                &pad(10, probe),
                &[],
                "podman turns an httpGet probe into `curl` run inside the container, with the named port as 0: \
                 an image without a shell or curl never passes it (the test asks the probes' path and port itself)",
            );
        }
        yaml = replace_block(
            &yaml,
            &pad(10, "secret:"),
            &[pad(10, "hostPath:"), pad(12, &format!("path: {}", secrets.dir().display())), pad(12, "type: Directory")],
            "podman 4.3 fills a Secret volume with each key's base64 text (from `data`) or nothing (from \
             `stringData`): the same files, root-owned and group 65532-readable (defaultMode 0440, fsGroup), \
             come from a directory instead, at the same mountPath",
        );
        let dir = tempfile::Builder::new().prefix("zoom-signer-kube-").tempdir().unwrap();
        std::fs::write(dir.path().join("deployment.yaml"), yaml).unwrap();
        Self { dir, host_ports }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("deployment.yaml")
    }

    /// The pods and containers of the Deployment that podman still has.
    fn leftovers() -> Vec<String> {
        let pods = podman_ok(["pod", "ls", "--format", "{{.Name}}"]);
        let containers = podman_ok(["ps", "--all", "--format", "{{.Names}}"]);
        let volumes = podman_ok(["volume", "ls", "--format", "{{.Name}}"]);
        let ours = |l: &&str| l.starts_with("zoom-signer-pod-") || *l == "zoom-signer";
        let mut left: Vec<String> = pods.lines().filter(ours).map(|p| format!("pod {p}")).collect();
        left.extend(containers.lines().filter(ours).map(|c| format!("container {c}")));
        left.extend(volumes.lines().filter(ours).map(|v| format!("volume {v}")));
        left
    }
}

impl Drop for KubeOverlay {
    fn drop(&mut self) {
        podman(["kube", "down", &self.path().display().to_string()]);
    }
}

/// The `httpGet` path and port of each probe in the Deployment as written.
fn probes(deployment: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = deployment.lines().map(str::trim).collect();
    let value = |at: usize, key: &str| lines[at..].iter().find_map(|l| l.strip_prefix(key)).unwrap().trim().to_owned();
    (0..lines.len()).filter(|&i| lines[i] == "httpGet:").map(|i| (value(i, "path:"), value(i, "port:"))).collect()
}

#[test]
fn the_kubernetes_deployment_runs_read_only_and_non_root_under_podman_kube_play() {
    let Some(engine) = Engine::prepared("the Kubernetes Deployment") else {
        return;
    };
    assert!(KubeOverlay::leftovers().is_empty(), "left from before: {:?}", KubeOverlay::leftovers());
    let secrets = SecretFiles::owned(
        &[("sdk-key", "kube-key"), ("sdk-secret", "kube-secret"), ("host-tokens", "kube-host-token-0123456789")],
        (0, NONROOT),
        0o440,
    );
    let network = Network::create("kube");
    let overlay = KubeOverlay::new(&engine, &secrets);
    let played = bounded("podman", ["kube", "play", "--network", &network.name, &overlay.path().display().to_string()]);
    assert!(played.status.success(), "podman kube play: {}", String::from_utf8_lossy(&played.stderr));

    let container = Container::named("zoom-signer-pod-0-zoom-signer");
    let http: SocketAddr = format!("127.0.0.1:{}", overlay.host_ports["http"]).parse().unwrap();
    container.wait_until_serving(http);
    let process = container.process();
    process.assert_locked_down();
    assert_eq!(process.command, ["/zoom-signer"], "the image's entrypoint, without arguments");
    // The settings and the mount as written in deployment.yaml.
    let written =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/deployment.yaml"))
            .unwrap();
    let env: Vec<String> = serde_json::from_str(&container.inspect("{{json .Config.Env}}")).unwrap();
    let trimmed: Vec<&str> = written.lines().map(str::trim).collect();
    for (i, line) in trimmed.iter().enumerate() {
        if let Some(name) = line.strip_prefix("- name: ").filter(|_| trimmed[i + 1].starts_with("value: ")) {
            let value = trimmed[i + 1]["value: ".len()..].trim_matches('"');
            assert!(env.contains(&format!("{name}={value}")), "{name}={value} not in {env:?}");
        }
    }
    let mounts = container.inspect("{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}");
    assert_eq!(mounts, "/var/run/secrets/zoom-signer false;");

    let answer = post_signature_within(http, Duration::from_secs(5)).unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(verify_jwt(json_of(&answer)["signature"].as_str().unwrap(), "kube-secret").is_ok());
    // The probes' own path and port answer 200 on the running pod.
    let probes = probes(&written);
    assert_eq!(probes.len(), 2, "{probes:?}");
    for (path, port) in probes {
        let addr: SocketAddr = format!("127.0.0.1:{}", overlay.host_ports[&port]).parse().unwrap();
        let answer = raw_http(addr, &raw_get(&path, &addr.to_string())).unwrap();
        assert_eq!(status_of(&answer), 200, "probe {path} on {port}: {answer}");
    }
    let metrics = format!("127.0.0.1:{}", overlay.host_ports["metrics"]).parse().unwrap();
    let answer = raw_http(metrics, &raw_get("/metrics", "metrics")).unwrap();
    assert_eq!(status_of(&answer), 200, "the metrics listener the annotations name: {answer}");

    let down = podman(["kube", "down", &overlay.path().display().to_string()]);
    assert!(down.status.success(), "podman kube down: {}", String::from_utf8_lossy(&down.stderr));
    assert_eq!(KubeOverlay::leftovers(), Vec::<String>::new(), "left behind by podman kube down");
}
