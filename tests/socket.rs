//! The service on a real socket: HTTP/1.1 as clients speak it, and graceful shutdown.

mod common;

use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(zoom_signer::serve(listener, common::state(), async {
        let _ = stopped.await;
    }));

    let health = request(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
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
    assert!(
        signature
            .to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{signature}"
    );

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
    finished
        .expect("server stops within 5 s of the shutdown signal")
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

async fn request(addr: std::net::SocketAddr, raw: &str) -> String {
    let raw = raw.to_owned();
    tokio::task::spawn_blocking(move || common::raw_http(addr, &raw).unwrap())
        .await
        .unwrap()
}
