//! Tests of [`super`].

use super::*;

fn hasher(algorithm: Algorithm, slots: usize) -> MinHasher {
    MinHasher::new(MinHashConfig {
        slots,
        algorithm,
        seed: 42,
    })
    .unwrap()
}

#[test]
fn identical_sets_agree_everywhere() {
    for alg in [Algorithm::OnePermutation, Algorithm::Classic] {
        let h = hasher(alg, 64);
        let a = h.sketch([5u64, 9, 1 << 40, u64::MAX]);
        let b = h.sketch([u64::MAX, 5, 9, 1 << 40, 9]);
        assert_eq!(a.slots(), b.slots());
        assert_eq!(a.jaccard(&b), 1.0);
    }
}

#[test]
fn densification_fills_every_bin() {
    let h = hasher(Algorithm::OnePermutation, 256);
    let s = h.sketch([12345u64]);
    let own = fmix64(12345) as u32 & !DENSIFIED;
    assert_eq!(s.slots().iter().filter(|&&v| v == own).count(), 1);
    assert!(s.slots().iter().all(|&v| v & !DENSIFIED == own));
    let s = h.sketch((0..10u64).map(crate::hash::fmix64));
    assert!(s.slots().iter().all(|&v| v != EMPTY_SLOT));
}

#[test]
fn empty_set_is_all_empty() {
    let s = hasher(Algorithm::OnePermutation, 16).sketch(std::iter::empty());
    assert!(s.slots().iter().all(|&v| v == EMPTY_SLOT));
    assert_eq!(s.shingles(), 0);
}

#[test]
fn rejects_bad_slots_and_mismatched_lengths() {
    assert!(MinHasher::new(MinHashConfig {
        slots: 2,
        ..MinHashConfig::default()
    })
    .is_err());
    let a = hasher(Algorithm::OnePermutation, 16).sketch([1u64]);
    let b = hasher(Algorithm::OnePermutation, 32).sketch([1u64]);
    assert!(a.try_jaccard(&b).is_err());
}

#[test]
fn golden_constants_and_signatures() {
    // Pinned: a change here silently breaks every persisted signature and index.
    let h = hasher(Algorithm::Classic, 4);
    assert_eq!(
        h.perms[0],
        (13_679_457_532_755_275_413, 2_949_826_092_126_892_291)
    );
    let s = h.sketch([1u64, 2, 3]);
    assert_eq!(
        s.slots(),
        &[825_933_011, 386_534_402, 1_946_174_762, 40_881_797]
    );
    // Three shingles in eight bins: bins 1, 3 and 5 filled; the five others copy one of
    // them, flagged.
    let o = hasher(Algorithm::OnePermutation, 8).sketch((1..=3u64).map(crate::hash::fmix64));
    let d = DENSIFIED;
    assert_eq!(
        o.slots(),
        &[
            1_244_613_132 | d,
            485_912_488,
            485_912_488 | d,
            187_374_562,
            485_912_488 | d,
            1_244_613_132,
            1_244_613_132 | d,
            187_374_562 | d
        ]
    );
}

/// The fraction of all slots that agree: the estimator [`agreement`] replaced.
fn plain_agreement(a: &Signature, b: &Signature) -> f64 {
    let n = a.slots().len();
    let equal = (0..n).filter(|&i| a.slots()[i] == b.slots()[i]).count();
    equal as f64 / n as f64
}

#[test]
fn estimator_ignores_bins_both_densified() {
    // Short sets (fewer shingles than slots) against exact Jaccard: the estimate over the
    // slots either side filled is unbiased and closer than the plain agreement (by a third here).
    let h = hasher(Algorithm::OnePermutation, 128);
    let mut state = 7u64;
    let (mut err, mut plain_err, mut bias) = (0.0, 0.0, 0.0);
    let trials = 400;
    for _ in 0..trials {
        let n = 5 + splitmix64(&mut state) % 60;
        let shared = splitmix64(&mut state) % (n + 1);
        let base = splitmix64(&mut state);
        let a: Vec<u64> = (0..n).map(|i| base ^ i).collect();
        let b: Vec<u64> = (0..n)
            .map(|i| {
                if i < shared {
                    base ^ i
                } else {
                    base ^ (i + 1000)
                }
            })
            .collect();
        let exact = shared as f64 / (2 * n - shared) as f64;
        let (sa, sb) = (h.sketch(a), h.sketch(b));
        err += (sa.jaccard(&sb) - exact).abs();
        bias += sa.jaccard(&sb) - exact;
        plain_err += (plain_agreement(&sa, &sb) - exact).abs();
    }
    let (err, plain_err, bias) = (
        err / trials as f64,
        plain_err / trials as f64,
        bias / trials as f64,
    );
    assert!(err < 0.025, "mean error {err}");
    assert!(bias.abs() < 0.01, "bias {bias}");
    assert!(err < 0.8 * plain_err, "{err} against plain {plain_err}");
    // Long sets: no densified slots, so the two estimators are the same.
    let a = h.sketch((0..3000u64).map(crate::hash::fmix64));
    let b = h.sketch((1000..4000u64).map(crate::hash::fmix64));
    assert!(a.slots().iter().all(|&v| v & DENSIFIED == 0));
    assert_eq!(a.jaccard(&b), plain_agreement(&a, &b));
    // Empty sets estimate 0, against anything.
    let e = h.sketch(std::iter::empty());
    assert_eq!(e.jaccard(&e), 0.0);
    assert_eq!(e.jaccard(&a), 0.0);
}

#[test]
fn containment_of_subset() {
    let h = hasher(Algorithm::OnePermutation, 256);
    let big = h.sketch((0..2000u64).map(crate::hash::fmix64));
    let small = h.sketch((0..400u64).map(crate::hash::fmix64));
    let c = big.containment(&small);
    assert!(c > 0.85, "{c}");
}

#[test]
fn bbit_round_trip_and_estimate() {
    let h = hasher(Algorithm::OnePermutation, 256);
    let a = h.sketch((0..1000u64).map(crate::hash::fmix64));
    let b = h.sketch((300..1300u64).map(crate::hash::fmix64));
    let exact = 700.0 / 1300.0;
    for bits in [1u8, 4, 8, 16, 32] {
        let (ba, bb) = (a.to_bbit(bits).unwrap(), b.to_bbit(bits).unwrap());
        assert_eq!(ba.len(), 256);
        assert_eq!(ba.slot(3), a.slots()[3] & mask(bits));
        let est = ba.try_jaccard(&bb).unwrap();
        assert!((est - exact).abs() < 0.2, "bits {bits}: {est} vs {exact}");
    }
    assert!(a.to_bbit(0).is_err());
    assert!(a
        .to_bbit(8)
        .unwrap()
        .try_jaccard(&a.to_bbit(4).unwrap())
        .is_err());
}

/// The densification as first written: hash every probe. The table-driven version must
/// agree with it bin for bin. Bins from `upto` on stay as they are.
fn naive_densify(h: &MinHasher, slots: &mut [u32], upto: usize) {
    let k = slots.len();
    let filled: Vec<bool> = slots.iter().map(|&v| v != EMPTY_SLOT).collect();
    if filled.iter().all(|&f| f) || !filled.iter().any(|&f| f) {
        return;
    }
    for i in 0..upto {
        if filled[i] {
            continue;
        }
        let mut attempt = 0;
        loop {
            let j = probe(h.densify_seed, k, i, attempt);
            if filled[j] {
                slots[i] = slots[j] | DENSIFIED;
                break;
            }
            attempt += 1;
        }
    }
}

#[test]
fn densify_matches_naive_for_every_fill() {
    for slots in [4usize, 64, 128, 200, 256, 257, 1000, 2048, 4096] {
        let h = MinHasher::new(MinHashConfig {
            slots,
            ..MinHashConfig::default()
        })
        .unwrap();
        let mut state = slots as u64;
        // From one filled bin (deep probe sequences, past the table) to nearly full.
        for filled in [1, 2, 3, slots / 8, slots / 2, slots - 1] {
            let mut v = vec![EMPTY_SLOT; slots];
            for _ in 0..filled {
                let r = splitmix64(&mut state);
                v[(r % slots as u64) as usize] = (r >> 40) as u32;
            }
            // All of them, or a prefix as for LSH bands (not a whole number of 64-bit
            // words, and one bin).
            for upto in [slots, slots * 15 / 32, 1] {
                let mut fast = v.clone();
                h.densify(&mut fast, upto);
                let mut want = v.clone();
                naive_densify(&h, &mut want, upto);
                assert_eq!(fast, want, "{slots} slots, {filled} filled, up to {upto}");
            }
        }
    }
}
