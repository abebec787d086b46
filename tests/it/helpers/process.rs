//! The `zoom-signer` binary as a real process: started on a free port, its log collected, sent
//! signals, stopped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The binary with an empty environment, run in `dir` (so no stray `.env` is picked up).
pub fn signer_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoom-signer"));
    command.env_clear().current_dir(dir).stdin(Stdio::null());
    command
}

pub struct Running {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Running {
    /// Starts `command` (with `PORT=0` unless it names a port) and waits for its "listening on" line.
    pub fn start(command: &mut Command) -> Self {
        if !command.get_envs().any(|(name, _)| name == "PORT") {
            command.env("PORT", "0");
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let mut running = Self { child, addr: "0.0.0.0:0".parse().unwrap(), log };
        let line = running.wait_for_log("listening on http://", Duration::from_secs(20));
        let line = line.unwrap_or_else(|| panic!("no listening line:\n{}", running.log()));
        // Text or JSON logs: the address runs until the first character an address cannot hold.
        let rest = line.split("listening on http://").nth(1).unwrap();
        let end = rest.find(|c: char| !(c.is_ascii_hexdigit() || ".:[]".contains(c))).unwrap_or(rest.len());
        running.addr = rest[..end].parse().unwrap();
        running
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("Linux reports VmHWM");
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The first log line containing `needle`, waiting up to `timeout` for it.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
                return Some(line.to_owned());
            }
            if Instant::now() > deadline || self.child.try_wait().unwrap().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGHUP, then the reload's own log line: `Ok` when the secrets were reloaded, else the
    /// refusal line.
    pub fn reload(&mut self) -> Result<(), String> {
        let before = self.log().matches("SIGHUP:").count();
        self.signal(rustix::process::Signal::HUP);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if let Some(line) = log.lines().filter(|l| l.contains("SIGHUP:")).nth(before) {
                return if line.contains("reloaded the secrets") { Ok(()) } else { Err(line.to_owned()) };
            }
            assert!(Instant::now() < deadline, "no reload line after SIGHUP:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }

    /// Waits up to `timeout` for the process to exit by itself; kills it if it does not.
    pub fn wait(mut self, timeout: Duration) -> (Option<ExitStatus>, Duration, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = started.elapsed();
        // Let the reader threads take the last lines.
        std::thread::sleep(Duration::from_millis(50));
        (status, elapsed, self.log())
    }

    /// SIGTERM, then waits for a clean exit; returns the whole log.
    pub fn stop(self) -> String {
        self.signal(rustix::process::Signal::TERM);
        let (status, _, log) = self.wait(Duration::from_secs(15));
        assert!(status.is_some_and(|s| s.success()), "SIGTERM should stop it cleanly ({status:?}):\n{log}");
        log
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release binary built exactly as the Dockerfile's builder stage builds it (glibc linked
/// statically, the machine's own target), into `target/static`; once per test process.
/// `.ci/container` runs the same build from a shell first, so in CI this finds it done.
pub fn static_release_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
        let target_dir = root.join("target/static");
        let mut build = Command::new(env!("CARGO"));
        // Without what cargo sets for a test process (CARGO_PKG_NAME, CARGO_MANIFEST_DIR, …):
        // build scripts (ring's) rerun when those change, so the same build from a shell and from
        // here would rebuild each other's dependencies every time.
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            let set_by_cargo_test = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_"]
                .iter()
                .any(|prefix| name_text.starts_with(prefix));
            if set_by_cargo_test || name_text == "CARGO_TARGET_TMPDIR" || name_text == "OUT_DIR" {
                build.env_remove(&name);
            }
        }
        let status = build
            .args(["build", "--release", "--locked", "--bin", "zoom-signer", "--target", &target])
            .arg("--target-dir")
            .arg(&target_dir)
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .current_dir(root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the static release build failed");
        target_dir.join(target).join("release/zoom-signer")
    })
}
