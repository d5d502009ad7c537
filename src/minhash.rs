//! MinHash signatures: fixed-size sketches whose slot-by-slot agreement estimates the Jaccard
//! similarity of two shingle sets.
//!
//! Two algorithms, with the same output shape (`slots` values of 31 bits, plus the
//! [`DENSIFIED`] flag):
//!
//! - [`Algorithm::OnePermutation`] (the default): one-permutation hashing (Li, Owen, Zhang 2012)
//!   with optimal densification (Shrivastava, ICML 2017). Each shingle hash, passed through
//!   MurmurHash3's `fmix64`, lands in one of `slots` bins, chosen by its high 32 bits
//!   (`(h >> 32) · slots >> 32`); the bin keeps the least value of its low 31 bits. Each bin
//!   left empty copies the value of a non-empty bin chosen by a seeded probe sequence (probe `a`
//!   for bin `i` is `fmix64(densify_seed ^ (i << 32) ^ a)` mapped onto the bins), which keeps
//!   the collision probability of every slot equal to the Jaccard similarity, as LSH needs. The
//!   copy is flagged [`DENSIFIED`]. Cost: one hash-and-compare per shingle, independent of
//!   `slots`.
//! - [`Algorithm::Classic`]: `slots` independent permutations, the reference that datasketch and
//!   rensa compute. Slot `i` of a shingle `h` is `(aᵢ·h + bᵢ) >> 33` over 64-bit wrapping
//!   arithmetic (multiply-shift hashing); the signature keeps the least per slot. Cost: `slots`
//!   multiply-adds per shingle.
//!
//! [`Signature::jaccard`] counts agreement only over the slots that at least one of the two
//! signatures filled itself, `N_match / (k − N_both_densified)`: the one-permutation estimator
//! of Li, Owen and Zhang, unbiased, and for a short article (fewer shingles than slots, so many
//! bins empty) close to exact where the plain fraction of agreeing slots is noisy. On Reuters +
//! BBC news it finds more of the pairs just over a threshold (`examples/peer_bench.rs`).
//!
//! The constants are derived from [`MinHashConfig::seed`] by SplitMix64: the stream seeded with
//! `seed` yields `a₀, b₀, a₁, b₁, …` (each `aᵢ` forced odd), then the densification seed. Golden
//! tests pin them.
//!
//! ```
//! use copydesk::minhash::{MinHashConfig, MinHasher};
//!
//! let hasher = MinHasher::new(MinHashConfig::default())?;
//! let a = hasher.sketch(0..1000u64);
//! let b = hasher.sketch(500..1500u64);
//! let j = a.jaccard(&b); // exact: 500 / 1500
//! assert!((j - 1.0 / 3.0).abs() < 0.15, "{j}");
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::hash::{fmix64, splitmix64};
use bitvec::prelude::*;

/// The value of a slot no shingle reached (only in the signature of an empty set).
pub const EMPTY_SLOT: u32 = u32::MAX;

/// The flag (the top bit) of a slot that densification copied from another bin rather than
/// filled from a shingle of its own. Slot values proper are 31 bits.
pub const DENSIFIED: u32 = 1 << 31;

/// Which MinHash algorithm fills the slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Algorithm {
    /// One-permutation hashing with optimal densification: fast, the default.
    #[default]
    OnePermutation,
    /// Classic k-permutation MinHash: the reference.
    Classic,
}

/// MinHash parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct MinHashConfig {
    /// Signature length, 4 to 4096. Default 128: a standard error of about 0.044 at J = 0.5.
    pub slots: usize,
    /// Default [`Algorithm::OnePermutation`].
    pub algorithm: Algorithm,
    /// Seed of the permutation constants (classic MinHash) and of the densification probes.
    /// One-permutation hashing bins and ranks each shingle by its hash alone, so for another
    /// draw of it hash the shingles with another seed
    /// ([`ShingleConfig::seed`](crate::shingle::ShingleConfig::seed)). Default 0.
    pub seed: u64,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        MinHashConfig {
            slots: 128,
            algorithm: Algorithm::OnePermutation,
            seed: 0,
        }
    }
}

/// Bin `i`'s `attempt`-th densification probe: a fixed function of the seed, the bin and the
/// attempt, so that two documents probe the same bins in the same order.
#[inline]
fn probe(seed: u64, k: usize, i: usize, attempt: u64) -> usize {
    let h = fmix64(seed ^ ((i as u64) << 32) ^ attempt);
    (((h >> 32) * k as u64) >> 32) as usize
}

/// Makes [`Signature`]s from shingle hashes.
#[derive(Clone, Debug)]
pub struct MinHasher {
    config: MinHashConfig,
    /// `(aᵢ, bᵢ)` for the classic algorithm; empty for one-permutation hashing.
    perms: Vec<(u64, u64)>,
    densify_seed: u64,
    /// The first [`MinHasher::probe_depth`] bins of each bin's densification probe sequence,
    /// precomputed: densifying a short article is then table lookups, not hashing.
    probes: Box<[u16]>,
    probe_depth: usize,
}

impl MinHasher {
    /// A hasher, once its configuration is checked.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when `slots` is not in
    /// 4..=4096.
    pub fn new(config: MinHashConfig) -> Result<MinHasher> {
        if !(4..=4096).contains(&config.slots) {
            return Err(Error::config(
                "minhash.slots",
                format!("must be 4 to 4096, got {}", config.slots),
            ));
        }
        let mut state = config.seed;
        let perms = match config.algorithm {
            Algorithm::Classic => (0..config.slots)
                .map(|_| (splitmix64(&mut state) | 1, splitmix64(&mut state)))
                .collect(),
            Algorithm::OnePermutation => Vec::new(),
        };
        let densify_seed = splitmix64(&mut state);
        let k = config.slots;
        // Enough probes per bin that even a one-line article (a handful of bins filled) rarely
        // needs to hash one: 128 for the usual 128 slots (32 KiB); fewer for larger
        // signatures, whose articles fill more bins, so that the table stays under 64 KiB.
        let probe_depth = match k {
            0..=256 => 128,
            257..=1024 => 32,
            _ => 8,
        };
        let probes = (0..k)
            .flat_map(|i| (0..probe_depth).map(move |a| probe(densify_seed, k, i, a as u64) as u16))
            .collect();
        Ok(MinHasher {
            config,
            perms,
            densify_seed,
            probes,
            probe_depth,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &MinHashConfig {
        &self.config
    }

    /// The signature of a set of shingle hashes. Repeats do not change it.
    /// [`Signature::shingles`] counts the items given, repeats included.
    pub fn sketch(&self, shingles: impl IntoIterator<Item = u64>) -> Signature {
        self.sketch_for_bands(shingles, self.config.slots)
    }

    /// [`MinHasher::sketch`], densifying only the first `banded` slots: the slots that LSH
    /// bands read ([`LshParams::slots`](crate::lsh::LshParams::slots)). The other empty bins
    /// stay empty, flagged [`DENSIFIED`]. Jaccard and containment estimates are exactly
    /// [`MinHasher::sketch`]'s, since they never read a densified slot's value (only whether
    /// a slot was filled), and so are the bands' keys; densifying costs in proportion to the
    /// empty bins, so for a signature longer than its bands (the detector's 256 slots, banded
    /// over 120) most of that cost goes. `banded` is capped at the signature's length; classic
    /// MinHash has no empty bins and ignores it. A [`BBitSignature`] counts every slot, the
    /// empty ones too: make those from [`MinHasher::sketch`].
    ///
    /// ```
    /// use copydesk::minhash::{MinHashConfig, MinHasher};
    ///
    /// let hasher = MinHasher::new(MinHashConfig { slots: 256, ..Default::default() })?;
    /// let (a, b) = (0..40u64, 20..60u64);
    /// let (full_a, full_b) = (hasher.sketch(a.clone()), hasher.sketch(b.clone()));
    /// let (part_a, part_b) = (hasher.sketch_for_bands(a, 120), hasher.sketch_for_bands(b, 120));
    /// assert_eq!(part_a.jaccard(&part_b), full_a.jaccard(&full_b));
    /// assert_eq!(part_a.slots()[..120], full_a.slots()[..120]);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn sketch_for_bands(
        &self,
        shingles: impl IntoIterator<Item = u64>,
        banded: usize,
    ) -> Signature {
        let mut slots = vec![EMPTY_SLOT; self.config.slots];
        let count = match self.config.algorithm {
            Algorithm::OnePermutation => self.oph(shingles, &mut slots, banded),
            Algorithm::Classic => self.classic(shingles, &mut slots),
        };
        Signature {
            slots: slots.into_boxed_slice(),
            shingles: count,
        }
    }

    fn oph(
        &self,
        shingles: impl IntoIterator<Item = u64>,
        slots: &mut [u32],
        banded: usize,
    ) -> u32 {
        let k = slots.len() as u64;
        let mut count = 0u32;
        for h in shingles {
            // Mixed first, so that any distinct values work, not only well-spread hashes:
            // small integers would otherwise all land in bin 0.
            let h = fmix64(h);
            let bin = (((h >> 32) * k) >> 32) as usize;
            let v = h as u32 & !DENSIFIED;
            // Branch-free min: the compiler emits a conditional move.
            slots[bin] = slots[bin].min(v);
            count = count.saturating_add(1);
        }
        if count > 0 {
            self.densify(slots, banded.min(slots.len()));
        }
        count
    }

    /// Optimal densification: every empty bin copies a bin that was filled by a shingle, chosen
    /// by a probe sequence that depends only on the bin's index and the seed, so two documents
    /// copy from the same bin whenever both have it filled. Only the empty bins among the
    /// first `upto` are densified (from any filled bin).
    fn densify(&self, slots: &mut [u32], upto: usize) {
        // The usual signature sizes get a 256-byte table of filled bins; the rest 4 KiB.
        if slots.len() <= 256 {
            self.densify_in::<256>(slots, upto);
        } else {
            self.densify_in::<4096>(slots, upto);
        }
    }

    /// [`MinHasher::densify`] for at most `N` slots (`N` a power of two).
    #[inline(always)]
    fn densify_in<const N: usize>(&self, slots: &mut [u32], upto: usize) {
        let k = slots.len();
        debug_assert!(upto <= k);
        debug_assert!(k <= N && N.is_power_of_two());
        // A bin a shingle filled has the flag bit clear; empty bins (`EMPTY_SLOT`) and
        // densified ones have it set.
        let own = |v: u32| v & DENSIFIED == 0;
        // `owned[j]` is 1 when a shingle filled bin `j`: testing a probed bin is then one byte
        // load at an index masked into range (no bounds check). `filled` holds the same as
        // bits, to walk the empty bins without a branch per bin.
        let mut owned = [0u8; N];
        let mut filled = [0u64; 64];
        let mut empty = 0;
        for ((chunk, flags), word) in slots.chunks(64).zip(owned.chunks_mut(64)).zip(&mut filled) {
            let mut bits = 0u64;
            for (b, (&v, flag)) in chunk.iter().zip(flags).enumerate() {
                *flag = u8::from(own(v));
                bits |= u64::from(own(v)) << b;
            }
            *word = bits;
            empty += chunk.len() - bits.count_ones() as usize;
        }
        if empty == 0 || empty == k {
            return;
        }
        let depth = self.probe_depth;
        // The empty bins before `upto`, in order, from the bitmap's complement.
        let empties = (0..upto.div_ceil(64)).flat_map(|w| {
            let valid = if (w + 1) * 64 <= upto {
                u64::MAX
            } else {
                (1u64 << (upto % 64)) - 1
            };
            let mut bits = !filled[w] & valid;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + b
                })
            })
        });
        'bins: for i in empties {
            // Eight probes at a time, tested without a branch each: whether a probe hits is a
            // coin toss the branch predictor cannot learn.
            for chunk in self.probes[i * depth..(i + 1) * depth].chunks_exact(8) {
                let mut hits = 0u32;
                for (a, &j) in chunk.iter().enumerate() {
                    hits |= u32::from(owned[usize::from(j) & (N - 1)]) << a;
                }
                if hits != 0 {
                    let j = usize::from(chunk[hits.trailing_zeros() as usize]);
                    slots[i] = slots[j] | DENSIFIED;
                    continue 'bins;
                }
            }
            let mut attempt = depth as u64;
            loop {
                let j = probe(self.densify_seed, k, i, attempt);
                if own(slots[j]) {
                    slots[i] = slots[j] | DENSIFIED;
                    continue 'bins;
                }
                attempt += 1;
            }
        }
    }

    fn classic(&self, shingles: impl IntoIterator<Item = u64>, slots: &mut [u32]) -> u32 {
        let mut count = 0u32;
        for h in shingles {
            for (slot, &(a, b)) in slots.iter_mut().zip(&self.perms) {
                let v = (a.wrapping_mul(h).wrapping_add(b) >> 33) as u32;
                *slot = (*slot).min(v);
            }
            count = count.saturating_add(1);
        }
        count
    }
}

/// A MinHash signature: `slots` 32-bit minima and the number of shingles sketched.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Signature {
    slots: Box<[u32]>,
    shingles: u32,
}

impl Signature {
    /// A signature from stored parts (for example, read back from disk).
    pub fn from_parts(slots: Vec<u32>, shingles: u32) -> Signature {
        Signature {
            slots: slots.into_boxed_slice(),
            shingles,
        }
    }

    /// The slot values.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// How many shingles were sketched, repeats included: for news text with word shingles,
    /// close to the size of the shingle set. Used by [`Signature::containment`].
    pub fn shingles(&self) -> u32 {
        self.shingles
    }

    /// The estimated Jaccard similarity: among the slots that at least one of the two filled
    /// from its own shingles (not [`DENSIFIED`]), the fraction that agree. For signatures
    /// without densified slots (long articles, classic MinHash) that is the fraction of all
    /// slots that agree. 0 when either set was empty.
    ///
    /// # Panics
    /// When the signatures have different lengths; [`Signature::try_jaccard`] returns an error
    /// instead.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        self.try_jaccard(other).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Signature::jaccard`], with an error for signatures of different lengths.
    pub fn try_jaccard(&self, other: &Signature) -> Result<f64> {
        agreement(&self.slots, &other.slots, DENSIFIED)
    }

    /// The estimated share of the smaller set that the larger one contains,
    /// `|A ∩ B| / min(|A|, |B|)`, from the Jaccard estimate and the two set sizes:
    /// `Ĵ·(|A| + |B|) / ((1 + Ĵ)·min(|A|, |B|))`, capped at 1. This is what finds a summary or a
    /// trimmed copy inside a long article, whose Jaccard similarity is low.
    ///
    /// # Panics
    /// When the signatures have different lengths.
    pub fn containment(&self, other: &Signature) -> f64 {
        containment_from_jaccard(self.jaccard(other), self.shingles, other.shingles)
    }

    /// The signature cut to 16 bits a slot: the [`DENSIFIED`] flag and the low 15 bits of the
    /// value. Half the memory, and the same estimates but for a chance agreement of 2⁻¹⁵ per
    /// slot (an upward bias of at most 0.00003). [`LshIndex`](crate::lsh::LshIndex) stores
    /// signatures this way.
    ///
    /// ```
    /// use copydesk::minhash::{MinHashConfig, MinHasher};
    ///
    /// let hasher = MinHasher::new(MinHashConfig::default())?;
    /// let (a, b) = (hasher.sketch(0..1000u64), hasher.sketch(500..1500u64));
    /// let (ca, cb) = (a.compact(), b.compact());
    /// assert_eq!(ca.slots().len(), 128);
    /// assert!((ca.jaccard(&cb) - a.jaccard(&b)).abs() < 0.01);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn compact(&self) -> CompactSignature {
        CompactSignature {
            slots: self.slots.iter().map(|&v| compact_slot(v)).collect(),
            shingles: self.shingles,
        }
    }

    /// The signature reduced to the lowest `bits` bits of each slot, for compact storage.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when `bits` is not 1 to 32.
    pub fn to_bbit(&self, bits: u8) -> Result<BBitSignature> {
        if !(1..=32).contains(&bits) {
            return Err(Error::config(
                "bits",
                format!("must be 1 to 32, got {bits}"),
            ));
        }
        let mut data = bitvec![u64, Lsb0; 0; self.slots.len() * usize::from(bits)];
        for (chunk, &v) in data.chunks_mut(usize::from(bits)).zip(self.slots.iter()) {
            chunk.store_le(v & mask(bits));
        }
        Ok(BBitSignature {
            bits,
            data,
            shingles: self.shingles,
        })
    }
}

/// `Ĵ·(|A| + |B|) / ((1 + Ĵ)·min(|A|, |B|))`, capped at 1; 0 when either set is empty.
pub fn containment_from_jaccard(jaccard: f64, size_a: u32, size_b: u32) -> f64 {
    let small = size_a.min(size_b);
    if small == 0 {
        return 0.0;
    }
    let c =
        jaccard * (f64::from(size_a) + f64::from(size_b)) / ((1.0 + jaccard) * f64::from(small));
    c.min(1.0)
}

/// A slot cut to 16 bits: the [`DENSIFIED`] flag (bit 15) and the value's low 15 bits.
#[inline]
pub fn compact_slot(v: u32) -> u16 {
    ((v & DENSIFIED) >> 16) as u16 | (v & 0x7fff) as u16
}

/// [`DENSIFIED`] in a compact slot.
const COMPACT_DENSIFIED: u16 = 1 << 15;

/// A [`Signature`] cut to 16 bits a slot ([`Signature::compact`]): how
/// [`LshIndex`](crate::lsh::LshIndex) and [`ArticleRecord`](crate::ArticleRecord) keep
/// signatures.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompactSignature {
    slots: Box<[u16]>,
    shingles: u32,
}

impl CompactSignature {
    /// A compact signature from stored parts.
    pub fn from_parts(slots: Vec<u16>, shingles: u32) -> CompactSignature {
        CompactSignature {
            slots: slots.into_boxed_slice(),
            shingles,
        }
    }

    /// A borrowed view.
    pub fn as_ref(&self) -> CompactRef<'_> {
        CompactRef {
            slots: &self.slots,
            shingles: self.shingles,
        }
    }

    /// The slots: bit 15 is the [`DENSIFIED`] flag, bits 0 to 14 the value's low bits.
    pub fn slots(&self) -> &[u16] {
        &self.slots
    }

    /// How many shingles were sketched ([`Signature::shingles`]).
    pub fn shingles(&self) -> u32 {
        self.shingles
    }

    /// The estimated Jaccard similarity, as [`Signature::jaccard`].
    ///
    /// # Panics
    /// When the signatures have different lengths.
    pub fn jaccard(&self, other: &CompactSignature) -> f64 {
        self.as_ref().jaccard(other.as_ref())
    }
}

impl From<&Signature> for CompactSignature {
    fn from(signature: &Signature) -> CompactSignature {
        signature.compact()
    }
}

impl From<Signature> for CompactSignature {
    fn from(signature: Signature) -> CompactSignature {
        signature.compact()
    }
}

/// A borrowed [`CompactSignature`], as [`LshIndex::get`](crate::lsh::LshIndex::get) returns it.
/// It serialises as a [`CompactSignature`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CompactRef<'a> {
    slots: &'a [u16],
    shingles: u32,
}

impl<'a> CompactRef<'a> {
    /// A view of stored parts.
    pub fn new(slots: &'a [u16], shingles: u32) -> CompactRef<'a> {
        CompactRef { slots, shingles }
    }

    /// The slots.
    pub fn slots(&self) -> &'a [u16] {
        self.slots
    }

    /// How many shingles were sketched.
    pub fn shingles(&self) -> u32 {
        self.shingles
    }

    /// An owned copy.
    pub fn to_owned(&self) -> CompactSignature {
        CompactSignature::from_parts(self.slots.to_vec(), self.shingles)
    }

    /// The estimated Jaccard similarity, as [`Signature::jaccard`].
    ///
    /// # Panics
    /// When the signatures have different lengths; [`CompactRef::try_jaccard`] returns an
    /// error instead.
    pub fn jaccard(&self, other: CompactRef<'_>) -> f64 {
        self.try_jaccard(other).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`CompactRef::jaccard`], with an error for signatures of different lengths.
    pub fn try_jaccard(&self, other: CompactRef<'_>) -> Result<f64> {
        agreement(self.slots, other.slots, COMPACT_DENSIFIED)
    }

    /// The estimated containment, as [`Signature::containment`].
    ///
    /// # Panics
    /// When the signatures have different lengths.
    pub fn containment(&self, other: CompactRef<'_>) -> f64 {
        containment_from_jaccard(self.jaccard(other), self.shingles, other.shingles)
    }
}

/// `N_match / (k − N_both_densified)`, for full or compact slots (`flag` marks a densified
/// one): a slot counts when either side filled it itself, and agrees when both hold the same
/// value of their own. Both counts are branch-free sums. 0 when no slot counts.
fn agreement<T>(a: &[T], b: &[T], flag: T) -> Result<f64>
where
    T: Copy + Eq + Default + std::ops::BitAnd<Output = T>,
{
    if a.len() != b.len() {
        return Err(Error::incompatible(format!(
            "{} slots against {}",
            a.len(),
            b.len()
        )));
    }
    let own = |x: T| x & flag == T::default();
    let (mut equal, mut either) = (0u32, 0u32);
    for (&x, &y) in a.iter().zip(b) {
        equal += u32::from((x == y) & own(x));
        either += u32::from(own(x & y));
    }
    Ok(if either == 0 {
        0.0
    } else {
        f64::from(equal) / f64::from(either)
    })
}

fn mask(bits: u8) -> u32 {
    if bits == 32 {
        u32::MAX
    } else {
        (1u32 << bits) - 1
    }
}

/// A b-bit MinHash signature (Li & König, WWW 2010): the lowest `bits` bits of each slot, packed
/// in a bit array. 8 bits cut a 128-slot signature from 512 to 128 bytes; the estimator corrects
/// for the chance agreements that fewer bits bring.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BBitSignature {
    bits: u8,
    data: BitVec<u64, Lsb0>,
    shingles: u32,
}

impl BBitSignature {
    /// Bits kept per slot.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.data.len() / usize::from(self.bits)
    }

    /// True when there are no slots.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The value kept for slot `i`.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn slot(&self, i: usize) -> u32 {
        let b = usize::from(self.bits);
        self.data[i * b..(i + 1) * b].load_le()
    }

    /// The estimated Jaccard similarity, corrected for chance agreement:
    /// `(P − 2⁻ᵇ) / (1 − 2⁻ᵇ)` where `P` is the fraction of agreeing slots, clamped to 0..=1.
    ///
    /// # Errors
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) for different lengths or bit
    /// widths.
    pub fn try_jaccard(&self, other: &BBitSignature) -> Result<f64> {
        if self.bits != other.bits || self.data.len() != other.data.len() {
            return Err(Error::incompatible(format!(
                "{} slots of {} bits against {} slots of {} bits",
                self.len(),
                self.bits,
                other.len(),
                other.bits
            )));
        }
        let n = self.len();
        if n == 0 {
            return Ok(0.0);
        }
        let equal = (0..n).filter(|&i| self.slot(i) == other.slot(i)).count();
        let p = equal as f64 / n as f64;
        let chance = 0.5f64.powi(i32::from(self.bits));
        Ok(((p - chance) / (1.0 - chance)).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests;
