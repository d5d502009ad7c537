//! Tests of [`super`]: unit tests, and property tests against naive oracles.

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
fn a_band_table_entry_is_eight_bytes() {
    // The tables are most of an index's memory: a 64-bit band key made them 16 bytes an
    // entry (control byte aside) for `u32` keys, a separate flag 12.
    assert_eq!(std::mem::size_of::<(u32, u32)>(), 8);
    let mut table = BandTable::default();
    let mut overflow = BandOverflow::default();
    let band = BandValue::of(u64::MAX);
    assert_eq!(band.0 & MORE, 0, "a value leaves the flag's bit clear");
    add_to_band(&mut table, &mut overflow, band, &7u32);
    assert_eq!(table.get(band), Some((&7, false)));
    add_to_band(&mut table, &mut overflow, band, &8u32);
    assert_eq!(
        table.get(band),
        Some((&7, true)),
        "the flag does not hide the value"
    );
    assert_eq!(table.0.iter().next().map(|e| e.0), Some(band.0 | MORE));
}

#[test]
fn candidate_pairs_of_a_large_bucket() {
    // 150 copies of one signature share every band: 11,175 pairs in each of 8 bands, so
    // the list is compacted on the way (the property test's buckets are too small for
    // that). Then a signature sharing one band with the copies, and one sharing none.
    let mut index = LshIndex::new(LshParams::new(8, 2).unwrap());
    let copy = Signature::from_parts((0..16).collect(), 16);
    for k in 0..150u32 {
        index.insert(k, &copy).unwrap();
    }
    let mut near: Vec<u32> = (100..116).collect();
    near[..2].copy_from_slice(&[0, 1]);
    index.insert(150, Signature::from_parts(near, 16)).unwrap();
    index
        .insert(151, Signature::from_parts((200..216).collect(), 16))
        .unwrap();
    let mut want: Vec<(u32, u32)> = (0..151u32)
        .flat_map(|a| (a + 1..151).map(move |b| (a, b)))
        .collect();
    want.sort_unstable();
    assert_eq!(index.candidate_pairs(), want);
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
    assert!(index.tables.iter().all(|t| t.len() == 0));
    assert!(index.overflow.iter().all(|t| t.is_empty()));
}

/// Signatures of eight slots valued 0 to 3 under keys below 40 (so keys repeat and
/// band values collide), or under keys from 100 in order when `fresh`.
fn keyed_signatures(n: usize) -> impl proptest::strategy::Strategy<Value = Vec<(u32, Signature)>> {
    use proptest::prelude::*;
    (
        any::<bool>(),
        proptest::collection::vec((0u32..40, proptest::collection::vec(0u32..4, 8)), 0..n),
    )
        .prop_map(|(fresh, items)| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (k, slots))| {
                    let k = if fresh { 100 + i as u32 } else { k };
                    (k, Signature::from_parts(slots, 8))
                })
                .collect()
        })
}

/// Every part of two indexes is equal, band tables and the order of their lists included.
fn same_index(a: &LshIndex<u32>, b: &LshIndex<u32>) -> bool {
    let same_table = |x: &BandTable<u32>, y: &BandTable<u32>| {
        x.len() == y.len()
            && x.0
                .iter()
                .all(|e| y.get(BandValue(e.0 & !MORE)) == Some((&e.1, e.0 & MORE != 0)))
    };
    a.tables.len() == b.tables.len()
        && a.tables
            .iter()
            .zip(&b.tables)
            .all(|(x, y)| same_table(x, y))
        && a.overflow == b.overflow
        && a.rows == b.rows
        && a.slots == b.slots
        && a.shingles == b.shingles
        && a.free == b.free
        && (a.is_empty() || a.width == b.width)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
    /// `extend` (and `extend_chunk`) builds the index that inserting one by one builds,
    /// after any inserts and removals, replacements and freed rows included.
    #[test]
    fn extend_is_insert_one_by_one(
        before in keyed_signatures(12),
        removed in proptest::collection::vec(0u32..40, 0..4),
        batch in keyed_signatures(40),
    ) {
        let mut one = LshIndex::new(LshParams::new(4, 2).unwrap());
        for (k, s) in &before {
            one.insert(*k, s).unwrap();
        }
        for k in &removed {
            one.remove(k);
        }
        let mut bulk = one.clone();
        let mut chunks = [one.clone(), one.clone()];
        for (k, s) in &batch {
            one.insert(*k, s).unwrap();
        }
        bulk.extend(batch.iter().map(|(k, s)| (*k, s))).unwrap();
        proptest::prop_assert!(same_index(&one, &bulk));
        proptest::prop_assert_eq!(one.candidate_pairs(), bulk.candidate_pairs());
        for (chunked, parallel) in chunks.iter_mut().zip([false, true]) {
            chunked.extend_chunk(batch.iter().map(|(k, s)| (*k, s)), parallel).unwrap();
            proptest::prop_assert!(same_index(&one, chunked));
        }
    }
}

#[test]
fn extend_with_a_bad_signature_changes_nothing() {
    let h = MinHasher::new(MinHashConfig::default()).unwrap();
    let wide = MinHasher::new(MinHashConfig {
        slots: 256,
        ..Default::default()
    })
    .unwrap();
    let mut index = LshIndex::new(LshParams::new(16, 4).unwrap());
    index.insert(1u32, h.sketch(0..50u64)).unwrap();
    let before = index.clone();
    let batch = [
        (2u32, h.sketch(0..60u64)),
        (3, wide.sketch(0..60u64)),
        (4, h.sketch(0..70u64)),
    ];
    assert!(index.extend(batch).is_err());
    assert!(same_index(&index, &before));
    assert!(index.extend(Vec::<(u32, Signature)>::new()).is_ok());
    assert!(same_index(&index, &before));
}

#[test]
fn arena_rows_are_reused_and_widths_checked() {
    let h = MinHasher::new(MinHashConfig::default()).unwrap();
    let mut index = LshIndex::new(LshParams::new(16, 4).unwrap());
    for k in 0..10u32 {
        index
            .insert(k, h.sketch(u64::from(k) * 1000..u64::from(k) * 1000 + 50))
            .unwrap();
    }
    index.remove(&3);
    index.remove(&7);
    index.insert(20, h.sketch(0..10u64)).unwrap();
    index.insert(21, h.sketch(0..20u64)).unwrap();
    assert_eq!(index.shingles.len(), 10, "freed rows are reused");
    assert_eq!(
        index.get(&21).unwrap(),
        h.sketch(0..20u64).compact().as_ref()
    );
    assert_eq!(
        index.get(&5).unwrap(),
        h.sketch(5000..5050u64).compact().as_ref()
    );
    let wide = MinHasher::new(MinHashConfig {
        slots: 256,
        ..Default::default()
    })
    .unwrap();
    assert!(index.insert(99, wide.sketch(0..10u64)).is_err());
    assert!(index.get(&99).is_none());
    // Emptied, the index takes another width.
    for k in [0, 1, 2, 4, 5, 6, 8, 9, 20, 21] {
        index.remove(&k);
    }
    assert!(index.is_empty() && index.slots.is_empty());
    index.insert(99, wide.sketch(0..10u64)).unwrap();
    assert_eq!(index.get(&99).unwrap().slots().len(), 256);
}
