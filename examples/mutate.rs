//! Writes a large JSONL corpus with real duplicate structure, for scale tests: every output
//! article is an input article, mutated by word edits, truncation and sentence shuffles.
//!
//! ```text
//! cargo run --release --example mutate -- COUNT INPUT.jsonl... > big.jsonl
//! cargo run --release --example mutate -- 1000000 ../shared/data/reuters21578.jsonl \
//!     ../shared/data/bbc_news.jsonl > /tmp/million.jsonl
//! ```
//!
//! Deterministic: the same arguments write the same bytes. Each line is
//! `{"id", "text", "base"}`, `base` being the input article it was made from.

use std::io::{BufRead, BufWriter, Write};

/// xorshift64*: small, fast, and good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn mutate(text: &str, rng: &mut Rng, vocabulary: &[String]) -> String {
    let mut sentences: Vec<&str> = text
        .split_inclusive(['.', '\n'])
        .filter(|s| !s.trim().is_empty())
        .collect();
    if sentences.len() > 3 && rng.chance(30) {
        // Swap a few sentences: a reordered rewrite.
        for _ in 0..1 + sentences.len() / 8 {
            let (a, b) = (rng.below(sentences.len()), rng.below(sentences.len()));
            sentences.swap(a, b);
        }
    }
    if sentences.len() > 2 && rng.chance(40) {
        // Keep the first half to all of it: a trimmed copy.
        let keep = sentences.len() / 2 + rng.below(sentences.len() / 2 + 1);
        sentences.truncate(keep.max(1));
    }
    let edit_rate = [0, 2, 5, 10, 30][rng.below(5)];
    let mut out = String::with_capacity(text.len() + 64);
    for s in sentences {
        for (i, w) in s.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if edit_rate > 0 && rng.chance(edit_rate) {
                match rng.below(3) {
                    0 => continue, // deleted
                    1 => out.push_str(&vocabulary[rng.below(vocabulary.len())]),
                    _ => {
                        out.push_str(w);
                        out.push(' ');
                        out.push_str(&vocabulary[rng.below(vocabulary.len())]);
                    }
                }
            } else {
                out.push_str(w);
            }
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(count), true) = (
        args.first().and_then(|c| c.parse::<usize>().ok()),
        args.len() > 1,
    ) else {
        eprintln!("usage: mutate COUNT INPUT.jsonl...");
        std::process::exit(2);
    };
    let mut base: Vec<(String, String)> = Vec::new();
    for path in &args[1..] {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        for line in file.lines() {
            let v: serde_json::Value = serde_json::from_str(&line?)?;
            if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
                if !text.trim().is_empty() {
                    base.push((id.to_string(), text.to_string()));
                }
            }
        }
    }
    let vocabulary: Vec<String> = base
        .iter()
        .take(2000)
        .flat_map(|(_, t)| t.split_whitespace().map(str::to_string))
        .filter(|w| w.len() > 3)
        .take(50_000)
        .collect();
    let mut rng = Rng(0x5eed_c0de_dead_beef);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for n in 0..count {
        let (id, text) = &base[rng.below(base.len())];
        // One article in five is an unmodified copy of its base.
        let text = if rng.chance(20) {
            text.clone()
        } else {
            mutate(text, &mut rng, &vocabulary)
        };
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"id": format!("m{n}"), "text": text, "base": id}),
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
