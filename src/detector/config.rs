//! What a detector can be told: [`DetectorConfig`] and [`StoryConfig`], with their documented
//! defaults, and the one check ([`Detector::new`](crate::Detector::new) calls it) after which
//! nothing fails for configuration reasons. Plain data: no state, no behaviour beyond
//! validation and the derived LSH banding.

use crate::cluster::Linkage;
use crate::error::{Error, Result};
use crate::lsh::LshParams;
use crate::minhash::{MinHashConfig, MinHasher};
use crate::normalize::NormalizeConfig;
use crate::shingle::ShingleConfig;
use crate::terms::TermConfig;

/// Everything a [`Detector`](crate::Detector) can be told. Plain data: build it, change fields, and
/// [`Detector::new`](crate::Detector::new) checks it once.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct DetectorConfig {
    /// Text normalisation.
    pub normalize: NormalizeConfig,
    /// Shingles for the near-copy tier. Default: word 5-shingles.
    pub shingle: ShingleConfig,
    /// MinHash signatures for the near-copy tier. Default: 256 slots, one-permutation hashing:
    /// a standard error of 0.031 at Jaccard 0.5, against 0.044 for 128, so fewer pairs at the
    /// threshold are missed or wrongly called near copies. The index keeps 16 bits a slot
    /// ([`Signature::compact`](crate::minhash::Signature::compact)), 512 bytes an article.
    pub minhash: MinHashConfig,
    /// LSH banding. `None` (the default) derives it from [`DetectorConfig::near_copy`] with
    /// recall-heavy weights (false negatives weigh four times false positives), since every
    /// candidate is verified anyway, over at most the first 128 slots: bands only find
    /// candidates, and bands over more slots cost more memory (each band is a hash table,
    /// the largest part of the index) for no measured gain: with bands over 128 slots, 997 to
    /// 999 of 1,000 pairs of wire articles at Jaccard ≥ 0.5 end up in one story, and bands over
    /// all 256 found no more. Verification uses every slot (`docs/how-it-decides.md`).
    pub lsh: Option<LshParams>,
    /// Least estimated Jaccard similarity of word shingles for a near copy. Default 0.5.
    pub near_copy: f64,
    /// Least estimated containment of the shorter article's shingles in the longer one's for a
    /// near copy (a trimmed or extended copy). Default 0.8. Only applies when the shorter
    /// article has at least [`DetectorConfig::min_containment_shingles`] shingles.
    pub near_copy_containment: f64,
    /// Default 40: about two paragraphs.
    pub min_containment_shingles: u32,
    /// A candidate whose estimated Jaccard similarity falls short of
    /// [`DetectorConfig::near_copy`] by less than two standard errors of the estimate
    /// (`2·√(t(1−t)/slots)`: 0.0625 for 256 slots) is still a near copy when the cosine of the
    /// two term vectors reaches this. Short articles have few shingles and noisy estimates;
    /// near-identical vocabulary settles the doubt. 1 turns this off. Default 0.9.
    pub near_copy_cosine: f32,
    /// The story-level tier's term vectors.
    pub terms: TermConfig,
    /// The story-level tier.
    pub story: StoryConfig,
    /// Longest article accepted, in bytes. Default 1 MiB: news articles run to tens of
    /// kilobytes of text (the longest of Reuters-21578 and BBC News is under 30 KB), so ten
    /// times the longest still passes, and a runaway input (a whole feed in one field, a binary
    /// file) is refused before it costs memory.
    pub max_article_bytes: usize,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            normalize: NormalizeConfig::default(),
            shingle: ShingleConfig::default(),
            minhash: MinHashConfig {
                slots: 256,
                ..MinHashConfig::default()
            },
            lsh: None,
            near_copy: 0.5,
            near_copy_containment: 0.8,
            min_containment_shingles: 40,
            near_copy_cosine: 0.9,
            terms: TermConfig::default(),
            story: StoryConfig::default(),
            max_article_bytes: 1 << 20,
        }
    }
}

/// The story-level tier's settings.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct StoryConfig {
    /// Link rewrites and summaries through term vectors. When off, only exact copies and near
    /// copies are linked. Default `true`.
    pub enabled: bool,
    /// How an article joins a story.
    pub linkage: Linkage,
    /// How many of an article's heaviest terms are indexed to find candidates, 1 to 256.
    /// Default 24.
    pub index_terms: usize,
    /// Least number of indexed terms a candidate must share. Default 2.
    pub min_shared_terms: usize,
    /// Most candidates scored per article, those sharing the most terms first. Default 32.
    pub max_candidates: usize,
    /// Most articles looked at per indexed term: the most recent that have it among their
    /// heaviest terms. Bounds the cost of an insert however large the index grows (a common
    /// term's list would otherwise grow with the stream), and favours recent stories, as a
    /// newsroom does. Default 64.
    pub max_postings: usize,
    /// Re-clustering ([`Detector::recluster`](crate::Detector::recluster)) reads each link relative
    /// to the two articles' neighbourhoods: its similarity divided by the geometric mean of each
    /// article's `neighbour_rank`-th strongest link (taken as at least [`Linkage::min_average`]),
    /// and merges groups while the average of that reaches [`StoryConfig::min_relative_average`].
    /// How similar two reports of one event are depends on what else the stream holds: among many
    /// unrelated articles, the words of an event's kind are rare and weigh as much as its names,
    /// and every similarity rises. A relative similarity does not move with it
    /// (docs/how-it-decides.md, "Relative similarity"). 0 turns this off: links are read as they
    /// are, against [`Linkage::min_average`]. 0 to 32. Default 5.
    pub neighbour_rank: usize,
    /// Least average relative similarity ([`StoryConfig::neighbour_rank`]) at which
    /// re-clustering merges two groups; over 0. Default 0.72: for a pair of articles, a
    /// similarity 72 % of the geometric mean of their fifth-strongest links.
    pub min_relative_average: f32,
    /// Re-clustering leaves an article alone (or with one other) when no group reaches the
    /// merging threshold on average with it. Such a *stray* then joins the group it is closest
    /// to, if its average similarity to that group is at least this fraction of the merging
    /// threshold ([`StoryConfig::min_relative_average`], or [`Linkage::min_average`] with
    /// [`StoryConfig::neighbour_rank`] 0) and at least [`StoryConfig::stray_margin`] times its
    /// average to any other group: one clear choice. A report that also covers something else
    /// (a column, a profile) shares the event's words with some of its reports and not others.
    /// 0 to 1; 0 turns this off. Default 0.5.
    pub stray_join: f32,
    /// How much closer, at least, a stray must be to the group it joins than to any other
    /// ([`StoryConfig::stray_join`]). At least 1. Default 1.5.
    pub stray_margin: f32,
    /// Stories are time-local: an article with a publication time is a rewrite of (and joins
    /// the story of) only articles published at most this many hours before or after it, when
    /// theirs is known. A story is one event as it was reported, and its rewrites and
    /// summaries run within a news cycle or two; a later development of the same affair, or a
    /// daily report of the same kind, is another story. Exact and near copies are copies
    /// whenever they were published (a republished archive piece is still a copy), and their
    /// verdict says when they cross it ([`Match::beyond_window`](crate::Match::beyond_window)).
    /// 0 turns this off. Default 72.
    pub window_hours: u32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig {
            enabled: true,
            linkage: Linkage::default(),
            index_terms: 24,
            min_shared_terms: 2,
            max_candidates: 32,
            max_postings: 64,
            neighbour_rank: 5,
            min_relative_average: 0.72,
            stray_join: 0.5,
            stray_margin: 1.5,
            window_hours: 72,
        }
    }
}

/// The most slots that derived LSH bands cover ([`DetectorConfig::lsh`]).
const BAND_SLOTS: usize = 128;

impl DetectorConfig {
    /// Checks every value and returns the LSH banding the detector will use: the one set in
    /// [`DetectorConfig::lsh`], or the one derived from [`DetectorConfig::near_copy`].
    /// Called by [`Detector::new`](super::Detector::new).
    pub(crate) fn validate(&self) -> Result<LshParams> {
        let config = self;
        config.shingle.validate()?;
        MinHasher::new(config.minhash.clone())?;
        let unit = |v: f64| v > 0.0 && v <= 1.0;
        if !unit(config.near_copy) {
            return Err(Error::config(
                "near_copy",
                format!("must be over 0 and at most 1, got {}", config.near_copy),
            ));
        }
        if !unit(config.near_copy_containment) {
            return Err(Error::config(
                "near_copy_containment",
                format!(
                    "must be over 0 and at most 1, got {}",
                    config.near_copy_containment
                ),
            ));
        }
        if !(0.0..=1.0).contains(&config.near_copy_cosine) {
            return Err(Error::config(
                "near_copy_cosine",
                format!("must be 0 to 1, got {}", config.near_copy_cosine),
            ));
        }
        config.terms.validate()?;
        config.story.linkage.validate()?;
        if !(1..=256).contains(&config.story.index_terms) {
            return Err(Error::config(
                "story.index_terms",
                format!("must be 1 to 256, got {}", config.story.index_terms),
            ));
        }
        if config.story.min_shared_terms == 0
            || config.story.min_shared_terms > config.story.index_terms
        {
            return Err(Error::config(
                "story.min_shared_terms",
                format!(
                    "must be 1 to story.index_terms ({}), got {}",
                    config.story.index_terms, config.story.min_shared_terms
                ),
            ));
        }
        if config.story.max_candidates == 0 {
            return Err(Error::config(
                "story.max_candidates",
                "must be at least 1, got 0",
            ));
        }
        if config.story.neighbour_rank > 32 {
            return Err(Error::config(
                "story.neighbour_rank",
                format!("must be 0 to 32, got {}", config.story.neighbour_rank),
            ));
        }
        let relative = config.story.min_relative_average;
        if !(relative.is_finite() && relative > 0.0) {
            return Err(Error::config(
                "story.min_relative_average",
                format!("must be over 0, got {relative}"),
            ));
        }
        if !(0.0..=1.0).contains(&config.story.stray_join) {
            return Err(Error::config(
                "story.stray_join",
                format!("must be 0 to 1, got {}", config.story.stray_join),
            ));
        }
        let margin = config.story.stray_margin;
        if !(margin.is_finite() && margin >= 1.0) {
            return Err(Error::config(
                "story.stray_margin",
                format!("must be at least 1, got {margin}"),
            ));
        }
        if config.story.max_postings == 0 {
            return Err(Error::config(
                "story.max_postings",
                "must be at least 1, got 0",
            ));
        }
        if config.max_article_bytes == 0 {
            return Err(Error::config(
                "max_article_bytes",
                "must be at least 1, got 0",
            ));
        }
        Ok(match config.lsh {
            Some(p) => {
                let p = LshParams::new(p.bands, p.rows)?;
                if p.slots() > config.minhash.slots {
                    return Err(Error::config(
                        "lsh",
                        format!(
                            "{} bands of {} rows need {} slots, minhash.slots is {}",
                            p.bands,
                            p.rows,
                            p.slots(),
                            config.minhash.slots
                        ),
                    ));
                }
                p
            }
            None if config.near_copy < 1.0 => LshParams::optimal(
                config.near_copy,
                config.minhash.slots.min(BAND_SLOTS),
                0.2,
                0.8,
            )?,
            None => LshParams::new(1, config.minhash.slots.min(crate::lsh::MAX_ROWS))?,
        })
    }
}
