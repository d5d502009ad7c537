//! Clusters folders of articles (`.txt` / `.md`, id = file name) and JSONL files
//! (`{"id", "text"}` lines), read in the order given, into stories and prints them.
//!
//! ```text
//! cargo run --release --example cluster -- examples/articles
//! cargo run --release --example cluster -- ../shared/data/reuters21578.jsonl ../shared/data/bbc_news.jsonl
//! ```

use copydesk::{Detector, DetectorConfig, StoryId};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

fn read_articles(path: &Path) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let id = f
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            out.push((id, String::from_utf8_lossy(&bytes).into_owned()));
        }
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
            let field = |k: &str| v[k].as_str().map(str::to_string);
            match (field("id"), field("text")) {
                (Some(id), Some(text)) => out.push((id, text)),
                _ => {
                    return Err(format!(
                        "{}:{}: needs string fields id and text",
                        path.display(),
                        n + 1
                    ))
                }
            }
        }
    }
    Ok(out)
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: cluster FOLDER|FILE.jsonl...");
        std::process::exit(2);
    }
    let mut articles = Vec::new();
    for path in &paths {
        articles.extend(read_articles(Path::new(path)).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1);
        }));
    }
    let start = Instant::now();
    let mut detector =
        Detector::new(DetectorConfig::default()).expect("the default config is valid");
    let verdicts = detector.par_insert_batch(&articles);
    let elapsed = start.elapsed();

    let mut stories: BTreeMap<StoryId, Vec<String>> = BTreeMap::new();
    for ((id, _), v) in articles.iter().zip(&verdicts) {
        match v {
            Ok(v) => {
                let how = v.matched.as_ref().map_or_else(
                    || "first".to_string(),
                    |m| format!("{} of {} ({:.2})", m.kind.as_str(), m.id, m.similarity),
                );
                stories
                    .entry(v.story)
                    .or_default()
                    .push(format!("{id:<40} {how}"));
            }
            Err(e) => eprintln!("skipped {id}: {e}"),
        }
    }
    let mut shown = 0;
    for (story, members) in &stories {
        if members.len() < 2 && stories.len() > 20 {
            continue;
        }
        println!("story {story} ({} articles)", members.len());
        for m in members {
            println!("  {m}");
        }
        shown += 1;
    }
    let bytes: usize = articles.iter().map(|(_, t)| t.len()).sum();
    eprintln!(
        "{} articles, {} stories ({} shown), {:.1} MB in {:.2} s",
        articles.len(),
        stories.len(),
        shown,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64()
    );
}
