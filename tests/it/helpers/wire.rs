//! The service on a real socket: started in-process on a loopback port ([`Served`]), and raw
//! HTTP/1.1 sent to it (or to the binary, or to nginx) as clients write it.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zoom_signer::AppState;

/// The body of a participant's signature request for meeting 123456789.
pub const MEETING_BODY: &str = r#"{"meetingNumber":"123456789","role":0}"#;

/// Sends raw HTTP/1.1 bytes to `addr` and returns everything the server answers before closing.
pub fn raw_http(addr: SocketAddr, request: &str) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// A raw `GET path` to `host`, on a connection closed after the answer.
pub fn raw_get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

/// A raw `POST path` of the JSON `body` to `host`, with `extra_headers` (each ending in CRLF), on a
/// connection closed after the answer.
pub fn raw_post(path: &str, host: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The status code of a raw answer.
pub fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line: {answer}"))
}

/// The JSON body of a raw answer.
pub fn json_of(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_else(|| panic!("no body: {answer}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

/// A loopback port nothing listens on (for the moment).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `zoom_signer::serve` on a loopback port in this process, until [`Served::stop`].
pub struct Served {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Served {
    pub async fn start(state: AppState) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), state)
    }

    /// On a listener bound already (when the state must know its address).
    pub fn start_on(listener: TcpListener, state: AppState) -> Self {
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(zoom_signer::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self { addr, stop, server }
    }

    /// Signals shutdown; the handle finishes when the server has stopped.
    pub fn stop(self) -> JoinHandle<std::io::Result<()>> {
        self.stop.send(()).unwrap();
        self.server
    }
}
