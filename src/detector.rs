//! The front door: a [`Detector`] takes articles one at a time or in batches and says, for each,
//! whether it is a new story or a copy or rewrite of one it has seen.
//!
//! Each article is read once ([`Detector::analyze`]): normalised, its words hashed, its word
//! shingles sketched into a MinHash [`Signature`](crate::minhash::Signature), its terms counted.
//! Then three tiers look for an earlier version of it, strongest evidence first:
//!
//! 1. **Exact**: the same normalised words, found by a hash of the whole word sequence.
//! 2. **Near copy**: a MinHash estimate of Jaccard similarity of at least
//!    [`DetectorConfig::near_copy`], found through the LSH index; or a containment of at least
//!    [`DetectorConfig::near_copy_containment`] (a trimmed copy inside a longer one, or the
//!    reverse). A near copy joins its original's story.
//! 3. **Rewrite**: the story-level tier ([`crate::terms`]). Candidates share at least
//!    [`StoryConfig::min_shared_terms`] of their [`StoryConfig::index_terms`] heaviest terms;
//!    each is scored by the cosine of the two term vectors; the article joins the story it
//!    resembles as a whole, by the [`Linkage`](crate::cluster::Linkage) rule, which is what
//!    stops a run of weak links from chaining unrelated articles together.
//!
//! Every reported match has been verified and carries its score.
//!
//! The detector's parts, each in a file of its own: [`DetectorConfig`] (`config`); reading an
//! article ([`Analysis`], `analysis`); the decision (`decide`: the tiers' look-ups and the choice
//! of a story); batch and parallel insertion (`batch`); revising stories (`recluster`: merging,
//! re-clustering, [`Finished`]); records and restore ([`ArticleRecord`], `records`); whole-file
//! save and load (`persist`, with the `persist` feature); the story tier's postings (`postings`).
//! This file holds the [`Detector`] itself and what answers about what it holds.
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

use crate::cluster::{Stories, StoryId};
use crate::error::Result;
use crate::hash::{FastMap, SmallList};
use crate::lsh::{LshIndex, LshParams};
use crate::minhash::{containment_from_jaccard, MinHasher};
use crate::normalize::Normalizer;
use crate::terms::{DocumentFrequencies, StopWords};
use crate::time::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

/// The term statistics hold at most this many distinct terms an indexed article (see
/// [`Detector::bound_statistics`]).
const STATISTICS_PER_ARTICLE: usize = 16;
/// ... and at least this many: about 24 MB.
const STATISTICS_FLOOR: usize = 1 << 20;

#[cfg(feature = "persist")]
mod persist;
mod postings;
#[cfg(feature = "persist")]
pub use persist::FORMAT_VERSION;

mod analysis;
mod articles;
mod batch;
mod config;
mod decide;
mod finished;
mod order;
mod recluster;
mod records;
mod verdict;

pub use analysis::{Analysis, Article};
pub use config::{DetectorConfig, StoryConfig};
pub use decide::SHORT_SHINGLES;
pub use finished::Finished;
pub use records::ArticleRecord;
pub use verdict::{Match, MatchKind, Similarity, Stats, Verdict};

use articles::DocTable;
use verdict::verdict;

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
    /// The latest publication time of an article inserted, in Unix seconds (`i64::MIN`
    /// before any): an article without one is placed after it ([`articles::Doc::order`]).
    latest: i64,
    /// Articles whose verdicts other articles' inserts changed, for
    /// [`Detector::take_revised`].
    revised: Vec<u32>,
    /// Every article source seen, each once; an article keeps its source's place here.
    sources: articles::Sources,
}

impl Detector {
    /// A detector, once its configuration is checked.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming the first value out of
    /// range.
    pub fn new(config: DetectorConfig) -> Result<Detector> {
        let minhasher = MinHasher::new(config.minhash.clone())?;
        let params = config.validate()?;
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
            latest: i64::MIN,
            revised: Vec::new(),
            sources: articles::Sources::default(),
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

    /// Reads and indexes one article, and says which story it belongs to.
    ///
    /// Inserting an id again with the same text changes nothing and returns the first verdict.
    ///
    /// # Errors
    /// Those of [`Detector::analyze`]; [`ErrorKind::IdConflict`](crate::ErrorKind::IdConflict) when
    /// the id was inserted with different text. The detector is unchanged by a failed insert.
    pub fn insert(&mut self, id: &str, text: &str) -> Result<Verdict> {
        let analysis = self.analyze(text)?;
        self.insert_analysis(id, analysis)
    }

    /// Reads and indexes one article with what is known of it (its publication time), and
    /// says which story it belongs to: [`Detector::insert`] with time. See [`Article`].
    ///
    /// # Errors
    /// As [`Detector::insert`].
    pub fn insert_article(&mut self, article: &Article<'_>) -> Result<Verdict> {
        let mut analysis = self.analyze_at(article.text, article.published)?;
        analysis.source = article.source.map(str::to_string);
        self.insert_analysis(article.id, analysis)
    }

    /// Indexes an article read by [`Detector::analyze`] (possibly on another thread).
    ///
    /// # Errors
    /// [`ErrorKind::IdConflict`](crate::ErrorKind::IdConflict) as for [`Detector::insert`].
    pub fn insert_analysis(&mut self, id: &str, analysis: Analysis) -> Result<Verdict> {
        let mut verdicts = self.insert_analyses(std::iter::once(id), vec![Ok(analysis)], false);
        verdicts.pop().expect("one verdict per article")
    }

    /// What [`Detector::insert`] would say of article `id`, without indexing it or counting
    /// its terms: the verdict of the existing story it belongs to, or `None` when it belongs
    /// to none (inserted, it would found a story of its own). The id only names the verdict.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("wire", "Gales closed the Kessington harbour bridge on Monday, the port \
    ///     authority said, and ferries to the island were cancelled until further notice.")?;
    /// let copy = d.query("outlet", "Gales closed the Kessington harbour bridge on Monday, the \
    ///     port authority said, and ferries to the island were cancelled until further notice.")?;
    /// assert_eq!(copy.unwrap().story, d.story_of("wire").unwrap());
    /// assert!(d.query("other", "The city council approved its budget for next year.")?.is_none());
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`Detector::analyze`].
    pub fn query(&self, id: &str, text: &str) -> Result<Option<Verdict>> {
        self.query_article(&Article::new(id, text))
    }

    /// [`Detector::query`] with what is known of the article (its publication time).
    ///
    /// # Errors
    /// Those of [`Detector::analyze`].
    pub fn query_article(&self, article: &Article<'_>) -> Result<Option<Verdict>> {
        let analysis = self.analyze_at(article.text, article.published)?;
        let vector = self.df.vector(&analysis.terms, &self.config.terms);
        let top = vector.top(self.config.story.index_terms);
        let sig = analysis.signature.compact();
        let published = analysis.published.map(Timestamp::unix_seconds);
        let found = self.find(
            analysis.content,
            sig.as_ref(),
            &vector,
            &top,
            u32::MAX,
            published,
        );
        let d = self.settle(found, &vector, published);
        let Some(story) = d.story else {
            return Ok(None);
        };
        let matched = d.matched.map(|m| self.stored_match(m, published));
        Ok(Some(verdict(article.id, story, matched.as_ref())))
    }

    /// Removes an article from the index. Its story keeps its id and its other members.
    /// Returns false for an unknown id. The term statistics keep counting it, except the
    /// terms of its vector that no other article had, which are forgotten (so that a stream
    /// of articles inserted and removed does not grow them).
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
        for (term, _) in doc.vector.iter() {
            self.df.forget_if_single(term);
        }
        self.stories.remove(doc.story, doc_no);
        true
    }

    /// Keeps the term statistics within [`STATISTICS_PER_ARTICLE`] terms an indexed article
    /// (and at least [`STATISTICS_FLOOR`]): past that, the rarest terms are forgotten until
    /// half the bound is left. News never comes near it (about four distinct terms an
    /// article); junk, each article of it thousands of words seen nowhere else, would grow
    /// the statistics without end.
    pub(crate) fn bound_statistics(&mut self) {
        self.bound_statistics_to(STATISTICS_FLOOR);
    }

    /// [`Detector::bound_statistics`] with another floor.
    fn bound_statistics_to(&mut self, floor: usize) {
        let bound = floor.max(STATISTICS_PER_ARTICLE * self.ids.len());
        if self.df.terms() <= bound {
            return;
        }
        let mut at_most = 1;
        while self.df.terms() > bound / 2 {
            self.df.prune(at_most);
            at_most = at_most.saturating_add(1);
        }
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

    /// Where an indexed article comes from, if its [`Article::source`] was given.
    pub fn source_of(&self, id: &str) -> Option<&str> {
        let d = self.ids.get(id)?;
        self.sources.get(self.docs[d].source)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text of `n` words seen nowhere else, made from `seed`.
    fn junk(seed: usize, n: usize) -> String {
        (0..n)
            .map(|i| format!("zq{seed}x{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn removing_an_article_forgets_the_terms_only_it_had() {
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        d.insert(
            "kept",
            "Gales closed the Kessington harbour bridge overnight.",
        )
        .unwrap();
        let before = d.term_statistics().terms();
        d.insert("gone", &format!("Gales closed {}", junk(1, 40)))
            .unwrap();
        assert!(d.term_statistics().terms() >= before + 40);
        assert!(d.remove("gone"));
        assert_eq!(d.term_statistics().terms(), before);
        assert_eq!(
            d.term_statistics().df(word_hash("gales")),
            2,
            "shared terms stay"
        );
    }

    #[test]
    fn statistics_are_bounded_by_forgetting_the_rarest_terms() {
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        for i in 0..20 {
            d.insert(
                &i.to_string(),
                &format!("Kessington ferry {}", junk(i, 300)),
            )
            .unwrap();
        }
        assert!(d.term_statistics().terms() > 6000);
        d.bound_statistics_to(1000);
        // The bound is 16 terms an article (320) or the floor: pruned to half of it.
        let terms = d.term_statistics().terms();
        assert!((1..=500).contains(&terms), "{terms}");
        assert_eq!(d.term_statistics().df(word_hash("kessington")), 20);
        assert_eq!(d.term_statistics().documents(), 20);
    }

    #[test]
    fn sources_are_kept_saved_and_restored() {
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        let text = "Gales closed the Kessington harbour bridge on Monday, the port authority said.";
        d.insert_article(&Article::new("a", text).source("AP"))
            .unwrap();
        let mut analysis = d.analyze(text).unwrap();
        analysis.source = Some("AP".into());
        let other = d.analyze("The city council approved its budget.").unwrap();
        d.par_insert_analyzed_batch(&["b", "c"], vec![Ok(analysis), Ok(other)]);
        assert_eq!(d.sources.names.len(), 1, "one source, kept once");
        let want = [("a", Some("AP")), ("b", Some("AP")), ("c", None)];
        for (id, source) in want {
            assert_eq!(d.source_of(id), source, "{id}");
        }
        let mut bytes = Vec::new();
        d.save(&mut bytes).unwrap();
        let loaded = Detector::load(&bytes[..]).unwrap();
        let mut restored = Detector::new(DetectorConfig::default()).unwrap();
        for id in ["a", "b", "c"] {
            restored.restore(d.record(id).unwrap()).unwrap();
        }
        for (id, source) in want {
            assert_eq!(loaded.source_of(id), source, "{id}");
            assert_eq!(restored.source_of(id), source, "{id}");
        }
        assert_eq!(d.source_of("unknown"), None);
    }

    fn word_hash(w: &str) -> u64 {
        crate::shingle::word_hash(w, 0)
    }
}
