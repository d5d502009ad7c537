//! What the detector says about an article: [`Verdict`], [`Match`] and [`MatchKind`], the tiers'
//! scores for two articles ([`Similarity`]) and the counts of what a detector holds
//! ([`Stats`]). Plain values: nothing here reads the detector.

use crate::cluster::StoryId;
use std::sync::Arc;

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
    /// The two were published further apart than
    /// [`StoryConfig::window_hours`](crate::StoryConfig::window_hours): only an exact or near
    /// copy links across it (a republished piece).
    #[cfg_attr(feature = "serde", serde(default))]
    pub beyond_window: bool,
}

/// What the detector says about one article.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verdict {
    /// The article's id, as given to [`Detector::insert`](crate::Detector::insert) or
    /// [`Detector::query`](crate::Detector::query): a batch's verdicts can be matched to
    /// their articles by it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub id: String,
    /// The story the article belongs to.
    pub story: StoryId,
    /// The earlier article of its story it matched; `None` for the first article of a story (one
    /// that founded a new story, or that heads one after the stories were revised). Revising the
    /// stories ([`Detector::recluster`](crate::Detector::recluster),
    /// [`Detector::merge_stories`](crate::Detector::merge_stories)) keeps the two in agreement. (An
    /// article whose match has since been removed keeps that match.)
    pub matched: Option<Match>,
}

impl Verdict {
    /// True when the article is the first of its story: it matched no earlier one.
    pub fn is_new(&self) -> bool {
        self.matched.is_none()
    }
}

#[derive(Clone, Debug)]
pub(super) struct StoredMatch {
    pub(super) id: Arc<str>,
    pub(super) kind: MatchKind,
    pub(super) similarity: f32,
    pub(super) beyond_window: bool,
}

/// The verdict of article `id` in `story`, matched (or not) as `matched` says.
pub(super) fn verdict(id: &str, story: StoryId, matched: Option<&StoredMatch>) -> Verdict {
    Verdict {
        id: id.to_string(),
        story,
        matched: matched.map(|m| Match {
            id: m.id.to_string(),
            kind: m.kind,
            similarity: m.similarity,
            beyond_window: m.beyond_window,
        }),
    }
}

/// Two articles' scores on every tier, from [`Detector::compare`](crate::Detector::compare).

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
    /// Both mention years, none in common
    /// ([`TermVector::years_conflict`](crate::terms::TermVector::years_conflict)).
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
