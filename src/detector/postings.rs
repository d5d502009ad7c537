//! The story tier's postings: for each indexed term, the numbers of the most recent articles
//! that have it among their heaviest terms, in increasing order.
//!
//! The terms are split into shards by their hash, so that a chunk's articles
//! are posted on every thread at once, each shard by one thread, in number order: the lists
//! come out as posting one article after another would leave them.

use crate::hash::{fmix64, FastMap};

/// Shards: enough for two to eight threads to share the work evenly.
const SHARDS: usize = 16;

/// One shard: term to postings.
type Shard = FastMap<u64, Vec<u32>>;

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
fn push(p: &mut Vec<u32>, doc: u32, undecided: u32, cap: usize) {
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

impl Postings {
    /// The postings of `term`, oldest first.
    pub(crate) fn get(&self, term: u64) -> Option<&Vec<u32>> {
        self.shards[shard(term)].get(&term)
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
            p.retain(|&d| d != doc);
            if p.is_empty() {
                map.remove(&term);
            }
        }
    }

    /// Every term's postings, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &Vec<u32>)> {
        self.shards.iter().flatten().map(|(&t, p)| (t, p))
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
                let mut v: Vec<(u64, Vec<u32>)> = p.iter().map(|(t, l)| (t, l.clone())).collect();
                v.sort_unstable();
                v
            };
            proptest::prop_assert_eq!(sorted(&one), sorted(&chunked));
        }
    }
}
