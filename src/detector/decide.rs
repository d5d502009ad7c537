//! The decision: which tier an article matches, and which story it joins.
//!
//! Owns the three tiers' look-ups (exact content, near copies through the LSH bands and the
//! story candidates, rewrites through term-vector cosines) in `Detector::find`, which only
//! reads and so runs in parallel, and the choice of a story in `Detector::settle`, which reads
//! the stories of the articles before and so runs in order. It never stores anything: the
//! batch machinery ([`super::batch`]) files what it decides.

use super::articles::Links;
use super::verdict::{MatchKind, StoredMatch};
use super::Detector;
use crate::cluster::{StoryId, StoryLink};
use crate::minhash::{containment_from_jaccard, CompactRef};
use crate::terms::{TermLookup, TermVector};
use std::sync::Arc;

/// What [`Detector::find`] found for an article: everything its decision needs but the
/// stories of the articles before it.
pub(super) struct Finding {
    /// The exact or near copy it is of, with the kind and score.
    pub(super) copy: Option<(u32, MatchKind, f32)>,
    /// The story candidates weighed, if the story tier was reached.
    pub(super) links: Vec<(u32, f32)>,
    /// Similarities to story members other than `links`, by member, computed ahead of
    /// settling ([`Detector::foresee`]); settling computes any other it needs.
    pub(super) foreseen: Vec<(u32, f32)>,
}

/// What the tiers decided for an article, before it is stored.
pub(super) struct Decision {
    pub(super) story: Option<StoryId>,
    pub(super) matched: Option<(u32, MatchKind, f32)>,
    /// The story candidates weighed, if the story tier was reached.
    pub(super) links: Vec<(u32, f32)>,
}

/// Fewer shingles than this make a text short for the near-copy tier: its signature's slots
/// hold so few distinct values that one collision of their 16-bit forms is a large share of
/// them, so a short pair is a near copy only if its term vectors share a term.
pub const SHORT_SHINGLES: u32 = 16;

impl Detector {
    /// The story candidates an article keeps as its links: those at least
    /// [`Linkage::min_link`] (and over 0).
    pub(super) fn kept_links(&self, candidates: Vec<(u32, f32)>) -> Links {
        let weak = self.config.story.linkage.min_link;
        candidates
            .into_iter()
            .filter(|&(_, sim)| sim >= weak && sim > 0.0)
            .collect()
    }

    /// A decision's match, naming the matched article by its shared id, for an article
    /// published at `published` (Unix seconds), if known.
    pub(super) fn stored_match(
        &self,
        (d, kind, similarity): (u32, MatchKind, f32),
        published: Option<i64>,
    ) -> StoredMatch {
        let doc = &self.docs[&d];
        StoredMatch {
            id: Arc::clone(&doc.id),
            kind,
            similarity,
            beyond_window: !self.within_window(published, doc.published),
        }
    }

    /// The near-copy score of two signatures of `a` and `b` shingles whose estimated Jaccard
    /// similarity is `j`: `j` itself at or over [`DetectorConfig::near_copy`], else the
    /// containment of the shorter in the longer at or over
    /// [`DetectorConfig::near_copy_containment`] (when the shorter has enough shingles);
    /// `None` when neither holds.
    ///
    /// [`DetectorConfig::near_copy`]: crate::DetectorConfig::near_copy
    /// [`DetectorConfig::near_copy_containment`]: crate::DetectorConfig::near_copy_containment
    pub(super) fn near_copy_score(&self, j: f64, a: u32, b: u32) -> Option<f64> {
        if j >= self.config.near_copy {
            return Some(j);
        }
        let c = containment_from_jaccard(j, a, b);
        (a.min(b) >= self.config.min_containment_shingles && c >= self.config.near_copy_containment)
            .then_some(c)
    }

    /// Two publication times (Unix seconds) are within
    /// [`StoryConfig::window_hours`](crate::StoryConfig::window_hours) of each other, or
    /// one is not known, or there is no window.
    pub(super) fn within_window(&self, a: Option<i64>, b: Option<i64>) -> bool {
        let window = i64::from(self.config.story.window_hours) * 3600;
        match (a, b) {
            (Some(a), Some(b)) if window > 0 => a.abs_diff(b) <= window as u64,
            _ => true,
        }
    }

    /// What the tiers find for an article (its content hash, compact signature, term vector,
    /// the vector's `top` terms, the ones indexed, and its publication time) among the
    /// articles numbered under `before`: a copy, or the story candidates (those within the
    /// window of time). Reads only, so the articles of a chunk are found in parallel;
    /// [`Detector::settle`] then chooses the story.
    pub(super) fn find(
        &self,
        content: u64,
        sig: CompactRef<'_>,
        vector: &TermVector,
        top: &[u64],
        before: u32,
        published: Option<i64>,
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
            let score = self
                .near_copy_score(j, other.shingles(), sig.shingles())
                .or_else(|| {
                    // Just under the threshold, the term vectors settle it: a story-tier
                    // signal, so only with the story tier on (off, only short texts have any).
                    (self.config.story.enabled
                        && j >= gray_zone
                        && self.docs[&d].vector.cosine(vector) >= self.config.near_copy_cosine)
                        .then_some(j)
                });
            if let Some(s) = score {
                let s = s as f32;
                // A near copy shares most of its words. Two short texts (a handful of
                // shingles each, so every slot holds one of them) whose 16-bit slots collide
                // agree on a share of their slots without sharing a word; a long text's
                // collision moves its estimate by a slot or two. So a short pair must share
                // terms too.
                let short = other.shingles().min(sig.shingles()) < SHORT_SHINGLES;
                let shares_words = || {
                    let theirs = &self.docs[&d].vector;
                    (theirs.is_empty() && vector.is_empty()) || theirs.cosine(vector) > 0.0
                };
                if best_near.is_none_or(|(bd, bs)| s > bs || (s == bs && d < bd))
                    && (!short || shares_words())
                {
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
            self.story_candidates(&TermLookup::new(vector), top, before, published)
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
    pub(super) fn settle(
        &self,
        found: Finding,
        vector: &TermVector,
        published: Option<i64>,
    ) -> Decision {
        if let Some(copy) = found.copy {
            return Decision {
                story: Some(self.docs[&copy.0].story),
                matched: Some(copy),
                links: found.links,
            };
        }
        let (story, matched) = match self.choose_story(&found, vector, published, None) {
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
    pub(super) fn foresee(
        &self,
        found: &Finding,
        vector: &TermVector,
        published: Option<i64>,
    ) -> Vec<(u32, f32)> {
        if found.copy.is_some() {
            return Vec::new();
        }
        let computed = std::cell::RefCell::new(Vec::new());
        self.choose_story(found, vector, published, Some(&computed));
        // Each member is compared once (it is in one story, sampled once), so no repeats.
        let mut computed = computed.into_inner();
        computed.sort_unstable_by_key(|&(m, _)| m);
        computed
    }

    /// The story a rewrite joins: of the stories of its strong links, the one it resembles
    /// as a whole. Similarities come from the links, then from `found.foreseen`, else are
    /// computed (and pushed to `computed`, when given).
    pub(super) fn choose_story(
        &self,
        found: &Finding,
        vector: &TermVector,
        published: Option<i64>,
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
        // A member published beyond the window is not the same event, whatever its words.
        let sim = |m: u32| {
            known(m).unwrap_or_else(|| {
                let doc = &self.docs[&m];
                if !self.within_window(published, doc.published) {
                    return 0.0;
                }
                let lookup = lookup.get_or_init(|| TermLookup::new(vector));
                let s = doc.vector.similarity_to(lookup, &self.config.terms);
                if let Some(c) = computed {
                    c.borrow_mut().push((m, s));
                }
                s
            })
        };
        linkage.best_story(&self.stories, stories, sim)
    }

    /// [`Detector::story_candidates`] of an indexed article's vector, among the articles
    /// numbered under `before` (the article itself among them when `before` is over its
    /// number).
    pub(super) fn candidates_of(
        &self,
        vector: &TermVector,
        before: u32,
        published: Option<i64>,
    ) -> Vec<(u32, f32)> {
        let top = vector.top(self.config.story.index_terms);
        self.story_candidates(&TermLookup::new(vector), &top, before, published)
    }

    /// Articles sharing enough heavy terms, with their cosine, most shared terms first.
    /// Only articles numbered under `before` count, as when an article numbered `before` was
    /// decided (`u32::MAX`: all), and only those published within the window of `published`.
    pub(super) fn story_candidates(
        &self,
        query: &TermLookup<'_>,
        top: &[u64],
        before: u32,
        published: Option<i64>,
    ) -> Vec<(u32, f32)> {
        let cap = self.config.story.max_postings;
        let min = self.config.story.min_shared_terms as u32;
        // The most recent `cap` postings under `before` of each term (postings are in number
        // order), and how many of the terms each article shares.
        let mut slices: Vec<&[u32]> = Vec::with_capacity(top.len());
        slices.extend(
            top.iter()
                .filter_map(|&term| self.postings.recent(term, before, cap)),
        );
        // Keys that sort most shared terms first, the number in their low half.
        let mut c = super::postings::count_shared(&slices, min);
        if published.is_some() && self.config.story.window_hours > 0 {
            c.retain(|&k| self.within_window(published, self.docs[&(k as u32)].published));
        }
        // Only the candidates kept are sorted: select them first.
        let keep = self.config.story.max_candidates;
        if c.len() > keep {
            c.select_nth_unstable(keep - 1);
            c.truncate(keep);
        }
        c.sort_unstable();
        // Fetch every candidate's vector first, with loads that do not wait on each other, so
        // that their cache misses overlap instead of coming one after another.
        let vectors: Vec<&TermVector> = c.iter().map(|&k| &self.docs[&(k as u32)].vector).collect();
        std::hint::black_box(
            vectors
                .iter()
                .map(|v| v.touch())
                .fold(0u32, u32::wrapping_add),
        );
        c.iter()
            .zip(vectors)
            .map(|(&k, v)| (k as u32, v.similarity_to(query, &self.config.terms)))
            .collect()
    }
}
