//! Locality-sensitive hashing over MinHash signatures: a banded index that finds, among
//! millions of signatures, the few worth comparing.
//!
//! A signature's first `bands × rows` slots are cut into `bands` bands of `rows` slots; each
//! band is hashed to a `u64` key (its slots mixed two at a time by multiply-xorshift steps, seeded
//! with the band's number, finished by `fmix64`). Two signatures become candidates when any band key agrees, which happens
//! with probability `1 − (1 − J^rows)^bands` for Jaccard similarity `J`.
//!
//! [`LshParams::for_threshold`] picks `(bands, rows)` for a similarity threshold the way
//! datasketch does, by minimising the weighted areas of false positives below the threshold and
//! false negatives above it. [`LshIndex::query`] always verifies candidates against the stored
//! signatures and reports each match with its estimated similarity.
//!
//! ```
//! use copydesk::lsh::{LshIndex, LshParams};
//! use copydesk::minhash::{MinHashConfig, MinHasher};
//!
//! let hasher = MinHasher::new(MinHashConfig::default())?;
//! let mut index = LshIndex::new(LshParams::for_threshold(0.5, 128)?);
//! index.insert("a", hasher.sketch(0..1000u64))?;
//! index.insert("b", hasher.sketch(5000..6000u64))?;
//! let hits = index.query(&hasher.sketch(100..1100u64), 0.5);
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].0, "a");
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::hash::{fmix64, FastMap};
use crate::minhash::Signature;
use std::hash::Hash;

/// The most rows a band may have.
pub const MAX_ROWS: usize = 64;

/// How signatures are cut into bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LshParams {
    /// Number of bands.
    pub bands: usize,
    /// Slots per band, 1 to [`MAX_ROWS`].
    pub rows: usize,
}

impl LshParams {
    /// Parameters set by hand.
    ///
    /// # Errors
    /// When `bands` is 0 or `rows` is not 1 to [`MAX_ROWS`].
    pub fn new(bands: usize, rows: usize) -> Result<LshParams> {
        if bands == 0 {
            return Err(Error::config("lsh.bands", "must be at least 1, got 0"));
        }
        if !(1..=MAX_ROWS).contains(&rows) {
            return Err(Error::config(
                "lsh.rows",
                format!("must be 1 to {MAX_ROWS}, got {rows}"),
            ));
        }
        Ok(LshParams { bands, rows })
    }

    /// The `(bands, rows)` with `bands · rows ≤ slots` that minimise the false-positive area
    /// below `threshold` plus the false-negative area above it, weighted equally (datasketch's
    /// default).
    ///
    /// ```
    /// # use copydesk::lsh::LshParams;
    /// assert_eq!(LshParams::for_threshold(0.5, 128)?, LshParams { bands: 25, rows: 5 });
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn for_threshold(threshold: f64, slots: usize) -> Result<LshParams> {
        LshParams::optimal(threshold, slots, 0.5, 0.5)
    }

    /// [`LshParams::for_threshold`] with explicit weights. A recall-heavy choice such as
    /// `(0.2, 0.8)` moves the curve's knee below the threshold: more candidates to verify, fewer
    /// pairs missed.
    ///
    /// # Errors
    /// When `threshold` is not strictly between 0 and 1, `slots` is 0, or a weight is negative
    /// or not finite, or both are 0.
    pub fn optimal(
        threshold: f64,
        slots: usize,
        fp_weight: f64,
        fn_weight: f64,
    ) -> Result<LshParams> {
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(Error::config(
                "lsh.threshold",
                format!("must be strictly between 0 and 1, got {threshold}"),
            ));
        }
        if slots == 0 {
            return Err(Error::config("minhash.slots", "must be at least 1, got 0"));
        }
        let weight_ok = |w: f64| w.is_finite() && w >= 0.0;
        if !weight_ok(fp_weight) || !weight_ok(fn_weight) || fp_weight + fn_weight == 0.0 {
            return Err(Error::config(
                "lsh.weights",
                format!(
                    "must be finite, non-negative and not both 0, got {fp_weight} and {fn_weight}"
                ),
            ));
        }
        let mut best = (f64::INFINITY, LshParams { bands: 1, rows: 1 });
        for bands in 1..=slots {
            for rows in 1..=(slots / bands).min(MAX_ROWS) {
                let p = LshParams { bands, rows };
                let fp = integrate(|s| p.probability(s), 0.0, threshold);
                let fneg = integrate(|s| 1.0 - p.probability(s), threshold, 1.0);
                let err = fp_weight * fp + fn_weight * fneg;
                if err < best.0 {
                    best = (err, p);
                }
            }
        }
        Ok(best.1)
    }

    /// The probability that two signatures of Jaccard similarity `s` share a band.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// Slots used: `bands · rows`.
    pub fn slots(&self) -> usize {
        self.bands * self.rows
    }

    /// The band keys of a signature, in band order.
    ///
    /// # Errors
    /// When the signature has fewer than [`LshParams::slots`] slots.
    pub fn band_keys(&self, signature: &Signature) -> Result<Vec<u64>> {
        Ok(self.keys(signature)?.collect())
    }

    /// An error unless the signature has the slots the bands need.
    fn check(&self, signature: &Signature) -> Result<()> {
        let have = signature.slots().len();
        if have < self.slots() {
            return Err(Error::incompatible(format!(
                "{} bands of {} rows need {} slots, the signature has {have}",
                self.bands,
                self.rows,
                self.slots()
            )));
        }
        Ok(())
    }

    /// [`LshParams::band_keys`] without collecting them.
    fn keys<'a>(&self, signature: &'a Signature) -> Result<impl Iterator<Item = u64> + 'a> {
        self.check(signature)?;
        let slots = signature.slots();
        let rows = self.rows;
        Ok((0..self.bands).map(move |b| band_key(slots, b, rows)))
    }
}

/// A band's key: its rows' values mixed two at a time by multiply-xorshift steps, finished by
/// `fmix64`, and seeded by the band's number so that equal values in different bands differ.
/// Keys need only be distinct within one index (a collision adds a candidate, which
/// verification drops); they are never persisted.
#[inline]
fn band_key(slots: &[u32], band: usize, rows: usize) -> u64 {
    let mut h = (band as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut pairs = slots[band * rows..(band + 1) * rows].chunks_exact(2);
    for p in &mut pairs {
        h = (h ^ (u64::from(p[0]) | u64::from(p[1]) << 32)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 29;
    }
    if let [last] = pairs.remainder() {
        h = (h ^ u64::from(*last)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 29;
    }
    fmix64(h)
}

/// Simpson's rule with 64 intervals: the integrands are smooth polynomials.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const N: usize = 64;
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// A banded LSH index of MinHash signatures, keyed by `K`.
///
/// It stores each signature once, so it can verify candidates and remove keys.
#[derive(Clone, Debug)]
pub struct LshIndex<K> {
    params: LshParams,
    /// Per band: the first key indexed under each band value. Most band values belong to one
    /// key, so this map holds plain keys (16-byte entries for `u32` keys, where a list per
    /// value would take 24 and more).
    tables: Vec<FastMap<u64, K>>,
    /// Per band: the further keys of a band value, when there are any.
    overflow: Vec<FastMap<u64, Vec<K>>>,
    signatures: FastMap<K, Signature>,
}

impl<K: Clone + Eq + Hash + Ord> LshIndex<K> {
    /// An empty index.
    pub fn new(params: LshParams) -> LshIndex<K> {
        LshIndex {
            params,
            tables: (0..params.bands).map(|_| FastMap::default()).collect(),
            overflow: (0..params.bands).map(|_| FastMap::default()).collect(),
            signatures: FastMap::default(),
        }
    }

    /// The banding parameters.
    pub fn params(&self) -> LshParams {
        self.params
    }

    /// Number of signatures indexed.
    pub fn len(&self) -> usize {
        self.signatures.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.signatures.is_empty()
    }

    /// The signature stored under `key`.
    pub fn get(&self, key: &K) -> Option<&Signature> {
        self.signatures.get(key)
    }

    /// Adds a signature under `key`, replacing and returning any signature it had.
    ///
    /// # Errors
    /// When the signature is shorter than the bands need; the index is then unchanged.
    pub fn insert(&mut self, key: K, signature: Signature) -> Result<Option<Signature>> {
        let params = self.params;
        params.check(&signature)?;
        let old = self.remove(&key);
        let bands = self.tables.iter_mut().zip(&mut self.overflow);
        for ((table, overflow), band) in bands.zip(params.keys(&signature)?) {
            match table.entry(band) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(key.clone());
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    overflow.entry(band).or_default().push(key.clone());
                }
            }
        }
        self.signatures.insert(key, signature);
        Ok(old)
    }

    /// Removes `key`, returning its signature.
    pub fn remove(&mut self, key: &K) -> Option<Signature> {
        let signature = self.signatures.remove(key)?;
        let keys = self
            .params
            .keys(&signature)
            .expect("stored signatures were checked on insert");
        for ((table, overflow), band) in self.tables.iter_mut().zip(&mut self.overflow).zip(keys) {
            if table.get(&band) == Some(key) {
                // The first key goes: a further one, if any, takes its place.
                match overflow.get_mut(&band) {
                    Some(more) => {
                        let next = more.pop().expect("overflow lists are never empty");
                        if more.is_empty() {
                            overflow.remove(&band);
                        }
                        table.insert(band, next);
                    }
                    None => {
                        table.remove(&band);
                    }
                }
            } else if let Some(more) = overflow.get_mut(&band) {
                more.retain(|k| k != key);
                if more.is_empty() {
                    overflow.remove(&band);
                }
            }
        }
        Some(signature)
    }

    /// Every key that shares at least one band with `signature`, sorted, unverified.
    /// A signature too short for the bands has none.
    pub fn candidates(&self, signature: &Signature) -> Vec<K> {
        let Ok(keys) = self.params.keys(signature) else {
            return Vec::new();
        };
        let mut out: Vec<K> = Vec::new();
        for ((table, overflow), band) in self.tables.iter().zip(&self.overflow).zip(keys) {
            if let Some(first) = table.get(&band) {
                out.push(first.clone());
                if let Some(more) = overflow.get(&band) {
                    out.extend(more.iter().cloned());
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The candidates whose estimated Jaccard similarity with `signature` is at least
    /// `threshold`, most similar first (ties by key).
    pub fn query(&self, signature: &Signature, threshold: f64) -> Vec<(K, f64)> {
        let mut hits: Vec<(K, f64)> = self
            .candidates(signature)
            .into_iter()
            .filter_map(|k| {
                let j = self.signatures[&k].try_jaccard(signature).ok()?;
                (j >= threshold).then_some((k, j))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::{MinHashConfig, MinHasher};

    #[test]
    fn optimiser_matches_datasketch_choices() {
        // datasketch's _optimal_param gives these for 128 permutations.
        let cases = [
            (0.5, 128, (25, 5)),
            (0.7, 128, (14, 9)),
            (0.8, 128, (9, 13)),
            (0.9, 128, (5, 25)),
        ];
        for (t, slots, (b, r)) in cases {
            assert_eq!(
                LshParams::for_threshold(t, slots).unwrap(),
                LshParams { bands: b, rows: r },
                "threshold {t}"
            );
        }
    }

    #[test]
    fn rejects_bad_params() {
        assert!(LshParams::new(0, 4).is_err());
        assert!(LshParams::new(4, 65).is_err());
        assert!(LshParams::for_threshold(1.0, 128).is_err());
        assert!(LshParams::for_threshold(f64::NAN, 128).is_err());
        assert!(LshParams::optimal(0.5, 128, -1.0, 1.0).is_err());
        let mut index: LshIndex<u32> = LshIndex::new(LshParams::new(32, 4).unwrap());
        let short = MinHasher::new(MinHashConfig {
            slots: 64,
            ..Default::default()
        })
        .unwrap()
        .sketch([1u64]);
        assert!(index.insert(1, short).is_err());
        assert!(index.is_empty());
    }

    #[test]
    fn insert_replace_remove() {
        let h = MinHasher::new(MinHashConfig::default()).unwrap();
        let mut index = LshIndex::new(LshParams::new(32, 4).unwrap());
        assert!(index.insert(1u32, h.sketch(0..100u64)).unwrap().is_none());
        assert!(index.insert(1u32, h.sketch(0..200u64)).unwrap().is_some());
        assert_eq!(index.len(), 1);
        assert_eq!(index.candidates(&h.sketch(0..200u64)), vec![1]);
        assert!(index.candidates(&h.sketch(0..100u64)).len() <= 1);
        assert!(index.remove(&1).is_some());
        assert!(index.candidates(&h.sketch(0..200u64)).is_empty());
        assert!(index.tables.iter().all(|t| t.is_empty()));
        assert!(index.overflow.iter().all(|t| t.is_empty()));
    }
}
