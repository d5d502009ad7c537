//! The indexed articles by number: `Doc` and `DocTable`.
//!
//! Owns how an indexed article is held (its id, content hash, story, term vector, verdict and
//! story links) and the table that finds it by number without hashing. It knows nothing of
//! tiers or stories: the other parts of the detector read and update these entries.

use super::verdict::{verdict, StoredMatch, Verdict};
use crate::cluster::StoryId;
use crate::hash::FastMap;
use crate::terms::TermVector;
use std::collections::HashMap;
use std::sync::Arc;

/// An indexed article. Its id is shared, not copied, with the `ids` map and with the
/// matches of later articles that name it: one allocation per id.
#[derive(Clone, Debug)]
pub(super) struct Doc {
    pub(super) id: Arc<str>,
    pub(super) content: u64,
    pub(super) story: StoryId,
    pub(super) vector: TermVector,
    /// The match of its verdict (the verdict's story is `story`, which merges update).
    pub(super) matched: Option<StoredMatch>,
    /// The story candidates weighed when it was decided (earlier articles, with their
    /// similarity, at least [`Linkage::min_link`] and over 0), which [`Detector::recluster`]
    /// links it by; empty when a tier before the story tier decided. `None` when not known
    /// (restored from a record without them), until a recluster looks them up.
    pub(super) links: Option<Links>,
    /// When it was published, in Unix seconds, if known.
    pub(super) published: Option<i64>,
    /// Its place in time: its publication time, or for an article without one the latest
    /// publication time the detector had seen when it arrived (`i64::MIN` before any), so
    /// that `(order, number)` orders articles by time where known and by arrival otherwise.
    pub(super) order: i64,
    /// Its source's place in the detector's [`Sources`], or [`NO_SOURCE`].
    pub(super) source: u32,
}

/// A [`Doc`] without a source.
pub(super) const NO_SOURCE: u32 = u32::MAX;

/// Article sources, each kept once: a newsroom's articles come from a few hundred outlets,
/// and each article keeps four bytes instead of the name.
#[derive(Clone, Debug, Default)]
pub(super) struct Sources {
    pub(super) names: Vec<Arc<str>>,
    places: HashMap<Arc<str>, u32>,
}

impl Sources {
    /// The place of `name`, added if new; [`NO_SOURCE`] for none.
    pub(super) fn intern(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else {
            return NO_SOURCE;
        };
        if let Some(&place) = self.places.get(name) {
            return place;
        }
        let place = u32::try_from(self.names.len())
            .ok()
            .filter(|&p| p != NO_SOURCE)
            .expect("fewer than 2^32 - 1 sources");
        let name: Arc<str> = name.into();
        self.names.push(Arc::clone(&name));
        self.places.insert(name, place);
        place
    }

    /// The name at `place`.
    pub(super) fn get(&self, place: u32) -> Option<&str> {
        self.names.get(place as usize).map(|n| &**n)
    }
}

impl Doc {
    /// The article's place among the others: by time, then by arrival.
    pub(super) fn key(&self, number: u32) -> (i64, u32) {
        (self.order, number)
    }
}

/// An article's story links: earlier articles' numbers, with their similarity.
pub(super) type Links = Box<[(u32, f32)]>;

/// The indexed articles by number. Numbers are given in order and never reused, so the
/// articles from the lowest live number on sit in a deque of slots, one per number, found
/// without hashing (a hash map of a million articles held twice their size). Slots of removed
/// articles at the front are given back. Should a few old articles outlive most of their
/// successors (the rest removed), they move to a side map once the free slots behind them
/// outnumber the articles, so free slots never cost more than the articles themselves.
#[derive(Clone, Debug, Default)]
pub(super) struct DocTable {
    /// The number of `slots[0]`.
    first: u32,
    slots: std::collections::VecDeque<Option<Doc>>,
    /// Articles numbered under `first`.
    old: FastMap<u32, Doc>,
    len: usize,
}

impl DocTable {
    pub(super) fn get(&self, d: u32) -> Option<&Doc> {
        match d.checked_sub(self.first) {
            Some(i) => self.slots.get(i as usize)?.as_ref(),
            None => self.old.get(&d),
        }
    }

    pub(super) fn get_mut(&mut self, d: u32) -> Option<&mut Doc> {
        match d.checked_sub(self.first) {
            Some(i) => self.slots.get_mut(i as usize)?.as_mut(),
            None => self.old.get_mut(&d),
        }
    }

    pub(super) fn contains(&self, d: u32) -> bool {
        self.get(d).is_some()
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `doc` as number `d`, which is not stored.
    pub(super) fn insert(&mut self, d: u32, doc: Doc) {
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

    pub(super) fn remove(&mut self, d: u32) -> Option<Doc> {
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
    pub(super) fn compact(&mut self) {
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
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, &Doc)> + '_ {
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

impl Doc {
    pub(super) fn verdict(&self) -> Verdict {
        verdict(&self.id, self.story, self.matched.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::StoryId;
    use crate::terms::TermVector;

    fn doc(n: u32) -> Doc {
        Doc {
            id: n.to_string().into(),
            content: u64::from(n),
            story: StoryId(u64::from(n)),
            vector: TermVector::default(),
            matched: None,
            links: None,
            published: None,
            order: i64::MIN,
            source: NO_SOURCE,
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
}
