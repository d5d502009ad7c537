//! Where word hashing loses its time: xxh3 branches three ways on a word's length (1–3, 4–8,
//! 9–16 bytes), and in running text the next word's length is a coin toss. This hashes every
//! word of a corpus (after copydesk's normalisation) in text order and again sorted by length,
//! where the branch is predictable, and tries a branch-free variant for words of 1 to 8 bytes
//! (both of xxh3's short paths computed, one chosen; checked equal to xxh3 first), and the
//! crate's own [`word_hash`], which since format version 5 reads a word of up to 8 bytes as
//! one padded integer and leaves only longer words to xxh3.
//!
//! ```text
//! cargo run --release --example word_hash_order -- ../shared/data/reuters21578.jsonl \
//!     ../shared/data/bbc_news.jsonl
//! ```

use copydesk::normalize::Normalizer;
use copydesk::shingle::word_hash;
use std::hint::black_box;
use std::io::BufRead;
use std::time::Instant;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// XXH3's default secret, folded into the keys its 1–3 and 4–8 byte paths use.
const KEY_1_TO_3: u32 = 0x8727_5a9b;
const KEY_4_TO_8: u64 = 0xc73a_b174_c5ec_d5a2;

/// xxh3 of 1 to 8 bytes, both short paths computed and one chosen without a branch on the
/// length class. The 4–8 byte path reads four bytes at each end, which a shorter word does not
/// have: it reads zeros instead, and its result is not chosen.
fn xxh3_up_to_8(bytes: &[u8], seed: u64) -> u64 {
    const ZEROS: [u8; 8] = [0; 8];
    let len = bytes.len();
    let combined = (u32::from(bytes[0]) << 16)
        | (u32::from(bytes[len >> 1]) << 24)
        | u32::from(bytes[len - 1])
        | ((len as u32) << 8);
    let mut h = u64::from(combined) ^ u64::from(KEY_1_TO_3).wrapping_add(seed);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0x1656_67B1_9E37_79F9);
    let short = h ^ (h >> 32);

    let (src, end): (&[u8], usize) = if len >= 4 {
        (bytes, len - 4)
    } else {
        (&ZEROS, 0)
    };
    let first = u32::from_le_bytes(src[..4].try_into().expect("four bytes"));
    let last = u32::from_le_bytes(src[end..end + 4].try_into().expect("four bytes"));
    let seed = seed ^ (u64::from((seed as u32).swap_bytes()) << 32);
    let keyed =
        (u64::from(last).wrapping_add(u64::from(first) << 32)) ^ KEY_4_TO_8.wrapping_sub(seed);
    let mut v = keyed ^ keyed.rotate_left(49) ^ keyed.rotate_left(24);
    v = v.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    v ^= (v >> 35).wrapping_add(len as u64);
    v = v.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    let medium = v ^ (v >> 28);
    if len >= 4 {
        medium
    } else {
        short
    }
}

/// The words, packed into one buffer in the given order: no pointer chasing in either order.
fn pack(words: &[&String]) -> (String, Vec<(usize, usize)>) {
    let mut buf = String::new();
    let mut spans = Vec::with_capacity(words.len());
    for w in words {
        spans.push((buf.len(), buf.len() + w.len()));
        buf.push_str(w);
    }
    (buf, spans)
}

/// Nanoseconds a word, best of five passes.
fn time(buf: &str, spans: &[(usize, usize)], hash: impl Fn(&str) -> u64) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        let mut acc = 0u64;
        for &(a, b) in spans {
            acc = acc.wrapping_add(hash(&buf[a..b]));
        }
        black_box(acc);
        best = best.min(t.elapsed().as_secs_f64() * 1e9 / spans.len() as f64);
    }
    best
}

fn main() {
    let normalizer = Normalizer::default();
    let mut words: Vec<String> = Vec::new();
    for path in std::env::args().skip(1) {
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in std::io::BufReader::new(file).lines() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            normalizer.for_each_token(v["text"].as_str().unwrap_or(""), |t| {
                words.push(t.text.to_string())
            });
        }
    }
    assert!(!words.is_empty(), "usage: word_hash_order CORPUS.jsonl...");
    for len in 1..=8usize {
        for seed in [0u64, 1, 42, u64::MAX] {
            let w: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
            assert_eq!(xxh3_up_to_8(&w, seed), xxh3_64_with_seed(&w, seed));
        }
    }
    let mut classes = [0usize; 4];
    for w in &words {
        classes[match w.len() {
            1..=3 => 0,
            4..=8 => 1,
            9..=16 => 2,
            _ => 3,
        }] += 1;
    }
    println!(
        "{} words; 1-3 bytes {:.0} %, 4-8 {:.0} %, 9-16 {:.0} %, longer {:.2} %",
        words.len(),
        100.0 * classes[0] as f64 / words.len() as f64,
        100.0 * classes[1] as f64 / words.len() as f64,
        100.0 * classes[2] as f64 / words.len() as f64,
        100.0 * classes[3] as f64 / words.len() as f64,
    );
    let in_text: Vec<&String> = words.iter().collect();
    let mut by_length = in_text.clone();
    by_length.sort_by_key(|w| w.len());
    let branch_free = |w: &str| {
        let w = w.as_bytes();
        if (1..=8).contains(&w.len()) {
            xxh3_up_to_8(w, 0)
        } else {
            xxh3_64_with_seed(w, 0)
        }
    };
    for (name, order) in [("text order", &in_text), ("sorted by length", &by_length)] {
        let (buf, spans) = pack(order);
        println!(
            "{name}: xxh3 {:.2} ns/word, branch-free up to 8 bytes {:.2} ns/word",
            time(&buf, &spans, |w| xxh3_64_with_seed(w.as_bytes(), 0)),
            time(&buf, &spans, branch_free),
        );
        println!(
            "{name}: copydesk word_hash {:.2} ns/word",
            time(&buf, &spans, |w| word_hash(w, 0)),
        );
    }
}
