//! Starts `copydesk serve` on a free loopback port: shared by the service tests and the `load`
//! example (included there with `#[path]`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The server's log lines (stderr), as they arrive.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Runs `bin serve --data DATA --listen 127.0.0.1:0 EXTRA…` and waits for the log line that
/// says `listening on http://ADDR …`. Returns the child, its base URL and its log, which a
/// thread keeps reading, so that the server never blocks writing to it.
///
/// # Panics
/// When the binary cannot start (naming it and how to build it), or it ends before it
/// listens (with what it printed).
pub fn spawn_serve(bin: &str, data: &Path, extra: &[&str]) -> (Child, String, Log) {
    let mut child = Command::new(bin)
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (build it: cargo build --features serve)"));
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let log: Log = Arc::default();
    let base = loop {
        let Some(Ok(line)) = lines.next() else {
            panic!(
                "the server ended before listening: {:?}",
                log.lock().unwrap()
            );
        };
        log.lock().unwrap().push(line.clone());
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split([' ', '"'])
                .next()
                .expect("an address")
                .to_string();
        }
    };
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    (child, base, log)
}
