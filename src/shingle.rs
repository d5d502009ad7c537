//! Shingling: the overlapping word or character n-grams of a text, as 64-bit hashes.
//!
//! Words are hashed once each, with xxh3 over their normalised UTF-8 bytes and the configured
//! seed ([`word_hash`]). A word k-shingle's hash combines the k word hashes in order
//! ([`combine`]), so a shingle costs k multiplications, not a string. Character n-grams are
//! hashed with xxh3 over the n characters' bytes of the normalised text (words joined by single
//! spaces). Nothing allocates per shingle: [`WordShingles`] walks a slice of word hashes.
//!
//! A text with fewer words than k (or characters than n) has exactly one shingle: all of it.
//!
//! ```
//! use copydesk::normalize::Normalizer;
//! use copydesk::shingle::{ShingleConfig, Shingler};
//!
//! let shingler = Shingler::new(ShingleConfig::default())?;
//! let set = shingler.shingle_set(&Normalizer::default(), "one two three four five six");
//! assert_eq!(set.len(), 2); // "one..five" and "two..six"
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::hash::fmix64;
use crate::normalize::Normalizer;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ShingleKind {
    /// `k` consecutive words. The default, with `k = 5`.
    Words {
        /// Words per shingle, 1 to 32.
        k: usize,
    },
    /// `n` consecutive characters of the normalised text. Robust to OCR noise and spelling
    /// variants, at several times the cost of word shingles.
    Chars {
        /// Characters per shingle, 1 to 64.
        n: usize,
    },
}

/// How texts are cut into shingles.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ShingleConfig {
    /// Word or character shingles. Default: words, `k = 5`.
    pub kind: ShingleKind,
    /// Seed of every word and shingle hash. Signatures made with different seeds cannot be
    /// compared. Default 0.
    pub seed: u64,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig {
            kind: ShingleKind::Words { k: 5 },
            seed: 0,
        }
    }
}

/// Cuts normalised text into shingle hashes.
#[derive(Clone, Debug)]
pub struct Shingler {
    config: ShingleConfig,
}

impl Shingler {
    /// A shingler, once its configuration is checked.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when `k` is not in 1..=32 or
    /// `n` not in 1..=64.
    pub fn new(config: ShingleConfig) -> Result<Shingler> {
        match config.kind {
            ShingleKind::Words { k } if !(1..=32).contains(&k) => {
                return Err(Error::config(
                    "shingle.kind.k",
                    format!("must be 1 to 32, got {k}"),
                ))
            }
            ShingleKind::Chars { n } if !(1..=64).contains(&n) => {
                return Err(Error::config(
                    "shingle.kind.n",
                    format!("must be 1 to 64, got {n}"),
                ))
            }
            _ => {}
        }
        Ok(Shingler { config })
    }

    /// The configuration.
    pub fn config(&self) -> &ShingleConfig {
        &self.config
    }

    /// The hash of one normalised word.
    #[inline]
    pub fn word_hash(&self, word: &str) -> u64 {
        word_hash(word, self.config.seed)
    }

    /// Calls `f` with the hash of every shingle of `text`, in order (repeats included).
    pub fn for_each_shingle(&self, normalizer: &Normalizer, text: &str, mut f: impl FnMut(u64)) {
        match self.config.kind {
            ShingleKind::Words { k } => {
                let mut words = Vec::new();
                normalizer.for_each_token(text, |t| words.push(self.word_hash(t.text)));
                WordShingles::new(&words, k, self.config.seed).for_each(f);
            }
            ShingleKind::Chars { n } => {
                let normalized = normalizer.normalize(text);
                CharShingles::new(&normalized, n, self.config.seed).for_each(&mut f);
            }
        }
    }

    /// The distinct shingle hashes of `text`, sorted: the exact set that signatures estimate.
    pub fn shingle_set(&self, normalizer: &Normalizer, text: &str) -> Vec<u64> {
        let mut set = Vec::new();
        self.for_each_shingle(normalizer, text, |h| set.push(h));
        set.sort_unstable();
        set.dedup();
        set
    }
}

/// The hash of one normalised word: xxh3-64 of its UTF-8 bytes with `seed`.
#[inline]
pub fn word_hash(word: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(word.as_bytes(), seed)
}

/// The hash of a shingle of consecutive word hashes, in order.
///
/// The procedure, fixed because signatures are persisted: start from
/// `seed ^ 0x243f_6a88_85a3_08d3 ^ words.len()`; for each word hash `w`, `h = ((h ^ w) ·
/// 0x9e37_79b9_7f4a_7c15).rotate_left(27)`; finish with MurmurHash3's `fmix64`.
#[inline]
pub fn combine(words: &[u64], seed: u64) -> u64 {
    #[inline(always)]
    fn fold(mut h: u64, words: &[u64]) -> u64 {
        for &w in words {
            h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(27);
        }
        h
    }
    let h = seed ^ 0x243f_6a88_85a3_08d3 ^ words.len() as u64;
    // The usual shingle sizes, in arms where the length is a constant, so that the loop
    // unrolls: a loop of five was a quarter of the instructions that sketched a shingle.
    let h = match words.len() {
        3 => fold(h, &words[..3]),
        4 => fold(h, &words[..4]),
        5 => fold(h, &words[..5]),
        _ => fold(h, words),
    };
    fmix64(h)
}

/// Iterator over the word k-shingle hashes of a slice of word hashes, made by
/// [`WordShingles::new`].
#[derive(Clone, Debug)]
pub struct WordShingles<'a> {
    windows: std::slice::Windows<'a, u64>,
    short: Option<&'a [u64]>,
    seed: u64,
}

impl<'a> WordShingles<'a> {
    /// The k-shingles of `words`; one shingle of all words when there are fewer than `k`,
    /// none when there are none.
    pub fn new(words: &'a [u64], k: usize, seed: u64) -> WordShingles<'a> {
        let k = k.max(1);
        let short = (!words.is_empty() && words.len() < k).then_some(words);
        WordShingles {
            windows: words.windows(k),
            short,
            seed,
        }
    }
}

impl Iterator for WordShingles<'_> {
    type Item = u64;

    #[inline(always)]
    fn next(&mut self) -> Option<u64> {
        if let Some(w) = self.short.take() {
            return Some(combine(w, self.seed));
        }
        self.windows.next().map(|w| combine(w, self.seed))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.windows.len() + usize::from(self.short.is_some());
        (n, Some(n))
    }
}

/// Iterator over the character n-gram hashes of a text, made by [`CharShingles::new`].
#[derive(Clone, Debug)]
pub struct CharShingles<'a> {
    text: &'a str,
    /// Byte offsets of the current window's first character and one past its last.
    start: usize,
    end: usize,
    done: bool,
    seed: u64,
}

impl<'a> CharShingles<'a> {
    /// The n-grams of `text`'s characters; one of the whole text when it is shorter than `n`.
    pub fn new(text: &'a str, n: usize, seed: u64) -> CharShingles<'a> {
        let end = text
            .char_indices()
            .nth(n.max(1))
            .map_or(text.len(), |(i, _)| i);
        CharShingles {
            text,
            start: 0,
            end,
            done: text.is_empty(),
            seed,
        }
    }
}

impl Iterator for CharShingles<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.done {
            return None;
        }
        let h = xxh3_64_with_seed(&self.text.as_bytes()[self.start..self.end], self.seed);
        match self.text[self.end..].chars().next() {
            Some(c) => {
                self.end += c.len_utf8();
                let first = self.text[self.start..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.start += first;
            }
            None => self.done = true,
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_shingle_counts() {
        let words = [1u64, 2, 3, 4, 5, 6, 7];
        assert_eq!(WordShingles::new(&words, 5, 0).count(), 3);
        assert_eq!(WordShingles::new(&words[..3], 5, 0).count(), 1);
        assert_eq!(WordShingles::new(&[], 5, 0).count(), 0);
        assert_eq!(WordShingles::new(&words, 1, 0).count(), 7);
    }

    #[test]
    fn combine_is_order_sensitive_and_seeded() {
        assert_ne!(combine(&[1, 2], 0), combine(&[2, 1], 0));
        assert_ne!(combine(&[1, 2], 0), combine(&[1, 2], 1));
        assert_ne!(combine(&[1], 0), combine(&[1, 1], 0));
    }

    #[test]
    fn char_shingles_match_naive_windows() {
        for text in ["", "ab", "abcdef", "naïve café ok"] {
            let chars: Vec<char> = text.chars().collect();
            let mut want: Vec<u64> = if chars.len() < 3 {
                if text.is_empty() {
                    vec![]
                } else {
                    vec![xxh3_64_with_seed(text.as_bytes(), 7)]
                }
            } else {
                chars
                    .windows(3)
                    .map(|w| xxh3_64_with_seed(w.iter().collect::<String>().as_bytes(), 7))
                    .collect()
            };
            let got: Vec<u64> = CharShingles::new(text, 3, 7).collect();
            want.truncate(got.len().max(want.len()));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn golden_word_hashes() {
        // Pinned: changing these changes every persisted signature.
        assert_eq!(word_hash("ukraine", 0), xxh3_64_with_seed(b"ukraine", 0));
        assert_eq!(combine(&[1, 2, 3, 4, 5], 0), 12_538_414_480_708_628_685);
    }

    #[test]
    fn rejects_bad_config() {
        for kind in [
            ShingleKind::Words { k: 0 },
            ShingleKind::Words { k: 33 },
            ShingleKind::Chars { n: 0 },
        ] {
            assert!(Shingler::new(ShingleConfig { kind, seed: 0 }).is_err());
        }
    }
}
