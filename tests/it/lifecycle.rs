//! The service as a process an operator runs: stopping under load, reloading secrets on SIGHUP,
//! JSON logs with request ids, the metrics listener, and `healthcheck`.

use crate::helpers::process::{Running, signer_in};
use crate::helpers::{MEETING_BODY, free_port, json_of, raw_get, raw_http, raw_post, verify_jwt};
use rustix::process::Signal;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn post_signature(addr: SocketAddr, extra_headers: &str) -> std::io::Result<String> {
    raw_http(addr, &raw_post("/signature", "t", extra_headers, MEETING_BODY))
}

fn with_credentials(dir: &std::path::Path) -> std::process::Command {
    let mut command = signer_in(dir);
    command.env("ZOOM_MEETING_SDK_KEY", "lifecycle-key").env("ZOOM_MEETING_SDK_SECRET", "lifecycle-secret");
    command
}

#[test]
fn sigterm_under_load_finishes_requests_and_exits_0_despite_a_stalled_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = with_credentials(dir.path());
    command.env("SIGNER_RATE_LIMIT", "off").env("SIGNER_SHUTDOWN_TIMEOUT", "2");
    let running = Running::start(&mut command);
    let addr = running.addr;

    // A client in the middle of a request that never finishes its body.
    let mut stalled = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(
        &mut stalled,
        b"POST /signature HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"meet",
    )
    .unwrap();

    // Load: two clients sending requests back to back (bounded in count and time).
    let stop_load = Arc::new(AtomicBool::new(false));
    let (answered, failed_mid_answer) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let loaders: Vec<_> = (0..2)
        .map(|_| {
            let (stop_load, answered, failed) = (stop_load.clone(), answered.clone(), failed_mid_answer.clone());
            std::thread::spawn(move || {
                for _ in 0..5_000 {
                    if stop_load.load(Ordering::Relaxed) {
                        break;
                    }
                    match post_signature(addr, "") {
                        Ok(answer) if answer.starts_with("HTTP/1.1 200") => answered.fetch_add(1, Ordering::Relaxed),
                        // Refused at connect once the listener is closed: expected after SIGTERM.
                        Ok(answer) if answer.is_empty() => 0,
                        Ok(_) => failed.fetch_add(1, Ordering::Relaxed),
                        Err(_) => 0,
                    };
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    running.signal(Signal::TERM);
    let (status, took, log) = running.wait(Duration::from_secs(10));
    stop_load.store(true, Ordering::Relaxed);
    for loader in loaders {
        loader.join().unwrap();
    }
    assert!(status.is_some_and(|s| s.success()), "exit status {status:?}:\n{log}");
    assert!(took < Duration::from_secs(5), "took {took:?} despite SIGNER_SHUTDOWN_TIMEOUT=2");
    assert!(answered.load(Ordering::Relaxed) > 10, "the load did not get through:\n{log}");
    assert_eq!(failed_mid_answer.load(Ordering::Relaxed), 0, "a request got a wrong answer");
    assert!(std::net::TcpStream::connect(addr).is_err(), "still accepting after exit");
}

#[test]
fn sighup_swaps_the_secret_file_without_dropping_requests_and_refuses_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "first-secret\n").unwrap();
    let mut command = signer_in(dir.path());
    command
        .env("ZOOM_MEETING_SDK_KEY", "reload-key")
        .env("ZOOM_MEETING_SDK_SECRET_FILE", &secret_file)
        .env("SIGNER_RATE_LIMIT", "off");
    let mut running = Running::start(&mut command);
    let addr = running.addr;
    let sign = || json_of(&post_signature(addr, "").unwrap())["signature"].as_str().unwrap().to_owned();
    assert!(verify_jwt(&sign(), "first-secret").is_ok());

    // Requests keep flowing while the secret is swapped.
    let stop_load = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let loader = {
        let (stop_load, failures) = (stop_load.clone(), failures.clone());
        std::thread::spawn(move || {
            for _ in 0..5_000 {
                if stop_load.load(Ordering::Relaxed) {
                    break;
                }
                let answer = post_signature(addr, "").unwrap_or_default();
                let signature = if answer.starts_with("HTTP/1.1 200") {
                    json_of(&answer)["signature"].as_str().map(str::to_owned).unwrap_or_default()
                } else {
                    String::new()
                };
                let verifies = ["first-secret", "second-secret"].iter().any(|s| verify_jwt(&signature, s).is_ok());
                if !verifies {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    std::fs::write(&secret_file, "second-secret\n").unwrap();
    running.signal(Signal::HUP);
    assert!(running.wait_for_log("reloaded the secrets", Duration::from_secs(5)).is_some(), "{}", running.log());
    std::thread::sleep(Duration::from_millis(200));
    stop_load.store(true, Ordering::Relaxed);
    loader.join().unwrap();
    assert_eq!(failures.load(Ordering::Relaxed), 0, "requests failed during the reload");

    let after = sign();
    assert!(verify_jwt(&after, "second-secret").is_ok(), "new signatures use the new secret");
    assert!(verify_jwt(&after, "first-secret").is_err(), "and not the old one");

    // An empty file is refused with a log line; the second secret stays.
    std::fs::write(&secret_file, "").unwrap();
    running.signal(Signal::HUP);
    let refusal = running.wait_for_log("kept the previous secrets", Duration::from_secs(5));
    let refusal = refusal.unwrap_or_else(|| panic!("no refusal line:\n{}", running.log()));
    assert!(refusal.contains("ZOOM_MEETING_SDK_SECRET_FILE"), "{refusal}");
    assert!(verify_jwt(&sign(), "second-secret").is_ok());
    let log = running.stop();
    assert!(!log.contains("first-secret") && !log.contains("second-secret"), "{log}");
}

#[test]
fn json_logs_carry_the_request_id_on_every_line_of_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = with_credentials(dir.path());
    command.env("SIGNER_LOG_FORMAT", "json");
    let running = Running::start(&mut command);
    let given = post_signature(running.addr, "X-Request-Id: trace-me-42\r\n").unwrap();
    assert!(given.to_ascii_lowercase().contains("x-request-id: trace-me-42"), "{given}");
    let generated = post_signature(running.addr, "").unwrap();
    let generated_id = generated
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-request-id: ").map(str::to_owned))
        .expect("a generated x-request-id");
    let log = running.stop();

    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}")))
        .collect();
    for id in ["trace-me-42", generated_id.as_str()] {
        let of_request: Vec<&Value> = lines.iter().filter(|l| l["span"]["request_id"] == id).collect();
        let targets: Vec<&str> = of_request.iter().filter_map(|l| l["target"].as_str()).collect();
        // A signing request's one line is its audit line, which carries the access line's fields.
        assert_eq!(targets, ["zoom_signer::audit"], "{id}\n{log}");
        let line = of_request[0];
        assert!(
            line["method"] == "POST"
                && line["route"] == "/signature"
                && line["status"] == 200
                && line["latency_us"].is_u64()
                && line["outcome"] == "issued",
            "{line}"
        );
    }
    // Every line logged while serving a request carries its id.
    for line in &lines {
        if matches!(line["target"].as_str(), Some("zoom_signer::access" | "zoom_signer::audit")) {
            assert!(line["span"]["request_id"].is_string(), "{line}");
        }
    }
}

#[test]
fn metrics_are_served_on_their_own_listener_and_move() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_port = free_port();
    let mut command = with_credentials(dir.path());
    command.env("SIGNER_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"));
    let running = Running::start(&mut command);
    let metrics_addr: SocketAddr = format!("127.0.0.1:{metrics_port}").parse().unwrap();
    let scrape = || {
        let answer = raw_http(metrics_addr, &raw_get("/metrics", "m")).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let text = answer.split("\r\n\r\n").nth(1).unwrap().to_owned();
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("valid Prometheus text")
    };
    let value = |scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(ref buckets) => buckets.last().map_or(0.0, |b| b.count),
                _ => 0.0,
            })
            .sum()
    };

    let before = scrape();
    assert_eq!(value(&before, "zoom_signer_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);
    post_signature(running.addr, "").unwrap();
    post_signature(running.addr, "").unwrap();
    raw_http(running.addr, &raw_post("/signature", "t", "", r#"{"meetingNumber":"1","role":1}"#)).unwrap();
    raw_http(running.addr, &raw_get("/healthz", "t")).unwrap();
    let after = scrape();

    let issued = [("role", "participant"), ("format", "jwt")];
    assert_eq!(
        value(&after, "zoom_signer_signatures_issued_total", &issued)
            - value(&before, "zoom_signer_signatures_issued_total", &issued),
        2.0
    );
    assert_eq!(value(&after, "zoom_signer_refusals_total", &[("reason", "host_disabled")]), 1.0);
    assert_eq!(value(&after, "zoom_signer_http_requests_total", &[("route", "/signature"), ("status", "200")]), 2.0);
    assert_eq!(value(&after, "zoom_signer_http_requests_total", &[("route", "/healthz"), ("status", "200")]), 1.0);
    assert!(value(&after, "zoom_signer_http_request_duration_seconds", &[]) >= 4.0);
    // The public listener does not serve metrics.
    let public = raw_http(running.addr, &raw_get("/metrics", "t")).unwrap();
    assert!(public.starts_with("HTTP/1.1 404"), "{public}");
    running.stop();
}

#[test]
fn healthcheck_exits_0_when_healthy_and_1_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let running = Running::start(&mut with_credentials(dir.path()));
    let check = |host: &str, port: u16| {
        signer_in(dir.path()).arg("healthcheck").env("HOST", host).env("PORT", port.to_string()).output().unwrap()
    };
    // HOST=0.0.0.0 (as in the container image) is checked on loopback; no credentials needed.
    let healthy = check("0.0.0.0", running.addr.port());
    assert_eq!(healthy.status.code(), Some(0), "{healthy:?}");
    assert!(String::from_utf8_lossy(&healthy.stdout).starts_with("healthy: http://127.0.0.1:"), "{healthy:?}");
    running.stop();

    let down = check("127.0.0.1", free_port());
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("unhealthy: http://127.0.0.1:"), "{stderr}");
}
