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
