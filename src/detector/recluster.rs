//! Revising the stories once a batch is in:
//! [`Detector::merge_stories`](crate::Detector::merge_stories),
//! [`Detector::recluster`](crate::Detector::recluster) and
//! [`Detector::finish`](crate::Detector::finish).
//!
//! Owns re-forming stories from the links each article kept when it was decided (average-link
//! clustering over relative similarities, [`crate::cluster`]), merging whole stories, and
//! making every verdict agree with its story afterwards. It does not decide new articles and
//! does not look candidates up again, except for articles restored without their links.

use super::articles::{Doc, Links};
use super::batch::map;
use super::finished::Finished;
use super::postings;
use super::verdict::{verdict, MatchKind, StoredMatch, Verdict};
use super::Detector;
use crate::cluster::{attach_strays, average_link, neighbour_scales, Stories, StoryId};
use crate::hash::FastMap;

/// Where `d` is in `numbers` (ascending, distinct): first where it would be if the numbers
/// had no gaps (as in a batch that removed nothing), else by binary search.
pub(super) fn position(numbers: &[u32], d: u32) -> Option<u32> {
    let guess = d.checked_sub(*numbers.first()?)? as usize;
    if numbers.get(guess) == Some(&d) {
        return Some(guess as u32);
    }
    numbers.binary_search(&d).ok().map(|i| i as u32)
}

impl Detector {
    /// Merges stories that resemble each other as wholes, undoing the order effects of
    /// one-at-a-time decisions: an event whose first reports were too unlike each other to join
    /// starts as several stories, and once later reports bridge them, this joins them. Two stories
    /// merge when the average similarity over pairs of their members (sampled as for joining)
    /// reaches [`Linkage::min_average`](crate::cluster::Linkage::min_average) and no pair falls
    /// under [`Linkage::min_link`](crate::cluster::Linkage::min_link): average- and complete-link
    /// together, as for a single article, so merging does not chain. The younger story's members
    /// move to the older; their verdicts keep the match they were given, but for the younger
    /// story's first article, which matched none and now matches an earlier member of the older
    /// story (its strongest link into it, else the story's first article). Repeats until nothing
    /// merges; returns the number of merges. [`Detector::recluster`] re-forms the stories instead,
    /// and can also split them.
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
                for (c, sim) in self.candidates_of(&doc.vector, u32::MAX, doc.published) {
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
                        let (dx, dy) = (&self.docs[&x], &self.docs[&y]);
                        let s = if self.within_window(dx.published, dy.published) {
                            dx.vector.similarity(&dy.vector, &self.config.terms)
                        } else {
                            0.0
                        };
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
                self.order_story(old, None);
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

    /// Re-forms every story from its articles, all at once: average-link agglomerative clustering
    /// over the story tier's candidate graph. Each article is linked to the story candidates
    /// weighed when it was decided (earlier articles sharing most of its heaviest terms, at most
    /// [`StoryConfig::max_candidates`](crate::StoryConfig::max_candidates)) with their similarity,
    /// so this looks nothing up again. Links under
    /// [`Linkage::min_link`](crate::cluster::Linkage::min_link), the least similarity an article
    /// may have to any member of the story it joins, are no evidence of one story and are not kept
    /// (on ecbplus-dev, keeping them changes no score in eight arrival orders; they are half the
    /// links of a wire corpus). An exact or near copy is tied to the article it copies and stands
    /// for it: a group of an original and its copies is as similar to another group as the mean of
    /// the links between them, for every pair of their articles. Each link is read relative to its
    /// two articles' neighbourhoods
    /// ([`StoryConfig::neighbour_rank`](crate::StoryConfig::neighbour_rank)), so that the threshold
    /// does not move with what else the detector holds. Then the two groups with the highest
    /// average relative similarity over all pairs of their articles (a pair of articles with no
    /// link counts 0) merge, again and again, while that average reaches
    /// [`StoryConfig::min_relative_average`](crate::StoryConfig::min_relative_average) (or, with
    /// `neighbour_rank` 0, while the average similarity reaches
    /// [`Linkage::min_average`](crate::cluster::Linkage::min_average)).
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
    pub(super) fn reclusters(&self) -> bool {
        self.config.story.enabled && !self.docs.is_empty()
    }

    /// An exact or near copy, tied to the article it copies.
    pub(super) fn is_copy(doc: &Doc) -> bool {
        doc.matched
            .as_ref()
            .is_some_and(|m| matches!(m.kind, MatchKind::Exact | MatchKind::NearCopy))
    }

    /// Looks up the links of the articles restored without them (and not copies) among the
    /// earlier articles, on rayon's pool when there is one, and keeps them for the next run.
    pub(super) fn find_lost_links(&mut self) {
        let lost = |&(d, doc): &(u32, &Doc)| {
            (doc.links.is_none() && !Self::is_copy(doc)).then(|| {
                let links = self.candidates_of(&doc.vector, d, doc.published);
                (d, self.kept_links(links))
            })
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
    pub(super) fn regroup(&mut self, mut changed: impl FnMut(&str, &dyn Fn() -> Verdict, bool)) {
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
        // articles, so each pair comes once. Gathered once, 12 bytes a link (they are read two
        // or three times), into a list made its final size at once: collecting on rayon's pool
        // would hold the pieces twice while joining them, at the peak of a batch's memory.
        let total: usize = (self.docs.iter())
            .map(|(_, doc)| doc.links.as_deref().map_or(0, <[_]>::len))
            .sum();
        let mut all: Vec<(u32, u32, f32)> = Vec::with_capacity(total);
        for (i, (_, doc)) in self.docs.iter().enumerate() {
            // A removed article's links are gone with it.
            let links = doc.links.as_deref().unwrap_or_default();
            all.extend((links.iter()).filter_map(|&(c, sim)| Some((i as u32, at(c)?, sim))));
        }
        let links = || all.iter().copied();
        let story = &self.config.story;
        let (mut group, scales, merging) = match story.neighbour_rank {
            0 => (average_link(n, &ties, links, threshold), None, threshold),
            k => {
                let scales = neighbour_scales(n, links(), k, threshold);
                let relative = || {
                    links().map(|(a, b, sim)| (a, b, sim * scales[a as usize] * scales[b as usize]))
                };
                let group = average_link(n, &ties, relative, story.min_relative_average);
                (group, Some(scales), story.min_relative_average)
            }
        };
        // Strays: what merging left alone, joined to their one clear group, if any. Their
        // strongest link must reach the bar that joins a story on arrival.
        if story.stray_join > 0.0 {
            let copies: Vec<u32> = ties.iter().map(|&(copy, _)| copy).collect();
            let scale = |i: u32| scales.as_ref().map_or(1.0, |s| s[i as usize]);
            let links = links().map(|(a, b, sim)| (a, b, sim * scale(a) * scale(b), sim));
            let min = story.stray_join * merging;
            attach_strays(
                &mut group,
                &copies,
                links,
                min,
                story.stray_margin,
                threshold,
            );
        }

        // Each group's first article, by time then arrival (items are in the order of the
        // articles' numbers, so without times its lowest item), which names its story.
        let key = |i: usize| self.docs[&numbers[i]].key(numbers[i]);
        let mut head: Vec<u32> = (0..n as u32).collect();
        for (i, &root) in group.iter().enumerate() {
            let root = root as usize;
            if key(i) < key(head[root] as usize) {
                head[root] = i as u32;
            }
        }
        let head_of = |i: usize| head[group[i] as usize] as usize;
        let mut stories = Stories::default();
        let mut was = Vec::with_capacity(n);
        for (i, &d) in numbers.iter().enumerate() {
            let story = StoryId(u64::from(numbers[head_of(i)]));
            let doc = self.docs.get_mut(d).expect("numbered from docs");
            was.push(doc.story);
            doc.story = story;
            stories.add(story, d);
        }
        self.stories = stories;

        // Each verdict made to agree with its story: the first article of a story matched
        // none, any other one an earlier member. Matches given on insertion stand where they
        // still do (a copy's, unless its original was published after it: a copy is tied to
        // its original, so in its story).
        let this = &*self;
        let fixes: Vec<Option<Option<StoredMatch>>> = map(&numbers, true, |&d| {
            let i = at(d).expect("numbered from docs") as usize;
            let doc = &this.docs[&d];
            let first = head_of(i) == i;
            // The matched article's number; `None` inside when it has been removed since,
            // and the match is left as it was given.
            let target = doc.matched.as_ref().map(|m| this.ids.get(&*m.id).copied());
            match (first, target) {
                (true, None) | (_, Some(None)) => None,
                (true, Some(Some(_))) => Some(None),
                (false, Some(Some(t)))
                    if this.docs[&t].story == doc.story && this.docs[&t].key(t) < doc.key(d) =>
                {
                    None
                }
                (false, _) => {
                    let founder = numbers[head_of(i)];
                    let found = this.earlier_match(doc, d, founder);
                    Some(Some(this.stored_match(found, doc.published)))
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
            changed(&doc.id, &|| verdict(&doc.id, was, before.as_ref()), moved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
