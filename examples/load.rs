//! Load generator for `copydesk serve`: preloads articles through `POST /articles/batch`, then
//! measures `POST /articles` from many keep-alive connections and reports throughput and
//! latency percentiles.
//!
//! ```text
//! cargo build --release --features serve
//! cargo run --release --example load -- --serve                # starts its own server
//! cargo run --release --example load -- --url http://127.0.0.1:8080 --preload 0
//! ```
//!
//! Options: `--preload N` (default 100000), `--requests N` (default 20000), `--connections N`
//! (default 16), `--corpus FILE.jsonl` (article texts to draw from, mutated so that every
//! request is a new article; default: generated text), `--serve` (start
//! `target/release/copydesk serve` on a fresh data folder and port), `--recluster` (once the
//! requests are in, time `POST /stories/recluster`; with `--serve`, restart the server on the
//! same folder and time it again), `--bin PATH` (the `copydesk` binary `--serve` starts;
//! default `target/release/copydesk`, to compare two builds). With `--serve` on Linux it also
//! reports the CPU time the server and the load generator spent per request, from `/proc`.

#[path = "../tests/common/server.rs"]
mod server;

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Texts(Vec<String>);

impl Texts {
    fn generated() -> Texts {
        let words: Vec<String> = (0..5000)
            .map(|i| format!("w{}x{}", i * 7919 % 5003, i % 17))
            .collect();
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        Texts(
            (0..2000)
                .map(|_| {
                    (0..250)
                        .map(|_| words[(next() % 5000) as usize].as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
        )
    }

    fn from_jsonl(path: &str) -> Texts {
        let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Texts(
            BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .take(50_000)
                .filter_map(|l| {
                    let v: serde_json::Value = serde_json::from_str(&l).ok()?;
                    let t = v["text"].as_str()?;
                    (!t.trim().is_empty()).then(|| t.to_string())
                })
                .collect(),
        )
    }

    /// Article `n`: a base text with a few words changed, so every article is new but copies
    /// and their stories exist, as on a wire feed.
    fn article(&self, n: usize) -> String {
        let base = &self.0[n % self.0.len()];
        let mut words: Vec<&str> = base.split(' ').collect();
        let tag = format!("n{n}");
        let k = words.len();
        if k > 0 {
            words[(n * 31) % k] = &tag;
        }
        words.join(" ")
    }
}

fn main() {
    let mut url = None;
    let (mut preload, mut requests, mut connections) = (100_000usize, 20_000usize, 16usize);
    let mut corpus = None;
    let mut serve = false;
    let mut recluster = false;
    let mut bin = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/copydesk").to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = || -> usize { args.next().and_then(|v| v.parse().ok()).expect("a number") };
        match a.as_str() {
            "--url" => url = args.next(),
            "--preload" => preload = num(),
            "--requests" => requests = num(),
            "--connections" => connections = num(),
            "--corpus" => corpus = args.next(),
            "--serve" => serve = true,
            "--recluster" => recluster = true,
            "--bin" => bin = args.next().expect("a path"),
            _ => {
                eprintln!("usage: load [--serve | --url URL] [--preload N] [--requests N] [--connections N] [--corpus FILE.jsonl] [--recluster] [--bin COPYDESK]");
                std::process::exit(2);
            }
        }
    }
    let mut server = None;
    let data = std::env::temp_dir().join(format!("copydesk-load-{}", std::process::id()));
    if serve {
        let (child, base, _log) = server::spawn_serve(&bin, &data, &[]);
        url = Some(base);
        server = Some(child);
    }
    let url = url.expect("--url or --serve");
    let texts = Arc::new(match corpus {
        Some(p) => Texts::from_jsonl(&p),
        None => Texts::generated(),
    });
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();

    // Preload in batches.
    let start = Instant::now();
    let mut n = 0;
    while n < preload {
        let end = (n + 1000).min(preload);
        let batch: Vec<_> = (n..end)
            .map(|i| json!({"id": format!("pre-{i}"), "text": texts.article(i), "source": "preload"}))
            .collect();
        agent
            .post(&format!("{url}/articles/batch"))
            .set("Content-Type", "application/json")
            .send_string(&serde_json::Value::Array(batch).to_string())
            .expect("batch accepted");
        n = end;
    }
    if preload > 0 {
        let s = start.elapsed().as_secs_f64();
        println!(
            "preloaded {preload} articles in {s:.1} s ({:.0} articles/s, batches of 1000)",
            preload as f64 / s
        );
    }

    // The measured run: `connections` clients, each on one keep-alive connection.
    let server_cpu = server
        .as_ref()
        .and_then(|c| cpu_seconds(&format!("/proc/{}/stat", c.id())));
    let own_cpu = cpu_seconds("/proc/self/stat");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (next, texts, url) = (Arc::clone(&next), Arc::clone(&texts), url.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
                let mut lat = Vec::new();
                let mut errors = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let body = json!({"id": format!("load-{i}"), "text": texts.article(preload + i), "source": "load"}).to_string();
                    let t = Instant::now();
                    let ok = agent
                        .post(&format!("{url}/articles"))
                        .set("Content-Type", "application/json")
                        .send_string(&body)
                        .is_ok_and(|r| r.into_string().is_ok());
                    lat.push(t.elapsed());
                    errors += usize::from(!ok);
                }
                (lat, errors)
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(requests);
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.join().unwrap();
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "POST /articles: {requests} requests from {connections} connections in {wall:.2} s: \
         {:.0} articles/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {errors} errors",
        requests as f64 / wall,
        pct(0.50),
        pct(0.99),
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    let server_now = server
        .as_ref()
        .and_then(|c| cpu_seconds(&format!("/proc/{}/stat", c.id())));
    if let (Some(a), Some(b), Some(c), Some(d)) = (
        server_cpu,
        server_now,
        own_cpu,
        cpu_seconds("/proc/self/stat"),
    ) {
        println!(
            "CPU per request: server {:.0} µs, this load generator {:.0} µs",
            (b - a) / requests as f64 * 1e6,
            (d - c) / requests as f64 * 1e6
        );
    }
    let stats: serde_json::Value = serde_json::from_str(
        &agent
            .get(&format!("{url}/stats"))
            .call()
            .unwrap()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    println!("server: {stats}");
    if recluster {
        post_recluster(&agent, &url, "");
    }
    if let Some(child) = server {
        stop(child);
        if recluster {
            let (child, url, _log) = server::spawn_serve(&bin, &data, &[]);
            post_recluster(&agent, &url, " after a restart");
            stop(child);
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// User plus system CPU seconds of a process, from its `/proc/PID/stat` (Linux; `None`
/// elsewhere). `/proc` counts in USER_HZ ticks, which Linux fixes at 100 a second.
fn cpu_seconds(stat: &str) -> Option<f64> {
    let text = std::fs::read_to_string(stat).ok()?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Times `POST /stories/recluster` and prints its answer.
fn post_recluster(agent: &ureq::Agent, url: &str, when: &str) {
    let t = Instant::now();
    let answer = agent
        .post(&format!("{url}/stories/recluster"))
        .call()
        .expect("recluster answered")
        .into_string()
        .unwrap();
    println!(
        "POST /stories/recluster{when}: {:.2} s wall, {answer}",
        t.elapsed().as_secs_f64()
    );
}

/// SIGTERM, then wait: the server stops after answering what is queued.
fn stop(mut child: std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
