//! What the container image does, without Docker (there is no engine here): the statically
//! linked release binary, run with an empty environment but its settings, as uid/gid 65532, from
//! an empty directory, answers `healthcheck` and a signature request.
//!
//! Needs root (to drop to uid 65532); skips otherwise, unless `CI` is set.

use crate::helpers::{MEETING_BODY, free_port, json_of, raw_http, raw_post, skip, verify_jwt};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NONROOT: u32 = 65532;

/// Builds the binary exactly as the Dockerfile does, into its own target directory.
fn static_release_binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let target_dir = root.join("target/static");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "--bin", "zoom-signer", "--target", &target])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the static release build failed");
    target_dir.join(target).join("release/zoom-signer")
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
    let elf = std::fs::read(&binary).unwrap();
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
    let as_in_the_image = |command: &mut Command| {
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
    };

    let mut service = Command::new(&binary);
    as_in_the_image(&mut service);
    let mut service = service.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(service.try_wait().unwrap().is_none(), "the service exited: {:?}", service.wait_with_output());
        assert!(Instant::now() < deadline, "the service did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Non-dumpable (PR_SET_DUMPABLE 0): the kernel then gives the process's /proc files to root,
    // although the process itself runs as 65532, so other processes of that user cannot read
    // its memory or environment.
    let proc_dir = PathBuf::from(format!("/proc/{}", service.id()));
    let status = std::fs::read_to_string(proc_dir.join("status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid_line.split_whitespace().nth(1) == Some("65532"), "runs as {uid_line}");
    let environ_owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(proc_dir.join("environ")).unwrap());
    assert_eq!(environ_owner, 0, "the process is dumpable: its /proc files belong to its own user");

    let mut healthcheck = Command::new(&binary);
    as_in_the_image(&mut healthcheck);
    let healthcheck = healthcheck.arg("healthcheck").output().unwrap();
    assert_eq!(healthcheck.status.code(), Some(0), "{healthcheck:?}");

    let answer = raw_http(addr, &raw_post("/signature", "t", "", MEETING_BODY)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let reply = json_of(&answer);
    assert_eq!(reply["sdkKey"], "container-key");
    assert!(verify_jwt(reply["signature"].as_str().unwrap(), "container-secret").is_ok());

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(service.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let output = service.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("listening on http://0.0.0.0:"), "{log}");
}
