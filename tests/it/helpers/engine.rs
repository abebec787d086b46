//! The container engine (podman) for `container_engine`: every `podman` call bounded in time,
//! what a test makes (containers, networks) named and labelled for it and removed when dropped
//! (also when the test fails), the credentials as files for uid 65532, what the kernel says about
//! a container's process, and a load of signature requests.
//!
//! `.ci/container` prepares what these need and then runs them: podman with its settings
//! (`CONTAINERS_CONF`), the image built from the Dockerfile (`ZOOM_SIGNER_TEST_IMAGE`), the nginx
//! stand-in (`ZOOM_SIGNER_TEST_NGINX_IMAGE`) and podman's Docker-compatible socket (`DOCKER_HOST`).
//! Without them the tests print why and pass, except under `CI=true`.

use super::{MEETING_BODY, raw_get, raw_http, raw_post, skip};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The uid and gid the image runs as.
pub const NONROOT: u32 = 65532;
/// The label on every container and network a test makes (their names start with
/// `zoom-signer-test`, which is what `.ci/container` looks for to clean up).
pub const TEST_LABEL: &str = "io.zoom-signer.test=container_engine";
/// Longest any one `podman` (or `docker-compose`) call may take, in seconds.
const CALL_LIMIT: &str = "180";

/// What `.ci/container` prepared.
pub struct Engine {
    /// The image built from the Dockerfile (`localhost/zoom-signer:local`).
    pub image: String,
    /// The STAND-IN for the official nginx image: Debian's nginx, built locally.
    pub nginx_stand_in: String,
}

impl Engine {
    /// The engine, or `None` after saying why these checks cannot run here (failing under `CI`).
    pub fn prepared(what: &str) -> Option<Self> {
        let Ok(image) = std::env::var("ZOOM_SIGNER_TEST_IMAGE") else {
            skip(what, "the engine checks run from .ci/container, which installs podman and builds the image first");
            return None;
        };
        let nginx_stand_in = std::env::var("ZOOM_SIGNER_TEST_NGINX_IMAGE").expect("ZOOM_SIGNER_TEST_NGINX_IMAGE");
        assert!(std::env::var_os("CONTAINERS_CONF").is_some(), "CONTAINERS_CONF names the engine's settings");
        Some(Self { image, nginx_stand_in })
    }
}

/// A name for something this test process makes: `zoom-signer-test-<pid>-<what>`.
pub fn test_name(what: &str) -> String {
    format!("zoom-signer-test-{}-{what}", std::process::id())
}

/// `program` under `timeout`: killed if it takes longer than [`CALL_LIMIT`]; add its arguments.
pub fn bounded_command(program: &str) -> Command {
    let mut command = Command::new("timeout");
    command.args(["--kill-after=10", CALL_LIMIT, program]).stdin(Stdio::null());
    command
}

/// `program args…` under `timeout` ([`bounded_command`]), waited for.
pub fn bounded<I, S>(program: &str, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    bounded_command(program).args(args).output().unwrap_or_else(|e| panic!("{program} cannot be run: {e}"))
}

/// `podman args…`, bounded in time; its output whatever the outcome.
pub fn podman<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    bounded("podman", args)
}

/// `podman args…`, which must succeed; its standard output, trimmed.
pub fn podman_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = podman(&args);
    assert!(output.status.success(), "podman {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A container made by `podman run --detach`; removed when dropped.
pub struct Container {
    pub name: String,
}

impl Container {
    /// `podman run --detach --name <test name> --label … args…` (options, the image, its arguments).
    /// Nothing is ever pulled.
    pub fn run(what: &str, args: &[&str]) -> Self {
        let name = test_name(what);
        let mut all = vec!["run", "--detach", "--pull=never", "--name", &name, "--label", TEST_LABEL];
        all.extend_from_slice(args);
        let container = Self { name: name.clone() };
        podman_ok(&all);
        container
    }

    /// A container someone else made (Compose, `podman kube play`), by its name.
    pub fn named(name: &str) -> Self {
        Self { name: name.to_owned() }
    }

    /// `podman inspect --format TEMPLATE` of this container.
    pub fn inspect(&self, template: &str) -> String {
        podman_ok(["inspect", "--format", template, &self.name])
    }

    /// The loopback address the engine published the container's `port` on.
    pub fn published(&self, port: u16) -> SocketAddr {
        let published = podman_ok(["port", &self.name, &format!("{port}/tcp")]);
        let addr: SocketAddr = published.lines().next().unwrap_or_default().parse().unwrap();
        assert!(addr.ip().is_loopback(), "published on {addr}, not on loopback");
        addr
    }

    /// Standard output and error of the container so far.
    pub fn logs(&self) -> String {
        let output = podman(["logs", &self.name]);
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    }

    /// The first log line containing `needle`, waiting up to `timeout` for it.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.logs().lines().find(|l| l.contains(needle)) {
                return Some(line.to_owned());
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `GET /healthz` at `addr` (where the container is published) answers 200.
    pub fn wait_until_serving(&self, addr: SocketAddr) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = raw_http(addr, &raw_get("/healthz", &addr.to_string())).unwrap_or_default();
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
            assert!(Instant::now() < deadline, "{} did not serve at {addr}:\n{}", self.name, self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the kernel says about the container's main process.
    pub fn process(&self) -> Process {
        let pid = self.inspect("{{.State.Pid}}");
        assert!(pid != "0", "{} is not running:\n{}", self.name, self.logs());
        Process::of(&pid)
    }

    /// The exit code, once the container has stopped by itself (waiting at most the call limit).
    pub fn exit_code(&self) -> i32 {
        podman_ok(["wait", &self.name]).parse().unwrap()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        podman(["rm", "--force", "--time", "0", &self.name]);
    }
}

/// A network the test made (traffic between containers goes only over these); removed when dropped.
pub struct Network {
    pub name: String,
}

impl Network {
    pub fn create(what: &str) -> Self {
        let network = Self { name: test_name(what) };
        podman_ok(["network", "create", "--label", TEST_LABEL, &network.name]);
        network
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        podman(["network", "rm", "--force", &self.name]);
    }
}

/// A container's process as `/proc` shows it from the host.
#[derive(Debug)]
pub struct Process {
    /// Real, effective, saved and file-system uid, as in `/proc/PID/status`.
    pub uids: String,
    pub effective_capabilities: String,
    pub no_new_privileges: bool,
    /// Whether the root file system is mounted read-only, from `/proc/PID/mountinfo`.
    pub read_only_root: bool,
    /// The program and its arguments, from `/proc/PID/cmdline`.
    pub command: Vec<String>,
}

impl Process {
    fn of(pid: &str) -> Self {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name}"));
            line[name.len()..].split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let mountinfo = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
        // Fields: id, parent, major:minor, root, mount point, options, …
        let root = mountinfo.lines().map(|l| l.split(' ').collect::<Vec<_>>()).find(|f| f.len() > 5 && f[4] == "/");
        let root = root.expect("a mount on /");
        Self {
            uids: field("Uid:"),
            effective_capabilities: field("CapEff:"),
            no_new_privileges: field("NoNewPrivs:") == "1",
            read_only_root: root[5].split(',').any(|o| o == "ro"),
            command: std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap()
                .split_terminator('\0')
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Asserts what the image and its users' settings promise: uid 65532, no capability, no new
    /// privileges, a read-only root.
    pub fn assert_locked_down(&self) {
        assert_eq!(self.uids, "65532 65532 65532 65532", "{self:?}");
        assert_eq!(self.effective_capabilities, "0000000000000000", "{self:?}");
        assert!(self.no_new_privileges, "{self:?}");
        assert!(self.read_only_root, "{self:?}");
    }
}

/// Credentials as files in a directory of their own, for a read-only mount: owned by the service's
/// uid, readable by it alone (or as `mode` says, for `owner`).
pub struct SecretFiles {
    dir: tempfile::TempDir,
}

impl SecretFiles {
    /// `files` (name, content) owned by 65532, mode 0400.
    pub fn for_the_service(files: &[(&str, &str)]) -> Self {
        Self::owned(files, (NONROOT, NONROOT), 0o400)
    }

    /// `files` owned by `owner` (uid, gid), with `mode`.
    pub fn owned(files: &[(&str, &str)], owner: (u32, u32), mode: u32) -> Self {
        let dir = tempfile::Builder::new().prefix("zoom-signer-secrets-").tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let secrets = Self { dir };
        for (name, content) in files {
            secrets.write(name, content);
            let path = secrets.path(name);
            std::os::unix::fs::chown(&path, Some(owner.0), Some(owner.1)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        secrets
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces a file's content in place (as an operator rotating a secret does).
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.path(name), content).unwrap();
    }

    /// `-v DIR:TARGET:ro`: the directory mounted read-only at `target`.
    pub fn mount_at(&self, target: &str) -> String {
        format!("{}:{target}:ro", self.dir.path().display())
    }
}

/// How a [`Load`] judges one request's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    /// Refused or closed before any answer: the listener is gone (expected after SIGTERM).
    NotAccepted,
    Failed,
}

/// Clients sending `POST /signature` to `addr` back to back (at most 2000 requests each), each
/// outcome judged by `judge`, until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    clients: Vec<std::thread::JoinHandle<()>>,
    answered: Arc<AtomicUsize>,
    failed: Arc<Mutex<Vec<String>>>,
}

impl Load {
    pub fn start(addr: SocketAddr, clients: usize, judge: fn(&std::io::Result<String>) -> Outcome) -> Self {
        let (stop, answered, failed) = (Arc::new(AtomicBool::new(false)), Arc::default(), Arc::default());
        let clients = (0..clients)
            .map(|_| {
                let (stop, answered, failed): (Arc<AtomicBool>, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) =
                    (Arc::clone(&stop), Arc::clone(&answered), Arc::clone(&failed));
                std::thread::spawn(move || {
                    for _ in 0..2_000 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let answer = post_signature_within(addr, Duration::from_secs(5));
                        match judge(&answer) {
                            Outcome::Answered => {
                                answered.fetch_add(1, Ordering::Relaxed);
                            }
                            Outcome::NotAccepted => {}
                            Outcome::Failed => failed.lock().unwrap().push(format!("{answer:?}")),
                        }
                    }
                })
            })
            .collect();
        Self { stop, clients, answered, failed }
    }

    /// Waits (at most 30 s) until `count` requests have been answered.
    pub fn wait_for_answers(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.answered.load(Ordering::Relaxed) < count {
            assert!(Instant::now() < deadline, "the load got {} answers", self.answered.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the clients; how many requests were answered, and the failed ones.
    pub fn stop(self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        for client in self.clients {
            client.join().unwrap();
        }
        (self.answered.load(Ordering::Relaxed), std::mem::take(&mut self.failed.lock().unwrap()))
    }
}

/// `POST /signature` for meeting 123456789 on a new connection, giving up after `limit` at connect
/// (a published port whose container is gone may drop the connection attempt silently).
pub fn post_signature_within(addr: SocketAddr, limit: Duration) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect_timeout(&addr, limit)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(raw_post("/signature", &addr.to_string(), "", MEETING_BODY).as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
