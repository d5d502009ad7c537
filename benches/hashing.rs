//! Throughput of the hot path on generated article text.
//!
//! `cargo bench --bench hashing`. Text is generated in-process (a fixed-seed mix of a few
//! hundred English words with capitalised names, punctuation and paragraphs), so the numbers are
//! reproducible on any machine. When `../shared/data/reuters21578.jsonl` is present (or
//! `COPYDESK_SHARED` points at the shared folder), the `corpus` group also measures its first
//! 4,000 articles of real news. `benches/peers.py` compares copydesk with the peer libraries.

use copydesk::lsh::{LshIndex, LshParams};
use copydesk::minhash::{Algorithm, MinHashConfig, MinHasher, Signature};
use copydesk::normalize::Normalizer;
use copydesk::shingle::{ShingleConfig, Shingler, WordShingles};
use copydesk::simhash::Fingerprint;
use copydesk::{Detector, DetectorConfig};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const WORDS: &[&str] = &[
    "the",
    "government",
    "said",
    "on",
    "Tuesday",
    "that",
    "it",
    "would",
    "raise",
    "taxes",
    "for",
    "companies",
    "in",
    "the",
    "energy",
    "sector",
    "after",
    "prices",
    "rose",
    "sharply",
    "minister",
    "Paris",
    "Berlin",
    "talks",
    "agreement",
    "officials",
    "of",
    "a",
    "and",
    "to",
    "market",
    "shares",
    "fell",
    "percent",
    "bank",
    "central",
    "inflation",
    "Reuters",
    "reported",
    "police",
    "killed",
    "earthquake",
    "region",
    "president",
    "election",
    "votes",
    "court",
    "ruled",
];

fn article(seed: u64, words: usize) -> String {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = String::with_capacity(words * 7);
    for i in 0..words {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.push_str(WORDS[(s % WORDS.len() as u64) as usize]);
        out.push(match i % 97 {
            96 => '\n',
            n if n % 13 == 12 => '.',
            _ => ' ',
        });
        if i % 13 == 12 {
            out.push(' ');
        }
    }
    out
}

fn corpus() -> Vec<String> {
    (0..64)
        .map(|i| article(i, 300 + (i as usize * 37) % 500))
        .collect()
}

fn bytes(c: &[String]) -> u64 {
    c.iter().map(|a| a.len() as u64).sum()
}

/// Normalises every document; returns the bytes of words, so nothing is optimised away.
fn normalize_all(n: &Normalizer, docs: &[impl AsRef<str>]) -> usize {
    let mut count = 0usize;
    for d in docs {
        n.for_each_token(d.as_ref(), |t| count += t.text.len());
    }
    count
}

fn bench_text(c: &mut Criterion) {
    let docs = corpus();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes(&docs)));
    let n = Normalizer::default();
    g.bench_function("normalize", |b| {
        b.iter(|| black_box(normalize_all(&n, &docs)))
    });
    let shingler = Shingler::new(ShingleConfig::default()).unwrap();
    g.bench_function("shingle_words5", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for d in &docs {
                shingler.for_each_shingle(&n, d, |h| x ^= h);
            }
            black_box(x)
        })
    });
    g.finish();
}

fn bench_sketch(c: &mut Criterion) {
    let docs = corpus();
    let n = Normalizer::default();
    let shingler = Shingler::new(ShingleConfig::default()).unwrap();
    let words: Vec<Vec<u64>> = docs
        .iter()
        .map(|d| {
            let mut w = Vec::new();
            n.for_each_token(d, |t| w.push(shingler.word_hash(t.text)));
            w
        })
        .collect();
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Bytes(bytes(&docs)));
    for alg in [Algorithm::OnePermutation, Algorithm::Classic] {
        for slots in [64usize, 128, 256] {
            let h = MinHasher::new(MinHashConfig {
                slots,
                algorithm: alg,
                seed: 0,
            })
            .unwrap();
            g.bench_with_input(
                BenchmarkId::new(format!("{alg:?}"), slots),
                &slots,
                |b, _| {
                    b.iter(|| {
                        for w in &words {
                            black_box(h.sketch(WordShingles::new(w, 5, 0)));
                        }
                    })
                },
            );
        }
    }
    g.bench_function("simhash64", |b| {
        b.iter(|| {
            for w in &words {
                black_box(Fingerprint::from_shingles(WordShingles::new(w, 5, 0)));
            }
        })
    });
    g.finish();
}

fn bench_detector(c: &mut Criterion) {
    let docs = corpus();
    let articles: Vec<(String, String)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (i.to_string(), d.clone()))
        .collect();
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Bytes(bytes(&docs)));
    g.sample_size(20);
    g.bench_function("analyze", |b| {
        let det = Detector::new(DetectorConfig::default()).unwrap();
        b.iter(|| {
            for d in &docs {
                black_box(det.analyze(d).unwrap());
            }
        })
    });
    g.bench_function("insert", |b| {
        b.iter(|| {
            let mut det = Detector::new(DetectorConfig::default()).unwrap();
            for (id, d) in &articles {
                black_box(det.insert(id, d).unwrap());
            }
        })
    });
    g.bench_function("par_insert_batch", |b| {
        b.iter(|| {
            let mut det = Detector::new(DetectorConfig::default()).unwrap();
            black_box(det.par_insert_batch(&articles));
        })
    });
    bench_recluster(&mut g, &articles);
    g.finish();
}

/// `Detector::recluster` of the articles once inserted (a fresh copy of the detector each
/// time, made outside the timing).
fn bench_recluster(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    articles: &[(String, String)],
) {
    let mut det = Detector::new(DetectorConfig::default()).unwrap();
    det.par_insert_batch(articles);
    g.bench_function("recluster", |b| {
        b.iter_batched(
            || det.clone(),
            |mut d| black_box(d.recluster()),
            criterion::BatchSize::LargeInput,
        )
    });
}

fn bench_lsh(c: &mut Criterion) {
    let det = Detector::new(DetectorConfig::default()).unwrap();
    let sigs: Vec<Signature> = (0..2000)
        .map(|i| det.signature(&article(i, 200)).unwrap())
        .collect();
    let params = LshParams::new(32, 4).unwrap();
    let mut g = c.benchmark_group("lsh");
    g.throughput(Throughput::Elements(sigs.len() as u64));
    g.bench_function("insert_32x4", |b| {
        b.iter(|| {
            let mut index = LshIndex::new(params);
            for (i, s) in sigs.iter().enumerate() {
                index.insert(i as u32, s).unwrap();
            }
            black_box(index.len())
        })
    });
    g.bench_function("extend_32x4", |b| {
        b.iter(|| {
            let mut index = LshIndex::new(params);
            index
                .extend(sigs.iter().enumerate().map(|(i, s)| (i as u32, s)))
                .unwrap();
            black_box(index.len())
        })
    });
    let mut index = LshIndex::new(params);
    index
        .extend(sigs.iter().enumerate().map(|(i, s)| (i as u32, s)))
        .unwrap();
    g.bench_function("query_32x4", |b| {
        b.iter(|| {
            for s in &sigs {
                black_box(index.query(s, 0.5));
            }
        })
    });
    g.finish();
}

/// The first `n` articles of a shared JSONL file, when the shared data is there.
fn shared_articles(name: &str, n: usize) -> Option<Vec<(String, String)>> {
    let dir = std::env::var_os("COPYDESK_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let text = std::fs::read_to_string(dir.join("data").join(name)).ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                let t = v["text"].as_str()?;
                (!t.trim().is_empty()).then(|| (v["id"].to_string(), t.to_string()))
            })
            .take(n)
            .collect(),
    )
}

fn bench_corpus(c: &mut Criterion) {
    let Some(articles) = shared_articles("reuters21578.jsonl", 4000) else {
        eprintln!("corpus group skipped: ../shared/data/reuters21578.jsonl is missing");
        return;
    };
    let docs: Vec<&str> = articles.iter().map(|a| a.1.as_str()).collect();
    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Bytes(docs.iter().map(|d| d.len() as u64).sum()));
    g.sample_size(10);
    let n = Normalizer::default();
    g.bench_function("normalize", |b| {
        b.iter(|| black_box(normalize_all(&n, &docs)))
    });
    let det = Detector::new(DetectorConfig::default()).unwrap();
    g.bench_function("signature", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(det.signature(d).ok());
            }
        })
    });
    g.bench_function("analyze", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(det.analyze(d).ok());
            }
        })
    });
    g.bench_function("par_insert_batch", |b| {
        b.iter(|| {
            let mut det = Detector::new(DetectorConfig::default()).unwrap();
            black_box(det.par_insert_batch(&articles));
        })
    });
    bench_recluster(&mut g, &articles);
    g.finish();
}

criterion_group!(
    benches,
    bench_text,
    bench_sketch,
    bench_lsh,
    bench_detector,
    bench_corpus
);
criterion_main!(benches);
