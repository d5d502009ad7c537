//! SimHash: 64-bit fingerprints whose Hamming distance tracks the angle between two weighted
//! feature vectors (Charikar, STOC 2002), and an index that finds every fingerprint within `k`
//! bits (Manku, Jain, Das Sarma, WWW 2007).
//!
//! A fingerprint sums, for every feature hash `h` with weight `w`, `+w` on the bits where `h` has
//! a one and `−w` where it has a zero; the fingerprint's bit is 1 where the sum is positive.
//! SimHash is reliable for near-exact copies (a changed header or footer: a few bits) and too
//! coarse for rewrites, for which MinHash and the story tier are the tools.
//!
//! [`SimHashIndex`] follows Manku et al.: by the pigeonhole principle, two fingerprints within
//! `k` bits agree exactly on at least one of `k + 1` disjoint blocks of bits, so one table per
//! block, keyed by that block's bits, finds every candidate; candidates are then checked by
//! their exact Hamming distance. This is the "4 tables for k = 3" design of the paper, with hash
//! tables where the paper sorts permuted copies.
//!
//! ```
//! use copydesk::simhash::{Fingerprint, SimHashIndex};
//!
//! let a = Fingerprint::from_features((0..200u64).map(|i| (copydesk::shingle::word_hash(&i.to_string(), 0), 1.0)));
//! let b = Fingerprint::from_features((0..199u64).map(|i| (copydesk::shingle::word_hash(&i.to_string(), 0), 1.0)));
//! assert!(a.hamming(b) <= 8);
//! let mut index = SimHashIndex::new(3)?;
//! index.insert(1u32, a);
//! assert_eq!(index.query(a), vec![(1, 0)]);
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::hash::FastMap;
use std::collections::HashMap;
use std::hash::Hash;

/// A 64-bit SimHash fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The weighted Charikar fingerprint of `(feature hash, weight)` pairs. Non-finite weights
    /// are ignored. With no features (or all weights 0), the fingerprint is 0.
    pub fn from_features(features: impl IntoIterator<Item = (u64, f32)>) -> Fingerprint {
        let mut sums = [0f32; 64];
        for (h, w) in features {
            if !w.is_finite() {
                continue;
            }
            for (bit, sum) in sums.iter_mut().enumerate() {
                // Branch-free: +w for a one bit, −w for a zero bit.
                let sign = ((h >> bit) & 1) as f32 * 2.0 - 1.0;
                *sum += sign * w;
            }
        }
        let mut fp = 0u64;
        for (bit, &sum) in sums.iter().enumerate() {
            if sum > 0.0 {
                fp |= 1 << bit;
            }
        }
        Fingerprint(fp)
    }

    /// The fingerprint of shingle hashes, each with weight 1.
    pub fn from_shingles(shingles: impl IntoIterator<Item = u64>) -> Fingerprint {
        Fingerprint::from_features(shingles.into_iter().map(|h| (h, 1.0)))
    }

    /// The number of bits in which the two fingerprints differ.
    #[inline]
    pub fn hamming(self, other: Fingerprint) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

/// Finds all fingerprints within a Hamming distance of a query.
#[derive(Clone, Debug)]
pub struct SimHashIndex<K> {
    max_distance: u32,
    /// `(shift, mask)` of each block.
    blocks: Vec<(u32, u64)>,
    tables: Vec<FastMap<u64, Vec<K>>>,
    fingerprints: HashMap<K, Fingerprint>,
}

impl<K: Clone + Eq + Hash + Ord> SimHashIndex<K> {
    /// An empty index that finds fingerprints within `max_distance` bits.
    ///
    /// # Errors
    /// When `max_distance` is over 15: blocks would be too narrow to prune anything.
    pub fn new(max_distance: u32) -> Result<SimHashIndex<K>> {
        if max_distance > 15 {
            return Err(Error::config(
                "simhash.max_distance",
                format!("must be 0 to 15, got {max_distance}"),
            ));
        }
        let n = max_distance as usize + 1;
        let mut blocks = Vec::with_capacity(n);
        let mut shift = 0u32;
        for i in 0..n {
            // Spread 64 bits as evenly as possible: the first 64 % n blocks get one more bit.
            let width = (64 / n + usize::from(i < 64 % n)) as u32;
            let mask = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            blocks.push((shift, mask));
            shift += width;
        }
        Ok(SimHashIndex {
            max_distance,
            tables: (0..n).map(|_| FastMap::default()).collect(),
            blocks,
            fingerprints: HashMap::new(),
        })
    }

    /// The distance the index was built for.
    pub fn max_distance(&self) -> u32 {
        self.max_distance
    }

    /// Number of fingerprints indexed.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Adds a fingerprint under `key`, replacing and returning any it had.
    pub fn insert(&mut self, key: K, fp: Fingerprint) -> Option<Fingerprint> {
        let old = self.remove(&key);
        for (table, &(shift, mask)) in self.tables.iter_mut().zip(&self.blocks) {
            table
                .entry((fp.0 >> shift) & mask)
                .or_default()
                .push(key.clone());
        }
        self.fingerprints.insert(key, fp);
        old
    }

    /// Removes `key`, returning its fingerprint.
    pub fn remove(&mut self, key: &K) -> Option<Fingerprint> {
        let fp = self.fingerprints.remove(key)?;
        for (table, &(shift, mask)) in self.tables.iter_mut().zip(&self.blocks) {
            let block = (fp.0 >> shift) & mask;
            if let Some(bucket) = table.get_mut(&block) {
                bucket.retain(|k| k != key);
                if bucket.is_empty() {
                    table.remove(&block);
                }
            }
        }
        Some(fp)
    }

    /// Every key whose fingerprint is within the index's distance of `fp`, with the distance,
    /// nearest first (ties by key).
    pub fn query(&self, fp: Fingerprint) -> Vec<(K, u32)> {
        let mut out: Vec<(K, u32)> = Vec::new();
        for (table, &(shift, mask)) in self.tables.iter().zip(&self.blocks) {
            if let Some(bucket) = table.get(&((fp.0 >> shift) & mask)) {
                for k in bucket {
                    let d = self.fingerprints[k].hamming(fp);
                    if d <= self.max_distance {
                        out.push((k.clone(), d));
                    }
                }
            }
        }
        out.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_decide_bits() {
        let fp = Fingerprint::from_features([(u64::MAX, 1.0), (0, 0.5)]);
        assert_eq!(fp, Fingerprint(u64::MAX));
        let fp = Fingerprint::from_features([(u64::MAX, 1.0), (0, 2.0)]);
        assert_eq!(fp, Fingerprint(0));
        assert_eq!(Fingerprint::from_features([(7, f32::NAN)]), Fingerprint(0));
    }

    #[test]
    fn blocks_cover_all_bits() {
        for k in 0..=15 {
            let index: SimHashIndex<u8> = SimHashIndex::new(k).unwrap();
            let covered = index.blocks.iter().fold(0u64, |acc, &(s, m)| {
                assert_eq!(acc & (m << s), 0, "blocks overlap");
                acc | (m << s)
            });
            assert_eq!(covered, u64::MAX);
        }
        assert!(SimHashIndex::<u8>::new(16).is_err());
    }

    #[test]
    fn finds_within_distance_only() {
        let mut index = SimHashIndex::new(3).unwrap();
        index.insert(1u32, Fingerprint(0));
        index.insert(2u32, Fingerprint(0b111));
        index.insert(3u32, Fingerprint(0b1111));
        assert_eq!(index.query(Fingerprint(0)), vec![(1, 0), (2, 3)]);
        assert_eq!(index.remove(&2), Some(Fingerprint(0b111)));
        assert_eq!(index.query(Fingerprint(0)), vec![(1, 0)]);
    }
}
