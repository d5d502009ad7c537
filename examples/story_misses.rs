//! Lists the labelled events a run splits into several stories, and why: for each article
//! outside its event's largest story, its best and average story-tier similarity to that
//! story's members, and its best similarity to an article of another event of the same topic.
//!
//! With `--margins` it prints instead, per topic, the average relative similarity (as
//! re-clustering reads it, `story.neighbour_rank` and `story.linkage.min_link` of the
//! defaults, but over every pair rather than the candidates found) between the topic's events,
//! and between the pieces of each event the run splits: a threshold on it can merge the
//! pieces only where they are closer than the events of a topic are to each other.
//!
//! ```text
//! cargo run --release --example story_misses -- ../shared/data/ecbplus-dev.jsonl [--margins]
//! ```

use copydesk::{Detector, DetectorConfig};
use std::collections::BTreeMap;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: story_misses LABELLED.jsonl");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).expect("readable file");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let config = DetectorConfig::default();
    let mut d = Detector::new(config.clone()).expect("valid default");
    let batch: Vec<(String, String)> = rows
        .iter()
        .map(|r| (field(r, "id"), field(r, "text")))
        .collect();
    for v in d.insert_batch(&batch) {
        v.expect("insert");
    }
    d.recluster();
    // Each article's term vector, read once (a record is a copy of all the detector holds).
    let vectors: Vec<_> = batch
        .iter()
        .map(|(id, _)| d.record(id).expect("indexed").vector)
        .collect();
    let sim = |a: usize, b: usize| vectors[a].similarity(&vectors[b], &config.terms);
    if std::env::args().nth(2).as_deref() == Some("--margins") {
        margins(&rows, &d, &config, &sim);
        return;
    }
    let mut events: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        events.entry(field(r, "cluster")).or_default().push(i);
    }
    for (event, members) in &events {
        let mut by_story: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for &i in members {
            let s = d.story_of(&field(&rows[i], "id")).expect("indexed");
            by_story.entry(s.0).or_default().push(i);
        }
        if by_story.len() < 2 {
            continue;
        }
        let mut pieces: Vec<Vec<usize>> = by_story.into_values().collect();
        pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let sizes: Vec<usize> = pieces.iter().map(Vec::len).collect();
        println!("== {event}: {sizes:?}");
        let topic = field(&rows[members[0]], "topic");
        let others: Vec<usize> = (0..rows.len())
            .filter(|&j| field(&rows[j], "topic") == topic && field(&rows[j], "cluster") != *event)
            .collect();
        let main = &pieces[0];
        for piece in &pieces[1..] {
            for &i in piece {
                let id = field(&rows[i], "id");
                let to_main: Vec<f32> = main.iter().map(|&j| sim(i, j)).collect();
                let best = to_main.iter().cloned().fold(0.0, f32::max);
                let avg = to_main.iter().sum::<f32>() / to_main.len() as f32;
                let other = others.iter().map(|&j| sim(i, j)).fold(0.0, f32::max);
                let words = field(&rows[i], "text").split_whitespace().count();
                let start: String = field(&rows[i], "text").chars().take(90).collect();
                println!(
                    "  {id:<24} piece {} words {words:>4} best {best:.3} avg {avg:.3} other-event {other:.3} | {}",
                    piece.len(),
                    start.replace('\n', " ")
                );
            }
        }
    }
}

/// A field of a labelled row, as text.
fn field(r: &serde_json::Value, f: &str) -> String {
    match &r[f] {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// `--margins`: per topic, the average relative similarity between its events, and between
/// the pieces (stories) of each event the run split.
fn margins(
    rows: &[serde_json::Value],
    d: &Detector,
    config: &DetectorConfig,
    sim: &dyn Fn(usize, usize) -> f32,
) {
    let n = rows.len();
    let floor = config.story.linkage.min_average;
    let weak = config.story.linkage.min_link;
    let k = config.story.neighbour_rank.max(1);
    let mut sims = vec![0f32; n * n];
    for a in 0..n {
        for b in 0..a {
            let s = sim(a, b);
            let s = if s >= weak { s } else { 0.0 };
            sims[a * n + b] = s;
            sims[b * n + a] = s;
        }
    }
    // Each article's factor: 1 / sqrt of its k-th strongest link, at least the floor.
    let scale: Vec<f32> = (0..n)
        .map(|a| {
            let mut row: Vec<f32> = (0..n)
                .filter(|&b| b != a)
                .map(|b| sims[a * n + b])
                .collect();
            row.sort_by(|x, y| y.total_cmp(x));
            1.0 / row.get(k - 1).copied().unwrap_or(0.0).max(floor).sqrt()
        })
        .collect();
    let average = |p: &[usize], q: &[usize]| {
        let total: f32 = p
            .iter()
            .flat_map(|&a| q.iter().map(move |&b| (a, b)))
            .map(|(a, b)| sims[a * n + b] * scale[a] * scale[b])
            .sum();
        total / (p.len() * q.len()) as f32
    };
    // Topic -> event -> story -> articles.
    type Pieces = BTreeMap<u64, Vec<usize>>;
    let mut topics: BTreeMap<String, BTreeMap<String, Pieces>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let story = d.story_of(&field(r, "id")).expect("indexed").0;
        (topics.entry(field(r, "topic")).or_default())
            .entry(field(r, "cluster"))
            .or_default()
            .entry(story)
            .or_default()
            .push(i);
    }
    println!(
        "merging threshold (story.min_relative_average): {:.3}",
        config.story.min_relative_average
    );
    for (topic, events) in &topics {
        let whole: Vec<(&String, Vec<usize>)> = events
            .iter()
            .map(|(e, pieces)| (e, pieces.values().flatten().copied().collect()))
            .collect();
        let mut line = format!("topic {topic:<4}");
        for i in 0..whole.len() {
            for j in 0..i {
                let between = average(&whole[i].1, &whole[j].1);
                line += &format!(" events {}|{} {between:.3}", whole[j].0, whole[i].0);
            }
        }
        for (event, pieces) in events {
            let pieces: Vec<&Vec<usize>> = pieces.values().collect();
            for i in 0..pieces.len() {
                for j in 0..i {
                    let between = average(pieces[i], pieces[j]);
                    let sizes = (pieces[j].len(), pieces[i].len());
                    line += &format!(" pieces of {event} {sizes:?} {between:.3}");
                }
            }
        }
        println!("{line}");
    }
}
