//! The service on a real socket: HTTP/1.1 as clients speak it, and graceful shutdown.

use crate::helpers;

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use zoom_signer::server::ServerLimits;
use zoom_signer::signature::Format;
use zoom_signer::{AppState, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(zoom_signer::serve(listener, helpers::state(), async {
        let _ = stopped.await;
    }));

    let health = request(addr, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.ends_with(r#"{"status":"ok"}"#), "{health}");

    let body = r#"{"meetingNumber":"123456789","role":0}"#;
    let signature = request(
        addr,
        &format!(
            "POST /signature HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
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

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    finished.expect("server stops within 5 s of the shutdown signal").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}

async fn request(addr: std::net::SocketAddr, raw: &str) -> String {
    let raw = raw.to_owned();
    tokio::task::spawn_blocking(move || helpers::raw_http(addr, &raw).unwrap()).await.unwrap()
}

/// Starts the service on a loopback port with `limits`; returns its address and a stop switch.
async fn start(
    limits: ServerLimits,
) -> (std::net::SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(helpers::signer(Format::Jwt), Options { limits, ..helpers::options() });
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(zoom_signer::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_dribbling_headers_is_cut_off_while_others_are_served() {
    let limits = ServerLimits { header_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let (addr, stop, server) = start(limits).await;

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
        let health = request(addr, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await;
        assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let cut_off_after = dribbler.await.unwrap().expect("the dribbling client was never cut off");
    assert!(cut_off_after < Duration::from_secs(5), "cut off only after {cut_off_after:?}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let limits = ServerLimits { max_connections: 1, header_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let (addr, stop, server) = start(limits).await;

    // The only slot is held by a client that sends nothing...
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...so the next client is answered only once the header timeout has freed it.
    let started = Instant::now();
    let health = request(addr, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(started.elapsed() >= Duration::from_millis(500), "served at once: the cap did not hold");
    drop(idle);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
