//! copydesk's side of `../shared/peers/peers_bench.py`: the same corpus, settings and output
//! fields, so the two can be printed side by side (`benches/peers.py` does that).
//!
//! ```text
//! cargo run --release --example peer_bench -- --corpus ../shared/data/reuters21578.jsonl \
//!     --corpus ../shared/data/bbc_news.jsonl [--truth /tmp/truth.json] [--threads 2]
//! ```
//!
//! Measured, each on one thread unless `--threads` says otherwise:
//! - `sign_s`: text to 128-slot one-permutation MinHash signature, end to end, three ways:
//!   `copydesk` (`Detector::signature`: the detector's own normaliser, NFKC, case,
//!   punctuation, boilerplate lines), `copydesk_peer_tokens` (the peers' tokenisation:
//!   `text.lower().split()`, word 5-shingles, whose shingle sets equal the peers' and the
//!   reference pairs'), and `copydesk_analyze` (`Detector::analyze`: the signature plus the
//!   term statistics the story tier needs).
//! - `build_s` / `query_s` / `verify_s`: LSH with 32 bands of 4 rows over the signatures;
//!   every candidate pair found (`query_s`: `LshIndex::candidate_pairs`, the self-join, band by
//!   band; `query_each_s`: every document queried with `LshIndex::candidates`, as the peers
//!   do; both give the same pairs, which is checked); candidate pairs verified at estimated
//!   Jaccard >= 0.5.
//! - recall against the exact reference pairs written by the peers script (`--truth`).
//! - peak resident memory (VmHWM).
//!
//! `--variant copydesk` (or `copydesk_peer_tokens`, `copydesk_analyze`) measures that one
//! alone: the command to profile, as in `perf record target/release/examples/peer_bench
//! --corpus … --variant copydesk`.
//!
//! With `--seeds N`, prints instead the recall (mean, standard deviation, range) over `N` hash
//! seeds with the peers' tokenisation, for one-permutation and classic MinHash:
//! `benches/recall_seeds.py` measures the peers the same way.
//!
//! With `--misses`, prints instead, for every reference pair the peers' tokenisation misses,
//! its exact Jaccard, its estimate and whether LSH made it a candidate: where recall is lost.
//!
//! `--slots N` signs with `N` slots instead of 128 (the LSH still bands the first 128 unless
//! `--lsh` says otherwise): the cost of a longer signature, such as the detector's default 256.
//! `--lsh BxR` bands with `B` bands of `R` rows instead of 32 × 4 (`B · R` at most the slots),
//! for every measurement including `--seeds` and `--misses`: `--slots 256 --lsh 64x4` is the
//! peers' 4-row bands over a 256-slot signature (`benches/recall_seeds.py --perms 256 --lsh
//! 64x4` measures the peers so).
//!
//! Prints one JSON object per variant, in the peers script's field names.

use copydesk::lsh::{LshIndex, LshParams};
use copydesk::minhash::{Algorithm, MinHashConfig, MinHasher, Signature};
use copydesk::shingle::{word_hash, WordShingles};
use copydesk::{Detector, DetectorConfig};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::BufRead;
use std::time::Instant;

#[path = "../src/bin/copydesk/procfs.rs"]
mod procfs;

/// Peak resident memory so far, in MB.
fn hwm_mb() -> f64 {
    procfs::status_bytes("VmHWM").map_or(f64::NAN, |b| b as f64 / 1_048_576.0)
}

fn load(paths: &[String]) -> Vec<String> {
    let mut texts = Vec::new();
    for p in paths {
        let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        for line in std::io::BufReader::new(f).lines() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            let t = v["text"].as_str().unwrap_or("");
            // As the peers script: documents with no text are left out.
            if !t.trim().is_empty() {
                texts.push(t.to_string());
            }
        }
    }
    texts
}

/// The peers' shingles, as hashes: `text.lower().split()`, word 5-shingles (a shorter text is
/// one shingle of all its words). `seed` seeds the word and shingle hashes: another seed,
/// another hash function. `words` is scratch space.
fn peer_shingles<'a>(text: &str, seed: u64, words: &'a mut Vec<u64>) -> WordShingles<'a> {
    words.clear();
    let lower = text.to_lowercase();
    words.extend(lower.split_whitespace().map(|w| word_hash(w, seed)));
    let k = words.len().clamp(1, 5);
    WordShingles::new(words, k, seed)
}

/// Recall over `seeds` hash functions, one-permutation and classic, with the peers'
/// tokenisation: one seed's recall is one draw (`benches/recall_seeds.py` does the same for
/// the peers).
fn seed_sweep(
    texts: &[String],
    truth: &HashSet<(u32, u32)>,
    seeds: u64,
    slots: usize,
    params: LshParams,
) {
    for algorithm in [Algorithm::OnePermutation, Algorithm::Classic] {
        let recalls: Vec<f64> = (0..seeds)
            .map(|seed| {
                let minhasher = MinHasher::new(MinHashConfig {
                    algorithm,
                    seed,
                    slots,
                })
                .expect("valid");
                let sigs: Vec<Signature> = texts
                    .par_iter()
                    .map_init(Vec::new, |w, t| minhasher.sketch(peer_shingles(t, seed, w)))
                    .collect();
                let good = lsh(&sigs, params, 0.5).good;
                let found = good.iter().filter(|p| truth.contains(p)).count();
                found as f64 / truth.len().max(1) as f64
            })
            .collect();
        let n = recalls.len() as f64;
        let mean = recalls.iter().sum::<f64>() / n;
        let sd =
            (recalls.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let (min, max) = recalls
            .iter()
            .fold((f64::INFINITY, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        println!(
            "{}",
            serde_json::json!({
                "peer": format!("copydesk_peer_tokens_{algorithm:?}"),
                "seeds": seeds,
                "slots": slots,
                "bands_rows": [params.bands, params.rows],
                "recall_mean": mean,
                "recall_sd": sd,
                "recall_min": min,
                "recall_max": max,
            })
        );
    }
}

/// LSH timings (seconds) and results over one set of signatures.
struct Lsh {
    build: f64,
    /// All candidate pairs by [`LshIndex::candidate_pairs`].
    query_all: f64,
    /// The same pairs by querying every signature.
    query_each: f64,
    verify: f64,
    candidates: usize,
    good: Vec<(u32, u32)>,
}

fn lsh(signatures: &[Signature], params: LshParams, threshold: f64) -> Lsh {
    let t = Instant::now();
    let mut index = LshIndex::new(params);
    index
        .extend(signatures.iter().enumerate().map(|(i, s)| (i as u32, s)))
        .expect("same shape");
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pairs = index.candidate_pairs();
    let query_all = t.elapsed().as_secs_f64();
    // As the peers script: the query-all time is the queries; pairs are gathered after.
    let t = Instant::now();
    let candidates: Vec<Vec<u32>> = signatures.iter().map(|s| index.candidates(s)).collect();
    let query_each = t.elapsed().as_secs_f64();
    let mut each: Vec<(u32, u32)> = candidates
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            let i = i as u32;
            c.iter().filter(move |&&j| j > i).map(move |&j| (i, j))
        })
        .collect();
    each.sort_unstable();
    each.dedup();
    assert_eq!(
        each, pairs,
        "the self-join and the queries find the same pairs"
    );
    let t = Instant::now();
    let good: Vec<(u32, u32)> = pairs
        .iter()
        .copied()
        .filter(|&(a, b)| signatures[a as usize].jaccard(&signatures[b as usize]) >= threshold)
        .collect();
    let verify = t.elapsed().as_secs_f64();
    Lsh {
        build,
        query_all,
        query_each,
        verify,
        candidates: pairs.len(),
        good,
    }
}

/// The reference pairs the peers' tokenisation misses, and why.
fn misses(texts: &[String], truth: &HashSet<(u32, u32)>, minhasher: &MinHasher, params: LshParams) {
    let mut words = Vec::new();
    let sets: Vec<HashSet<u64>> = texts
        .iter()
        .map(|t| peer_shingles(t, 0, &mut words).collect())
        .collect();
    let sigs: Vec<Signature> = texts
        .iter()
        .map(|t| minhasher.sketch(peer_shingles(t, 0, &mut words)))
        .collect();
    let mut index = LshIndex::new(params);
    for (i, s) in sigs.iter().enumerate() {
        index.insert(i as u32, s).expect("same shape");
    }
    let mut pairs: Vec<_> = truth.iter().copied().collect();
    pairs.sort_unstable();
    for (a, b) in pairs {
        let (sa, sb) = (&sets[a as usize], &sets[b as usize]);
        let shared = sa.intersection(sb).count();
        let exact = shared as f64 / (sa.len() + sb.len() - shared) as f64;
        let estimate = sigs[a as usize].jaccard(&sigs[b as usize]);
        let candidate = index.candidates(&sigs[a as usize]).contains(&b);
        if estimate < 0.5 || !candidate {
            println!(
                "{a} {b}: exact {exact:.3}, estimate {estimate:.3}, candidate {candidate}, \
                 shingles {} and {}",
                sa.len(),
                sb.len()
            );
        }
    }
}

fn main() {
    let mut corpus = Vec::new();
    let mut show_misses = false;
    let mut seeds = 0u64;
    let mut only: Option<String> = None;
    let mut truth_path = None;
    let mut threads = 1usize;
    let mut slots = 128usize;
    let mut params = LshParams::new(32, 4).expect("valid");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--corpus" => corpus.push(args.next().expect("--corpus PATH")),
            "--truth" => truth_path = Some(args.next().expect("--truth PATH")),
            "--misses" => show_misses = true,
            "--seeds" => seeds = args.next().and_then(|n| n.parse().ok()).expect("--seeds N"),
            "--variant" => only = Some(args.next().expect("--variant NAME")),
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--threads N")
            }
            "--slots" => {
                slots = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n >= 128)
                    .expect("--slots N, at least 128")
            }
            "--lsh" => {
                params = args
                    .next()
                    .and_then(|v| {
                        let (b, r) = v.split_once('x')?;
                        LshParams::new(b.parse().ok()?, r.parse().ok()?).ok()
                    })
                    .expect("--lsh BxR, such as 32x4")
            }
            _ => {
                eprintln!(
                    "usage: peer_bench --corpus PATH... [--truth PATH] [--threads N] \
                     [--variant NAME] [--misses] [--seeds N] [--slots N] [--lsh BxR]"
                );
                std::process::exit(2);
            }
        }
    }
    assert!(
        params.bands * params.rows <= slots,
        "--lsh {}x{} bands more than the {slots} slots",
        params.bands,
        params.rows
    );
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("one pool");
    let texts = load(&corpus);
    let bytes: usize = texts.iter().map(String::len).sum();
    let truth: Option<HashSet<(u32, u32)>> = truth_path.map(|p| {
        let v: Vec<(u32, u32)> =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("truth file")).unwrap();
        v.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect()
    });
    let baseline = hwm_mb();
    if seeds > 0 {
        seed_sweep(
            &texts,
            truth.as_ref().expect("--seeds needs --truth"),
            seeds,
            slots,
            params,
        );
        return;
    }
    if show_misses {
        let truth = truth.as_ref().expect("--misses needs --truth");
        misses(
            &texts,
            truth,
            &MinHasher::new(MinHashConfig {
                slots,
                ..MinHashConfig::default()
            })
            .expect("valid"),
            params,
        );
        return;
    }

    // 128 slots unless `--slots` says otherwise, as the peers are measured (the detector's
    // default is 256).
    let minhash = MinHashConfig {
        slots,
        ..MinHashConfig::default()
    };
    // The detector densifies the slots the LSH below bands (all 128 of 32 × 4 by default).
    let detector = Detector::new(DetectorConfig {
        minhash: minhash.clone(),
        lsh: Some(params),
        ..DetectorConfig::default()
    })
    .expect("valid");
    let minhasher = MinHasher::new(minhash).expect("valid");
    // Best of three for the signature timings: the machine is shared.
    let best = |f: &dyn Fn() -> Vec<Signature>| {
        let mut best = f64::INFINITY;
        let mut out = Vec::new();
        for _ in 0..3 {
            // The previous run's signatures are freed before the clock starts: freeing them
            // is one thread's work, and timing it made two threads look slower than they are.
            drop(std::mem::take(&mut out));
            let t = Instant::now();
            out = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, out)
    };
    let empty = || Signature::from_parts(vec![u32::MAX; slots], 0);
    let own = || -> Vec<Signature> {
        texts
            .par_iter()
            .map(|t| detector.signature(t).unwrap_or_else(|_| empty()))
            .collect()
    };
    let analyze = || -> Vec<Signature> {
        texts
            .par_iter()
            .map(|t| {
                detector
                    .analyze(t)
                    .map_or_else(|_| empty(), |a| a.signature)
            })
            .collect()
    };
    let peer = || -> Vec<Signature> {
        texts
            .par_iter()
            .map_init(Vec::new, |words, t| {
                minhasher.sketch(peer_shingles(t, 0, words))
            })
            .collect()
    };
    let variants: [(&str, &dyn Fn() -> Vec<Signature>); 3] = [
        ("copydesk", &own),
        ("copydesk_peer_tokens", &peer),
        ("copydesk_analyze", &analyze),
    ];
    for (name, make) in variants
        .into_iter()
        .filter(|(n, _)| only.as_deref().is_none_or(|o| o == *n))
    {
        let (sign, sigs) = best(make);
        // Best of three, as for the signatures (and as the peers script's --repeat does).
        let mut best = lsh(&sigs, params, 0.5);
        for _ in 0..2 {
            let run = lsh(&sigs, params, 0.5);
            best.build = best.build.min(run.build);
            best.query_all = best.query_all.min(run.query_all);
            best.query_each = best.query_each.min(run.query_each);
            best.verify = best.verify.min(run.verify);
        }
        let Lsh {
            build,
            query_all: query,
            query_each,
            verify,
            candidates,
            good,
        } = best;
        let mut result = serde_json::json!({
            "peer": name,
            "threads": threads,
            "n_docs": texts.len(),
            "corpus_mb": bytes as f64 / 1e6,
            "sign_s": sign,
            "shingle_s": 0.0,
            "build_s": build,
            "query_s": query,
            "query_each_s": query_each,
            "verify_s": verify,
            "slots": slots,
            "bands_rows": [params.bands, params.rows],
            "candidate_pairs": candidates,
            "verified_pairs": good.len(),
            "rss_baseline_mb": baseline,
            "peak_rss_mb": hwm_mb(),
            "peak_minus_baseline_mb": hwm_mb() - baseline,
        });
        if let Some(truth) = &truth {
            let found = good.iter().filter(|p| truth.contains(p)).count();
            result["vs_truth"] = serde_json::json!({
                "truth_pairs": truth.len(),
                "found": found,
                "recall": found as f64 / truth.len().max(1) as f64,
                "extra_pairs_not_in_truth": good.len() - found,
            });
        }
        println!("{result}");
    }
}
