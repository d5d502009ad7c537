//! The story tier's postings: for each indexed term, the numbers of the most recent articles
//! that have it among their heaviest terms, in increasing order.
//!
//! The terms are split into shards by their hash, so that a chunk's articles
//! are posted on every thread at once, each shard by one thread, in number order: the lists
//! come out as posting one article after another would leave them.

use crate::hash::{fmix64, FastMap};

/// Shards: enough for two to eight threads to share the work evenly.
const SHARDS: usize = 16;

/// A term's postings. Most terms are rare (a name in one article or two): up to four are held
/// in the map's entry itself, without an allocation of their own.
type List = smallvec::SmallVec<[u32; 4]>;

/// One shard: term to postings.
type Shard = FastMap<u64, List>;

/// Term postings, split into shards by term.
#[derive(Clone, Debug)]
pub(crate) struct Postings {
    shards: Vec<Shard>,
}

impl Default for Postings {
    fn default() -> Self {
        Postings {
            shards: vec![Shard::default(); SHARDS],
        }
    }
}

/// The shard of `term`. Terms are 32-bit hashes widened to 64 bits, so their top bits say
/// nothing: all the bits are mixed first.
fn shard(term: u64) -> usize {
    (fmix64(term) >> 60) as usize % SHARDS
}

/// Adds `doc` to a term's postings `p`. Only the most recent `cap` are read; at most twice
/// that are kept, the oldest half dropped at once, so an insert's cost stays constant.
///
/// Articles numbered from `undecided` on are not decided yet (a chunk of a batch, indexed
/// before it is decided), and each will read the `cap` before it: those are kept, with the
/// `cap` before `undecided`.
fn push(p: &mut List, doc: u32, undecided: u32, cap: usize) {
    if p.len() >= 2 * cap {
        let decided = count_under(p, undecided);
        if decided >= 2 * cap {
            p.drain(..decided - cap);
        }
    }
    p.push(doc);
}

/// How many of the increasing `p` are under `before`, searched from the end: the postings at
/// or over `before` are the few of a chunk's later articles that have the term, so a search
/// widening back from the end reads the list's last entry or two, where a binary search over
/// the whole list waits on one load after another.
fn count_under(p: &[u32], before: u32) -> usize {
    // Everything from `end` on is at or over `before`.
    let mut end = p.len();
    let mut width = 1;
    while end > 0 {
        let start = end.saturating_sub(width);
        if p[start] < before {
            return start + 1 + p[start + 1..end].partition_point(|&d| d < before);
        }
        end = start;
        width *= 2;
    }
    0
}

/// Article numbers up to this many are counted in a table indexed by number (two bytes a
/// number, per thread); beyond it, in a hash table.
const DENSE_NUMBERS: u32 = 1 << 24;

/// The articles found in `lists` (each in increasing order) at least `min` times, in the
/// order each was first found, each as `(u32::MAX - times) << 32 | number`: keys that sort
/// most times first, then lowest number.
///
/// Counted in a per-thread table indexed by article number, which adds with one load and
/// store and no hashing or probing: this counting was a tenth of a clustering run. Past
/// [`DENSE_NUMBERS`] a hash table ([`Tally`](crate::hash::Tally)) counts instead.
pub(crate) fn count_shared(lists: &[&[u32]], min: u32) -> Vec<u64> {
    let adds: usize = lists.iter().map(|l| l.len()).sum();
    // Every number is under the highest last one.
    let bound = lists
        .iter()
        .filter_map(|l| l.last())
        .max()
        .map_or(0, |&d| d as usize + 1);
    let key = |d: u32, n: u32| (u64::from(u32::MAX - n) << 32) | u64::from(d);
    if bound > DENSE_NUMBERS as usize {
        return super::analysis::with_tally(|tally| {
            tally.start(adds);
            for &d in lists.iter().copied().flatten() {
                tally.add(d);
            }
            let mut c = Vec::with_capacity(tally.distinct());
            c.extend(
                tally
                    .counts()
                    .filter(|&(_, n)| n >= min)
                    .map(|(d, n)| key(d, n)),
            );
            c
        });
    }
    thread_local! {
        static DENSE: std::cell::RefCell<Dense> = std::cell::RefCell::default();
    }
    crate::scratch::with_scratch(
        &DENSE,
        |_| false,
        |t| {
            if t.counts.len() < bound {
                t.counts.resize(bound, 0);
            }
            if t.found.len() < adds {
                t.found.resize(adds, 0);
            }
            let Dense { counts, found } = t;
            let counts = &mut counts[..bound];
            let found = &mut found[..adds];
            let mut distinct = 0;
            for list in lists {
                for &d in *list {
                    let n = &mut counts[d as usize];
                    // Written either way; kept only when first found.
                    found[distinct] = d;
                    distinct += usize::from(*n == 0);
                    *n += 1;
                }
            }
            let mut c = Vec::with_capacity(distinct);
            for &d in &found[..distinct] {
                let n = std::mem::take(&mut counts[d as usize]);
                if u32::from(n) >= min {
                    c.push(key(d, u32::from(n)));
                }
            }
            c
        },
    )
}

/// [`count_shared`]'s table: a count per article number, zero between calls, and room for
/// the numbers found.
#[derive(Debug, Default)]
struct Dense {
    counts: Vec<u16>,
    found: Vec<u32>,
}

impl Postings {
    /// The postings of `term`, oldest first.
    pub(crate) fn get(&self, term: u64) -> Option<&[u32]> {
        self.shards[shard(term)].get(&term).map(|p| p.as_slice())
    }

    /// The most recent `cap` postings of `term` numbered under `before`, oldest first.
    pub(crate) fn recent(&self, term: u64, before: u32, cap: usize) -> Option<&[u32]> {
        let p = self.get(term)?;
        let end = count_under(p, before);
        Some(&p[end.saturating_sub(cap)..end])
    }

    /// Adds `doc` to `term`'s postings (see [`push`]).
    pub(crate) fn post(&mut self, term: u64, doc: u32, undecided: u32, cap: usize) {
        let p = self.shards[shard(term)].entry(term).or_default();
        push(p, doc, undecided, cap);
    }

    /// Posts a chunk: the `i`-th of `tops` is article `first + i`'s indexed terms, and none of
    /// the chunk is decided yet. The same lists as posting each term of each article in turn
    /// with [`Postings::post`]; with `parallel`, the shards are filled on rayon's pool.
    pub(crate) fn post_chunk(&mut self, first: u32, tops: &[Vec<u64>], cap: usize, parallel: bool) {
        #[cfg(feature = "rayon")]
        if parallel {
            use rayon::prelude::*;
            // Each shard's (term, article) pairs, in article order.
            let mut sorted: Vec<Vec<(u64, u32)>> = vec![Vec::new(); SHARDS];
            for (doc, top) in (first..).zip(tops) {
                for &term in top {
                    sorted[shard(term)].push((term, doc));
                }
            }
            let shards = self.shards.par_iter_mut().zip(sorted);
            shards.for_each(|(map, pairs)| {
                for (term, doc) in pairs {
                    push(map.entry(term).or_default(), doc, first, cap);
                }
            });
            return;
        }
        // On this thread: no sorting needed (a streamed article is a chunk of one).
        let _ = parallel;
        for (doc, top) in (first..).zip(tops) {
            for &term in top {
                self.post(term, doc, first, cap);
            }
        }
    }

    /// Takes `doc` out of `term`'s postings; a list left empty goes.
    pub(crate) fn remove(&mut self, term: u64, doc: u32) {
        let map = &mut self.shards[shard(term)];
        if let Some(p) = map.get_mut(&term) {
            p.retain(|d| *d != doc);
            if p.is_empty() {
                map.remove(&term);
            }
        }
    }

    /// Every term's postings, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &[u32])> {
        self.shards
            .iter()
            .flatten()
            .map(|(&t, p)| (t, p.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the shard was the top four bits of a term, which are zero for the 32-bit
    /// term hashes the detector posts, so every term went to one shard and one thread.
    #[test]
    fn term_hashes_spread_over_every_shard() {
        let mut used = [0usize; SHARDS];
        for i in 0..4096u32 {
            let term = u64::from(i.wrapping_mul(0x9e37_79b9));
            used[shard(term)] += 1;
        }
        assert!(used.iter().all(|&n| n > 4096 / SHARDS / 2), "{used:?}");
    }

    proptest::proptest! {
        /// Against counting in a map, in the table by number and (numbers past
        /// [`DENSE_NUMBERS`]) in the hash table.
        #[test]
        fn count_shared_is_counting_in_a_map(
            lists in proptest::collection::vec(
                proptest::collection::btree_set(0u32..300, 0..40),
                0..12,
            ),
            min in 1u32..4,
            far: bool,
        ) {
            let offset = if far { DENSE_NUMBERS } else { 0 };
            let lists: Vec<Vec<u32>> = lists
                .iter()
                .map(|l| l.iter().map(|&d| d + offset).collect())
                .collect();
            let slices: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let mut first_found = Vec::new();
            let mut times = std::collections::HashMap::new();
            for &d in lists.iter().flatten() {
                let n = times.entry(d).or_insert(0u32);
                if *n == 0 {
                    first_found.push(d);
                }
                *n += 1;
            }
            let naive: Vec<u64> = first_found
                .iter()
                .filter(|d| times[d] >= min)
                .map(|&d| (u64::from(u32::MAX - times[&d]) << 32) | u64::from(d))
                .collect();
            proptest::prop_assert_eq!(count_shared(&slices, min), naive.clone());
            // Counts are back to zero between calls.
            proptest::prop_assert_eq!(count_shared(&slices, min), naive);
        }

        /// Against a binary search over the whole list.
        #[test]
        fn count_under_is_the_partition_point(
            mut p in proptest::collection::vec(0u32..200, 0..80),
            before in 0u32..=201,
        ) {
            p.sort_unstable();
            p.dedup();
            proptest::prop_assert_eq!(count_under(&p, before), p.partition_point(|&d| d < before));
        }

        /// Posting a chunk at once, sequentially or on the pool, leaves the lists that
        /// posting its articles' terms one by one leaves, trimming included.
        #[test]
        fn a_chunk_posts_as_one_by_one(
            chunks in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::collection::vec(0u64..24, 0..6),
                    1..12,
                ),
                1..8,
            ),
            cap in 1usize..4,
            parallel: bool,
        ) {
            // Spread the small terms over the shards.
            let term = |t: u64| t.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let (mut one, mut chunked) = (Postings::default(), Postings::default());
            let mut first = 0u32;
            for chunk in &chunks {
                let tops: Vec<Vec<u64>> = chunk
                    .iter()
                    .map(|top| {
                        let mut top: Vec<u64> = top.iter().map(|&t| term(t)).collect();
                        top.sort_unstable();
                        top.dedup();
                        top
                    })
                    .collect();
                for (doc, top) in (first..).zip(&tops) {
                    for &t in top {
                        one.post(t, doc, first, cap);
                    }
                }
                chunked.post_chunk(first, &tops, cap, parallel);
                first += tops.len() as u32;
            }
            let sorted = |p: &Postings| {
                let mut v: Vec<(u64, Vec<u32>)> = p.iter().map(|(t, l)| (t, l.to_vec())).collect();
                v.sort_unstable();
                v
            };
            proptest::prop_assert_eq!(sorted(&one), sorted(&chunked));
        }
    }
}
