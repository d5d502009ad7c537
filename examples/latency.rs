//! Streaming insert latency with a large index, and memory per indexed article.
//!
//! Fills a detector with the first `--fill N` articles of a JSONL file (in parallel batches),
//! then inserts the next `--measure M` one at a time, as an ingest service does, timing each
//! `Detector::insert` (analysis included).
//!
//! ```text
//! cargo run --release --example mutate -- 1010000 ../shared/data/reuters21578.jsonl \
//!     ../shared/data/bbc_news.jsonl > /tmp/million.jsonl
//! cargo run --release --example latency -- /tmp/million.jsonl --fill 1000000 --measure 10000
//! ```

use copydesk::{Detector, DetectorConfig};
use std::io::BufRead;
use std::time::Instant;

#[path = "../src/bin/copydesk/procfs.rs"]
mod procfs;

fn rss_bytes() -> Option<u64> {
    procfs::status_bytes("VmRSS")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: latency FILE.jsonl [--fill N] [--measure M]");
    let (mut fill, mut measure) = (1_000_000usize, 10_000usize);
    while let Some(a) = args.next() {
        let n = args.next().and_then(|v| v.parse().ok()).expect("a number");
        match a.as_str() {
            "--fill" => fill = n,
            "--measure" => measure = n,
            _ => panic!("unknown option {a}"),
        }
    }
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("input"));
    let mut lines = file.lines().map_while(Result::ok).filter_map(|l| {
        let v: serde_json::Value = serde_json::from_str(&l).ok()?;
        Some((
            v["id"].as_str()?.to_string(),
            v["text"].as_str()?.to_string(),
        ))
    });
    let base = rss_bytes().unwrap_or(0);
    let mut d = Detector::new(DetectorConfig::default()).expect("valid");
    let start = Instant::now();
    let mut filled = 0;
    while filled < fill {
        let batch: Vec<(String, String)> = lines.by_ref().take(8192.min(fill - filled)).collect();
        if batch.is_empty() {
            break;
        }
        filled += batch.len();
        d.par_insert_batch(&batch);
    }
    let fill_s = start.elapsed().as_secs_f64();
    let rss = rss_bytes().unwrap_or(0);
    println!(
        "filled {} articles in {fill_s:.1} s; RSS {:.0} MB, {:.0} bytes per indexed article",
        d.len(),
        rss as f64 / 1e6,
        (rss - base) as f64 / d.len().max(1) as f64
    );
    let mut lat = Vec::with_capacity(measure);
    for (id, text) in lines.take(measure) {
        let t = Instant::now();
        let _ = d.insert(&id, &text);
        lat.push(t.elapsed());
    }
    lat.sort_unstable();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "streaming insert at {} indexed: {} inserts, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        filled,
        lat.len(),
        pct(0.5),
        pct(0.99),
        lat.last().map_or(0.0, |l| l.as_secs_f64() * 1e3)
    );
}
