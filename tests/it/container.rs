//! What the container image does, without a container engine (`container_engine` runs the image
//! itself under podman, from `.ci/container`): the statically linked release binary, run with an
//! empty environment but its settings, as uid/gid 65532, from an empty directory, answers
//! `healthcheck` and a signature request; and, chrooted into a root file system as bare as the
//! image's with what a runtime adds (the binary, `/dev/urandom`, `/etc/hosts`, `/etc/resolv.conf`:
//! no libc, no NSS modules, no `nsswitch.conf`), signs a person in with a stand-in Zoom named by
//! host name (`http://localhost:PORT`), which only the binary's own resolver (hickory) can find
//! there, not glibc's.
//!
//! Needs root (to drop to uid 65532, and to chroot); skips otherwise, unless `CI` is set.

use crate::helpers::engine::NONROOT;
use crate::helpers::process::static_release_binary;
use crate::helpers::stand_in_zoom::{Route, StandInConfig, StandInZoom};
use crate::helpers::{MEETING_BODY, free_port, json_of, log_in_over_http, raw_http, raw_post, skip, verify_jwt};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The service as a child process, killed if the test fails before [`Service::stop`].
struct Service(Option<Child>);

impl Service {
    /// Starts `command` (stderr piped for the log) and waits until `addr` accepts connections.
    fn start(command: &mut Command, addr: SocketAddr) -> Self {
        let child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut service = Self(Some(child));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            if service.child().try_wait().unwrap().is_some() {
                panic!("the service exited: {:?}", service.0.take().unwrap().wait_with_output());
            }
            assert!(Instant::now() < deadline, "the service did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        service
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    fn id(&mut self) -> u32 {
        self.child().id()
    }

    /// SIGTERM; asserts a clean exit and returns its output (the log on stderr).
    fn stop(mut self) -> Output {
        let child = self.0.take().unwrap();
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        output
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether a 64-bit ELF file has a PT_INTERP program header (needs ld.so, so a libc, to start).
fn asks_for_a_loader(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([elf[at], elf[at + 1]]));
    let phoff = usize::try_from(u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap())).unwrap();
    let (entry_size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).any(|i| {
        let at = phoff + i * entry_size;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == PT_INTERP
    })
}

#[test]
fn the_static_binary_runs_as_nonroot_from_an_empty_directory_with_only_its_settings() {
    if !rustix::process::geteuid().is_root() {
        skip("the container test", &format!("needs root to run as uid {NONROOT}"));
        return;
    }
    let binary = static_release_binary();
    let elf = std::fs::read(binary).unwrap();
    assert!(!asks_for_a_loader(&elf), "the binary asks for a dynamic loader");
    let debug_build = std::fs::read(env!("CARGO_BIN_EXE_zoom-signer")).unwrap();
    assert!(asks_for_a_loader(&debug_build), "the loader check cannot tell a dynamic binary");

    // An empty working directory, and secrets as files, both reachable for uid 65532 only by
    // their permissions (as in the image, where /run/secrets is mounted read-only).
    let root = tempfile::tempdir().unwrap();
    let empty = root.path().join("empty");
    let secrets = root.path().join("secrets");
    for dir in [root.path(), &empty, &secrets] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (name, value) in [("sdk-key", "container-key\n"), ("sdk-secret", "container-secret\n")] {
        std::fs::write(secrets.join(name), value).unwrap();
        std::fs::set_permissions(secrets.join(name), std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let port = free_port();
    let as_in_the_image = |mut command: Command| -> Command {
        command
            .env_clear()
            .env("HOST", "0.0.0.0")
            .env("PORT", port.to_string())
            .env("ZOOM_MEETING_SDK_KEY_FILE", secrets.join("sdk-key"))
            .env("ZOOM_MEETING_SDK_SECRET_FILE", secrets.join("sdk-secret"))
            .current_dir(&empty)
            .uid(NONROOT)
            .gid(NONROOT)
            .stdin(Stdio::null());
        command
    };

    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut service = Service::start(&mut as_in_the_image(Command::new(binary)), addr);

    // Non-dumpable (PR_SET_DUMPABLE 0): the kernel then gives the process's /proc files to root,
    // although the process itself runs as 65532, so other processes of that user cannot read
    // its memory or environment.
    let proc_dir = PathBuf::from(format!("/proc/{}", service.id()));
    let status = std::fs::read_to_string(proc_dir.join("status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid_line.split_whitespace().nth(1) == Some("65532"), "runs as {uid_line}");
    let environ_owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(proc_dir.join("environ")).unwrap());
    assert_eq!(environ_owner, 0, "the process is dumpable: its /proc files belong to its own user");

    let healthcheck = as_in_the_image(Command::new(binary)).arg("healthcheck").output().unwrap();
    assert_eq!(healthcheck.status.code(), Some(0), "{healthcheck:?}");

    let answer = raw_http(addr, &raw_post("/signature", "t", "", MEETING_BODY)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let reply = json_of(&answer);
    assert_eq!(reply["sdkKey"], "container-key");
    assert!(verify_jwt(reply["signature"].as_str().unwrap(), "container-secret").is_ok());

    let output = service.stop();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("listening on http://0.0.0.0:"), "{log}");
}

/// Where coreutils puts `chroot` (Debian, Ubuntu).
const CHROOT: &str = "/usr/sbin/chroot";

/// A root file system as bare as the image's (`scratch`): the binary, and what the container
/// runtime provides: `/dev/urandom` and `/dev/random` (the static binary's `getrandom` 0.3 reads
/// them: `dlsym` cannot find glibc's `getrandom` in a static executable), `/etc/resolv.conf` and
/// `/etc/hosts`. No libc, so no NSS module to load, and no `/etc/nsswitch.conf`.
///
/// Unlike the runtime's, this `/etc/hosts` does not name `localhost`, and the name server is a
/// documentation address (TEST-NET-2, RFC 5737) that never answers: glibc's `getaddrinfo`, which
/// is linked in (reqwest's default resolver calls it; zoom-signer replaces that resolver), finds
/// nothing for `localhost` here, from files or DNS. Only a resolver that answers `localhost`
/// itself without asking anyone (RFC 6761), as hickory does, can.
///
/// Made under `target/static`, not in `/tmp`, which may be mounted `nodev`.
fn a_root_like_the_image(binary: &Path) -> tempfile::TempDir {
    let target_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/static");
    let root = tempfile::Builder::new().prefix("image-root-").tempdir_in(target_dir).unwrap();
    let at = |path: &str| root.path().join(path);
    for dir in ["dev", "etc"] {
        std::fs::create_dir(at(dir)).unwrap();
    }
    for (device, minor) in [("dev/random", "8"), ("dev/urandom", "9")] {
        let made = Command::new("mknod").args(["-m", "666"]).arg(at(device)).args(["c", "1", minor]).status();
        assert!(made.as_ref().is_ok_and(|s| s.success()), "mknod {device}: {made:?}");
    }
    std::fs::write(at("etc/hosts"), "# localhost is not named here\n").unwrap();
    std::fs::write(at("etc/resolv.conf"), "nameserver 198.51.100.1\noptions timeout:5 attempts:1\n").unwrap();
    std::fs::copy(binary, at("zoom-signer")).unwrap();
    for (path, mode) in [("", 0o755), ("dev", 0o755), ("etc", 0o755), ("etc/hosts", 0o644), ("etc/resolv.conf", 0o644)]
    {
        std::fs::set_permissions(at(path), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::set_permissions(at("zoom-signer"), std::fs::Permissions::from_mode(0o755)).unwrap();
    root
}

#[tokio::test]
async fn the_static_binary_signs_in_with_a_zoom_named_localhost_in_a_root_without_libc() {
    if !rustix::process::geteuid().is_root() {
        skip("the container sign-in test", &format!("needs root to chroot and run as uid {NONROOT}"));
        return;
    }
    if !Path::new(CHROOT).is_file() {
        skip("the container sign-in test", &format!("{CHROOT} is missing (coreutils)"));
        return;
    }
    let binary = static_release_binary();
    let elf = std::fs::read(binary).unwrap();
    assert!(!asks_for_a_loader(&elf), "the binary asks for a dynamic loader");
    let root = a_root_like_the_image(binary);

    let port = free_port();
    let public_url = format!("http://127.0.0.1:{port}/");
    let zoom = StandInZoom::start_with(StandInConfig {
        redirect_uri: format!("{public_url}auth/zoom/callback"),
        ..StandInConfig::default()
    });
    let (client_id, client_secret) = (zoom.config().client_id.clone(), zoom.config().client_secret.clone());
    let mut chroot = Command::new(CHROOT);
    chroot
        .arg(format!("--userspec={NONROOT}:{NONROOT}"))
        .arg(root.path())
        .arg("/zoom-signer")
        .env_clear()
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        // The OAuth client is the Meeting SDK app's (ZOOM_OAUTH_CLIENT_* unset).
        .env("ZOOM_MEETING_SDK_KEY", &client_id)
        .env("ZOOM_MEETING_SDK_SECRET", &client_secret)
        .env("SIGNER_ZOOM_SIGN_IN", "on")
        .env("SIGNER_PUBLIC_URL", &public_url)
        .env("SIGNER_SESSION_KEY", "Y29udGFpbmVyLXRlc3Qtc2Vzc2lvbi1rZXktMzItYnl0ZXMh")
        .env("SIGNER_ZOOM_OAUTH_URL", zoom.oauth_url_by_name().as_str())
        .env("SIGNER_ZOOM_API_URL", zoom.api_url_by_name().as_str());
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut service = Service::start(&mut chroot, addr);
    let status = std::fs::read_to_string(format!("/proc/{}/status", service.id())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid_line.split_whitespace().nth(1) == Some("65532"), "runs as {uid_line}");

    let logged_in = log_in_over_http(addr, &zoom).await;
    let by_name = format!("{}oauth/authorize?", zoom.oauth_url_by_name());
    assert!(logged_in.authorize.starts_with(&by_name), "{}", logged_in.authorize);
    let back = &logged_in.back;
    assert_eq!(back.url.as_str().split('?').next(), Some(format!("{public_url}auth/zoom/callback").as_str()));

    // The callback: the binary exchanges the code and reads who signed in, at `localhost`.
    let (status, location, body) = &logged_in.callback;
    assert_eq!(*status, 302, "{body}");
    assert_eq!(location.as_deref(), Some("/"));
    let cookies = &logged_in.cookies;
    assert!(cookies.0.contains_key("zoom_signer_session"), "{:?}", cookies.0.keys());
    assert!(!cookies.0.contains_key("zoom_signer_login"), "the login attempt is spent");

    let session = logged_in.browser.get(format!("{}/auth/zoom/session", logged_in.base));
    let session = session.header("cookie", cookies.header()).send();
    let session: serde_json::Value = serde_json::from_str(&session.await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(session["signedIn"], true, "{session}");
    assert_eq!(session["name"], zoom.config().user.display_name);

    // The host's signature with their ZAK, fetched by the binary from `localhost`.
    let body = r#"{"meetingNumber":"123456789","role":1,"userToken":"zak"}"#;
    let (status, text) = logged_in.post_json("/signature", body).await;
    assert_eq!(status, 200, "{text}");
    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
    let issued = zoom.issued();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(issued[0].kind, "zak");
    assert_eq!(reply["zak"], issued[0].token.as_str());
    assert_eq!((reply["role"].as_u64(), reply["sdkKey"].as_str()), (Some(1), Some(client_id.as_str())));
    let claims = verify_jwt(reply["signature"].as_str().unwrap(), &client_secret).unwrap();
    assert_eq!(claims["mn"], "123456789");
    for route in [Route::Authorize, Route::Token, Route::Me, Route::UserToken] {
        assert_eq!(zoom.calls(route), 1, "{route:?}");
    }

    let log = String::from_utf8_lossy(&service.stop().stderr).into_owned();
    assert!(log.contains(&format!("listening on http://{addr}")), "{log}");
    assert!(!log.contains(&issued[0].token), "the ZAK is never logged");
    assert!(!log.contains(back.code.as_deref().unwrap()), "the code is never logged");
}
