//! Behind real nginx under `/zoom/`, with the shipped config: the page and API work, each client
//! behind nginx has its own rate-limit bucket, and a forged X-Forwarded-For changes nothing.
//! Skips without nginx, unless `CI` is set.

use crate::helpers;

use crate::helpers::nginx::Nginx;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use zoom_signer::access::{RateLimit, TrustedProxies};
use zoom_signer::signature::Format;
use zoom_signer::{AppState, Options};

/// Sends raw HTTP/1.1 from the loopback address `source`, so nginx sees distinct clients.
async fn http_from(source: &str, addr: SocketAddr, raw: &str) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source.parse::<IpAddr>().unwrap(), 0)).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer)).await.unwrap().unwrap();
    answer
}

fn status(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line: {answer}"))
}

fn post_signature(nginx: &Nginx, extra_headers: &str) -> String {
    let body = r#"{"meetingNumber":"123456789","role":0}"#;
    format!(
        "POST /zoom/signature HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        nginx.addr,
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_behind_nginx_with_per_client_rate_limits() {
    if let Some(reason) = Nginx::missing() {
        assert!(std::env::var_os("CI").is_none(), "proxy tests cannot run in CI: {reason}");
        eprintln!("SKIPPED nginx tests: {reason}");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let options = Options {
        rate_limit: Some(RateLimit { count: 2, period: Duration::from_secs(3600) }),
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
        ..helpers::options()
    };
    let state = AppState::new(helpers::signer(Format::Jwt), options);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zoom_signer::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let nginx = Nginx::start(upstream);
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", nginx.addr);

    // The page, its assets and the API answer under the prefix.
    let page = http_from("127.0.0.9", nginx.addr, &get("/zoom/")).await;
    assert_eq!(status(&page), 200, "{page}\n{}", nginx.error_log());
    assert!(page.contains("data-sdk-version=\"6.2.0\"") && page.contains("assets/join.js"), "{page}");
    assert_eq!(status(&http_from("127.0.0.9", nginx.addr, &get("/zoom/assets/join.js")).await), 200);
    let health = http_from("127.0.0.9", nginx.addr, &get("/zoom/healthz")).await;
    assert!(status(&health) == 200 && health.ends_with(r#"{"status":"ok"}"#), "{health}");
    let redirect = http_from("127.0.0.9", nginx.addr, &get("/zoom")).await;
    assert_eq!(status(&redirect), 301, "{redirect}");

    // The page's own origin, as the browser sends it through nginx, is recognised.
    let own_origin = format!("Origin: http://{}\r\n", nginx.addr);
    let signed = http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, &own_origin)).await;
    assert_eq!(status(&signed), 200, "{signed}");
    assert!(signed.contains("\"signature\":\"eyJ"), "{signed}");

    // Client .2 has one request left, then 429; client .3 has its own bucket.
    assert_eq!(status(&http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, "")).await), 200);
    let limited = http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, "")).await;
    assert_eq!(status(&limited), 429, "{limited}");
    assert!(limited.to_ascii_lowercase().contains("retry-after:"), "{limited}");
    assert_eq!(status(&http_from("127.0.0.3", nginx.addr, &post_signature(&nginx, "")).await), 200);

    // A forged X-Forwarded-For gets client .2 nowhere: nginx appends the real address.
    let forged = post_signature(&nginx, "X-Forwarded-For: 198.51.100.77\r\n");
    assert_eq!(status(&http_from("127.0.0.2", nginx.addr, &forged).await), 429);
    // Nor does pretending to be the proxy itself.
    let forged = post_signature(&nginx, "X-Forwarded-For: 127.0.0.1\r\n");
    assert_eq!(status(&http_from("127.0.0.2", nginx.addr, &forged).await), 429);

    // A foreign origin is still refused through the proxy.
    let foreign = post_signature(&nginx, "Origin: https://evil.example\r\n");
    assert_eq!(status(&http_from("127.0.0.4", nginx.addr, &foreign).await), 403);

    drop(nginx);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
