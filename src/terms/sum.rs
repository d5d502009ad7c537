//! An article's term occurrences summed by term: sorted by hash, then each run of one hash
//! added up, in buffers kept by each thread from one article to the next. Allocating and
//! zeroing them for every article (tens of kilobytes for a long one, too large for the
//! allocator's per-thread cache) cost more than summing.

use super::{CAPITALISED, FIGURE, LEDE, LOWERCASE};
use std::cell::RefCell;

/// Per term: its hash, its occurrences (one in the lede counts twice), the times it was
/// capitalised in mid-sentence less the times it was in lowercase, and the times it was a
/// figure.
pub(super) type Sum = (u64, u32, i32, u32);

/// A thread's buffers, each as long as the longest article's occurrences so far (only their
/// first `n` entries are read, and every one of those is written first, so they are never
/// cleared).
#[derive(Default)]
struct Buffers {
    sorted: Vec<(u64, u8)>,
    start: Vec<u32>,
    sums: Vec<Sum>,
}

/// Calls `f` with `occurrences` summed by term, in hash order.
pub(super) fn summed<R>(occurrences: &[(u64, u8)], f: impl FnOnce(&[Sum]) -> R) -> R {
    thread_local! {
        static BUFFERS: RefCell<Buffers> = RefCell::default();
    }
    crate::scratch::with_scratch(
        &BUFFERS,
        |b| b.sorted.len() > 1 << 16,
        |b| {
            let n = occurrences.len();
            grow(&mut b.sorted, n, (0, 0));
            grow(&mut b.sums, n, (0, 0, 0, 0));
            let sorted = &mut b.sorted[..n];
            sort_by_hash_into(occurrences, sorted, &mut b.start);
            let len = sum_runs(sorted, &mut b.sums[..n]);
            f(&b.sums[..len])
        },
    )
}

/// Makes `v` at least `n` long.
fn grow<T: Copy>(v: &mut Vec<T>, n: usize, fill: T) {
    if v.len() < n {
        v.resize(n, fill);
    }
}

/// Writes `sorted`'s runs of one hash, summed, to the front of `sums` (as long as `sorted`),
/// and returns how many. Without a branch on whether an occurrence starts a new term (most
/// do, some do not: a branch there is mispredicted often): the running sum is stored at its
/// place at every occurrence, and the place moves on, and the sum starts again from zero,
/// when the hash changes.
fn sum_runs(sorted: &[(u64, u8)], sums: &mut [Sum]) -> usize {
    let Some(&(first, _)) = sorted.first() else {
        return 0;
    };
    let mut k = 0;
    let mut sum: Sum = (first, 0, 0, 0);
    for &(hash, what) in sorted {
        sums[k] = sum;
        let same = hash == sum.0;
        k += usize::from(!same);
        let keep = u32::from(same);
        sum = (hash, sum.1 * keep, sum.2 * keep as i32, sum.3 * keep);
        sum.1 += 1 + u32::from(what & LEDE);
        sum.2 += i32::from(what & CAPITALISED != 0) - i32::from(what & LOWERCASE != 0);
        sum.3 += u32::from(what & FIGURE != 0);
    }
    sums[k] = sum;
    k + 1
}

/// `occurrences` sorted by hash (in no particular order among equal hashes) into `sorted`, as
/// long. Word hashes are uniform, so a counting pass on their top bits (`start` holds the
/// buckets), about one bucket an occurrence, leaves each a place or two from where it
/// belongs, and an insertion sort then finishes in about one pass: fewer instructions, and
/// far fewer mispredicted branches, than `sort_unstable` on the hundred or so terms of an
/// article. Hashes that are not uniform (words chosen to share their top bits) would make the
/// insertion sort quadratic: past a few moves an occurrence it stops and `sort_unstable`
/// finishes the work. Returns whether it did.
fn sort_by_hash_into(
    occurrences: &[(u64, u8)],
    sorted: &mut [(u64, u8)],
    start: &mut Vec<u32>,
) -> bool {
    let n = occurrences.len();
    if n <= 32 {
        sorted.copy_from_slice(occurrences);
        sorted.sort_unstable_by_key(|o| o.0);
        return false;
    }
    // From 64 buckets for 33 occurrences to 2^16 for 32,768 and more.
    let bits = (usize::BITS - n.leading_zeros()).min(16);
    let shift = u64::BITS - bits;
    let bucket = |h: u64| (h >> shift) as usize;
    start.clear();
    start.resize((1 << bits) + 1, 0);
    for o in occurrences {
        start[bucket(o.0) + 1] += 1;
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    for &o in occurrences {
        let at = &mut start[bucket(o.0)];
        sorted[*at as usize] = o;
        *at += 1;
    }
    let mut budget = 8 * n;
    for i in 1..n {
        let o = sorted[i];
        let mut j = i;
        while j > 0 && sorted[j - 1].0 > o.0 {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = o;
        budget = budget.saturating_sub(i - j);
        if budget == 0 {
            sorted.sort_unstable_by_key(|o| o.0);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    /// `occurrences` sorted by [`sort_by_hash_into`], and whether it fell back.
    fn sort_by_hash(occurrences: &[(u64, u8)]) -> (Vec<(u64, u8)>, bool) {
        let mut sorted = vec![(0, 0); occurrences.len()];
        let fell_back = sort_by_hash_into(occurrences, &mut sorted, &mut Vec::new());
        (sorted, fell_back)
    }

    #[test]
    fn sorting_hashes_that_share_their_top_bits_is_not_quadratic() {
        // 200,000 distinct hashes in one bucket, in descending order: the insertion sort
        // alone would move each past every one before it, 2·10^10 moves.
        let occurrences: Vec<(u64, u8)> = (0..200_000u64).rev().map(|h| (h, 0)).collect();
        let (sorted, fell_back) = sort_by_hash(&occurrences);
        assert!(fell_back);
        assert!(sorted.iter().map(|o| o.0).eq(0..200_000));
        // Uniform hashes, an article's worth: the insertion sort alone.
        let uniform: Vec<_> = (0..2_000u64).map(|i| (crate::hash::fmix64(i), 0)).collect();
        let (sorted, fell_back) = sort_by_hash(&uniform);
        assert!(!fell_back);
        assert!(sorted.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    /// Summing in a map, then sorting: what [`summed`] must give.
    fn naive_sums(occurrences: &[(u64, u8)]) -> Vec<Sum> {
        let mut map: std::collections::BTreeMap<u64, Sum> = Default::default();
        for &(h, what) in occurrences {
            let s = map.entry(h).or_insert((h, 0, 0, 0));
            s.1 += if what & LEDE != 0 { 2 } else { 1 };
            if what & CAPITALISED != 0 {
                s.2 += 1;
            }
            if what & LOWERCASE != 0 {
                s.2 -= 1;
            }
            if what & FIGURE != 0 {
                s.3 += 1;
            }
        }
        map.into_values().collect()
    }

    proptest::proptest! {
        #[test]
        fn sort_by_hash_sorts(
            // Few distinct top bits and values, so that buckets and runs of equal hashes are
            // common; up to thousands, past the insertion sort of short lists.
            occurrences in proptest::collection::vec(
                (0u64..16, 0u64..4, 0u8..8).prop_map(|(top, low, what)| ((top << 58) | low, what)),
                0..3000,
            ),
        ) {
            let (got, _) = sort_by_hash(&occurrences);
            proptest::prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
            let (mut got, mut want) = (got, occurrences);
            got.sort_unstable();
            want.sort_unstable();
            proptest::prop_assert_eq!(got, want);
        }

        /// Article after article on one thread, longer and shorter, so that the buffers hold
        /// an earlier article's entries past the current one's.
        #[test]
        fn sums_are_a_map_of_sums(
            articles in proptest::collection::vec(
                proptest::collection::vec((0u64..40, 0u8..16), 0..200),
                1..6,
            ),
        ) {
            for occurrences in &articles {
                let got = summed(occurrences, <[Sum]>::to_vec);
                proptest::prop_assert_eq!(got, naive_sums(occurrences));
            }
        }
    }
}
