//! Shingling: the overlapping word or character n-grams of a text, as 64-bit hashes.
//!
//! Words are hashed once each from their normalised UTF-8 bytes and the configured seed
//! ([`word_hash`]: a word of up to 8 bytes as one padded integer, longer ones with xxh3). A word k-shingle's hash combines the k word hashes in order
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

impl ShingleConfig {
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when `k` is not in
    /// 1..=32 or `n` not in 1..=64.
    pub(crate) fn validate(&self) -> Result<()> {
        match self.kind {
            ShingleKind::Words { k } if !(1..=32).contains(&k) => Err(Error::config(
                "shingle.kind.k",
                format!("must be 1 to 32, got {k}"),
            )),
            ShingleKind::Chars { n } if !(1..=64).contains(&n) => Err(Error::config(
                "shingle.kind.n",
                format!("must be 1 to 64, got {n}"),
            )),
            _ => Ok(()),
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
        config.validate()?;
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
                normalizer.for_each_token(text, |t| words.push(t.word_hash(self.config.seed)));
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

/// The hash of one normalised word.
///
/// The procedure, fixed because signatures and term statistics are persisted: a word of 1 to
/// 8 bytes is read as the little-endian integer `x` of its bytes padded with zeros, and hashed
/// as MurmurHash3's `fmix64(x ^ seed ^ len · 0x9e37_79b9_7f4a_7c15)`; any other word (longer,
/// or empty) is xxh3-64 of its bytes with `seed`. Within one length the short case is a
/// bijection, so no two short words collide.
///
/// Why not xxh3 throughout: xxh3 branches three ways on the length (1–3, 4–8, 9–16 bytes),
/// and in running text the next word's length is a coin toss the branch predictor loses;
/// nine words in ten are 1 to 8 bytes long, and here they take one path (measured with
/// `examples/word_hash_order.rs`).
///
/// ```
/// use copydesk::shingle::word_hash;
/// assert_ne!(word_hash("paris", 0), word_hash("paris", 1));
/// assert_ne!(word_hash("a", 0), word_hash("a\0", 0));
/// ```
#[inline]
pub fn word_hash(word: &str, seed: u64) -> u64 {
    let bytes = word.as_bytes();
    let len = bytes.len();
    if len == 0 || len > 8 {
        return xxh3_64_with_seed(bytes, seed);
    }
    // The padded integer from two loads whichever the length, chosen without a branch: four
    // bytes at each end for 4 to 8 bytes (a shorter word reads zeros there, and that value is
    // not chosen), else the first, middle and last byte. Where the loads overlap they read
    // the same bytes, so OR-ing them in place gives the padded integer either way.
    const ZEROS: [u8; 4] = [0; 4];
    let few = u64::from(bytes[0])
        | (u64::from(bytes[len / 2]) << (8 * (len / 2)))
        | (u64::from(bytes[len - 1]) << (8 * (len - 1)));
    let (src, end): (&[u8], usize) = if len >= 4 {
        (bytes, len - 4)
    } else {
        (&ZEROS, 0)
    };
    let first = u32::from_le_bytes(src[..4].try_into().expect("four bytes"));
    let last = u32::from_le_bytes(src[end..end + 4].try_into().expect("four bytes"));
    let four_to_eight = u64::from(first) | (u64::from(last) << (8 * end));
    let x = if len >= 4 { four_to_eight } else { few };
    short_word_hash(x, len, seed)
}

/// [`word_hash`] of a word of 1 to 8 bytes, from `padded`, its bytes read as a little-endian
/// integer padded with zeros, and its length.
#[inline(always)]
pub(crate) fn short_word_hash(padded: u64, len: usize, seed: u64) -> u64 {
    debug_assert!((1..=8).contains(&len));
    fmix64(padded ^ seed ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
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
    use proptest::prelude::*;

    /// `word_hash` of "ukraine" with seed 0 and of "us" with seed 7, computed from the
    /// documented procedure by an independent implementation (Python).
    const GOLDEN_UKRAINE: u64 = 6_499_871_238_347_739_096;
    const GOLDEN_US_7: u64 = 14_492_629_079_581_976_861;

    /// The short-word hash as documented, from a plainly padded copy of the bytes.
    fn naive_word_hash(word: &str, seed: u64) -> u64 {
        let bytes = word.as_bytes();
        if bytes.is_empty() || bytes.len() > 8 {
            return xxh3_64_with_seed(bytes, seed);
        }
        let mut padded = [0u8; 8];
        padded[..bytes.len()].copy_from_slice(bytes);
        let x = u64::from_le_bytes(padded);
        fmix64(x ^ seed ^ (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// `combine` as documented, one loop for every length.
    fn naive_combine(words: &[u64], seed: u64) -> u64 {
        let mut h = seed ^ 0x243f_6a88_85a3_08d3 ^ words.len() as u64;
        for &w in words {
            h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(27);
        }
        fmix64(h)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn combine_matches_the_loop_for_every_length(
            words in proptest::collection::vec(any::<u64>(), 0..9),
            seed in any::<u64>(),
        ) {
            prop_assert_eq!(combine(&words, seed), naive_combine(&words, seed));
        }

        #[test]
        fn word_hash_matches_the_padded_oracle(word in "\\PC{0,12}", seed in any::<u64>()) {
            prop_assert_eq!(word_hash(&word, seed), naive_word_hash(&word, seed));
        }
    }

    #[test]
    fn short_words_of_one_length_never_collide() {
        // A bijection within each length: every 2-byte ASCII word, distinct hashes.
        let mut seen = std::collections::HashSet::new();
        for a in b'0'..=b'z' {
            for b in b'0'..=b'z' {
                let w = String::from_utf8(vec![a, b]).unwrap();
                assert!(seen.insert(word_hash(&w, 3)), "{w}");
            }
        }
        for len in 1..=8 {
            let w = "x".repeat(len);
            assert_eq!(word_hash(&w, 0), naive_word_hash(&w, 0), "{len}");
        }
    }

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
        assert_eq!(word_hash("ukraine", 0), GOLDEN_UKRAINE);
        assert_eq!(word_hash("us", 7), GOLDEN_US_7);
        // Longer than eight bytes: xxh3.
        assert_eq!(
            word_hash("ceasefire", 0),
            xxh3_64_with_seed(b"ceasefire", 0)
        );
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
