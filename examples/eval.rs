//! Scores the default configuration on a labelled JSONL file (`{"id", "text", "cluster"}`,
//! optional `"topic"`), in file order.
//!
//! ```text
//! cargo run --release --example eval -- ../shared/data/ecbplus-dev.jsonl [--stream]
//! ```
//!
//! Batch mode (the default) counts every article's terms before weighing any; `--stream`
//! inserts one article at a time, as an ingest service would.

use copydesk::eval::Scores;
use copydesk::{Detector, DetectorConfig, MatchKind};
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: eval LABELLED.jsonl [--stream]");
        std::process::exit(2);
    };
    let stream = args.iter().any(|a| a == "--stream");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("error: {path}: {e}");
        std::process::exit(1);
    });
    let mut articles = Vec::new();
    let (mut gold, mut topics) = (Vec::new(), Vec::new());
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            eprintln!("error: {path}:{}: {e}", n + 1);
            std::process::exit(1);
        });
        let s = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .or_else(|| (!v[k].is_null()).then(|| v[k].to_string()))
        };
        articles.push((
            s("id").unwrap_or_else(|| n.to_string()),
            s("text").unwrap_or_default(),
        ));
        gold.push(s("cluster").unwrap_or_else(|| format!("line-{n}")));
        topics.push(s("topic"));
    }
    let start = std::time::Instant::now();
    let mut detector = Detector::new(DetectorConfig::default()).expect("valid default");
    let verdicts: Vec<_> = if stream {
        articles
            .iter()
            .map(|(id, t)| detector.insert(id, t))
            .collect()
    } else {
        detector.par_insert_batch(&articles)
    };
    let elapsed = start.elapsed();
    let predicted: Vec<String> = verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_ref()
                .map_or_else(|_| format!("error-{i}"), |v| v.story.to_string())
        })
        .collect();
    let topics: Option<Vec<String>> = topics.iter().cloned().collect();
    let s = Scores::compute(&gold, &predicted, topics.as_deref());
    println!(
        "{path}: {} articles, {} gold clusters, {} stories, {:.2} s ({})",
        s.articles,
        s.gold_clusters,
        s.predicted_clusters,
        elapsed.as_secs_f64(),
        if stream { "stream" } else { "batch" }
    );
    println!(
        "pairwise   P {:.3}  R {:.3}  F1 {:.3}",
        s.pair_precision, s.pair_recall, s.pair_f1
    );
    println!(
        "B-cubed    P {:.3}  R {:.3}  F1 {:.3}",
        s.bcubed_precision, s.bcubed_recall, s.bcubed_f1
    );
    println!("ARI        {:.3}", s.ari);
    if let (Some(rate), Some(pairs), Some(cross)) = (
        s.same_topic_false_merge_rate,
        s.same_topic_pairs,
        s.cross_topic_merges,
    ) {
        println!(
            "same-topic false merges {:.1} % of {pairs} pairs; cross-topic merged pairs {cross}",
            rate * 100.0
        );
    }
    // Per kind: how many links of each kind, and how many joined the right gold cluster.
    let index: BTreeMap<&str, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let mut kinds: BTreeMap<MatchKind, (usize, usize)> = BTreeMap::new();
    for (i, v) in verdicts.iter().enumerate() {
        if let Ok(v) = v {
            if let Some(m) = &v.matched {
                let e = kinds.entry(m.kind).or_default();
                e.0 += 1;
                e.1 += usize::from(gold[index[m.id.as_str()]] == gold[i]);
            }
        }
    }
    for (kind, (n, right)) in kinds {
        println!(
            "{:<10} {n} links, {right} to the right cluster ({:.1} %)",
            kind.as_str(),
            100.0 * right as f64 / n as f64
        );
    }
}
