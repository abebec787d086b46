//! The service on a real socket: HTTP/1.1 as clients speak it, and graceful shutdown.

use crate::helpers::{
    MEETING_BODY, Served, json_of, raw_get, raw_http, raw_post, state_with_options, test_options, test_state,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoom_signer::Options;
use zoom_signer::config::ServerLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    let served = Served::start(test_state()).await;
    let addr = served.addr;

    let health = request(addr, &raw_get("/healthz", "t")).await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.ends_with(r#"{"status":"ok"}"#), "{health}");

    let signature = request(addr, &raw_post("/signature", "t", "", MEETING_BODY)).await;
    assert!(signature.starts_with("HTTP/1.1 200 OK"), "{signature}");
    assert!(signature.to_ascii_lowercase().contains("cache-control: no-store"), "{signature}");

    // A chunked body with no Content-Length still meets the 4 KiB limit.
    let chunk = "9".repeat(3000);
    let chunked = request(
        addr,
        &format!(
            "POST /signature HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{len:x}\r\n{chunk}\r\n{len:x}\r\n{chunk}\r\n0\r\n\r\n",
            len = chunk.len()
        ),
    )
    .await;
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");

    let finished = tokio::time::timeout(Duration::from_secs(5), served.stop()).await;
    finished.expect("server stops within 5 s of the shutdown signal").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}

async fn request(addr: std::net::SocketAddr, raw: &str) -> String {
    let raw = raw.to_owned();
    tokio::task::spawn_blocking(move || raw_http(addr, &raw).unwrap()).await.unwrap()
}

/// Starts the service on a loopback port with `limits`.
async fn start(limits: ServerLimits) -> Served {
    Served::start(state_with_options(Options { limits, ..test_options() })).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_dribbling_headers_is_cut_off_while_others_are_served() {
    let limits = ServerLimits { header_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let served = start(limits).await;
    let addr = served.addr;

    let dribbler = tokio::spawn(async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        // One byte every 200 ms, forever: the headers never end.
        for byte in b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ".iter().cycle().take(200) {
            if stream.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut buf = [0u8; 256];
            if let Ok(Ok(read)) = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await {
                // 0 is the server closing; anything else is its answer to the timeout.
                let _ = read;
                return Some(started.elapsed());
            }
        }
        None
    });

    // Meanwhile other clients are answered at once.
    for _ in 0..3 {
        let health = request(addr, &raw_get("/healthz", "t")).await;
        assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let cut_off_after = dribbler.await.unwrap().expect("the dribbling client was never cut off");
    assert!(cut_off_after < Duration::from_secs(5), "cut off only after {cut_off_after:?}");
    served.stop().await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let limits = ServerLimits { max_connections: 1, header_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let served = start(limits).await;
    let addr = served.addr;

    // The only slot is held by a client that sends nothing...
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...so the next client is answered only once the header timeout has freed it.
    let started = Instant::now();
    let health = request(addr, &raw_get("/healthz", "t")).await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(started.elapsed() >= Duration::from_millis(500), "served at once: the cap did not hold");
    drop(idle);
    served.stop().await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_oversize_body_is_refused_before_it_is_sent() {
    // A request timeout far beyond the waits below, so a 408 cannot pass for the refusal.
    let limits = ServerLimits { request_timeout: Duration::from_secs(30), ..ServerLimits::default() };
    let served = start(limits).await;
    let mut stream = tokio::net::TcpStream::connect(served.addr).await.unwrap();
    // Over MAX_BODY_BYTES (4096), announced in the headers; the body itself is never sent, and
    // the connection stays open for it.
    let head = "POST /signature HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();

    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "no answer within 5 s: the server waits for the announced body ({answer:?})");
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(json_of(&answer)["errors"][0]["property"], "$body", "{answer}");
    assert!(took < Duration::from_secs(2), "answered only after {took:?}");
    drop(stream);
    served.stop().await.unwrap().unwrap();
}
