//! Small, stable hashing helpers shared by the sketches.
//!
//! Everything here is a fixed function of its input bits: results are identical on every
//! platform and in every process, which is what lets signatures be persisted and compared.

use std::hash::{BuildHasherDefault, Hasher};

/// The 64-bit finaliser of MurmurHash3 (`fmix64`): a bijection that spreads every input bit
/// over every output bit.
#[inline]
pub(crate) fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// One step of SplitMix64 (Steele, Lea, Flood 2014): advances `state` and returns the next
/// output. Used to derive permutation constants from a seed by a documented procedure.
#[inline]
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A `Hasher` for keys that are already uniformly distributed hashes: it passes the `u64`
/// through. Only for in-memory maps; never for anything persisted.
#[derive(Default, Clone, Copy)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys that are not a single integer; fold them in so the map stays
        // correct, if slower.
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = fmix64(self.0 ^ w).wrapping_add(w);
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.0 = fmix64(self.0 ^ u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        // Small sequential ids would cluster in the table's low bits: spread them.
        self.0 = fmix64(u64::from(n));
    }
}

/// `BuildHasher` for [`PassThroughHasher`].
pub(crate) type BuildPassThrough = BuildHasherDefault<PassThroughHasher>;

/// A `HashMap` keyed by hashes or small ids.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildPassThrough>;

/// A list that is almost always one item long: the keys sharing one LSH band value, the
/// articles sharing one content hash. One item is kept inline, without an allocation of its
/// own; only longer lists pay for a `Vec`. 16 bytes for `u32` items, against 24 for a `Vec`
/// and its allocation.
#[derive(Clone, Debug)]
pub(crate) enum SmallList<K> {
    One(K),
    // Boxed on purpose: a bare `Vec` would make every list, even one-item lists, 24 bytes.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<K>>),
}

impl<K: Clone + Eq> SmallList<K> {
    pub(crate) fn as_slice(&self) -> &[K] {
        match self {
            SmallList::One(k) => std::slice::from_ref(k),
            SmallList::Many(v) => v,
        }
    }

    pub(crate) fn push(&mut self, key: K) {
        match self {
            SmallList::One(k) => *self = SmallList::Many(Box::new(vec![k.clone(), key])),
            SmallList::Many(v) => v.push(key),
        }
    }

    /// Removes every `key`; true when the list is left empty.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        match self {
            SmallList::One(k) => k == key,
            SmallList::Many(v) => {
                v.retain(|k| k != key);
                let empty = v.is_empty();
                if v.len() == 1 {
                    let last = v[0].clone();
                    *self = SmallList::One(last);
                }
                empty
            }
        }
    }
}

/// Adds `value` to the list under `key`.
pub(crate) fn push_to<K2: std::hash::Hash + Eq, K: Clone + Eq>(
    map: &mut FastMap<K2, SmallList<K>>,
    key: K2,
    value: K,
) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().push(value),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(SmallList::One(value));
        }
    }
}

/// Counts how often each `u32` occurs among the numbers given since the last
/// [`Tally::start`]: an open-addressing table kept from call to call, whose slots are stamped
/// with the call's generation, so that starting again clears nothing. For counting, per
/// article, the articles that share its index terms: a `HashMap` made for each article
/// spent more time allocating and probing than anything it counted.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// `(number, generation, count)`; a slot whose generation is not the current one is free.
    slots: Vec<(u32, u32, u32)>,
    generation: u32,
    /// The slots taken in this generation, in the order their numbers first came.
    taken: Vec<u32>,
}

impl Tally {
    /// Forgets the counts, ready for up to `n` numbers.
    pub(crate) fn start(&mut self, n: usize) {
        let want = (2 * n).next_power_of_two().max(64);
        if self.slots.len() < want || self.generation == u32::MAX {
            self.slots = vec![(0, 0, 0); want.max(self.slots.len())];
            self.generation = 0;
        }
        self.generation += 1;
        self.taken.clear();
    }

    /// Counts `x` once more. At most the `n` given to [`Tally::start`] numbers may be added.
    #[inline]
    pub(crate) fn add(&mut self, x: u32) {
        // A table at most half full always has a free slot to end the probe.
        debug_assert!(self.taken.len() < self.slots.len() / 2);
        let mask = self.slots.len() - 1;
        // The multiplicative hash's high bits; consecutive numbers land far apart.
        let mut i = (u64::from(x).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.1 != self.generation {
                *slot = (x, self.generation, 1);
                self.taken.push(i as u32);
                return;
            }
            if slot.0 == x {
                slot.2 += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Every number counted since [`Tally::start`], with its count, in the order each first
    /// came.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.taken.iter().map(|&i| {
            let (x, _, n) = self.slots[i as usize];
            (x, n)
        })
    }

    /// How many distinct numbers were counted since [`Tally::start`].
    pub(crate) fn distinct(&self) -> usize {
        self.taken.len()
    }

    /// The memory the table holds, in slots.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The tally against a map, over several generations of one table.
        #[test]
        fn tally_counts_as_a_map_does(
            rounds in proptest::collection::vec(
                proptest::collection::vec(0u32..300, 0..200), 1..6),
        ) {
            let mut tally = Tally::default();
            for numbers in rounds {
                tally.start(numbers.len());
                let mut oracle = std::collections::BTreeMap::new();
                for &x in &numbers {
                    tally.add(x);
                    *oracle.entry(x).or_insert(0u32) += 1;
                }
                let mut got: Vec<(u32, u32)> = tally.counts().collect();
                got.sort_unstable();
                let want: Vec<(u32, u32)> = oracle.into_iter().collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn a_tally_survives_its_generation_wrapping() {
        let mut tally = Tally::default();
        tally.start(4);
        tally.add(7);
        tally.generation = u32::MAX;
        tally.start(4);
        // Slots never used carry generation 0: after the wrap they must not pass for taken
        // ones (holding 0).
        for x in [0, 0, 7] {
            tally.add(x);
        }
        assert_eq!(tally.counts().collect::<Vec<_>>(), vec![(0, 2), (7, 1)]);
    }

    #[test]
    fn small_list_grows_and_shrinks() {
        assert_eq!(std::mem::size_of::<SmallList<u32>>(), 16);
        let mut map: FastMap<u64, SmallList<u32>> = FastMap::default();
        push_to(&mut map, 7, 1);
        assert_eq!(map[&7].as_slice(), [1]);
        push_to(&mut map, 7, 2);
        push_to(&mut map, 7, 3);
        assert_eq!(map[&7].as_slice(), [1, 2, 3]);
        assert!(!map.get_mut(&7).unwrap().remove(&2));
        assert!(!map.get_mut(&7).unwrap().remove(&1));
        assert!(matches!(map[&7], SmallList::One(3)));
        assert!(map.get_mut(&7).unwrap().remove(&3));
        assert!(!SmallList::One(4u32).remove(&5));
    }
}
