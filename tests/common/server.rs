//! Starts `copydesk serve` on a free loopback port: shared by the service tests and the `load`
//! example (included there with `#[path]`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Runs `bin serve --data DATA --listen 127.0.0.1:0 EXTRA…` and waits for its first stderr
/// line, `listening on http://ADDR …`. Returns the child and its base URL. Later stderr is
/// drained on a thread, so that the server never blocks writing to it.
///
/// # Panics
/// When the binary cannot start (naming it and how to build it) or its first line names no
/// address.
pub fn spawn_serve(bin: &str, data: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (build it: cargo build --features serve)"));
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = first
        .split("listening on ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}
