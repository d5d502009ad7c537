//! Lists the labelled events a run splits into several stories, and why: for each article
//! outside its event's largest story, its best and average story-tier similarity to that
//! story's members, and its best similarity to an article of another event of the same topic.
//!
//! ```text
//! cargo run --release --example story_misses -- ../shared/data/ecbplus-dev.jsonl
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
    let field = |r: &serde_json::Value, f: &str| match &r[f] {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
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
