//! Explains a small set of articles: each one's verdict, then every pair's score on every tier
//! (estimated Jaccard and containment of word 5-shingles, term-vector cosine).
//!
//! ```text
//! cargo run --release --example explain -- ../shared/seeds
//! cargo run --release --example explain -- examples/articles
//! ```

use copydesk::{Detector, DetectorConfig};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: explain FOLDER");
        std::process::exit(2);
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            eprintln!("error: {dir}: {e}");
            std::process::exit(1);
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
        .collect();
    files.sort();
    let mut detector = Detector::new(DetectorConfig::default()).expect("valid default");
    let mut ids = Vec::new();
    for f in &files {
        let id = f
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = String::from_utf8_lossy(&std::fs::read(f).expect("readable file")).into_owned();
        match detector.insert(&id, &text) {
            Ok(v) => {
                let how = v.matched.map_or_else(
                    || "new story".to_string(),
                    |m| format!("{} of {} ({:.3})", m.kind.as_str(), m.id, m.similarity),
                );
                println!("{id:<28} story {:<4} {how}", v.story.to_string());
                ids.push(id);
            }
            Err(e) => println!("{id:<28} error: {e}"),
        }
    }
    println!();
    println!(
        "{:<28} {:<28} {:>8} {:>11} {:>7}",
        "a", "b", "jaccard", "containment", "cosine"
    );
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let s = detector.compare(a, b).expect("both indexed");
            println!(
                "{a:<28} {b:<28} {:>8.3} {:>11.3} {:>7.3}",
                s.jaccard, s.containment, s.cosine
            );
        }
    }
}
