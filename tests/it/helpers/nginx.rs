//! Real nginx in front of the service, configured with the shipped `deploy/nginx` snippet.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const NGINX: &str = "/usr/sbin/nginx";

/// nginx running in the foreground from a private directory; stopped on drop.
pub struct Nginx {
    child: Child,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Why nginx cannot run here, if it cannot.
    pub fn missing() -> Option<String> {
        (!Path::new(NGINX).is_file()).then(|| format!("{NGINX} is missing: apt-get install nginx"))
    }

    /// Proxies `/zoom/` on a free loopback port to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        Self::start_on(upstream, super::free_port())
    }

    /// Proxies `/zoom/` on loopback `port` to `upstream`.
    pub fn start_on(upstream: SocketAddr, port: u16) -> Self {
        let snippet =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/zoom-signer.conf"))
                .unwrap()
                .replace("127.0.0.1:4000", &upstream.to_string());
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log {root}/access.log;\n\
               client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;\n\
               fastcgi_temp_path {root}/fastcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port};\n{snippet}\n  }}\n}}\n"
        );
        let config_path = dir.path().join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut nginx = Self { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited ({status}): {}", nginx.error_log());
            }
            assert!(Instant::now() < deadline, "nginx did not listen: {}", nginx.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    pub fn url(&self) -> String {
        format!("http://{}/zoom/", self.addr)
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
