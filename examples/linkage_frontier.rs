//! What batch clustering could reach on a small labelled set: agglomerative clustering over
//! the story tier's similarity (`TermVector::similarity`, term weights from the whole set),
//! average-link and complete-link, swept over thresholds, scored as `copydesk eval` scores.
//! The streaming detector decides one article at a time; this is the bound an all-at-once
//! clustering of the same similarity gives, and where its precision/recall trade-off lies.
//!
//! ```text
//! cargo run --release --example linkage_frontier -- ../shared/data/ecbplus-dev.jsonl \
//!     [--background ../shared/data/reuters21578.jsonl ...] \
//!     [--number-conflict 0.8 --min-numbers 2]
//! ```
//!
//! `--background FILE` (JSONL, any number) counts those articles' terms first, as a stream
//! that ran before the labelled articles would: term weights, and so similarities, depend on
//! what else the stream holds. The first line printed is the separation of the similarity
//! itself, independent of any threshold: the probability that a pair from one event scores
//! above a pair from two events of the same topic (the area under the ROC curve), and the
//! median similarity of each kind of pair.
//!
//! `--number-conflict F` multiplies the similarity of two articles by `F` when each names at
//! least `--min-numbers` numbers (not years, not whole numbers up to 10) and they name none in
//! common: an experiment, not a detector setting. The clustering is naive (cubic in the number
//! of articles): for labelled sets of a few hundred articles.

use copydesk::eval::Scores;
use copydesk::normalize::Normalizer;
use copydesk::{Detector, DetectorConfig};
use std::collections::HashSet;
use std::io::BufRead;

/// The numbers an article names, as written after normalisation.
fn numbers(normalizer: &Normalizer, text: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    normalizer.for_each_token(text, |tok| {
        let w = tok.text;
        let numeric = w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && w.bytes().any(|b| b.is_ascii_digit());
        if !numeric {
            return;
        }
        let year = w.len() == 4 && (w.starts_with("19") || w.starts_with("20"));
        let small = !w.contains('.') && w.parse::<u64>().is_ok_and(|v| v <= 10);
        if !year && !small {
            set.insert(w.to_string());
        }
    });
    set
}

fn read_jsonl(path: &str) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    std::io::BufReader::new(file)
        .lines()
        .map(|line| serde_json::from_str(&line.expect("readable")).expect("JSON"))
        .collect()
}

/// The probability that a random `pos` value exceeds a random `neg` value, ties counting half
/// (the Mann–Whitney statistic, over sorted lists).
fn auc(pos: &[f32], neg: &[f32]) -> f64 {
    let mut neg = neg.to_vec();
    neg.sort_unstable_by(f32::total_cmp);
    let wins: f64 = pos
        .iter()
        .map(|&p| {
            let below = neg.partition_point(|&x| x < p);
            let ties = neg[below..].partition_point(|&x| x <= p);
            below as f64 + ties as f64 / 2.0
        })
        .sum();
    wins / (pos.len() as f64 * neg.len() as f64)
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_unstable_by(f32::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut path = None;
    let mut background = Vec::new();
    let (mut conflict, mut min_numbers) = (1.0f32, 2usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--number-conflict" => conflict = args.next().and_then(|v| v.parse().ok()).expect("F"),
            "--min-numbers" => min_numbers = args.next().and_then(|v| v.parse().ok()).expect("N"),
            "--background" => background.push(args.next().expect("--background FILE")),
            _ => path = Some(a),
        }
    }
    let path = path.expect(
        "usage: linkage_frontier LABELLED.jsonl [--background FILE]... [--number-conflict F]",
    );
    let (mut texts, mut gold, mut topic) = (Vec::new(), Vec::new(), Vec::new());
    for v in read_jsonl(&path) {
        texts.push(v["text"].as_str().unwrap_or("").to_string());
        gold.push(v["cluster"].to_string());
        topic.push(v["topic"].to_string());
    }
    let config = DetectorConfig::default();
    let mut detector = Detector::new(config.clone()).expect("valid");
    for file in &background {
        let articles: Vec<(String, String)> = read_jsonl(file)
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let text = v["text"].as_str().unwrap_or("");
                (format!("background {file} {i}"), text.to_string())
            })
            .collect();
        for batch in articles.chunks(4096) {
            // Empty or oversized background articles are skipped, as `copydesk eval` does.
            let _ = detector.insert_batch(batch);
        }
    }
    let analyses: Vec<_> = texts
        .iter()
        .map(|t| detector.analyze(t).expect("non-empty article"))
        .collect();
    for (i, t) in texts.iter().enumerate() {
        detector.insert(&i.to_string(), t).expect("insert");
    }
    let df = detector.term_statistics();
    let vectors: Vec<_> = analyses
        .iter()
        .map(|a| df.vector(&a.terms, &config.terms))
        .collect();
    let normalizer = Normalizer::new(config.normalize.clone());
    let nums: Vec<_> = texts.iter().map(|t| numbers(&normalizer, t)).collect();
    let n = vectors.len();
    let mut sim = vec![vec![0f32; n]; n];
    for i in 0..n {
        for j in 0..n {
            let mut s = vectors[i].similarity(&vectors[j], &config.terms);
            if nums[i].len() >= min_numbers
                && nums[j].len() >= min_numbers
                && nums[i].is_disjoint(&nums[j])
            {
                s *= conflict;
            }
            sim[i][j] = s;
        }
    }
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for i in 0..n {
        for j in i + 1..n {
            if gold[i] == gold[j] {
                same.push(sim[i][j]);
            } else if topic[i] == topic[j] {
                other.push(sim[i][j]);
            }
        }
    }
    if !same.is_empty() && !other.is_empty() {
        println!(
            "separation: AUC {:.4} (one event against two of a topic); median similarity {:.3} \
             in one event, {:.3} across two events of a topic ({} and {} pairs)",
            auc(&same, &other),
            median(&mut same),
            median(&mut other),
            same.len(),
            other.len()
        );
    }
    for (name, complete) in [("average-link", false), ("complete-link", true)] {
        for t in [
            0.10f32, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.25, 0.28, 0.30, 0.32, 0.35,
        ] {
            let mut clusters: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
            loop {
                let mut best = (f32::MIN, 0, 0);
                for a in 0..clusters.len() {
                    for b in a + 1..clusters.len() {
                        let (mut sum, mut min) = (0f32, f32::MAX);
                        for &x in &clusters[a] {
                            for &y in &clusters[b] {
                                sum += sim[x][y];
                                min = min.min(sim[x][y]);
                            }
                        }
                        let pairs = (clusters[a].len() * clusters[b].len()) as f32;
                        let score = if complete { min } else { sum / pairs };
                        if score > best.0 {
                            best = (score, a, b);
                        }
                    }
                }
                if best.0 < t {
                    break;
                }
                let merged = clusters.remove(best.2);
                clusters[best.1].extend(merged);
            }
            let mut predicted = vec![0usize; n];
            for (c, members) in clusters.iter().enumerate() {
                for &x in members {
                    predicted[x] = c;
                }
            }
            let s = Scores::compute(&gold, &predicted, Some(&topic));
            println!(
                "{name} {t:.2}: pair P {:.3} R {:.3} F1 {:.3}; B³ F1 {:.3}; same-topic false \
                 merges {:.1} %; cross-topic pairs {}; {} stories",
                s.pair_precision,
                s.pair_recall,
                s.pair_f1,
                s.bcubed_f1,
                100.0 * s.same_topic_false_merge_rate.unwrap_or(0.0),
                s.cross_topic_merges.unwrap_or(0),
                s.predicted_clusters
            );
        }
    }
}
