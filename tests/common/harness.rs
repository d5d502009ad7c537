//! A `copydesk serve` process for the service tests, scratch folders, and a request helper: shared by
//! `tests/serve.rs` and `tests/serve_faults.rs` (each includes it with `#[path]`).

use super::server;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// A running server, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Its log lines so far.
    pub log: server::Log,
}

impl Server {
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let (child, base, log) = server::spawn_serve(env!("CARGO_BIN_EXE_copydesk"), data, extra);
        Server { child, base, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// SIGTERM, then wait: a graceful stop, which must exit 0.
    pub fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }

    /// SIGKILL: no chance to clean up.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder in the temporary directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("copydesk-serve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `(status, JSON body)` of a request with `headers`, whatever the status (a body that is not
/// JSON reads as null).
pub fn call_with(
    a: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = a.request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let res = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let resp = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
