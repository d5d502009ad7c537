//! The front door: a [`Detector`] takes articles one at a time or in batches and says, for each,
//! whether it is a new story or a copy or rewrite of one it has seen.
//!
//! Each article is read once ([`Detector::analyze`]): normalised, its words hashed, its word
//! shingles sketched into a MinHash [`Signature`], its terms counted. Then three tiers look for
//! an earlier version of it, strongest evidence first:
//!
//! 1. **Exact**: the same normalised words, found by a hash of the whole word sequence.
//! 2. **Near copy**: a MinHash estimate of Jaccard similarity of at least
//!    [`DetectorConfig::near_copy`], found through the LSH index; or a containment of at least
//!    [`DetectorConfig::near_copy_containment`] (a trimmed copy inside a longer one, or the
//!    reverse). A near copy joins its original's story.
//! 3. **Rewrite**: the story-level tier ([`crate::terms`]). Candidates share at least
//!    [`StoryConfig::min_shared_terms`] of their [`StoryConfig::index_terms`] heaviest terms;
//!    each is scored by the cosine of the two term vectors; the article joins the story it
//!    resembles as a whole, by the [`Linkage`] rule, which is what stops a run of weak links
//!    from chaining unrelated articles together.
//!
//! Every reported match has been verified and carries its score.
//!
//! ```
//! use copydesk::{Detector, MatchKind};
//!
//! let mut detector = Detector::new(Default::default())?;
//! let wire = "The central bank raised its main interest rate by half a point on Thursday, \
//!             its third increase this year, citing stubborn inflation in services.";
//! let first = detector.insert("wire-1", wire)?;
//! assert!(first.is_new());
//! let copy = detector.insert("outlet-7", &format!("{wire} Markets fell after the news."))?;
//! assert_eq!(copy.story, first.story);
//! assert_eq!(copy.matched.unwrap().kind, MatchKind::NearCopy);
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::cluster::{average_link, neighbour_scales, Linkage, Stories, StoryId, StoryLink};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{fmix64, push_to, FastMap, SmallList, Tally};
use crate::lsh::{LshIndex, LshParams};
use crate::minhash::{
    containment_from_jaccard, CompactRef, CompactSignature, MinHashConfig, MinHasher, Signature,
};
use crate::normalize::{NormalizeConfig, Normalizer};
use crate::shingle::{CharShingles, ShingleConfig, ShingleKind, WordShingles};
use crate::terms::{
    DocumentFrequencies, StopWords, TermConfig, TermCounter, TermCounts, TermLookup, TermVector,
};
use std::collections::HashMap;
use std::sync::Arc;

#[cfg(feature = "persist")]
mod persist;
mod postings;
#[cfg(feature = "persist")]
pub use persist::FORMAT_VERSION;

/// The most slots that derived LSH bands cover ([`DetectorConfig::lsh`]).
const BAND_SLOTS: usize = 128;

/// Articles of a batch indexed and then decided together (see `Detector::insert_in_chunks`):
/// enough to share the work among threads, few enough that the story postings, which keep a
/// chunk's articles until it is decided (at most `2·max_postings` and a chunk to a term), stay
/// small.
const DECIDE_CHUNK: usize = 1024;

/// `f` of each item, in order: on rayon's pool when `parallel` (and the `rayon` feature is
/// on), else on this thread.
fn map<T: Sync, R: Send>(items: &[T], parallel: bool, f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return items.par_iter().map(f).collect();
    }
    let _ = parallel;
    items.iter().map(f).collect()
}

/// [`map`], taking the items: each is dropped on the thread that mapped it.
fn map_owned<T: Send, R: Send>(
    items: Vec<T>,
    parallel: bool,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    let _ = parallel;
    items.into_iter().map(f).collect()
}

/// A new article of a batch, weighed and ready to index.
struct Weighed {
    id: Arc<str>,
    content: u64,
    signature: CompactSignature,
    vector: TermVector,
    /// Its heaviest terms, to post.
    top: Vec<u64>,
}

/// Where `d` is in `numbers` (ascending, distinct): first where it would be if the numbers
/// had no gaps (as in a batch that removed nothing), else by binary search.
fn position(numbers: &[u32], d: u32) -> Option<u32> {
    let guess = d.checked_sub(*numbers.first()?)? as usize;
    if numbers.get(guess) == Some(&d) {
        return Some(guess as u32);
    }
    numbers.binary_search(&d).ok().map(|i| i as u32)
}

/// Everything a [`Detector`] can be told. Plain data: build it, change fields, and
/// [`Detector::new`] checks it once.
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
    /// ([`Signature::compact`]), 512 bytes an article.
    pub minhash: MinHashConfig,
    /// LSH banding. `None` (the default) derives it from [`DetectorConfig::near_copy`] with
    /// recall-heavy weights (false negatives weigh four times false positives), since every
    /// candidate is verified anyway, over at most the first 128 slots: bands only find
    /// candidates, and bands over more slots cost more memory (each band is a hash table,
    /// the largest part of the index) for no measured gain: with bands over 128 slots, 997 to
    /// 999 of 1,000 pairs of wire articles at Jaccard ≥ 0.5 end up in one story, and bands over
    /// all 256 found no more (README, "The signature"). Verification uses every slot.
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
    /// Longest article accepted, in bytes. Default 64 MiB.
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
            max_article_bytes: 64 << 20,
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
    /// Re-clustering ([`Detector::recluster`]) reads each link relative to the two articles'
    /// neighbourhoods: its similarity divided by the geometric mean of each article's
    /// `neighbour_rank`-th strongest link (taken as at least [`Linkage::min_average`]), and
    /// merges groups while the average of that reaches
    /// [`StoryConfig::min_relative_average`]. How similar two reports of one event are
    /// depends on what else the stream holds: among many unrelated articles, the words of an
    /// event's kind are rare and weigh as much as its names, and every similarity rises. A
    /// relative similarity does not move with it (see the README, "How it decides"). 0 turns
    /// this off: links are read as they are, against [`Linkage::min_average`]. 0 to 32.
    /// Default 5.
    pub neighbour_rank: usize,
    /// Least average relative similarity ([`StoryConfig::neighbour_rank`]) at which
    /// re-clustering merges two groups; over 0. Default 0.72: for a pair of articles, a
    /// similarity 72 % of the geometric mean of their fifth-strongest links.
    pub min_relative_average: f32,
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
        }
    }
}

/// How an article matched an earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MatchKind {
    /// The same words after normalisation.
    Exact,
    /// Most of the same five-word phrases, or one contained in the other.
    NearCopy,
    /// The same story told in other words: a paraphrase, a partial rewrite, a summary.
    Rewrite,
}

impl MatchKind {
    /// `"exact"`, `"near_copy"` or `"rewrite"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::NearCopy => "near_copy",
            MatchKind::Rewrite => "rewrite",
        }
    }
}

/// The earlier article an article matched.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Match {
    /// The earlier article's id.
    pub id: String,
    /// How it matched.
    pub kind: MatchKind,
    /// The score that decided, 0 to 1: 1 for an exact copy; the estimated Jaccard similarity
    /// (or containment, when that decided) for a near copy; the term-vector cosine for a
    /// rewrite.
    pub similarity: f32,
}

/// What the detector says about one article.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verdict {
    /// The story the article belongs to.
    pub story: StoryId,
    /// The earlier article of its story it matched; `None` for the first article of a story
    /// (one that founded a new story, or that heads one after the stories were revised).
    /// Revising the stories ([`Detector::recluster`], [`Detector::merge_stories`]) keeps the
    /// two in agreement. (An article whose match has since been removed keeps that match.)
    pub matched: Option<Match>,
}

impl Verdict {
    /// True when the article is the first of its story: it matched no earlier one.
    pub fn is_new(&self) -> bool {
        self.matched.is_none()
    }
}

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
}

/// Everything a [`Detector`] holds about one indexed article, from [`Detector::record`]: what
/// an application stores to rebuild the detector later with [`Detector::restore`], article by
/// article (the ingest service keeps one per database row).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ArticleRecord {
    /// The detector's internal number for the article, in insertion order. Story ids are the
    /// numbers of the articles that founded them.
    pub number: u32,
    /// The article's id.
    pub id: String,
    /// Hash of its normalised word sequence.
    pub content: u64,
    /// Its story.
    pub story: StoryId,
    /// Its MinHash signature, compact (as the LSH index keeps it).
    pub signature: CompactSignature,
    /// Its weighted term vector.
    pub vector: TermVector,
    /// The verdict it was given.
    pub verdict: Verdict,
    /// The story candidates it was weighed against when it was decided: the numbers of
    /// earlier articles, with their similarity (over 0, at most 1). [`Detector::recluster`]
    /// links articles by them. `None` when not known (and when absent from a self-describing
    /// format such as JSON); recluster then looks them up.
    #[cfg_attr(feature = "serde", serde(default))]
    pub links: Option<Vec<(u32, f32)>>,
}

/// Runs `f` with an empty buffer for an article's word hashes: one per thread, reused, since
/// allocating and freeing one per article (over a kilobyte for a typical one, too large for
/// the allocator's per-thread cache) cost 5 % of hashing. A buffer grown past 64K words by a
/// huge article is given back, not kept; a call made while the buffer is in use (from inside
/// `f`) gets a fresh one.
fn with_word_buffer<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
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
fn with_tally<R>(f: impl FnOnce(&mut Tally) -> R) -> R {
    thread_local! {
        static TALLY: std::cell::RefCell<Tally> = std::cell::RefCell::default();
    }
    crate::scratch::with_scratch(&TALLY, |t| t.capacity() > 1 << 16, f)
}

/// An indexed article. Its id is shared, not copied, with the `ids` map and with the
/// matches of later articles that name it: one allocation per id.
#[derive(Clone, Debug)]
struct Doc {
    id: Arc<str>,
    content: u64,
    story: StoryId,
    vector: TermVector,
    /// The match of its verdict (the verdict's story is `story`, which merges update).
    matched: Option<StoredMatch>,
    /// The story candidates weighed when it was decided (earlier articles, with their
    /// similarity, at least [`Linkage::min_link`] and over 0), which [`Detector::recluster`]
    /// links it by; empty when a tier before the story tier decided. `None` when not known
    /// (restored from a record without them), until a recluster looks them up.
    links: Option<Links>,
}

/// An article's story links: earlier articles' numbers, with their similarity.
type Links = Box<[(u32, f32)]>;

/// The indexed articles by number. Numbers are given in order and never reused, so the
/// articles from the lowest live number on sit in a deque of slots, one per number, found
/// without hashing (a hash map of a million articles held twice their size). Slots of removed
/// articles at the front are given back. Should a few old articles outlive most of their
/// successors (the rest removed), they move to a side map once the free slots behind them
/// outnumber the articles, so free slots never cost more than the articles themselves.
#[derive(Clone, Debug, Default)]
struct DocTable {
    /// The number of `slots[0]`.
    first: u32,
    slots: std::collections::VecDeque<Option<Doc>>,
    /// Articles numbered under `first`.
    old: FastMap<u32, Doc>,
    len: usize,
}

impl DocTable {
    fn get(&self, d: u32) -> Option<&Doc> {
        match d.checked_sub(self.first) {
            Some(i) => self.slots.get(i as usize)?.as_ref(),
            None => self.old.get(&d),
        }
    }

    fn get_mut(&mut self, d: u32) -> Option<&mut Doc> {
        match d.checked_sub(self.first) {
            Some(i) => self.slots.get_mut(i as usize)?.as_mut(),
            None => self.old.get_mut(&d),
        }
    }

    fn contains(&self, d: u32) -> bool {
        self.get(d).is_some()
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `doc` as number `d`, which is not stored.
    fn insert(&mut self, d: u32, doc: Doc) {
        // Slots for the numbers between `d` and the others, unless that would leave more free
        // slots than articles: then the others move to the side map, or `d` does.
        if self.slots.is_empty() && d >= self.first {
            self.first = d;
        } else if d < self.first {
            let gap = (self.first - d) as usize;
            // The side map holds only numbers under `first`.
            if gap > self.len + 64 || !self.old.is_empty() {
                self.old.insert(d, doc);
                self.len += 1;
                return;
            }
            for _ in 0..gap {
                self.slots.push_front(None);
            }
            self.first = d;
        } else if (d - self.first) as usize >= self.slots.len() + self.len + 64 {
            let first = self.first;
            for (i, slot) in std::mem::take(&mut self.slots).into_iter().enumerate() {
                if let Some(old) = slot {
                    self.old.insert(first + i as u32, old);
                }
            }
            self.first = d;
        }
        let i = (d - self.first) as usize;
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        debug_assert!(self.slots[i].is_none());
        self.slots[i] = Some(doc);
        self.len += 1;
        self.compact();
    }

    fn remove(&mut self, d: u32) -> Option<Doc> {
        let doc = match d.checked_sub(self.first) {
            Some(i) => self.slots.get_mut(i as usize)?.take(),
            None => self.old.remove(&d),
        }?;
        self.len -= 1;
        self.compact();
        Some(doc)
    }

    /// Gives back free slots at either end, and moves articles out of the front while the
    /// slots hold more free ones than articles.
    fn compact(&mut self) {
        while let Some(None) = self.slots.back() {
            self.slots.pop_back();
        }
        while let Some(front) = self.slots.front() {
            let held = self.len - self.old.len();
            if front.is_some() && self.slots.len() <= 2 * held + 64 {
                break;
            }
            if let Some(doc) = self.slots.pop_front().flatten() {
                self.old.insert(self.first, doc);
            }
            self.first += 1;
        }
    }

    /// Every article, by number.
    fn iter(&self) -> impl Iterator<Item = (u32, &Doc)> + '_ {
        let mut old: Vec<(u32, &Doc)> = self.old.iter().map(|(&d, doc)| (d, doc)).collect();
        old.sort_unstable_by_key(|&(d, _)| d);
        let first = self.first;
        old.into_iter().chain(
            self.slots
                .iter()
                .enumerate()
                .filter_map(move |(i, doc)| Some((first + i as u32, doc.as_ref()?))),
        )
    }
}

impl std::ops::Index<&u32> for DocTable {
    type Output = Doc;

    fn index(&self, d: &u32) -> &Doc {
        self.get(*d).expect("an indexed article")
    }
}

#[derive(Clone, Debug)]
struct StoredMatch {
    id: Arc<str>,
    kind: MatchKind,
    similarity: f32,
}

impl Doc {
    fn verdict(&self) -> Verdict {
        verdict(self.story, self.matched.as_ref())
    }
}

/// The verdict of an article in `story`, matched (or not) as `matched` says.
fn verdict(story: StoryId, matched: Option<&StoredMatch>) -> Verdict {
    Verdict {
        story,
        matched: matched.map(|m| Match {
            id: m.id.to_string(),
            kind: m.kind,
            similarity: m.similarity,
        }),
    }
}

/// Two articles' scores on every tier, from [`Detector::compare`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Similarity {
    /// The same words after normalisation.
    pub exact: bool,
    /// Estimated Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// Estimated containment of the smaller shingle set in the larger.
    pub containment: f64,
    /// Cosine of the term vectors.
    pub cosine: f32,
    /// Both mention years, none in common ([`TermVector::years_conflict`]).
    pub years_conflict: bool,
}

/// Counts of what a detector holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// Articles indexed.
    pub articles: usize,
    /// Stories with at least one indexed article.
    pub stories: usize,
    /// Articles counted in the term statistics (every article ever inserted).
    pub documents_seen: u64,
    /// Distinct terms in the term statistics.
    pub terms: usize,
}

/// Finds copies and rewrites of the stories it has seen. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Detector {
    config: DetectorConfig,
    normalizer: Normalizer,
    minhasher: MinHasher,
    stop: StopWords,
    near: LshIndex<u32>,
    df: DocumentFrequencies,
    docs: DocTable,
    ids: HashMap<Arc<str>, u32>,
    exact: FastMap<u64, SmallList<u32>>,
    postings: postings::Postings,
    stories: Stories,
    next_doc: u32,
}

/// A finished batch's stories, read-only: what [`Detector::finish`] returns. It answers what
/// the detector answered about its articles; the indexes that further inserts and queries
/// would need are gone.
#[derive(Debug)]
pub struct Finished {
    detector: Detector,
    changed: usize,
}

impl Finished {
    /// How many articles the final [recluster](Detector::recluster) moved to another story.
    pub fn changed(&self) -> usize {
        self.changed
    }

    /// See [`Detector::story_of`].
    pub fn story_of(&self, id: &str) -> Option<StoryId> {
        self.detector.story_of(id)
    }

    /// See [`Detector::verdict_of`].
    pub fn verdict_of(&self, id: &str) -> Option<Verdict> {
        self.detector.verdict_of(id)
    }

    /// See [`Detector::verdicts`]: every article, in the order it was inserted.
    pub fn verdicts(&self) -> impl Iterator<Item = (&str, Verdict)> + '_ {
        self.detector.verdicts()
    }

    /// See [`Detector::members`].
    pub fn members(&self, story: StoryId) -> Vec<&str> {
        self.detector.members(story)
    }

    /// See [`Detector::stats`].
    pub fn stats(&self) -> Stats {
        self.detector.stats()
    }

    /// See [`Detector::compare`].
    pub fn compare(&self, a: &str, b: &str) -> Option<Similarity> {
        self.detector.compare(a, b)
    }

    /// [`Detector::save`]: the same bytes as the detector reclustered instead of finished;
    /// [`Detector::load`] reads them back into a detector that takes inserts and queries.
    ///
    /// # Errors
    /// As [`Detector::save`].
    #[cfg(feature = "persist")]
    pub fn save<W: std::io::Write>(&self, w: W) -> Result<()> {
        self.detector.save(w)
    }

    /// [`Detector::save_file`], atomically.
    ///
    /// # Errors
    /// As [`Detector::save_file`].
    #[cfg(feature = "persist")]
    pub fn save_file(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.detector.save_file(path)
    }
}

/// What [`Detector::find`] found for an article: everything its decision needs but the
/// stories of the articles before it.
struct Finding {
    /// The exact or near copy it is of, with the kind and score.
    copy: Option<(u32, MatchKind, f32)>,
    /// The story candidates weighed, if the story tier was reached.
    links: Vec<(u32, f32)>,
    /// Similarities to story members other than `links`, by member, computed ahead of
    /// settling ([`Detector::foresee`]); settling computes any other it needs.
    foreseen: Vec<(u32, f32)>,
}

/// What the tiers decided for an article, before it is stored.
struct Decision {
    story: Option<StoryId>,
    matched: Option<(u32, MatchKind, f32)>,
    /// The story candidates weighed, if the story tier was reached.
    links: Vec<(u32, f32)>,
}

impl Detector {
    /// A detector, once its configuration is checked.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] naming the first value out of range.
    pub fn new(config: DetectorConfig) -> Result<Detector> {
        config.shingle.validate()?;
        let minhasher = MinHasher::new(config.minhash.clone())?;
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
        let params = match config.lsh {
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
        };
        Ok(Detector {
            normalizer: Normalizer::new(config.normalize.clone()),
            stop: StopWords::new(config.shingle.seed),
            minhasher,
            near: LshIndex::new(params),
            df: DocumentFrequencies::default(),
            docs: DocTable::default(),
            ids: HashMap::new(),
            exact: FastMap::default(),
            postings: postings::Postings::default(),
            stories: Stories::default(),
            next_doc: 0,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// The LSH banding in use.
    pub fn lsh_params(&self) -> LshParams {
        self.near.params()
    }

    /// Reads one article. Pure: the detector is not changed.
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] over [`DetectorConfig::max_article_bytes`];
    /// [`ErrorKind::EmptyText`] when no word is left after normalisation.
    pub fn analyze(&self, text: &str) -> Result<Analysis> {
        self.check_size(text)?;
        with_word_buffer(|words| {
            let mut counter = TermCounter::new(self.config.terms.lede_words, text.len());
            let mut content = 0x2545_f491_4f6c_dd1du64;
            let seed = self.config.shingle.seed;
            self.normalizer.for_each_token(text, |t| {
                let h = t.word_hash(seed);
                words.push(h);
                content = fmix64(content ^ h).wrapping_add(h);
                counter.push(&self.stop, h, &t);
            });
            if words.is_empty() {
                return Err(ErrorKind::EmptyText.into());
            }
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
                terms: counter.finish(),
            })
        })
    }

    /// The article's MinHash signature alone: normalisation, shingling and sketching, without
    /// the term statistics of [`Detector::analyze`]. Equal to `analyze(text)?.signature`, at
    /// a fraction of the cost, for users who only need near copies. Only the slots the
    /// detector's bands read are densified ([`MinHasher::sketch_for_bands`]): to band it over
    /// more slots in an index of your own, set [`DetectorConfig::lsh`] to those bands.
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
    fn sketch(&self, shingles: impl IntoIterator<Item = u64>) -> Signature {
        self.minhasher
            .sketch_for_bands(shingles, self.near.params().slots())
    }

    fn check_size(&self, text: &str) -> Result<()> {
        if text.len() > self.config.max_article_bytes {
            return Err(ErrorKind::TooLarge {
                bytes: text.len(),
                max: self.config.max_article_bytes,
            }
            .into());
        }
        Ok(())
    }

    /// Reads and indexes one article, and says which story it belongs to.
    ///
    /// Inserting an id again with the same text changes nothing and returns the first verdict.
    ///
    /// # Errors
    /// Those of [`Detector::analyze`]; [`ErrorKind::IdConflict`] when the id was inserted with
    /// different text. The detector is unchanged by a failed insert.
    pub fn insert(&mut self, id: &str, text: &str) -> Result<Verdict> {
        let analysis = self.analyze(text)?;
        self.insert_analysis(id, analysis)
    }

    /// Indexes an article read by [`Detector::analyze`] (possibly on another thread).
    ///
    /// # Errors
    /// [`ErrorKind::IdConflict`] as for [`Detector::insert`].
    pub fn insert_analysis(&mut self, id: &str, analysis: Analysis) -> Result<Verdict> {
        let mut verdicts = self.insert_analyses(std::iter::once(id), vec![Ok(analysis)], false);
        verdicts.pop().expect("one verdict per article")
    }

    /// What [`Detector::insert`] would say, without indexing the article or counting its terms.
    ///
    /// # Errors
    /// Those of [`Detector::analyze`].
    pub fn query(&self, text: &str) -> Result<Verdict> {
        let analysis = self.analyze(text)?;
        let vector = self.df.vector(&analysis.terms, &self.config.terms);
        let top = vector.top(self.config.story.index_terms);
        let sig = analysis.signature.compact();
        let found = self.find(analysis.content, sig.as_ref(), &vector, &top, u32::MAX);
        let d = self.settle(found, &vector);
        let story = d.story.unwrap_or(StoryId(u64::from(self.next_doc)));
        let matched = d.matched.map(|m| self.stored_match(m));
        Ok(verdict(story, matched.as_ref()))
    }

    /// Inserts many articles, `(id, text)`, in order; the verdicts are in the same order.
    ///
    /// Unlike a loop of [`Detector::insert`], every article's terms are counted before any is
    /// weighed, so early articles of the batch benefit from the whole batch's statistics.
    /// The result does not depend on how the work is scheduled: [`Detector::par_insert_batch`]
    /// returns exactly the same.
    pub fn insert_batch<I: AsRef<str>, T: AsRef<str>>(
        &mut self,
        articles: &[(I, T)],
    ) -> Vec<Result<Verdict>> {
        let analyses: Vec<Result<Analysis>> = articles
            .iter()
            .map(|(_, t)| self.analyze(t.as_ref()))
            .collect();
        self.insert_analyses(articles.iter().map(|(id, _)| id.as_ref()), analyses, false)
    }

    /// [`Detector::insert_batch`], reading the articles and deciding them on rayon's thread
    /// pool: the articles of a batch are indexed a chunk at a time, and each is decided against
    /// the articles before it, on any thread; only the choice of a story for a rewrite, which
    /// depends on the stories of the articles before it, is made one article after another.
    /// The verdicts are identical to the sequential method's, whatever the number of threads.
    #[cfg(feature = "rayon")]
    pub fn par_insert_batch<I: AsRef<str> + Sync, T: AsRef<str> + Sync>(
        &mut self,
        articles: &[(I, T)],
    ) -> Vec<Result<Verdict>> {
        use rayon::prelude::*;
        let analyses: Vec<Result<Analysis>> = articles
            .par_iter()
            .map(|(_, t)| self.analyze(t.as_ref()))
            .collect();
        self.insert_analyses(articles.iter().map(|(id, _)| id.as_ref()), analyses, true)
    }

    /// Inserts a batch of articles analysed beforehand by [`Detector::analyze`] (of this
    /// detector or of any detector with the same configuration: analysis depends on nothing
    /// else), with [`Detector::insert_batch`]'s meaning: every article's terms are counted
    /// before any is weighed. This lets an application analyse the next batch on other threads
    /// while this one is inserted.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// let reader = d.clone();
    /// let texts = ["Gales closed the harbour on Friday.", "Gales closed the harbour on Friday."];
    /// let analyses = texts.iter().map(|t| reader.analyze(t)).collect();
    /// let verdicts = d.insert_analyzed_batch(&["a", "b"], analyses);
    /// assert_eq!(verdicts[1].as_ref().unwrap().matched.as_ref().unwrap().id, "a");
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `ids` and `analyses` differ in length.
    pub fn insert_analyzed_batch<I: AsRef<str>>(
        &mut self,
        ids: &[I],
        analyses: Vec<Result<Analysis>>,
    ) -> Vec<Result<Verdict>> {
        assert_eq!(ids.len(), analyses.len(), "one analysis per id");
        self.insert_analyses(ids.iter().map(AsRef::as_ref), analyses, false)
    }

    /// [`Detector::insert_analyzed_batch`], deciding the articles on rayon's pool.
    /// The verdicts are identical, whatever the number of threads.
    #[cfg(feature = "rayon")]
    pub fn par_insert_analyzed_batch<I: AsRef<str>>(
        &mut self,
        ids: &[I],
        analyses: Vec<Result<Analysis>>,
    ) -> Vec<Result<Verdict>> {
        assert_eq!(ids.len(), analyses.len(), "one analysis per id");
        self.insert_analyses(ids.iter().map(AsRef::as_ref), analyses, true)
    }

    /// Every batch insert, with the articles decided `DECIDE_CHUNK` at a time (on rayon's
    /// pool when `parallel`).
    fn insert_analyses<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        analyses: Vec<Result<Analysis>>,
        parallel: bool,
    ) -> Vec<Result<Verdict>> {
        self.insert_in_chunks(ids, analyses, parallel, DECIDE_CHUNK)
    }

    /// Numbers the new articles of a batch, counts their terms, weighs them, then indexes and
    /// decides them `chunk` at a time. Each article is decided against the articles numbered
    /// under it only, so the verdicts are those of inserting the articles one after another
    /// (after counting the batch's terms), however large `chunk` is: but while the decisions
    /// of one chunk are made, everything they read is fixed, so they can be made in parallel.
    /// Only the choice of a story, which depends on the stories of the articles before, is
    /// made one article after another ([`Detector::settle`]).
    fn insert_in_chunks<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        analyses: Vec<Result<Analysis>>,
        parallel: bool,
        chunk: usize,
    ) -> Vec<Result<Verdict>> {
        // 1. Numbers, in order: an id seen before (in this batch or earlier) with the same
        // text gets that article's verdict, with other text an error.
        let first = self.next_doc;
        let mut fresh: Vec<(Arc<str>, Analysis)> = Vec::new();
        let numbers: Vec<Result<u32>> = ids
            .zip(analyses)
            .map(|(id, a)| {
                let a = a?;
                if let Some(&d) = self.ids.get(id) {
                    let content = match d.checked_sub(first) {
                        Some(i) => fresh[i as usize].1.content,
                        None => self.docs[&d].content,
                    };
                    return if content == a.content {
                        Ok(d)
                    } else {
                        Err(ErrorKind::IdConflict { id: id.to_string() }.into())
                    };
                }
                let d = self.next_doc;
                self.next_doc = d
                    .checked_add(1)
                    .expect("more than 4 294 967 295 articles inserted");
                let id: Arc<str> = id.into();
                self.ids.insert(Arc::clone(&id), d);
                fresh.push((id, a));
                Ok(d)
            })
            .collect();
        // 2. Every new article's terms are counted before any is weighed.
        for (_, a) in &fresh {
            self.df.add(&a.terms);
        }
        // Each analysis becomes what is stored, and what is not (the term counts, the full
        // signature) is freed, on the pool's threads, which allocated it.
        let this = &*self;
        let weighed: Vec<Weighed> = map_owned(fresh, parallel, |(id, a)| {
            let vector = this.df.vector(&a.terms, &this.config.terms);
            let top = vector.top(this.config.story.index_terms);
            Weighed {
                id,
                content: a.content,
                signature: a.signature.compact(),
                vector,
                top,
            }
        });
        // 3. Chunk by chunk: index, find (in parallel), settle (in order).
        let mut number = first;
        let mut weighed = weighed.into_iter().peekable();
        while weighed.peek().is_some() {
            let start = number;
            let mut tops: Vec<Vec<u64>> = Vec::with_capacity(chunk);
            let mut signatures: Vec<(u32, CompactSignature)> = Vec::with_capacity(chunk);
            for w in weighed.by_ref().take(chunk) {
                let Weighed {
                    id,
                    content,
                    signature,
                    vector,
                    top,
                } = w;
                push_to(&mut self.exact, content, number);
                signatures.push((number, signature));
                tops.push(top);
                self.docs.insert(
                    number,
                    Doc {
                        id,
                        content,
                        // Until it is settled.
                        story: StoryId(u64::from(number)),
                        vector,
                        matched: None,
                        links: None,
                    },
                );
                number += 1;
            }
            self.near
                .extend_chunk(signatures, parallel)
                .expect("signatures come from the detector's own hasher");
            if self.config.story.enabled {
                let cap = self.config.story.max_postings;
                self.postings.post_chunk(start, &tops, cap, parallel);
            }
            let this = &*self;
            let numbered: Vec<(u32, Vec<u64>)> = (start..).zip(tops).collect();
            let found: Vec<Finding> = map(&numbered, parallel, |(d, top)| {
                let doc = &this.docs[d];
                let sig = this.near.get(d).expect("indexed above");
                let mut found = this.find(doc.content, sig, &doc.vector, top, *d);
                found.foreseen = this.foresee(&found, &doc.vector);
                found
            });
            for ((d, _), found) in numbered.into_iter().zip(found) {
                let decision = self.settle(found, &self.docs[&d].vector);
                let story = decision.story.unwrap_or(StoryId(u64::from(d)));
                let matched = decision.matched.map(|m| self.stored_match(m));
                let links = self.kept_links(decision.links);
                let doc = self.docs.get_mut(d).expect("indexed above");
                doc.story = story;
                doc.matched = matched;
                doc.links = Some(links);
                self.stories.add(story, d);
            }
        }
        numbers
            .into_iter()
            .map(|d| Ok(self.docs[&d?].verdict()))
            .collect()
    }

    /// Removes an article from the index. Its story keeps its id and its other members.
    /// Returns false for an unknown id. The term statistics keep counting it.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(doc_no) = self.ids.remove(id) else {
            return false;
        };
        let doc = self.docs.remove(doc_no).expect("ids and docs agree");
        self.near.remove(&doc_no);
        if let Some(v) = self.exact.get_mut(&doc.content) {
            if v.remove(&doc_no) {
                self.exact.remove(&doc.content);
            }
        }
        for term in doc.vector.top(self.config.story.index_terms) {
            self.postings.remove(term, doc_no);
        }
        self.stories.remove(doc.story, doc_no);
        true
    }

    /// What the detector holds about an indexed article, to store and later
    /// [restore](Detector::restore).
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "The harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// let record = d.record("a").unwrap();
    /// let mut again = Detector::new(Default::default())?;
    /// again.restore(record)?;
    /// assert_eq!(again.story_of("a"), d.story_of("a"));
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn record(&self, id: &str) -> Option<ArticleRecord> {
        let &number = self.ids.get(id)?;
        let doc = &self.docs[&number];
        Some(ArticleRecord {
            number,
            id: doc.id.to_string(),
            content: doc.content,
            story: doc.story,
            signature: self.near.get(&number)?.to_owned(),
            vector: doc.vector.clone(),
            verdict: doc.verdict(),
            links: doc.links.as_deref().map(<[_]>::to_vec),
        })
    }

    /// Puts back an article from its [record](Detector::record), with its story and verdict,
    /// without deciding anything again. Restoring records in the order of their numbers
    /// rebuilds the detector they came from; articles inserted afterwards get later numbers.
    /// Term statistics are not part of a record: see [`Detector::set_term_statistics`].
    ///
    /// # Errors
    /// [`ErrorKind::IdConflict`] when the id is indexed; [`ErrorKind::InvalidRecord`] when the
    /// number is taken or the signature or vector does not fit this detector's configuration.
    pub fn restore(&mut self, record: ArticleRecord) -> Result<()> {
        self.restore_with(record, None)
    }

    /// [`Detector::restore`]; with `pending`, the signature is left there for the caller to
    /// add to the near-copy index in bulk ([`LshIndex::extend`]), which must happen before the
    /// detector is used.
    pub(crate) fn restore_with(
        &mut self,
        record: ArticleRecord,
        pending: Option<&mut Vec<(u32, CompactSignature)>>,
    ) -> Result<()> {
        let ArticleRecord {
            number,
            id,
            content,
            story,
            signature,
            vector,
            verdict,
            links,
        } = record;
        if self.ids.contains_key(id.as_str()) {
            return Err(ErrorKind::IdConflict { id }.into());
        }
        let invalid = |reason: String| -> Error { ErrorKind::InvalidRecord { reason }.into() };
        if self.docs.contains(number) {
            return Err(invalid(format!("article {id:?}: number {number} is taken")));
        }
        if let Some(bad) = links
            .iter()
            .flatten()
            .find(|&&(c, sim)| c >= number || !(sim > 0.0 && sim <= 1.0))
        {
            return Err(invalid(format!(
                "article {id:?}: link {bad:?} is not to an earlier article with a similarity \
                 over 0 and at most 1"
            )));
        }
        if number == u32::MAX {
            return Err(invalid(format!(
                "article {id:?}: number {number} is reserved"
            )));
        }
        if !vector.is_well_formed() {
            return Err(invalid(format!("article {id:?}: malformed term vector")));
        }
        if signature.slots().len() != self.config.minhash.slots {
            return Err(invalid(format!(
                "article {id:?}: {} signature slots, the configuration has {}",
                signature.slots().len(),
                self.config.minhash.slots
            )));
        }
        match pending {
            Some(pending) => pending.push((number, signature)),
            None => {
                self.near
                    .insert(number, signature)
                    .map_err(|e| invalid(format!("article {id:?}: {e}")))?;
            }
        }
        push_to(&mut self.exact, content, number);
        if self.config.story.enabled {
            for term in vector.top(self.config.story.index_terms) {
                self.post(term, number, number);
            }
        }
        self.stories.add(story, number);
        let id: Arc<str> = id.into();
        self.ids.insert(Arc::clone(&id), number);
        let matched = verdict.matched.map(|m| StoredMatch {
            // Shared with the matched article when it is indexed.
            id: self
                .ids
                .get_key_value(m.id.as_str())
                .map_or_else(|| m.id.as_str().into(), |(k, _)| Arc::clone(k)),
            kind: m.kind,
            similarity: m.similarity,
        });
        self.docs.insert(
            number,
            Doc {
                id,
                content,
                story: verdict.story,
                vector,
                matched,
                links: links.map(Vec::into_boxed_slice),
            },
        );
        self.next_doc = self.next_doc.max(number + 1);
        Ok(())
    }

    /// The term statistics learnt from every article inserted so far.
    pub fn term_statistics(&self) -> &DocumentFrequencies {
        &self.df
    }

    /// Replaces the term statistics, for example with ones saved earlier beside the article
    /// records.
    pub fn set_term_statistics(&mut self, df: DocumentFrequencies) {
        self.df = df;
    }

    /// The story an indexed article belongs to.
    pub fn story_of(&self, id: &str) -> Option<StoryId> {
        self.ids.get(id).map(|d| self.docs[d].story)
    }

    /// The verdict given when the article was inserted, with its story as it is now (after
    /// any [merges](Detector::merge_stories)).
    pub fn verdict_of(&self, id: &str) -> Option<Verdict> {
        self.ids.get(id).map(|d| self.docs[d].verdict())
    }

    /// Every indexed article's id and [verdict](Detector::verdict_of), in the order they were
    /// inserted: what to write out once the stories are [revised](Detector::recluster).
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "Kessington harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// d.insert("b", "Kessington harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// d.recluster();
    /// let ids: Vec<&str> = d.verdicts().map(|(id, _)| id).collect();
    /// assert_eq!(ids, ["a", "b"]);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn verdicts(&self) -> impl Iterator<Item = (&str, Verdict)> + '_ {
        self.docs.iter().map(|(_, doc)| (&*doc.id, doc.verdict()))
    }

    /// The ids of a story's indexed members, in the order they joined.
    pub fn members(&self, story: StoryId) -> Vec<&str> {
        self.stories
            .members(story)
            .map(|m| m.iter().map(|d| &*self.docs[d].id).collect())
            .unwrap_or_default()
    }

    /// Every tier's score for two indexed articles: why they were, or were not, linked.
    /// `None` when either id is unknown.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "Floods closed the coastal road near Ardmore on Sunday, police said.")?;
    /// d.insert("b", "Police said floods closed the coastal road near Ardmore on Sunday.")?;
    /// let s = d.compare("a", "b").unwrap();
    /// assert!(!s.exact);
    /// assert!(s.cosine > 0.9, "the same words, reordered: {s:?}");
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn compare(&self, a: &str, b: &str) -> Option<Similarity> {
        let (&da, &db) = (self.ids.get(a)?, self.ids.get(b)?);
        let (sa, sb) = (self.near.get(&da)?, self.near.get(&db)?);
        let jaccard = sa.try_jaccard(sb).ok()?;
        Some(Similarity {
            exact: self.docs[&da].content == self.docs[&db].content,
            jaccard,
            containment: containment_from_jaccard(jaccard, sa.shingles(), sb.shingles()),
            cosine: self.docs[&da].vector.cosine(&self.docs[&db].vector),
            years_conflict: self.docs[&da].vector.years_conflict(&self.docs[&db].vector),
        })
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Counts of what the detector holds.
    pub fn stats(&self) -> Stats {
        Stats {
            articles: self.docs.len(),
            stories: self.stories.len(),
            documents_seen: self.df.documents(),
            terms: self.df.terms(),
        }
    }

    /// The story candidates an article keeps as its links: those at least
    /// [`Linkage::min_link`] (and over 0).
    fn kept_links(&self, candidates: Vec<(u32, f32)>) -> Links {
        let weak = self.config.story.linkage.min_link;
        candidates
            .into_iter()
            .filter(|&(_, sim)| sim >= weak && sim > 0.0)
            .collect()
    }

    /// A decision's match, naming the matched article by its shared id.
    fn stored_match(&self, (d, kind, similarity): (u32, MatchKind, f32)) -> StoredMatch {
        StoredMatch {
            id: Arc::clone(&self.docs[&d].id),
            kind,
            similarity,
        }
    }

    /// What the tiers find for an article (its content hash, compact signature, term vector
    /// and the vector's `top` terms, the ones indexed) among the articles numbered under
    /// `before`: a copy, or the story candidates. Reads only, so the articles of a chunk are
    /// found in parallel; [`Detector::settle`] then chooses the story.
    fn find(
        &self,
        content: u64,
        sig: CompactRef<'_>,
        vector: &TermVector,
        top: &[u64],
        before: u32,
    ) -> Finding {
        // 1. Exact copies.
        if let Some(d) = self
            .exact
            .get(&content)
            .and_then(|v| v.as_slice().iter().copied().find(|&d| d < before))
        {
            return Finding {
                copy: Some((d, MatchKind::Exact, 1.0)),
                links: Vec::new(),
                foreseen: Vec::new(),
            };
        }
        // 2. Near copies: LSH candidates, plus the story tier's candidates (which find trimmed
        // copies whose Jaccard similarity is too low for the bands).
        let mut best_near: Option<(u32, f32)> = None;
        // Two standard errors of the Jaccard estimate under the near-copy threshold.
        let t = self.config.near_copy;
        let gray_zone = t - 2.0 * (t * (1.0 - t) / sig.slots().len().max(1) as f64).sqrt();
        let consider = |d: u32, best_near: &mut Option<(u32, f32)>| {
            let other = self.near.get(&d).expect("every doc is in the LSH index");
            let Ok(j) = other.try_jaccard(sig) else {
                return;
            };
            let score = if j >= self.config.near_copy {
                Some(j)
            } else {
                let small = other.shingles().min(sig.shingles());
                let c = containment_from_jaccard(j, other.shingles(), sig.shingles());
                if small >= self.config.min_containment_shingles
                    && c >= self.config.near_copy_containment
                {
                    Some(c)
                } else {
                    (j >= gray_zone
                        && self.docs[&d].vector.cosine(vector) >= self.config.near_copy_cosine)
                        .then_some(j)
                }
            };
            if let Some(s) = score {
                let s = s as f32;
                if best_near.is_none_or(|(bd, bs)| s > bs || (s == bs && d < bd)) {
                    *best_near = Some((d, s));
                }
            }
        };
        // Candidates come sorted.
        for d in self.near.compact_candidates(sig) {
            if d >= before {
                break;
            }
            consider(d, &mut best_near);
        }
        // Strong evidence from the bands (a Jaccard or containment score at or over the
        // near-copy threshold) decides alone: the story tier's candidates are not needed.
        if let Some((d, s)) = best_near.filter(|&(_, s)| f64::from(s) >= self.config.near_copy) {
            return Finding {
                copy: Some((d, MatchKind::NearCopy, s)),
                links: Vec::new(),
                foreseen: Vec::new(),
            };
        }
        let links = if self.config.story.enabled {
            self.story_candidates(&TermLookup::new(vector), top, before)
        } else {
            Vec::new()
        };
        // A copy shares the original's vocabulary: only strong story candidates can be one.
        let strong = self.config.story.linkage.min_average;
        for &(d, cos) in &links {
            if cos >= strong {
                consider(d, &mut best_near);
            }
        }
        Finding {
            copy: best_near.map(|(d, s)| (d, MatchKind::NearCopy, s)),
            links,
            foreseen: Vec::new(),
        }
    }

    /// The decision for an article with term vector `vector`, from what [`Detector::find`]
    /// found: a copy joins its original's story; otherwise the article joins the story it
    /// resembles as a whole, if any. Reads the stories of the articles before it, so articles
    /// are settled one after another.
    fn settle(&self, found: Finding, vector: &TermVector) -> Decision {
        if let Some(copy) = found.copy {
            return Decision {
                story: Some(self.docs[&copy.0].story),
                matched: Some(copy),
                links: found.links,
            };
        }
        let (story, matched) = match self.choose_story(&found, vector, None) {
            Some(link) => (
                Some(link.story),
                Some((link.best_member, MatchKind::Rewrite, link.best)),
            ),
            None => (None, None),
        };
        Decision {
            story,
            matched,
            links: found.links,
        }
    }

    /// The similarities [settling](Detector::settle) `found` would compute with the stories as
    /// they stand, by member. A chunk's articles are found on every thread before any is
    /// settled in order, and settling then reads these instead of computing them on the one
    /// thread. A story that gains members in between is compared with those afresh, and a
    /// similarity is the same whenever it is computed, so the decision does not change.
    fn foresee(&self, found: &Finding, vector: &TermVector) -> Vec<(u32, f32)> {
        if found.copy.is_some() {
            return Vec::new();
        }
        let computed = std::cell::RefCell::new(Vec::new());
        self.choose_story(found, vector, Some(&computed));
        // Each member is compared once (it is in one story, sampled once), so no repeats.
        let mut computed = computed.into_inner();
        computed.sort_unstable_by_key(|&(m, _)| m);
        computed
    }

    /// The story a rewrite joins: of the stories of its strong links, the one it resembles
    /// as a whole. Similarities come from the links, then from `found.foreseen`, else are
    /// computed (and pushed to `computed`, when given).
    fn choose_story(
        &self,
        found: &Finding,
        vector: &TermVector,
        computed: Option<&std::cell::RefCell<Vec<(u32, f32)>>>,
    ) -> Option<StoryLink> {
        // 3. Rewrites: the story it resembles as a whole. Only stories with at least one strong
        // link are weighed: an article joins no story it does not clearly resemble somewhere.
        let linkage = &self.config.story.linkage;
        let mut stories: Vec<StoryId> = found
            .links
            .iter()
            .filter(|&&(_, cos)| cos >= linkage.min_average)
            .map(|&(d, _)| self.docs[&d].story)
            .collect();
        if stories.is_empty() {
            return None;
        }
        stories.sort_unstable();
        stories.dedup();
        let lookup = std::cell::OnceCell::new();
        // At most `max_candidates` links: a scan, not a map made for each article.
        let known = |m: u32| {
            found
                .links
                .iter()
                .find(|l| l.0 == m)
                .map(|l| l.1)
                .or_else(|| {
                    let f = &found.foreseen;
                    f.binary_search_by_key(&m, |&(n, _)| n).ok().map(|i| f[i].1)
                })
        };
        let sim = |m: u32| {
            known(m).unwrap_or_else(|| {
                let lookup = lookup.get_or_init(|| TermLookup::new(vector));
                let s = self.docs[&m]
                    .vector
                    .similarity_to(lookup, &self.config.terms);
                if let Some(c) = computed {
                    c.borrow_mut().push((m, s));
                }
                s
            })
        };
        linkage.best_story(&self.stories, stories, sim)
    }

    /// Adds `doc` to `term`'s postings ([`postings::Postings::post`]), articles from
    /// `undecided` on not decided yet.
    fn post(&mut self, term: u64, doc: u32, undecided: u32) {
        let cap = self.config.story.max_postings;
        self.postings.post(term, doc, undecided, cap);
    }

    /// Merges stories that resemble each other as wholes, undoing the order effects of
    /// one-at-a-time decisions: an event whose first reports were too unlike each other to
    /// join starts as several stories, and once later reports bridge them, this joins them.
    /// Two stories merge when the average similarity over pairs of their members (sampled as
    /// for joining) reaches [`Linkage::min_average`] and no pair falls under
    /// [`Linkage::min_link`]: average- and complete-link together, as for a single article,
    /// so merging does not chain. The younger story's members move to the older; their
    /// verdicts keep the match they were given, but for the younger story's first article,
    /// which matched none and now matches an earlier member of the older story (its strongest
    /// link into it, else the story's first article). Repeats until nothing merges; returns the
    /// number of merges. [`Detector::recluster`] re-forms the stories instead, and can also
    /// split them.
    pub fn merge_stories(&mut self) -> usize {
        if !self.config.story.enabled {
            return 0;
        }
        let linkage = self.config.story.linkage.clone();
        let mut merges = 0;
        let mut changed: Option<Vec<StoryId>> = None;
        loop {
            // Candidate pairs: stories holding two articles that are strong candidates of
            // each other.
            let mut pairs: Vec<(StoryId, StoryId)> = Vec::new();
            // After the first round, only stories that changed can have new partners.
            let mut docs: Vec<u32> = match &changed {
                None => self.docs.iter().map(|(d, _)| d).collect(),
                Some(stories) => stories
                    .iter()
                    .filter_map(|&s| self.stories.members(s))
                    .flatten()
                    .copied()
                    .collect(),
            };
            docs.sort_unstable();
            for &d in &docs {
                let doc = &self.docs[&d];
                for (c, sim) in self.candidates_of(&doc.vector, u32::MAX) {
                    let other = self.docs[&c].story;
                    if sim >= linkage.min_average && other != doc.story {
                        pairs.push((doc.story.min(other), doc.story.max(other)));
                    }
                }
            }
            pairs.sort_unstable();
            pairs.dedup();
            let sample = |s: StoryId| -> Vec<u32> {
                match self.stories.members(s) {
                    Some(m) => linkage.sample(m).1.collect(),
                    None => Vec::new(),
                }
            };
            let mut passing: Vec<(f32, StoryId, StoryId)> = Vec::new();
            for (a, b) in pairs {
                let (ma, mb) = (sample(a), sample(b));
                let total = (ma.len() * mb.len()) as f32;
                let (mut sum, mut n, mut ok) = (0f32, 0usize, true);
                'pairs: for &x in &ma {
                    for &y in &mb {
                        let s = self.docs[&x]
                            .vector
                            .similarity(&self.docs[&y].vector, &self.config.terms);
                        sum += s;
                        n += 1;
                        // Stop once a pair is too weak or the average is out of reach.
                        if s < linkage.min_link
                            || (sum + total - n as f32) / total < linkage.min_average
                        {
                            ok = false;
                            break 'pairs;
                        }
                    }
                }
                if ok && n > 0 && sum / n as f32 >= linkage.min_average {
                    passing.push((sum / n as f32, a, b));
                }
            }
            passing.sort_unstable_by(|x, y| {
                y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2))
            });
            let mut touched: std::collections::HashSet<StoryId> = Default::default();
            let mut merged_into: Vec<StoryId> = Vec::new();
            let mut merged_now = 0;
            for (_, a, b) in passing {
                if touched.contains(&a) || touched.contains(&b) {
                    continue;
                }
                touched.insert(a);
                touched.insert(b);
                let (old, young) = (a.min(b), a.max(b));
                let moved: Vec<u32> = self
                    .stories
                    .members(young)
                    .map(<[u32]>::to_vec)
                    .unwrap_or_default();
                for d in moved {
                    self.stories.remove(young, d);
                    self.stories.add(old, d);
                    let doc = self.docs.get_mut(d).expect("member is indexed");
                    doc.story = old;
                }
                self.rematch_founder(young);
                merged_into.push(old);
                merged_now += 1;
            }
            if merged_now == 0 {
                return merges;
            }
            merges += merged_now;
            changed = Some(merged_into);
        }
    }

    /// Re-forms every story from its articles, all at once: average-link agglomerative
    /// clustering over the story tier's candidate graph. Each article is linked to the story
    /// candidates weighed when it was decided (earlier articles sharing most of its heaviest
    /// terms, at most [`StoryConfig::max_candidates`]) with their similarity, so this looks
    /// nothing up again. Links under [`Linkage::min_link`], the least similarity an article
    /// may have to any member of the story it joins, are no evidence of one story and are not
    /// kept (on ecbplus-dev, keeping them changes no score in eight arrival orders; they are
    /// half the links of a wire corpus). An exact or near copy is tied to the article it
    /// copies and stands for it: a group of an original and its copies is as similar to
    /// another group as the mean of the links between them, for every pair of their
    /// articles. Each link is read relative to its two articles' neighbourhoods
    /// ([`StoryConfig::neighbour_rank`]), so that the threshold does not move with what else
    /// the detector holds. Then the two groups with the highest average relative similarity
    /// over all pairs of their articles (a pair of articles with no link counts 0) merge,
    /// again and again, while that average reaches [`StoryConfig::min_relative_average`]
    /// (or, with `neighbour_rank` 0, while the average similarity reaches
    /// [`Linkage::min_average`]).
    ///
    /// One-at-a-time decisions join an article to a story for good, by the stories that exist
    /// when it arrives; this weighs every article against every other group at once, and it
    /// can also split what an early decision joined. The arrival order still matters through
    /// which candidates each article found when it arrived. For a batch whose articles are
    /// all in, as `copydesk cluster` and `eval` do. Each story takes the number of its first
    /// article, and the verdicts agree with the stories: a story's first article matches
    /// none, every other one an earlier member of its story (the match it was given on
    /// insertion where that still holds, as for every copy; else its strongest link within
    /// the story, or the story's first article). Returns how many articles changed story.
    ///
    /// Records ([`Detector::record`], saved files) keep each article's links. Articles
    /// restored from a record without them that are not copies look up their candidates among
    /// the earlier articles here, on rayon's pool when there is one, and keep them for the next
    /// run; with the postings since trimmed, an old article may find fewer than it weighed on
    /// arrival. Memory while it runs: every link once (12 bytes, gathered on rayon's pool when
    /// there is one), each group's links (8 bytes a link, both ways), the candidate merges (20
    /// bytes each) and, for the relative similarities, 4 bytes an article
    /// (`4·neighbour_rank` more while they are computed); at a million mutated wire
    /// articles, a fifth more than the detector itself. A batch that inserts nothing more can
    /// [finish](Detector::finish) instead, which frees the lookup indexes first and needs no
    /// memory beyond them.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "Kessington harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// d.insert("b", "Orchard growers in Dunmore expect a record apple harvest this autumn.")?;
    /// d.recluster();
    /// assert_ne!(d.story_of("a"), d.story_of("b"));
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn recluster(&mut self) -> usize {
        let mut moved = 0;
        if self.reclusters() {
            self.find_lost_links();
            self.regroup(|_, _, m| moved += usize::from(m));
        }
        moved
    }

    /// [`Detector::recluster`], listing the articles whose verdict changed (their story, or
    /// the article they match), each with its verdict before: what an application that
    /// stores verdicts must write again.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "Kessington harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// assert!(d.recluster_changes().is_empty(), "one article: nothing to re-form");
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn recluster_changes(&mut self) -> Vec<(String, Verdict)> {
        let mut changes = Vec::new();
        if self.reclusters() {
            self.find_lost_links();
            self.regroup(|id, before, _| changes.push((id.to_string(), before())));
        }
        changes
    }

    /// Ends a batch: frees what only further inserts and queries use (the near-copy index's
    /// band tables, the exact-content index and the story postings), then
    /// [reclusters](Detector::recluster) in the memory they held, and hands back the stories,
    /// read-only, with the signatures, so that they can still be compared and saved. At a
    /// million mutated wire articles the freed indexes are more than reclustering takes, so a
    /// batch's peak memory is that of inserting its articles. This is for a batch whose
    /// detector is not kept; to go on inserting, use [`Detector::recluster`].
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "Kessington harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// d.insert("b", "Orchard growers in Dunmore expect a record apple harvest this autumn.")?;
    /// let stories = d.finish();
    /// assert_ne!(stories.story_of("a"), stories.story_of("b"));
    /// assert_eq!(stories.changed(), 0);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn finish(mut self) -> Finished {
        let reclusters = self.reclusters();
        if reclusters {
            // Lost links are looked up in the postings, so before they go.
            self.find_lost_links();
        }
        self.near.drop_bands();
        self.exact = FastMap::default();
        self.postings = postings::Postings::default();
        let mut changed = 0;
        if reclusters {
            self.regroup(|_, _, moved| changed += usize::from(moved));
        }
        Finished {
            detector: self,
            changed,
        }
    }

    /// Reclustering has something to do.
    fn reclusters(&self) -> bool {
        self.config.story.enabled && !self.docs.is_empty()
    }

    /// An exact or near copy, tied to the article it copies.
    fn is_copy(doc: &Doc) -> bool {
        doc.matched
            .as_ref()
            .is_some_and(|m| matches!(m.kind, MatchKind::Exact | MatchKind::NearCopy))
    }

    /// Looks up the links of the articles restored without them (and not copies) among the
    /// earlier articles, on rayon's pool when there is one, and keeps them for the next run.
    fn find_lost_links(&mut self) {
        let lost = |&(d, doc): &(u32, &Doc)| {
            (doc.links.is_none() && !Self::is_copy(doc))
                .then(|| (d, self.kept_links(self.candidates_of(&doc.vector, d))))
        };
        let docs: Vec<(u32, &Doc)> = self.docs.iter().collect();
        let found: Vec<Option<(u32, Links)>> = map(&docs, true, lost);
        for (d, links) in found.into_iter().flatten() {
            self.docs.get_mut(d).expect("numbered from docs").links = Some(links);
        }
    }

    /// [`Detector::recluster`]'s grouping, once every article has its links: calls `changed`
    /// with the id, the former verdict (made only when asked for) and whether the story
    /// changed, of each article whose verdict changes (its story, or the article it matches).
    fn regroup(&mut self, mut changed: impl FnMut(&str, &dyn Fn() -> Verdict, bool)) {
        let threshold = self.config.story.linkage.min_average;
        let numbers: Vec<u32> = self.docs.iter().map(|(d, _)| d).collect();
        let at = |d: u32| position(&numbers, d);
        let n = numbers.len();

        // The copies' ties: a copy stands for its original (see `average_link`).
        let ties: Vec<(u32, u32)> = numbers
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| {
                let doc = &self.docs[&d];
                if !Self::is_copy(doc) {
                    return None;
                }
                // The copied article may have been removed since.
                let o = self.ids.get(&*doc.matched.as_ref()?.id)?;
                Some((i as u32, at(*o)?))
            })
            .collect();
        // Each article's links: the candidates weighed when it was decided, all earlier
        // articles, so each pair comes once.
        // Gathered once (on rayon's pool when there is one), 12 bytes a link: they are read
        // two or three times.
        let lists: Vec<&[(u32, f32)]> = (self.docs.iter())
            .map(|(_, doc)| doc.links.as_deref().unwrap_or_default())
            .collect();
        let at = &at;
        // A removed article's links are gone with it.
        let to_items = move |i: usize, &(c, sim): &(u32, f32)| Some((i as u32, at(c)?, sim));
        #[cfg(feature = "rayon")]
        let all: Vec<(u32, u32, f32)> = {
            use rayon::prelude::*;
            let lists = lists.par_iter().copied().enumerate();
            lists
                .flat_map_iter(|(i, l)| l.iter().filter_map(move |link| to_items(i, link)))
                .collect()
        };
        #[cfg(not(feature = "rayon"))]
        let all: Vec<(u32, u32, f32)> = (lists.iter().copied().enumerate())
            .flat_map(|(i, l)| l.iter().filter_map(move |link| to_items(i, link)))
            .collect();
        drop(lists);
        let links = || all.iter().copied();
        let story = &self.config.story;
        let group = match story.neighbour_rank {
            0 => average_link(n, &ties, links, threshold),
            k => {
                let scales = neighbour_scales(n, links(), k, threshold);
                let scales = &scales;
                let relative = || {
                    links().map(|(a, b, sim)| (a, b, sim * scales[a as usize] * scales[b as usize]))
                };
                average_link(n, &ties, relative, story.min_relative_average)
            }
        };

        // Each article's final group, named by its first article: a group is named by its
        // lowest item, and items are in the order of the articles' numbers.
        let mut stories = Stories::default();
        let mut was = Vec::with_capacity(n);
        for (i, &d) in numbers.iter().enumerate() {
            let story = StoryId(u64::from(numbers[group[i] as usize]));
            let doc = self.docs.get_mut(d).expect("numbered from docs");
            was.push(doc.story);
            doc.story = story;
            stories.add(story, d);
        }
        self.stories = stories;

        // Each verdict made to agree with its story: the first article of a story matched
        // none, any other one an earlier member. Matches given on insertion stand where they
        // still do (a copy always: it is tied to its original).
        let this = &*self;
        let fixes: Vec<Option<Option<StoredMatch>>> = map(&numbers, true, |&d| {
            let i = at(d).expect("numbered from docs") as usize;
            let doc = &this.docs[&d];
            // A copy is tied to its original, an earlier article, so it is in its original's
            // story and not the first of it (or its original was removed since, and the
            // match is left as it was given): nothing to look up.
            if Self::is_copy(doc) {
                return None;
            }
            let first = group[i] as usize == i;
            // The matched article's number; `None` inside when it has been removed since,
            // and the match is left as it was given.
            let target = doc.matched.as_ref().map(|m| this.ids.get(&*m.id).copied());
            match (first, target) {
                (true, None) | (_, Some(None)) => None,
                (true, Some(Some(_))) => Some(None),
                (false, Some(Some(t))) if this.docs[&t].story == doc.story => None,
                (false, _) => {
                    let founder = numbers[group[i] as usize];
                    Some(Some(this.stored_match(this.match_in_story(doc, founder))))
                }
            }
        });
        for ((&d, fix), was) in numbers.iter().zip(fixes).zip(was) {
            let doc = self.docs.get_mut(d).expect("numbered from docs");
            let moved = doc.story != was;
            if !moved && fix.is_none() {
                continue;
            }
            let before = match fix {
                Some(matched) => std::mem::replace(&mut doc.matched, matched),
                None => doc.matched.clone(),
            };
            changed(&doc.id, &|| verdict(was, before.as_ref()), moved);
        }
    }

    /// After story `young` has merged into an older one, makes its first article (if still
    /// indexed; it matched none, as a story's first) match an earlier member of the story it
    /// is now in, if there is one ([`Detector::match_in_story`]).
    fn rematch_founder(&mut self, young: StoryId) {
        let Ok(d) = u32::try_from(young.0) else {
            return;
        };
        let Some(doc) = self.docs.get(d).filter(|doc| doc.matched.is_none()) else {
            return;
        };
        let members = self.stories.members(doc.story).unwrap_or_default();
        let Some(&first) = members.iter().filter(|&&m| m < d).min() else {
            return;
        };
        let matched = self.stored_match(self.match_in_story(doc, first));
        self.docs.get_mut(d).expect("indexed").matched = Some(matched);
    }

    /// The match of `doc`, which is not the first of its story, within its story (whose
    /// first article is `founder`): the strongest of its links to the story's members (links
    /// go to earlier articles), ties to the earliest; else, linked to the story only through
    /// later articles, the founder, with their cosine.
    fn match_in_story(&self, doc: &Doc, founder: u32) -> (u32, MatchKind, f32) {
        let links = doc.links.as_deref().unwrap_or_default().iter();
        let best = links
            .copied()
            .filter(|&(c, _)| self.docs.get(c).is_some_and(|o| o.story == doc.story))
            // The strongest; of equals, the earliest.
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let (of, similarity) =
            best.unwrap_or_else(|| (founder, self.docs[&founder].vector.cosine(&doc.vector)));
        (of, MatchKind::Rewrite, similarity)
    }

    /// [`Detector::story_candidates`] of an indexed article's vector, among the articles
    /// numbered under `before` (the article itself among them when `before` is over its
    /// number).
    fn candidates_of(&self, vector: &TermVector, before: u32) -> Vec<(u32, f32)> {
        let top = vector.top(self.config.story.index_terms);
        self.story_candidates(&TermLookup::new(vector), &top, before)
    }

    /// Articles sharing enough heavy terms, with their cosine, most shared terms first.
    /// Only articles numbered under `before` count, as when an article numbered `before` was
    /// decided (`u32::MAX`: all).
    fn story_candidates(
        &self,
        query: &TermLookup<'_>,
        top: &[u64],
        before: u32,
    ) -> Vec<(u32, f32)> {
        let cap = self.config.story.max_postings;
        let min = self.config.story.min_shared_terms as u32;
        // The most recent `cap` postings under `before` of each term (postings are in number
        // order), and how many of the terms each article shares.
        let slices: Vec<&[u32]> = top
            .iter()
            .filter_map(|&term| self.postings.recent(term, before, cap))
            .collect();
        let mut c: Vec<(u32, u32)> = with_tally(|tally| {
            tally.start(slices.iter().map(|s| s.len()).sum());
            for &d in slices.iter().copied().flatten() {
                tally.add(d);
            }
            tally.counts().filter(|&(_, n)| n >= min).collect()
        });
        c.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        c.truncate(self.config.story.max_candidates);
        // Fetch every candidate's vector first, with loads that do not wait on each other, so
        // that their cache misses overlap instead of coming one after another.
        let vectors: Vec<&TermVector> = c.iter().map(|(d, _)| &self.docs[d].vector).collect();
        std::hint::black_box(
            vectors
                .iter()
                .map(|v| v.touch())
                .fold(0u32, u32::wrapping_add),
        );
        c.iter()
            .zip(vectors)
            .map(|(&(d, _), v)| (d, v.similarity_to(query, &self.config.terms)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

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

    fn doc(n: u32) -> Doc {
        Doc {
            id: n.to_string().into(),
            content: u64::from(n),
            story: StoryId(u64::from(n)),
            vector: TermVector::default(),
            matched: None,
            links: None,
        }
    }

    proptest::proptest! {
        /// The table against a map, under inserts of new numbers (mostly the next, sometimes
        /// far ahead or behind, as a restore may give them) and removals; and its free slots
        /// stay bounded by the articles it holds.
        #[test]
        fn the_doc_table_is_a_map_with_bounded_free_slots(
            ops in proptest::collection::vec((0u8..10, 0u32..5000), 1..400),
        ) {
            let mut table = DocTable::default();
            let mut oracle = std::collections::BTreeMap::new();
            let mut next = 0u32;
            for (op, x) in ops {
                match op {
                    0..=4 => {
                        oracle.insert(next, ());
                        table.insert(next, doc(next));
                        next += 1;
                    }
                    5 => {
                        // A far number, ahead or behind.
                        let d = if x % 2 == 0 { next + 200 + x } else { x / 4 };
                        if oracle.insert(d, ()).is_none() {
                            table.insert(d, doc(d));
                            next = next.max(d + 1);
                        }
                    }
                    _ => {
                        // Remove a stored number (or an unknown one).
                        let d = oracle.keys().nth(x as usize % (oracle.len() + 1)).copied();
                        let d = d.unwrap_or(next + 7);
                        let removed = table.remove(d).map(|doc| doc.content);
                        proptest::prop_assert_eq!(
                            removed,
                            oracle.remove(&d).map(|()| u64::from(d))
                        );
                    }
                }
                proptest::prop_assert_eq!(table.len(), oracle.len());
                let held = table.len() - table.old.len();
                proptest::prop_assert!(table.slots.len() <= 2 * held + 64 || held == 0,
                    "{} slots for {} articles", table.slots.len(), held);
                proptest::prop_assert!(table.old.keys().all(|&d| d < table.first));
            }
            let listed: Vec<u32> = table.iter().map(|(d, doc)| {
                assert_eq!(doc.content, u64::from(d));
                d
            }).collect();
            let expected: Vec<u32> = oracle.keys().copied().collect();
            proptest::prop_assert_eq!(listed, expected);
            for d in 0..next + 10 {
                proptest::prop_assert_eq!(table.contains(d), oracle.contains_key(&d));
            }
        }
    }

    #[test]
    fn postings_stay_bounded_however_many_share_a_term() {
        let config = DetectorConfig {
            story: StoryConfig {
                max_postings: 4,
                ..StoryConfig::default()
            },
            ..DetectorConfig::default()
        };
        let mut d = Detector::new(config).unwrap();
        for i in 0..100 {
            let text = format!(
                "Harbour authority report {i}: ferry timetable changes at Kessington pier, \
                 number {i} of the series, filed as item {}.",
                i * 7919
            );
            d.insert(&format!("n{i}"), &text).unwrap();
        }
        assert!(d.postings.iter().all(|(_, p)| p.len() <= 8));
        // The most recent articles are still found as candidates.
        let v = d
            .query(
                "Harbour authority report 99: ferry timetable changes at Kessington pier, \
                 number 99 of the series.",
            )
            .unwrap();
        assert_eq!(v.matched.map(|m| m.id), Some("n99".to_string()));
    }

    /// Articles from a few stories of 60 made-up words each: verbatim and edited copies,
    /// trimmed copies, reshuffled rewrites (the same words, no shared phrase) and unrelated
    /// texts, with ids that repeat (with the same text or another).
    fn story_articles() -> impl proptest::strategy::Strategy<Value = Vec<(String, String)>> {
        let article = (0u64..6, 0u8..6, proptest::prelude::any::<u64>(), 0usize..90);
        proptest::collection::vec(article, 1..90).prop_map(|items| {
            let story = |s: u64, seed: u64| -> Vec<String> {
                let mut x = seed | 1;
                (0..60)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Shared words across stories, and each story's own.
                        if x % 4 == 0 {
                            format!("common{}", x % 40)
                        } else {
                            format!("s{s}word{}", x % 200)
                        }
                    })
                    .collect()
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, (s, kind, seed, id))| {
                    let mut words = story(s, s * 7919 + 1);
                    match kind {
                        0 => {}
                        1 => {
                            let at = (seed % 60) as usize;
                            words[at] = format!("edit{seed}");
                        }
                        2 => words.truncate(30 + (seed % 20) as usize),
                        3 => words.rotate_left(1 + (seed % 50) as usize),
                        4 => {
                            // Every other word swapped with its neighbour: no phrase left.
                            for pair in words.chunks_mut(2) {
                                pair.reverse();
                            }
                        }
                        _ => words = story(10 + seed % 1000, seed),
                    }
                    // Ids repeat now and then.
                    let id = if id < 10 {
                        format!("dup{id}")
                    } else {
                        format!("a{i}")
                    };
                    (id, words.join(" "))
                })
                .collect()
        })
    }

    /// What a detector says and holds about its articles: every verdict and record.
    fn state(d: &Detector) -> Vec<(String, Option<ArticleRecord>)> {
        let mut ids: Vec<String> = d.ids.keys().map(|k| k.to_string()).collect();
        ids.sort();
        ids.into_iter()
            .map(|id| {
                let r = d.record(&id);
                (id, r)
            })
            .collect()
    }

    proptest::proptest! {
        /// `position` against a linear scan, on numbers with and without gaps.
        #[test]
        fn position_is_a_linear_search(
            gaps in proptest::collection::vec(1u32..4, 0..60),
            start in 0u32..50,
            d in 0u32..250,
        ) {
            let numbers: Vec<u32> = gaps
                .iter()
                .scan(start, |n, g| {
                    let d = *n;
                    *n += g;
                    Some(d)
                })
                .collect();
            let naive = numbers.iter().position(|&x| x == d).map(|i| i as u32);
            proptest::prop_assert_eq!(position(&numbers, d), naive);
        }
    }

    /// The naive batch insert: each new article decided against the detector as it stands
    /// (the later articles not yet in it) and then stored, one after another, once every new
    /// article's terms are counted.
    fn insert_one_at_a_time(d: &mut Detector, batch: &[(String, String)]) -> Vec<Result<Verdict>> {
        let analyses: Vec<Result<Analysis>> = batch.iter().map(|(_, t)| d.analyze(t)).collect();
        let mut seen: std::collections::HashSet<&str> = d.ids.keys().map(|k| &**k).collect();
        for ((id, _), a) in batch.iter().zip(&analyses) {
            if let Ok(a) = a {
                if seen.insert(id) {
                    d.df.add(&a.terms);
                }
            }
        }
        let mut verdicts = Vec::new();
        for ((id, _), a) in batch.iter().zip(analyses) {
            let a = match a {
                Ok(a) => a,
                Err(e) => {
                    verdicts.push(Err(e));
                    continue;
                }
            };
            if let Some(&n) = d.ids.get(id.as_str()) {
                verdicts.push(if d.docs[&n].content == a.content {
                    Ok(d.docs[&n].verdict())
                } else {
                    Err(ErrorKind::IdConflict { id: id.clone() }.into())
                });
                continue;
            }
            let vector = d.df.vector(&a.terms, &d.config.terms);
            let top = vector.top(d.config.story.index_terms);
            let sig = a.signature.compact();
            let found = d.find(a.content, sig.as_ref(), &vector, &top, u32::MAX);
            let decision = d.settle(found, &vector);
            let n = d.next_doc;
            d.next_doc += 1;
            let story = decision.story.unwrap_or(StoryId(u64::from(n)));
            let matched = decision.matched.map(|m| d.stored_match(m));
            let links = d.kept_links(decision.links);
            d.near.insert(n, sig).unwrap();
            push_to(&mut d.exact, a.content, n);
            for term in top {
                d.post(term, n, n);
            }
            d.stories.add(story, n);
            let id: Arc<str> = id.as_str().into();
            d.ids.insert(Arc::clone(&id), n);
            let doc = Doc {
                id,
                content: a.content,
                story,
                vector,
                matched,
                links: Some(links),
            };
            verdicts.push(Ok(doc.verdict()));
            d.docs.insert(n, doc);
        }
        verdicts
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Deciding a chunk of articles together (in parallel) gives what deciding them one
        /// at a time gives, each against the articles before it: the same verdicts, links
        /// and stories, over two batches, with postings short enough to be trimmed.
        #[test]
        fn chunked_parallel_decisions_are_one_at_a_time_decisions(
            first in story_articles(),
            second in story_articles(),
            chunk in 1usize..40,
            postings in 1usize..6,
        ) {
            let config = DetectorConfig {
                story: StoryConfig { max_postings: postings, ..StoryConfig::default() },
                ..DetectorConfig::default()
            };
            let run = |chunk: Option<usize>| {
                let mut d = Detector::new(config.clone()).unwrap();
                let mut verdicts = Vec::new();
                for batch in [&first, &second] {
                    verdicts.push(match chunk {
                        None => insert_one_at_a_time(&mut d, batch),
                        Some(chunk) => {
                            let analyses = batch.iter().map(|(_, t)| d.analyze(t)).collect();
                            let ids = batch.iter().map(|(id, _)| id.as_str());
                            d.insert_in_chunks(ids, analyses, true, chunk)
                        }
                    });
                }
                (verdicts, state(&d), d.postings.clone())
            };
            let (want, want_state, want_postings) = run(None);
            let (got, got_state, got_postings) = run(Some(chunk));
            proptest::prop_assert_eq!(format!("{got:?}"), format!("{want:?}"));
            proptest::prop_assert_eq!(got_state, want_state);
            // Trimmed at other times, the postings keep at least the most recent `postings`,
            // and no more than twice that and a chunk.
            for (term, want) in want_postings.iter() {
                let got = got_postings.get(term).expect("the same terms posted");
                proptest::prop_assert!(got.len() <= 2 * postings + chunk);
                let keep = want.len().min(got.len()).min(postings);
                proptest::prop_assert_eq!(&got[got.len() - keep..], &want[want.len() - keep..]);
            }
        }
    }
}
