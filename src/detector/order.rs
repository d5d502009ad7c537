//! Stories in time: the earliest published version of a story is its original.
//!
//! Articles are numbered as they arrive, and a batch is numbered in order of publication
//! ([`super::batch`]), so most of the time an article's match is an earlier article and the
//! first of a story is its original. An article that arrives after versions published later
//! than it (a late feed, an archive loaded after today's news) breaks that: here it takes its
//! place. If it is older than the story's first article it becomes the first, and the former
//! first is said to copy (or rewrite) it; otherwise it is matched to a member published before
//! it. The articles whose verdicts change so are kept for [`Detector::take_revised`].
//!
//! An article's place in time is its publication time, or for one without, the latest time the
//! detector had seen when it arrived: so without times, arrival order decides, as before.

use super::articles::Doc;
use super::verdict::{MatchKind, Verdict};
use super::Detector;
use crate::cluster::StoryId;

impl Detector {
    /// The verdicts changed since the last call as a side effect of other articles' inserts
    /// (an older version arriving late became its story's original, and the former original
    /// now matches it), with their verdicts as they are now. An application that stores
    /// verdicts writes these again. Articles removed since are left out.
    ///
    /// ```
    /// use copydesk::{Article, Detector, Timestamp};
    ///
    /// let mut d = Detector::new(Default::default())?;
    /// let text = "Gales closed the Kessington harbour bridge on Monday, the port authority said.";
    /// let day = |n| Timestamp::from_date(2026, 1, n).unwrap();
    /// d.insert_article(&Article::new("later", text).published(day(6)))?;
    /// assert!(d.take_revised().is_empty());
    /// d.insert_article(&Article::new("earlier", text).published(day(5)))?;
    /// let revised = d.take_revised();
    /// assert_eq!(revised.len(), 1);
    /// assert_eq!(revised[0].0, "later");
    /// assert_eq!(revised[0].1.matched.as_ref().unwrap().id, "earlier");
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn take_revised(&mut self) -> Vec<(String, Verdict)> {
        let mut revised = std::mem::take(&mut self.revised);
        revised.sort_unstable();
        revised.dedup();
        revised
            .into_iter()
            .filter_map(|d| {
                let doc = self.docs.get(d)?;
                Some((doc.id.to_string(), doc.verdict()))
            })
            .collect()
    }

    /// After article `d` was decided and stored, matching article `matched` (if any): if that
    /// one was published after it, puts its story in order of time ([`Detector::order_story`]).
    pub(super) fn place_in_time(&mut self, d: u32, matched: Option<u32>) {
        let Some(t) = matched else {
            return;
        };
        let doc = &self.docs[&d];
        // Without times every key is (i64::MIN, number), and a match is to an earlier number.
        if doc.order == i64::MIN {
            return;
        }
        if self.docs[&t].key(t) > doc.key(d) {
            let story = doc.story;
            self.order_story(story, Some(d));
        }
    }

    /// Makes a story's verdicts agree with time: its earliest member (by time, then arrival)
    /// matches none, and every other member matches one before it, keeping the match it has
    /// where that holds. Articles whose verdict changes, other than `except`, are noted for
    /// [`Detector::take_revised`].
    pub(super) fn order_story(&mut self, story: StoryId, except: Option<u32>) {
        let Some(members) = self.stories.members(story).map(<[u32]>::to_vec) else {
            return;
        };
        let key = |m: u32| self.docs[&m].key(m);
        let Some(&head) = members.iter().min_by_key(|&&m| key(m)) else {
            return;
        };
        let mut fixes = Vec::new();
        for &m in &members {
            let doc = &self.docs[&m];
            let fix = if m == head {
                doc.matched.is_some().then_some(None)
            } else {
                let target = doc.matched.as_ref().and_then(|t| self.ids.get(&*t.id));
                let holds = target.is_some_and(|&t| {
                    self.docs
                        .get(t)
                        .is_some_and(|o| o.story == story && o.key(t) < doc.key(m))
                });
                (!holds).then(|| Some(self.earlier_match(doc, m, head)))
            };
            if let Some(matched) = fix {
                let matched = matched.map(|x| self.stored_match(x, doc.published));
                fixes.push((m, matched));
            }
        }
        for (m, matched) in fixes {
            self.docs.get_mut(m).expect("a member").matched = matched;
            if Some(m) != except {
                self.revised.push(m);
            }
        }
    }

    /// The match of `doc` (number `d`) within its story, whose first article is `head`: the
    /// strongest of its links to members before it in time, ties to the earliest; else the
    /// head, by what the tiers say of the two ([`Detector::relation`]).
    pub(super) fn earlier_match(&self, doc: &Doc, d: u32, head: u32) -> (u32, MatchKind, f32) {
        let key = doc.key(d);
        let links = doc.links.as_deref().unwrap_or_default().iter();
        let best = links
            .copied()
            .filter(|&(c, _)| {
                self.docs
                    .get(c)
                    .is_some_and(|o| o.story == doc.story && o.key(c) < key)
            })
            // The strongest; of equals, the earliest.
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((of, similarity)) => (of, MatchKind::Rewrite, similarity),
            None => self.relation(doc, d, head),
        }
    }

    /// What the tiers say of article `doc` (number `d`) and article `other`: an exact copy, a
    /// near copy (by the signatures, when the index still holds them), or else a rewrite with
    /// the cosine of their term vectors.
    pub(super) fn relation(&self, doc: &Doc, d: u32, other: u32) -> (u32, MatchKind, f32) {
        let o = &self.docs[&other];
        if o.content == doc.content {
            return (other, MatchKind::Exact, 1.0);
        }
        if let (Some(a), Some(b)) = (self.near.get(&d), self.near.get(&other)) {
            let score = a
                .try_jaccard(b)
                .ok()
                .and_then(|j| self.near_copy_score(j, a.shingles(), b.shingles()));
            if let Some(s) = score {
                return (other, MatchKind::NearCopy, s as f32);
            }
        }
        (other, MatchKind::Rewrite, o.vector.cosine(&doc.vector))
    }
}
