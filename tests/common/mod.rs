//! Access to `../shared` (the project's evaluation data, never copied into the repository).
//!
//! `COPYDESK_SHARED` overrides the path. When the files are missing, a test is skipped with a
//! message, unless `COPYDESK_REQUIRE_SHARED=1` (set by `.ci/run`), in which case it fails.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::PathBuf;

pub fn shared_dir() -> PathBuf {
    std::env::var_os("COPYDESK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// The path to `rel` inside the shared folder, or `None` (after saying why) when it is missing
/// and not required.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("COPYDESK_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{} is missing and COPYDESK_REQUIRE_SHARED=1: put the shared data beside the repository \
         or point COPYDESK_SHARED at it",
        path.display()
    );
    // Straight to the stderr handle: libtest captures `eprintln!`, and a skip must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} is missing (set COPYDESK_SHARED to the shared data folder to run this test)",
        path.display()
    );
    None
}

/// The seed articles as `(file stem, text)`, sorted by name.
pub fn seeds() -> Option<Vec<(String, String)>> {
    let dir = shared("seeds")?;
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    out.sort();
    assert_eq!(
        out.len(),
        5,
        "expected five seed articles in {}",
        dir.display()
    );
    Some(out)
}

/// Every line of a JSONL file in `data/`, parsed.
fn values(name: &str) -> Option<Vec<serde_json::Value>> {
    let path = shared(&format!("data/{name}"))?;
    let text = std::fs::read_to_string(&path).unwrap();
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

fn id_and_text(v: &serde_json::Value) -> (String, String) {
    (
        v["id"].as_str().unwrap().to_string(),
        v["text"].as_str().unwrap_or("").to_string(),
    )
}

/// `(id, text)` of every line of a JSONL file in `data/`.
pub fn jsonl(name: &str) -> Option<Vec<(String, String)>> {
    Some(values(name)?.iter().map(id_and_text).collect())
}

/// A labelled file of `../shared/data` as `(id, text, cluster, topic)`, the labels as JSON
/// text (`""` when absent).
pub fn labelled(name: &str) -> Option<Vec<(String, String, String, String)>> {
    let label = |v: &serde_json::Value, field: &str| match &v[field] {
        serde_json::Value::Null => String::new(),
        value => value.to_string(),
    };
    Some(
        values(name)?
            .iter()
            .map(|v| {
                let (id, text) = id_and_text(v);
                (id, text, label(v, "cluster"), label(v, "topic"))
            })
            .collect(),
    )
}

/// A made-up article: `sentences` sentences of words drawn by a seeded generator, so that
/// different seeds share no shingles and the same seed gives the same text.
pub fn article(seed: u64, sentences: usize) -> String {
    const WORDS: &[&str] = &[
        "council", "harbour", "minister", "river", "bridge", "election", "vote", "storm", "school",
        "hospital", "police", "market", "budget", "court", "ferry", "union", "strike", "farmers",
        "rail", "airport", "museum", "festival", "mayor", "report", "plan", "workers", "tax",
        "fund", "road", "village", "coast", "factory", "energy", "price",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut s = String::new();
    for _ in 0..sentences {
        let n = 12 + next() % 10;
        for w in 0..n {
            let word = WORDS[(next() % WORDS.len() as u64) as usize];
            if w == 0 {
                s.push_str(&word[..1].to_uppercase());
                s.push_str(&word[1..]);
            } else {
                s.push(' ');
                s.push_str(word);
                s.push_str(&format!("{}", next() % 100));
            }
        }
        s.push_str(". ");
    }
    s
}
