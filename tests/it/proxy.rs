//! Behind real nginx under `/zoom/`, with the shipped config: the page and API work, each client
//! behind nginx has its own rate-limit bucket, and a forged X-Forwarded-For changes nothing.
//! Skips without nginx, unless `CI` is set.

use crate::helpers::nginx::Nginx;
use crate::helpers::{MEETING_BODY, Served, raw_get, raw_post, skip, state_with_options, status_of, test_options};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use zoom_signer::Options;
use zoom_signer::access::{RateLimit, TrustedProxies};

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

fn post_signature(nginx: &Nginx, extra_headers: &str) -> String {
    raw_post("/zoom/signature", &nginx.addr.to_string(), extra_headers, MEETING_BODY)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_behind_nginx_with_per_client_rate_limits() {
    if let Some(reason) = Nginx::missing() {
        skip("nginx tests", &reason);
        return;
    }
    let options = Options {
        rate_limit: Some(RateLimit { count: 2, period: Duration::from_secs(3600) }),
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
        ..test_options()
    };
    let served = Served::start(state_with_options(options)).await;
    let nginx = Nginx::start(served.addr);
    let get = |path: &str| raw_get(path, &nginx.addr.to_string());

    // The page, its assets and the API answer under the prefix.
    let page = http_from("127.0.0.9", nginx.addr, &get("/zoom/")).await;
    assert_eq!(status_of(&page), 200, "{page}\n{}", nginx.error_log());
    assert!(page.contains("data-sdk-version=\"6.2.0\"") && page.contains("assets/join.js"), "{page}");
    assert_eq!(status_of(&http_from("127.0.0.9", nginx.addr, &get("/zoom/assets/join.js")).await), 200);
    let health = http_from("127.0.0.9", nginx.addr, &get("/zoom/healthz")).await;
    assert!(status_of(&health) == 200 && health.ends_with(r#"{"status":"ok"}"#), "{health}");
    let redirect = http_from("127.0.0.9", nginx.addr, &get("/zoom")).await;
    assert_eq!(status_of(&redirect), 301, "{redirect}");

    // The page's own origin, as the browser sends it through nginx, is recognised.
    let own_origin = format!("Origin: http://{}\r\n", nginx.addr);
    let signed = http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, &own_origin)).await;
    assert_eq!(status_of(&signed), 200, "{signed}");
    assert!(signed.contains("\"signature\":\"eyJ"), "{signed}");

    // Client .2 has one request left, then 429; client .3 has its own bucket.
    assert_eq!(status_of(&http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, "")).await), 200);
    let limited = http_from("127.0.0.2", nginx.addr, &post_signature(&nginx, "")).await;
    assert_eq!(status_of(&limited), 429, "{limited}");
    assert!(limited.to_ascii_lowercase().contains("retry-after:"), "{limited}");
    assert_eq!(status_of(&http_from("127.0.0.3", nginx.addr, &post_signature(&nginx, "")).await), 200);

    // A forged X-Forwarded-For gets client .2 nowhere: nginx appends the real address.
    let forged = post_signature(&nginx, "X-Forwarded-For: 198.51.100.77\r\n");
    assert_eq!(status_of(&http_from("127.0.0.2", nginx.addr, &forged).await), 429);
    // Nor does pretending to be the proxy itself.
    let forged = post_signature(&nginx, "X-Forwarded-For: 127.0.0.1\r\n");
    assert_eq!(status_of(&http_from("127.0.0.2", nginx.addr, &forged).await), 429);

    // A foreign origin is still refused through the proxy.
    let foreign = post_signature(&nginx, "Origin: https://evil.example\r\n");
    assert_eq!(status_of(&http_from("127.0.0.4", nginx.addr, &foreign).await), 403);

    drop(nginx);
    served.stop().await.unwrap().unwrap();
}
