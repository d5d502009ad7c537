//! Near-copy recall against brute force: every pair of articles whose exact Jaccard similarity
//! of word 5-shingles (after copydesk's normalisation) is at least 0.5, and whether the
//! detector put the two in one story and called the later one a copy.
//!
//! ```text
//! cargo run --release --example near_copy_recall -- ../shared/data/reuters21578.jsonl \
//!     ../shared/data/bbc_news.jsonl [--recluster | --no-stories] [--seed N] [--slots N]
//! ```
//!
//! `--seed N` hashes words with seed `N` in the detector (`ShingleConfig::seed`; the exact
//! sets do not depend on it): each seed is another draw of the MinHash estimation noise, so a
//! few seeds show how much of a recall figure is the draw. `--slots N` gives the detector
//! signatures of `N` slots instead of the default 256.
//!
//! Pairs are found exactly: an inverted index from shingle to articles, every pair sharing a
//! shingle held by at most 1,000 articles, exact Jaccard on the sets. (A shingle shared by
//! more articles is template text; a pair at Jaccard 0.5 shares many other shingles too.)

use copydesk::minhash::MinHashConfig;
use copydesk::normalize::Normalizer;
use copydesk::shingle::{word_hash, ShingleConfig, WordShingles};
use copydesk::{Detector, DetectorConfig, MatchKind};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// The number after `flag` in `args`, both removed; `None` when the flag is absent.
fn take_number<T: std::str::FromStr>(args: &mut Vec<String>, flag: &str) -> Option<T> {
    let i = args.iter().position(|a| a == flag)?;
    let n = args
        .get(i + 1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{flag} N"));
    args.drain(i..i + 2);
    Some(n)
}

fn main() {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    // `--recluster`: stories re-formed all at once after the inserts (`Detector::recluster`).
    let recluster = paths.iter().any(|p| p == "--recluster");
    paths.retain(|p| p != "--recluster");
    // `--no-stories`: near copies only, as `copydesk cluster --no-stories`.
    let no_stories = paths.iter().any(|p| p == "--no-stories");
    paths.retain(|p| p != "--no-stories");
    let seed: u64 = take_number(&mut paths, "--seed").unwrap_or(0);
    let slots: Option<usize> = take_number(&mut paths, "--slots");
    assert!(!paths.is_empty(), "usage: near_copy_recall FILE.jsonl...");
    let mut articles: Vec<(String, String)> = Vec::new();
    for p in &paths {
        let f = std::io::BufReader::new(std::fs::File::open(p).expect("input"));
        for line in f.lines().map_while(Result::ok) {
            let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) else {
                continue;
            };
            articles.push((id.to_string(), text.to_string()));
        }
    }

    // Exact shingle sets, as the detector shingles (same normaliser, k = 5, seed 0).
    let mut config = DetectorConfig::default();
    config.story.enabled = !no_stories;
    let normalizer = Normalizer::new(config.normalize.clone());
    let sets: Vec<HashSet<u64>> = articles
        .iter()
        .map(|(_, t)| {
            let mut words = Vec::new();
            normalizer.for_each_token(t, |tok| words.push(word_hash(tok.text, 0)));
            WordShingles::new(&words, 5, 0).collect()
        })
        .collect();
    let mut index: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, s) in sets.iter().enumerate() {
        for &h in s {
            index.entry(h).or_default().push(i as u32);
        }
    }
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    for docs in index.values().filter(|d| d.len() > 1 && d.len() <= 1000) {
        for (x, &a) in docs.iter().enumerate() {
            for &b in &docs[x + 1..] {
                pairs.insert((a, b));
            }
        }
    }
    let truth: Vec<(u32, u32, f64)> = pairs
        .into_iter()
        .filter_map(|(a, b)| {
            let (sa, sb) = (&sets[a as usize], &sets[b as usize]);
            let inter = sa.intersection(sb).count();
            let j = inter as f64 / (sa.len() + sb.len() - inter) as f64;
            (j >= 0.5).then_some((a, b, j))
        })
        .collect();

    let mut detector = Detector::new(DetectorConfig {
        shingle: ShingleConfig {
            seed,
            ..config.shingle
        },
        minhash: MinHashConfig {
            slots: slots.unwrap_or(config.minhash.slots),
            ..config.minhash
        },
        ..config
    })
    .expect("valid");
    let verdicts = detector.par_insert_batch(&articles);
    if recluster {
        detector.recluster();
    }
    let (mut together, mut labelled) = (0, 0);
    let mut missed = Vec::new();
    for &(a, b, j) in &truth {
        let (ia, ib) = (&articles[a as usize].0, &articles[b as usize].0);
        if ia == ib {
            continue;
        }
        let same =
            detector.story_of(ia).is_some() && detector.story_of(ia) == detector.story_of(ib);
        // The later article's verdict says how it was linked.
        let later = verdicts[b.max(a) as usize].as_ref().ok();
        let copy = later
            .and_then(|v| v.matched.as_ref())
            .is_some_and(|m| matches!(m.kind, MatchKind::Exact | MatchKind::NearCopy));
        together += usize::from(same);
        labelled += usize::from(same && copy);
        if !(same && copy) {
            missed.push((
                ia.clone(),
                ib.clone(),
                j,
                later.and_then(|v| v.matched.clone()),
            ));
        }
    }
    let n = truth.len().max(1);
    println!(
        "{} articles; {} pairs with exact word-5 Jaccard >= 0.5; in one story: {} ({:.4}); \
         in one story and labelled exact or near copy: {} ({:.4})",
        articles.len(),
        truth.len(),
        together,
        together as f64 / n as f64,
        labelled,
        labelled as f64 / n as f64
    );
    // The other way round: how many articles labelled a near copy are not one by the exact
    // sets (Jaccard under 0.5 and containment of the smaller set under 0.8).
    let number: HashMap<&str, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let (mut near, mut wrong) = (0, Vec::new());
    for (i, v) in verdicts.iter().enumerate() {
        let Some(m) = v.as_ref().ok().and_then(|v| v.matched.as_ref()) else {
            continue;
        };
        if m.kind != MatchKind::NearCopy {
            continue;
        }
        near += 1;
        let (sa, sb) = (&sets[i], &sets[number[m.id.as_str()]]);
        let inter = sa.intersection(sb).count();
        let j = inter as f64 / (sa.len() + sb.len() - inter).max(1) as f64;
        let c = inter as f64 / sa.len().min(sb.len()).max(1) as f64;
        if j < 0.5 && c < 0.8 {
            wrong.push((articles[i].0.clone(), m.id.clone(), j, c));
        }
    }
    println!(
        "labelled near copy: {near}; of them neither Jaccard >= 0.5 nor containment >= 0.8 by \
         the exact sets: {} ({:.4})",
        wrong.len(),
        wrong.len() as f64 / near.max(1) as f64
    );
    for (a, b, j, c) in wrong.iter().take(10) {
        println!("  {a} near copy of {b}: exact Jaccard {j:.3}, containment {c:.3}");
    }
    for (a, b, j, m) in missed.iter().take(20) {
        let s = detector.compare(a, b);
        println!("  missed {a} / {b}: Jaccard {j:.3}, scores {s:?}; later article's match: {m:?}");
    }
}
