//! `zoom-signer healthcheck`: asks the running service's `/healthz` with a bare HTTP/1.1 request,
//! so a container image needs nothing but the binary.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);

/// `zoom-signer healthcheck`: prints one line and exits 0 when healthy, 1 otherwise.
pub fn run(cli: &crate::config::Cli) -> std::process::ExitCode {
    match crate::config::listen_address(cli).map_err(|e| e.to_string()).and_then(check) {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("{line}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `Ok` with a one-line description when `/healthz` at `listen` answers 200 `{"status":"ok"}`.
pub fn check(listen: SocketAddr) -> Result<String, String> {
    // A service listening on all interfaces is asked on loopback.
    let address = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), listen.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), listen.port()),
        _ => listen,
    };
    let url = format!("http://{address}/healthz");
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT).map_err(|e| format!("unhealthy: {url}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nUser-Agent: zoom-signer-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(|e| format!("unhealthy: {url}: {e}"))?;
    let mut answer = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut answer).map_err(|e| format!("unhealthy: {url}: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    if status_line.starts_with("HTTP/1.1 200") && body.contains(r#""status":"ok""#) {
        Ok(format!("healthy: {url} answered {status_line}"))
    } else if status_line.is_empty() {
        Err(format!("unhealthy: {url} closed the connection without answering"))
    } else {
        Err(format!("unhealthy: {url} answered {status_line}"))
    }
}
