//! Reading one article: [`Analysis`] and [`Detector::analyze`](crate::Detector::analyze).
//!
//! Owns normalising, word hashing, shingling and sketching an article's text, and counting its
//! terms, all without touching the detector's state, so that many articles are read in
//! parallel. It may not index, decide or change anything: what it computes is handed to the
//! batch machinery ([`super::batch`]) or to [`Detector::query`](crate::Detector::query).

use super::decide::SHORT_SHINGLES;
use super::Detector;
use crate::error::{ErrorKind, Result};
use crate::hash::{fmix64, Tally};
use crate::minhash::Signature;
use crate::shingle::{CharShingles, ShingleKind, WordShingles};
use crate::terms::{TermCounter, TermCounts};
use crate::time::Timestamp;

/// The running hash of an article's words starts here.
const CONTENT_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// One article, read: everything the detector needs from its text, computed without touching
/// the detector's state, so that many can be computed in parallel.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Analysis {
    /// MinHash signature of the shingles.
    pub signature: Signature,
    /// Hash of the whole normalised word sequence.
    pub content: u64,
    /// Number of words after normalisation.
    pub words: u32,
    /// Raw term statistics for the story tier.
    pub terms: TermCounts,
    /// When the article was published, if known ([`Detector::analyze_at`]): the dates its
    /// text names were resolved against it, and the detector orders and windows stories by it.
    pub published: Option<Timestamp>,
    /// Where the article comes from (an outlet or wire), if known: kept with it, and read back
    /// by [`Detector::source_of`]. Set it before inserting the analysis.
    pub source: Option<String>,
}

/// An article to insert: its id and text, and when it was published and where it comes from,
/// if known.
///
/// With publication times, the earliest published version of a story founds it and is the
/// original the others are said to copy, whatever the order they arrive in; a rewrite joins
/// a story only within [`StoryConfig::window_hours`](crate::StoryConfig::window_hours) of its
/// members; and dates in the text (`on Tuesday`, `yesterday`, `Sept. 4`) are read as calendar
/// days.
///
/// ```
/// use copydesk::{Article, Detector, Timestamp};
///
/// let mut d = Detector::new(Default::default())?;
/// let text = "Gales closed the Kessington harbour bridge on Monday, the port authority said.";
/// let monday = Timestamp::from_date(2026, 1, 5).unwrap();
/// let tuesday = Timestamp::from_date(2026, 1, 6).unwrap();
/// // The republished copy arrives first; the wire original, published a day earlier, after.
/// d.insert_article(&Article::new("outlet", text).published(tuesday))?;
/// d.insert_article(&Article::new("wire", text).published(monday))?;
/// assert!(d.verdict_of("wire").unwrap().is_new());
/// assert_eq!(d.verdict_of("outlet").unwrap().matched.unwrap().id, "wire");
/// # Ok::<(), copydesk::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Article<'a> {
    /// The article's id, unique in the detector.
    pub id: &'a str,
    /// Its text.
    pub text: &'a str,
    /// When it was published, if known.
    pub published: Option<Timestamp>,
    /// Where it comes from (an outlet or wire), if known: kept with the article
    /// ([`Detector::source_of`]); it does not change any decision.
    pub source: Option<&'a str>,
}

impl<'a> Article<'a> {
    /// An article without a publication time or source.
    pub fn new(id: &'a str, text: &'a str) -> Article<'a> {
        Article {
            id,
            text,
            published: None,
            source: None,
        }
    }

    /// The article, from `source`.
    ///
    /// ```
    /// use copydesk::{Article, Detector};
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert_article(&Article::new("ap-1", "Gales closed the harbour bridge.").source("AP"))?;
    /// assert_eq!(d.source_of("ap-1"), Some("AP"));
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn source(self, source: &'a str) -> Article<'a> {
        Article {
            source: Some(source),
            ..self
        }
    }

    /// The article, published at `time`.
    pub fn published(self, time: Timestamp) -> Article<'a> {
        Article {
            published: Some(time),
            ..self
        }
    }
}

/// Runs `f` with an empty buffer for an article's word hashes: one per thread, reused, since
/// allocating and freeing one per article (over a kilobyte for a typical one, too large for
/// the allocator's per-thread cache) cost 5 % of hashing. A buffer grown past 64K words by a
/// huge article is given back, not kept; a call made while the buffer is in use (from inside
/// `f`) gets a fresh one.
pub(super) fn with_word_buffer<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    thread_local! {
        static WORDS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    crate::scratch::with_scratch(
        &WORDS,
        |words| words.capacity() > 1 << 16,
        |words| {
            words.clear();
            f(words)
        },
    )
}

/// Runs `f` with this thread's [`Tally`], kept from call to call; one that grew past 64K
/// slots for a huge query is given back.
pub(super) fn with_tally<R>(f: impl FnOnce(&mut Tally) -> R) -> R {
    thread_local! {
        static TALLY: std::cell::RefCell<Tally> = std::cell::RefCell::default();
    }
    crate::scratch::with_scratch(&TALLY, |t| t.capacity() > 1 << 16, f)
}

impl Detector {
    /// Reads one article. Pure: the detector is not changed.
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] over
    /// [`DetectorConfig::max_article_bytes`](crate::DetectorConfig::max_article_bytes);
    /// [`ErrorKind::EmptyText`] when no word is left after normalisation.
    pub fn analyze(&self, text: &str) -> Result<Analysis> {
        self.analyze_at(text, None)
    }

    /// [`Detector::analyze`] of an article published at `published`, if known: the dates
    /// its text names (`on Tuesday`, `yesterday`, `March 4`) are read as calendar days counted
    /// from it, and the analysis carries it to [`Detector::insert_analysis`].
    ///
    /// # Errors
    /// As [`Detector::analyze`].
    pub fn analyze_at(&self, text: &str, published: Option<Timestamp>) -> Result<Analysis> {
        self.check_size(text)?;
        if !self.config.story.enabled {
            return self.analyze_for_copies(text, published);
        }
        with_word_buffer(|words| {
            let mut counter = self.term_counter(text, published);
            let content = self.hash_words(text, words, |h, t| counter.push(&self.stop, h, t));
            self.finish_analysis(text, words, content, counter.finish(), published)
        })
    }

    /// Hashes the words of `text` into `words`, calling `each` with every word's hash and
    /// token, and returns the running hash of the word sequence.
    #[inline(always)]
    fn hash_words(
        &self,
        text: &str,
        words: &mut Vec<u64>,
        mut each: impl FnMut(u64, &crate::normalize::Token<'_>),
    ) -> u64 {
        let mut content = CONTENT_SEED;
        let seed = self.config.shingle.seed;
        self.normalizer.for_each_token(text, |t| {
            let h = t.word_hash(seed);
            words.push(h);
            content = fmix64(content ^ h).wrapping_add(h);
            each(h, &t);
        });
        content
    }

    /// [`Detector::analyze_at`] when the story tier is off: the terms, which then only tell
    /// whether two short texts share a word ([`SHORT_SHINGLES`]), are counted for short texts
    /// alone, in a second, cheap pass. Term counting is over a third of a long article's
    /// analysis, and a near-copy run never reads it.
    fn analyze_for_copies(&self, text: &str, published: Option<Timestamp>) -> Result<Analysis> {
        with_word_buffer(|words| {
            let content = self.hash_words(text, words, |_, _| {});
            let mut analysis =
                self.finish_analysis(text, words, content, TermCounts::default(), published)?;
            if analysis.signature.shingles() < SHORT_SHINGLES {
                let seed = self.config.shingle.seed;
                let mut counter = self.term_counter(text, published);
                self.normalizer
                    .for_each_token(text, |t| counter.push(&self.stop, t.word_hash(seed), &t));
                analysis.terms = counter.finish();
            }
            Ok(analysis)
        })
    }

    fn term_counter(&self, text: &str, published: Option<Timestamp>) -> TermCounter {
        TermCounter::new(self.config.terms.lede_words, text.len())
            .published_on(published.map(Timestamp::day))
    }

    /// The analysis of a text whose words were hashed into `words` (`content` their running
    /// hash) and whose terms were counted into `terms`.
    fn finish_analysis(
        &self,
        text: &str,
        words: &[u64],
        content: u64,
        terms: TermCounts,
        published: Option<Timestamp>,
    ) -> Result<Analysis> {
        if words.is_empty() {
            return Err(ErrorKind::EmptyText.into());
        }
        let seed = self.config.shingle.seed;
        let signature = match self.config.shingle.kind {
            ShingleKind::Words { k } => self.sketch(WordShingles::new(words, k, seed)),
            ShingleKind::Chars { n } => {
                let normalized = self.normalizer.normalize(text);
                self.sketch(CharShingles::new(&normalized, n, seed))
            }
        };
        Ok(Analysis {
            signature,
            content: fmix64(content ^ words.len() as u64),
            words: u32::try_from(words.len()).unwrap_or(u32::MAX),
            terms,
            published,
            source: None,
        })
    }

    /// The article's MinHash signature alone: normalisation, shingling and sketching, without the
    /// term statistics of [`Detector::analyze`]. Equal to `analyze(text)?.signature`, at a fraction
    /// of the cost, for users who only need near copies. Only the slots the detector's bands read
    /// are densified
    /// ([`MinHasher::sketch_for_bands`](crate::minhash::MinHasher::sketch_for_bands)): to band it
    /// over more slots in an index of your own, set
    /// [`DetectorConfig::lsh`](crate::DetectorConfig::lsh) to those bands.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let d = Detector::new(Default::default())?;
    /// let text = "Ferries to the islands were cancelled on Friday as gales swept the coast.";
    /// assert_eq!(d.signature(text)?, d.analyze(text)?.signature);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Detector::analyze`].
    pub fn signature(&self, text: &str) -> Result<Signature> {
        self.check_size(text)?;
        let seed = self.config.shingle.seed;
        match self.config.shingle.kind {
            ShingleKind::Words { k } => with_word_buffer(|words| {
                self.normalizer
                    .for_each_token(text, |t| words.push(t.word_hash(seed)));
                if words.is_empty() {
                    return Err(ErrorKind::EmptyText.into());
                }
                Ok(self.sketch(WordShingles::new(words, k, seed)))
            }),
            ShingleKind::Chars { n } => {
                let normalized = self.normalizer.normalize(text);
                if normalized.trim().is_empty() {
                    return Err(ErrorKind::EmptyText.into());
                }
                Ok(self.sketch(CharShingles::new(&normalized, n, seed)))
            }
        }
    }

    /// The signature of shingles, densified only where the LSH bands read it
    /// ([`MinHasher::sketch_for_bands`]): the estimates are the same, for less work.
    #[inline]
    pub(super) fn sketch(&self, shingles: impl IntoIterator<Item = u64>) -> Signature {
        self.minhasher
            .sketch_for_bands(shingles, self.near.params().slots())
    }

    pub(super) fn check_size(&self, text: &str) -> Result<()> {
        if text.len() > self.config.max_article_bytes {
            return Err(ErrorKind::TooLarge {
                bytes: text.len(),
                max: self.config.max_article_bytes,
            }
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_buffer_is_reused_bounded_and_reentrant() {
        with_word_buffer(|w| w.extend(0..10));
        // Cleared, but its memory kept.
        with_word_buffer(|w| assert!(w.is_empty() && w.capacity() >= 10));
        // A huge article's buffer is not kept.
        with_word_buffer(|w| w.extend(0..100_000));
        with_word_buffer(|w| assert_eq!(w.capacity(), 0));
        // A nested call gets its own buffer and leaves the outer one alone.
        with_word_buffer(|outer| {
            outer.push(7);
            with_word_buffer(|inner| {
                assert!(inner.is_empty());
                inner.push(8);
            });
            assert_eq!(outer, &[7]);
        });
    }

    proptest::proptest! {
        /// With the story tier off, an analysis is the full one's signature, content hash and
        /// word count, and its terms are the full one's for a short text and none otherwise.
        #[test]
        fn without_stories_only_short_texts_count_terms(
            words in proptest::collection::vec("[a-f]{1,3}|On|Monday|1987|[0-9]{1,2}", 1..40),
        ) {
            let text = words.join(" ");
            let full = Detector::new(crate::DetectorConfig::default()).unwrap();
            let mut config = crate::DetectorConfig::default();
            config.story.enabled = false;
            let copies = Detector::new(config).unwrap();
            let (a, b) = (full.analyze(&text), copies.analyze(&text));
            let (Ok(a), Ok(b)) = (a, b) else {
                proptest::prop_assert!(full.analyze(&text).is_err() && copies.analyze(&text).is_err());
                return Ok(());
            };
            proptest::prop_assert_eq!(&a.signature, &b.signature);
            proptest::prop_assert_eq!((a.content, a.words), (b.content, b.words));
            if a.signature.shingles() < SHORT_SHINGLES {
                proptest::prop_assert_eq!(&a.terms, &b.terms);
            } else {
                proptest::prop_assert_eq!(&b.terms, &TermCounts::default());
            }
        }
    }
}
