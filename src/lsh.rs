//! Locality-sensitive hashing over MinHash signatures: a banded index that finds, among
//! millions of signatures, the few worth comparing.
//!
//! A signature's first `bands × rows` slots are cut into `bands` bands of `rows` slots; each
//! band is hashed to a `u64` key (its slots mixed four at a time by multiply-xorshift steps,
//! seeded with the band's number, finished by `fmix64`), of which an index files the low 32
//! bits. Two signatures become candidates when any band agrees, which happens with probability
//! `1 − (1 − J^rows)^bands` for Jaccard similarity `J`.
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
use crate::minhash::{CompactRef, CompactSignature, Signature};
use smallvec::SmallVec;
use std::hash::{Hash, Hasher};

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

    /// The band keys of a signature, in band order, over its [compact](Signature::compact)
    /// slots (as [`LshIndex`] computes them).
    ///
    /// # Errors
    /// When the signature has fewer than [`LshParams::slots`] slots.
    pub fn band_keys(&self, signature: &Signature) -> Result<Vec<u64>> {
        let compact = signature.compact();
        let keys = self.keys(compact.slots())?.collect();
        Ok(keys)
    }

    /// An error unless a signature of `have` slots has the slots the bands need.
    fn check(&self, have: usize) -> Result<()> {
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

    /// [`LshParams::band_keys`] of compact slots, without collecting them.
    fn keys<'a>(&self, slots: &'a [u16]) -> Result<impl Iterator<Item = u64> + 'a> {
        self.check(slots.len())?;
        let rows = self.rows;
        Ok((0..self.bands).map(move |b| band_key(slots, b, rows)))
    }

    /// The band values an index files compact slots under, in band order.
    fn values<'a>(&self, slots: &'a [u16]) -> Result<impl Iterator<Item = BandValue> + 'a> {
        Ok(self.keys(slots)?.map(BandValue::of))
    }
}

/// A band's key: its rows' 16-bit values mixed four at a time by multiply-xorshift steps,
/// finished by `fmix64`, and seeded by the band's number so that equal values in different
/// bands differ. Keys need only be distinct within one index (a collision adds a candidate,
/// which verification drops); they are never persisted.
#[inline]
fn band_key(slots: &[u16], band: usize, rows: usize) -> u64 {
    let mut h = (band as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut quads = slots[band * rows..(band + 1) * rows].chunks_exact(4);
    for q in &mut quads {
        let v =
            u64::from(q[0]) | u64::from(q[1]) << 16 | u64::from(q[2]) << 32 | u64::from(q[3]) << 48;
        h = (h ^ v).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 29;
    }
    let rest = quads.remainder();
    if !rest.is_empty() {
        let v = rest
            .iter()
            .enumerate()
            .fold(0u64, |v, (i, &x)| v | u64::from(x) << (16 * i));
        h = (h ^ v).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 29;
    }
    fmix64(h)
}

/// A band's value as an index files it: the low 31 bits of its [key](LshParams::band_keys)
/// (the 32nd is the table entry's flag). Less than half the size of the key in every entry of
/// every band's table, the largest part of an index. Two different bands' values agree by
/// chance for about one lookup in 2,000 per million values in a band: a candidate that shares
/// no band, which verification drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BandValue(u32);

/// The bit of a table entry's value that says `overflow` holds further keys of the value.
const MORE: u32 = 1 << 31;

impl BandValue {
    #[inline]
    fn of(key: u64) -> BandValue {
        BandValue(key as u32 & !MORE)
    }

    /// The table's hash of the value, already uniform: its bits twice over, so that the
    /// table's bucket (low bits) and its control byte (top seven bits, the value's bits 24 to
    /// 30) both come from it without mixing again.
    #[inline]
    fn hash64(self) -> u64 {
        u64::from(self.0) | u64::from(self.0) << 33
    }
}

impl Hash for BandValue {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash64());
    }
}

/// One band's table: each band value's first key, and whether `overflow` holds more, packed
/// as the value's 31 bits and a flag in one `u32` beside the key: 8 bytes an entry for `u32`
/// keys (a map from value to `(key, flag)` would take 12), plus hashbrown's control byte.
#[derive(Clone, Debug)]
struct BandTable<K>(hashbrown::HashTable<(u32, K)>);

impl<K> Default for BandTable<K> {
    fn default() -> Self {
        BandTable(hashbrown::HashTable::new())
    }
}

impl<K> BandTable<K> {
    #[inline]
    fn rehash(entry: &(u32, K)) -> u64 {
        BandValue(entry.0 & !MORE).hash64()
    }

    /// Whether an entry is the one of `band`, whatever its flag.
    #[inline]
    fn is(band: BandValue) -> impl Fn(&(u32, K)) -> bool {
        move |e| e.0 & !MORE == band.0
    }

    /// The first key filed under `band`, and whether `overflow` holds more.
    #[inline]
    fn get(&self, band: BandValue) -> Option<(&K, bool)> {
        self.0
            .find(band.hash64(), Self::is(band))
            .map(|e| (&e.1, e.0 & MORE != 0))
    }

    /// `band`'s entry, to fill: one probe finds it or the place for it (making room first).
    #[inline]
    fn entry(&mut self, band: BandValue) -> hashbrown::hash_table::Entry<'_, (u32, K)> {
        self.0.entry(band.hash64(), Self::is(band), Self::rehash)
    }

    /// `band`'s entry if there is one, to change or remove; no room is made.
    fn occupied(
        &mut self,
        band: BandValue,
    ) -> Option<hashbrown::hash_table::OccupiedEntry<'_, (u32, K)>> {
        self.0.find_entry(band.hash64(), Self::is(band)).ok()
    }

    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional, Self::rehash);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// One band's further keys of a value, when there are any. Up to four are kept in the map's
/// entry itself, in the room a `Vec` takes for its pointer, length and capacity (for `u32`
/// keys): most shared values have a few keys, and a list of their own was an allocation
/// made, grown and freed for each, and one more cache miss to read. (The crate's
/// `hash::SmallList` keeps one key inline, in 16 bytes: right for the exact-content map,
/// where a second article is rare, but a shared band value usually has several.)
type BandOverflow<K> = FastMap<BandValue, SmallVec<[K; 4]>>;

/// Files `key` under band value `band` of one band: in the table when it is the value's first
/// key, in the overflow lists after it (and the table's entry says so).
#[inline]
fn add_to_band<K: Clone + Eq + Hash>(
    table: &mut BandTable<K>,
    overflow: &mut BandOverflow<K>,
    band: BandValue,
    key: &K,
) {
    match table.entry(band) {
        hashbrown::hash_table::Entry::Occupied(mut e) => {
            e.get_mut().0 |= MORE;
            overflow.entry(band).or_default().push(key.clone());
        }
        hashbrown::hash_table::Entry::Vacant(e) => {
            e.insert((band.0, key.clone()));
        }
    }
}

/// Files `keys` under band `band` of their signatures, `width` slots each, one after another
/// in `slots` (the rows just added).
fn fill_band<K: Clone + Eq + Hash>(
    table: &mut BandTable<K>,
    overflow: &mut BandOverflow<K>,
    band: usize,
    rows: usize,
    keys: &[K],
    slots: &[u16],
    width: usize,
) {
    for (key, slots) in keys.iter().zip(slots.chunks_exact(width)) {
        let value = BandValue::of(band_key(slots, band, rows));
        add_to_band(table, overflow, value, key);
    }
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
/// It stores each signature once, [compact](Signature::compact) (16 bits a slot, in one
/// arena: 256 bytes for 128 slots), so it can verify candidates and remove keys. Band keys are
/// computed from the compact slots too. All signatures in one index have the same length.
#[derive(Clone, Debug)]
pub struct LshIndex<K> {
    params: LshParams,
    /// Per band: the first key indexed under each band value, and whether `overflow` holds
    /// more. Most band values belong to one key, so this table holds plain keys (8-byte entries
    /// for `u32` keys, 31-bit band value and flag included, where a list per value would take
    /// 24 and more), and a query looks in `overflow` only when the flag says there is something
    /// to find: that second lookup, a cache miss in a large index, was made for every band of
    /// every query.
    tables: Vec<BandTable<K>>,
    /// Per band: the further keys of a band value, when there are any.
    overflow: Vec<BandOverflow<K>>,
    /// Each key's row in the arena.
    rows: FastMap<K, u32>,
    /// Slots per signature; 0 until the first insert.
    width: usize,
    /// The signatures' slots, `width` per row.
    slots: Vec<u16>,
    /// The signatures' shingle counts, one per row.
    shingles: Vec<u32>,
    /// Rows freed by removals, reused first.
    free: Vec<u32>,
}

impl<K: Clone + Eq + Hash + Ord> LshIndex<K> {
    /// An empty index.
    pub fn new(params: LshParams) -> LshIndex<K> {
        LshIndex {
            params,
            tables: (0..params.bands).map(|_| BandTable::default()).collect(),
            overflow: (0..params.bands).map(|_| FastMap::default()).collect(),
            rows: FastMap::default(),
            width: 0,
            slots: Vec::new(),
            shingles: Vec::new(),
            free: Vec::new(),
        }
    }

    /// The banding parameters.
    pub fn params(&self) -> LshParams {
        self.params
    }

    /// Makes room for `additional` more signatures of `slots` slots, so that building an
    /// index of known size does not grow its tables step by step.
    pub fn reserve(&mut self, additional: usize, slots: usize) {
        for table in &mut self.tables {
            table.reserve(additional);
        }
        self.rows.reserve(additional);
        self.slots.reserve(additional * slots);
        self.shingles.reserve(additional);
    }

    /// Number of signatures indexed.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn row(&self, row: u32) -> CompactRef<'_> {
        let start = row as usize * self.width;
        CompactRef::new(
            &self.slots[start..start + self.width],
            self.shingles[row as usize],
        )
    }

    /// The signature stored under `key`.
    pub fn get(&self, key: &K) -> Option<CompactRef<'_>> {
        self.rows.get(key).map(|&r| self.row(r))
    }

    /// Adds a signature (a [`Signature`], a reference to one, or a [`CompactSignature`])
    /// under `key`, replacing and returning any signature it had.
    ///
    /// # Errors
    /// When the signature is shorter than the bands need, or its length differs from the
    /// signatures already indexed; the index is then unchanged.
    pub fn insert(
        &mut self,
        key: K,
        signature: impl Into<CompactSignature>,
    ) -> Result<Option<CompactSignature>> {
        let signature = signature.into();
        let width = signature.slots().len();
        self.check_width(if self.is_empty() { width } else { self.width }, width)?;
        let old = self.remove(&key);
        let keys = self.params.values(signature.slots())?;
        let bands = self.tables.iter_mut().zip(&mut self.overflow);
        for ((table, overflow), band) in bands.zip(keys) {
            add_to_band(table, overflow, band, &key);
        }
        self.width = width;
        let row = match self.free.pop() {
            Some(row) => {
                let start = row as usize * width;
                self.slots[start..start + width].copy_from_slice(signature.slots());
                self.shingles[row as usize] = signature.shingles();
                row
            }
            None => {
                self.slots.extend_from_slice(signature.slots());
                self.shingles.push(signature.shingles());
                u32::try_from(self.shingles.len() - 1).expect("at most 2^32 signatures")
            }
        };
        self.rows.insert(key, row);
        Ok(old)
    }

    /// Adds many signatures, with the same result as [inserting](LshIndex::insert) them one
    /// after another in order, built band by band: one band's table is filled for every
    /// signature before the next, so it stays in cache, where inserting one signature touches
    /// every band's table.
    ///
    /// ```
    /// # use copydesk::lsh::{LshIndex, LshParams};
    /// # use copydesk::minhash::Signature;
    /// let mut index = LshIndex::new(LshParams::new(2, 2)?);
    /// index.extend([
    ///     (1u32, Signature::from_parts(vec![1, 2, 3, 4], 4)),
    ///     (2u32, Signature::from_parts(vec![1, 2, 9, 9], 4)),
    /// ])?;
    /// assert_eq!(index.candidate_pairs(), vec![(1, 2)]);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`LshIndex::insert`], for the first signature that fails; the index is then
    /// unchanged.
    pub fn extend<S: Into<CompactSignature>>(
        &mut self,
        items: impl IntoIterator<Item = (K, S)>,
    ) -> Result<()> {
        if let Some((first, keys)) = self.add_rows(items, true)? {
            self.fill_bands(first, &keys);
        }
        Ok(())
    }

    /// [`LshIndex::extend`] for an index built a chunk at a time, as a detector's is: room is
    /// not made ahead (the tables would grow a chunk early, and could end twice the size they
    /// need), and with `parallel` (and the `rayon` feature) the bands' tables are filled on
    /// rayon's pool, each being its own.
    pub(crate) fn extend_chunk<S: Into<CompactSignature>>(
        &mut self,
        items: impl IntoIterator<Item = (K, S)>,
        parallel: bool,
    ) -> Result<()>
    where
        K: Send + Sync,
    {
        let Some((first, keys)) = self.add_rows(items, false)? else {
            return Ok(());
        };
        #[cfg(feature = "rayon")]
        if parallel {
            use rayon::prelude::*;
            let (new, width, rows) = (
                &self.slots[first * self.width..],
                self.width,
                self.params.rows,
            );
            let bands = self.tables.par_iter_mut().zip(&mut self.overflow);
            bands.enumerate().for_each(|(b, (table, overflow))| {
                fill_band(table, overflow, b, rows, &keys, new, width);
            });
            return Ok(());
        }
        let _ = parallel;
        self.fill_bands(first, &keys);
        Ok(())
    }

    /// Files `keys`, the rows from `first` on, in every band, one band after another.
    fn fill_bands(&mut self, first: usize, keys: &[K]) {
        let (new, width, rows) = (
            &self.slots[first * self.width..],
            self.width,
            self.params.rows,
        );
        let bands = self.tables.iter_mut().zip(&mut self.overflow).enumerate();
        for (b, (table, overflow)) in bands {
            fill_band(table, overflow, b, rows, keys, new, width);
        }
    }

    /// [`LshIndex::extend`]'s checks and rows: returns the first new row and the keys still to
    /// file in the bands, in order, or `None` when there is nothing left to do (no items, or
    /// items inserted one by one, as a replaced key or a reused row needs). With `reserve`,
    /// makes room for all the items at once.
    fn add_rows<S: Into<CompactSignature>>(
        &mut self,
        items: impl IntoIterator<Item = (K, S)>,
        reserve: bool,
    ) -> Result<Option<(usize, Vec<K>)>> {
        let items: Vec<(K, CompactSignature)> =
            items.into_iter().map(|(k, s)| (k, s.into())).collect();
        let Some(width) = items.first().map(|(_, s)| s.slots().len()) else {
            return Ok(None);
        };
        let width = if self.is_empty() { width } else { self.width };
        for (_, s) in &items {
            self.check_width(width, s.slots().len())?;
        }
        // Replacing a key, or reusing a freed row, is one insert's work: done one by one.
        let mut seen: FastMap<&K, ()> = FastMap::default();
        let fresh = self.free.is_empty()
            && items
                .iter()
                .all(|(k, _)| !self.rows.contains_key(k) && seen.insert(k, ()).is_none());
        drop(seen);
        if !fresh {
            for (k, s) in items {
                self.insert(k, s)?;
            }
            return Ok(None);
        }
        self.width = width;
        let first = self.shingles.len();
        if reserve {
            self.reserve(items.len(), width);
        }
        let mut keys = Vec::with_capacity(items.len());
        for (i, (k, s)) in items.into_iter().enumerate() {
            self.slots.extend_from_slice(s.slots());
            self.shingles.push(s.shingles());
            let row = u32::try_from(first + i).expect("at most 2^32 signatures");
            keys.push(k.clone());
            self.rows.insert(k, row);
        }
        Ok(Some((first, keys)))
    }

    /// A signature of `width` slots fits the bands, and the `expected` width of the index's
    /// signatures.
    fn check_width(&self, expected: usize, width: usize) -> Result<()> {
        self.params.check(width)?;
        if width != expected {
            return Err(Error::incompatible(format!(
                "the index holds signatures of {expected} slots, this one has {width}"
            )));
        }
        Ok(())
    }

    /// Frees the band tables and keeps the signatures: [`LshIndex::get`] still answers, but
    /// nothing is a candidate any more. For a detector that is [finished](crate::Detector::finish).
    pub(crate) fn drop_bands(&mut self) {
        for table in &mut self.tables {
            *table = BandTable::default();
        }
        for overflow in &mut self.overflow {
            *overflow = FastMap::default();
        }
    }

    /// Removes `key`, returning its signature.
    pub fn remove(&mut self, key: &K) -> Option<CompactSignature> {
        let row = self.rows.remove(key)?;
        let signature = self.row(row).to_owned();
        self.free.push(row);
        if self.rows.is_empty() {
            // Nothing left: the arena starts over, and may take another width.
            self.slots.clear();
            self.shingles.clear();
            self.free.clear();
        }
        let keys = self
            .params
            .values(signature.slots())
            .expect("stored signatures were checked on insert");
        for ((table, overflow), band) in self.tables.iter_mut().zip(&mut self.overflow).zip(keys) {
            let Some(mut entry) = table.occupied(band) else {
                continue;
            };
            let (value, first) = entry.get_mut();
            let was_first = *first == *key;
            if *value & MORE == 0 {
                if was_first {
                    entry.remove();
                }
                continue;
            }
            let more = overflow
                .get_mut(&band)
                .expect("the flag says the band has further keys");
            if was_first {
                // The first key goes: a further one takes its place.
                *first = more.pop().expect("overflow lists are never empty");
            } else {
                more.retain(|k| *k != *key);
            }
            if more.is_empty() {
                overflow.remove(&band);
                *value &= !MORE;
            }
        }
        Some(signature)
    }

    /// Every key that shares at least one band with `signature`, sorted, unverified.
    /// A signature too short for the bands has none. Bands are compared by a 31-bit hash of
    /// their slots, so a key may, rarely, be a candidate without sharing a band (in a band of
    /// a million keys, about one query in 2,000): verification drops it.
    pub fn candidates(&self, signature: &Signature) -> Vec<K> {
        self.compact_candidates(signature.compact().as_ref())
    }

    /// [`LshIndex::candidates`] of a compact signature.
    pub fn compact_candidates(&self, signature: CompactRef<'_>) -> Vec<K> {
        let Ok(keys) = self.params.values(signature.slots()) else {
            return Vec::new();
        };
        // A signature like one indexed hits it in most bands: room for one key a band, so
        // that the usual query does not grow the list.
        let mut out: Vec<K> = Vec::with_capacity(self.params.bands);
        for ((table, overflow), band) in self.tables.iter().zip(&self.overflow).zip(keys) {
            if let Some((first, has_more)) = table.get(band) {
                out.push(first.clone());
                if has_more {
                    if let Some(more) = overflow.get(&band) {
                        out.extend(more.iter().cloned());
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every pair of indexed keys that share at least one band (as
    /// [`LshIndex::candidates`] compares bands), each once as `(lower, higher)`, sorted,
    /// unverified: the candidates of querying every indexed signature
    /// against the index ([`LshIndex::compact_candidates`] of each, without the key itself),
    /// found without querying.
    ///
    /// It reads only the band values that more than one key shares, band by band, instead
    /// of looking up every signature's key in every band: for a self-join of a corpus (which
    /// articles are near copies of which) it makes a few memory accesses per shared bucket
    /// instead of one cache miss per article and band. A band value shared by `m` keys gives
    /// `m(m−1)/2` pairs (a thousand copies of one article are half a million pairs: that many
    /// are candidates, however they are found). Pairs repeated across bands are removed as
    /// they accumulate, so memory stays within about twice the result plus one band's pairs.
    ///
    /// ```
    /// # use copydesk::lsh::{LshIndex, LshParams};
    /// # use copydesk::minhash::Signature;
    /// let mut index = LshIndex::new(LshParams::new(2, 2)?);
    /// index.insert(1u32, Signature::from_parts(vec![1, 2, 3, 4], 4))?;
    /// index.insert(2u32, Signature::from_parts(vec![1, 2, 9, 9], 4))?; // band 0 as key 1
    /// index.insert(3u32, Signature::from_parts(vec![7, 7, 9, 9], 4))?; // band 1 as key 2
    /// assert_eq!(index.candidate_pairs(), vec![(1, 2), (2, 3)]);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn candidate_pairs(&self) -> Vec<(K, K)> {
        let mut pairs: Vec<(K, K)> = Vec::new();
        let mut bucket: Vec<K> = Vec::new();
        // Length after the last deduplication: most pairs recur in many bands, so the list
        // is compacted whenever it has doubled since.
        let mut compacted = 0usize;
        for (table, overflow) in self.tables.iter().zip(&self.overflow) {
            for (band, more) in overflow {
                bucket.clear();
                bucket.extend(table.get(*band).map(|(first, _)| first.clone()));
                bucket.extend(more.iter().cloned());
                for (i, a) in bucket.iter().enumerate() {
                    for b in &bucket[i + 1..] {
                        pairs.push(if a < b {
                            (a.clone(), b.clone())
                        } else {
                            (b.clone(), a.clone())
                        });
                    }
                }
            }
            if pairs.len() > 2 * compacted.max(4096) {
                pairs.sort_unstable();
                pairs.dedup();
                compacted = pairs.len();
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The candidates whose estimated Jaccard similarity with `signature` is at least
    /// `threshold`, most similar first (ties by key).
    pub fn query(&self, signature: &Signature, threshold: f64) -> Vec<(K, f64)> {
        let compact = signature.compact();
        let mut hits: Vec<(K, f64)> = self
            .compact_candidates(compact.as_ref())
            .into_iter()
            .filter_map(|k| {
                let j = self.get(&k)?.try_jaccard(compact.as_ref()).ok()?;
                (j >= threshold).then_some((k, j))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hits
    }
}

#[cfg(test)]
mod tests;
