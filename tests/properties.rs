//! Property tests: every fast path against a naive oracle.

use copydesk::lsh::{LshIndex, LshParams};
use copydesk::minhash::{
    compact_slot, Algorithm, MinHashConfig, MinHasher, Signature, DENSIFIED, EMPTY_SLOT,
};
use copydesk::normalize::Normalizer;
use copydesk::simhash::{Fingerprint, SimHashIndex};
use copydesk::{Detector, DetectorConfig, ErrorKind};
use proptest::prelude::*;
use std::collections::HashSet;

/// Slot values for the LSH and estimator properties: own and densified values, and values that
/// differ only above the 15 bits a compact slot keeps.
const SLOT_VALUES: [u32; 6] = [0, 1, 1 | DENSIFIED, 1 | 1 << 16, 2 | DENSIFIED, 2];

fn exact_jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Two sets drawn from a shared universe, so their Jaccard similarity spans 0 to 1.
fn set_pair() -> impl Strategy<Value = (HashSet<u64>, HashSet<u64>)> {
    (100usize..1500, 0.0f64..1.0, 0.0f64..1.0).prop_map(|(n, pa, pb)| {
        let mut a = HashSet::new();
        let mut b = HashSet::new();
        for i in 0..n as u64 {
            let h = copydesk::shingle::word_hash(&i.to_string(), 99);
            let u = (h >> 11) as f64 / (1u64 << 53) as f64;
            if u < pa.max(0.05) {
                a.insert(h);
            }
            if u > 1.0 - pb.max(0.05) || (u < pa * 0.5) {
                b.insert(h);
            }
        }
        a.insert(1);
        b.insert(1);
        (a, b)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn minhash_estimates_exact_jaccard((a, b) in set_pair(), alg in prop_oneof![Just(Algorithm::OnePermutation), Just(Algorithm::Classic)]) {
        let h = MinHasher::new(MinHashConfig { slots: 256, algorithm: alg, seed: 7 }).unwrap();
        let est = h.sketch(a.iter().copied()).jaccard(&h.sketch(b.iter().copied()));
        let exact = exact_jaccard(&a, &b);
        // Standard error at 256 slots is at most 0.031; six of them, plus the densification
        // penalty of small sets.
        prop_assert!((est - exact).abs() < 0.2, "{alg:?}: estimate {est}, exact {exact}, |a|={}, |b|={}", a.len(), b.len());
    }

    #[test]
    fn sketch_for_bands_estimates_as_sketch(
        (a, b) in set_pair(),
        keep in 0usize..40,
        banded in 0usize..=256,
    ) {
        // Short sets too (a few bins filled, most densified), where it matters.
        let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().take(keep.max(1)).collect(), b.into_iter().collect());
        let h = MinHasher::new(MinHashConfig { slots: 256, ..MinHashConfig::default() }).unwrap();
        let (fa, fb) = (h.sketch(a.iter().copied()), h.sketch(b.iter().copied()));
        let (pa, pb) = (h.sketch_for_bands(a.iter().copied(), banded), h.sketch_for_bands(b.iter().copied(), banded));
        prop_assert_eq!(pa.jaccard(&pb), fa.jaccard(&fb));
        prop_assert_eq!(pa.compact().jaccard(&pb.compact()), fa.compact().jaccard(&fb.compact()));
        prop_assert_eq!(&pa.slots()[..banded], &fa.slots()[..banded]);
        // Past the bands, a bin is its own value or empty, never a copy.
        for (&p, &f) in pa.slots()[banded..].iter().zip(&fa.slots()[banded..]) {
            prop_assert_eq!(p, if f & DENSIFIED == 0 { f } else { EMPTY_SLOT });
        }
    }

    #[test]
    fn sketch_is_order_and_repeat_invariant(mut items in prop::collection::vec(any::<u64>(), 1..300), seed in any::<u64>()) {
        for alg in [Algorithm::OnePermutation, Algorithm::Classic] {
            let h = MinHasher::new(MinHashConfig { slots: 64, algorithm: alg, seed }).unwrap();
            let a = h.sketch(items.iter().copied());
            let mut doubled = items.clone();
            doubled.extend(items.iter().copied());
            items.reverse();
            let (reversed, doubled) = (h.sketch(items.iter().copied()), h.sketch(doubled));
            prop_assert_eq!(a.slots(), reversed.slots());
            prop_assert_eq!(a.slots(), doubled.slots());
        }
    }

    #[test]
    fn lsh_candidates_are_brute_force_band_agreement(
        sigs in prop::collection::vec(prop::collection::vec(prop::sample::select(SLOT_VALUES.to_vec()), 12), 1..40),
        query in prop::collection::vec(prop::sample::select(SLOT_VALUES.to_vec()), 12),
        bands in 1usize..=4,
    ) {
        // The index keeps 16-bit slots: values equal in their flag and low 15 bits agree.
        let rows = 12 / bands;
        let params = LshParams::new(bands, rows).unwrap();
        let mut index = LshIndex::new(params);
        for (i, s) in sigs.iter().enumerate() {
            index.insert(i, Signature::from_parts(s.clone(), 12)).unwrap();
        }
        let q = Signature::from_parts(query.clone(), 12);
        let cut = |s: &[u32]| s.iter().map(|&v| compact_slot(v)).collect::<Vec<u16>>();
        let cq = cut(&query);
        let want: Vec<usize> = sigs.iter().enumerate()
            .filter(|(_, s)| {
                let cs = cut(s);
                (0..bands).any(|b| cs[b * rows..(b + 1) * rows] == cq[b * rows..(b + 1) * rows])
            })
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(index.candidates(&q), want);
        // Verified queries report exactly the candidates at or over the threshold, with the
        // estimate over the slots either side filled (not flagged densified).
        for (k, j) in index.query(&q, 0.5) {
            prop_assert!(j >= 0.5);
            let cs = cut(&sigs[k]);
            let either = (0..12).filter(|&i| cs[i] & 0x8000 == 0 || cq[i] & 0x8000 == 0).count();
            let equal = (0..12).filter(|&i| cs[i] == cq[i] && cs[i] & 0x8000 == 0).count();
            prop_assert_eq!(j, equal as f64 / either as f64);
        }
    }

    #[test]
    fn jaccard_estimators_agree_with_naive(
        a in prop::collection::vec(prop::sample::select(SLOT_VALUES.to_vec()), 16),
        b in prop::collection::vec(prop::sample::select(SLOT_VALUES.to_vec()), 16),
    ) {
        let (sa, sb) = (Signature::from_parts(a.clone(), 16), Signature::from_parts(b.clone(), 16));
        let own = |v: u32| v & DENSIFIED == 0;
        let either = (0..16).filter(|&i| own(a[i]) || own(b[i])).count();
        let equal = (0..16).filter(|&i| a[i] == b[i] && own(a[i])).count();
        let want = if either == 0 { 0.0 } else { equal as f64 / either as f64 };
        prop_assert_eq!(sa.jaccard(&sb), want);
        let (ca, cb) = (sa.compact(), sb.compact());
        let (a16, b16) = (ca.slots(), cb.slots());
        let either = (0..16).filter(|&i| a16[i] & 0x8000 == 0 || b16[i] & 0x8000 == 0).count();
        let equal = (0..16).filter(|&i| a16[i] == b16[i] && a16[i] & 0x8000 == 0).count();
        let want = if either == 0 { 0.0 } else { equal as f64 / either as f64 };
        prop_assert_eq!(ca.jaccard(&cb), want);
    }

    #[test]
    fn lsh_after_inserts_and_removes_is_brute_force(
        ops in prop::collection::vec((any::<bool>(), 0u32..12, prop::collection::vec(0u32..2, 8)), 1..80),
        query in prop::collection::vec(0u32..2, 8),
    ) {
        // Buckets change shape as keys come and go (one key inline, several in a list): the
        // candidates must always be exactly the live keys sharing a band.
        let params = LshParams::new(4, 2).unwrap();
        let mut index = LshIndex::new(params);
        let mut live: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for (insert, key, sig) in ops {
            if insert {
                index.insert(key, Signature::from_parts(sig.clone(), 8)).unwrap();
                live.insert(key, sig);
            } else {
                prop_assert_eq!(index.remove(&key).is_some(), live.remove(&key).is_some());
            }
        }
        prop_assert_eq!(index.len(), live.len());
        let want: Vec<u32> = live.iter()
            .filter(|(_, s)| (0..4).any(|b| s[b * 2..b * 2 + 2] == query[b * 2..b * 2 + 2]))
            .map(|(&k, _)| k)
            .collect();
        prop_assert_eq!(index.candidates(&Signature::from_parts(query, 8)), want);
        // The self-join: every pair of live keys sharing a band, each once.
        let shares = |s: &[u32], t: &[u32]| (0..4).any(|b| s[b * 2..b * 2 + 2] == t[b * 2..b * 2 + 2]);
        let mut want_pairs = Vec::new();
        for (i, (&a, sa)) in live.iter().enumerate() {
            for (&b, sb) in live.iter().skip(i + 1) {
                if shares(sa, sb) {
                    want_pairs.push((a, b));
                }
            }
        }
        prop_assert_eq!(index.candidate_pairs(), want_pairs);
    }

    #[test]
    fn simhash_index_is_brute_force_hamming(
        fps in prop::collection::vec(any::<u64>(), 1..60),
        flips in prop::collection::vec(0u32..64, 0..6),
        k in 0u32..=6,
    ) {
        let mut index = SimHashIndex::new(k).unwrap();
        for (i, &f) in fps.iter().enumerate() {
            index.insert(i, Fingerprint(f));
        }
        // Query near a stored fingerprint so that hits exist.
        let q = flips.iter().fold(fps[0], |f, &b| f ^ (1 << b));
        let mut want: Vec<(usize, u32)> = fps.iter().enumerate()
            .map(|(i, &f)| (i, (f ^ q).count_ones()))
            .filter(|&(_, d)| d <= k)
            .collect();
        want.sort_by_key(|&(i, d)| (d, i));
        prop_assert_eq!(index.query(Fingerprint(q)), want);
    }

    #[test]
    fn bbit_agrees_with_full_signature(items in prop::collection::vec(any::<u64>(), 1..200), bits in 1u8..=32) {
        let h = MinHasher::new(MinHashConfig::default()).unwrap();
        let s = h.sketch(items);
        let b = s.to_bbit(bits).unwrap();
        let mask = if bits == 32 { u32::MAX } else { (1 << bits) - 1 };
        for (i, &v) in s.slots().iter().enumerate() {
            prop_assert_eq!(b.slot(i), v & mask);
        }
        prop_assert_eq!(b.try_jaccard(&b).unwrap(), 1.0);
    }

    #[test]
    fn tokens_match_naive_split_on_plain_text(text in "[A-Za-z0-9 \n\t]{0,300}") {
        // Without joiners or boilerplate, tokenising is split-on-non-alphanumeric plus
        // lower-casing: the oracle for the tokenizer's fast path over ASCII runs.
        let config = copydesk::normalize::NormalizeConfig { strip_boilerplate: false, ..Default::default() };
        let mut got = Vec::new();
        Normalizer::new(config).for_each_token(&text, |t| got.push(t.text.to_string()));
        let want: Vec<String> = text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn no_panic_on_arbitrary_text(text in "\\PC*|[\\x00-\\x1f\\u{80}-\\u{10ffff}]{0,200}") {
        let n = Normalizer::default();
        let normalized = n.normalize(&text);
        prop_assert!(!normalized.contains("  "));
        n.for_each_token(&text, |t| assert!(!t.text.is_empty()));
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        // The signature-only fast path agrees with the full analysis, errors included.
        match (d.signature(&text), d.analyze(&text)) {
            (Ok(s), Ok(a)) => prop_assert_eq!(s, a.signature),
            (Err(e), Err(f)) => prop_assert_eq!(e, f),
            (s, a) => prop_assert!(false, "signature {:?} but analyze {:?}", s, a),
        }
        match d.insert("x", &text) {
            Ok(v) => prop_assert!(v.is_new()),
            Err(e) => prop_assert_eq!(e.kind(), &ErrorKind::EmptyText),
        }
    }

    #[test]
    fn cosine_matches_naive(a in prop::collection::vec("[a-f]{2,3}", 1..40), b in prop::collection::vec("[a-f]{2,3}", 1..40)) {
        // The detector's rewrite similarity is the cosine of term vectors; check the merge
        // against a hash-map computation through the public term API.
        use copydesk::terms::{DocumentFrequencies, TermConfig, TermLookup};
        let d = Detector::new(DetectorConfig::default()).unwrap();
        let (ta, tb) = (d.analyze(&a.join(" ")).unwrap().terms, d.analyze(&b.join(" ")).unwrap().terms);
        let mut df = DocumentFrequencies::default();
        df.add(&ta);
        df.add(&tb);
        let cfg = TermConfig { max_terms: 1024, ..TermConfig::default() };
        let (va, vb) = (df.vector(&ta, &cfg), df.vector(&tb, &cfg));
        let map: std::collections::HashMap<u64, f32> = va.iter().collect();
        let naive: f32 = vb.iter().map(|(t, w)| map.get(&t).map_or(0.0, |x| x * w)).sum();
        prop_assert!((va.cosine(&vb) - naive.clamp(0.0, 1.0)).abs() < 1e-5);
        // The lookup table gives the merge's value exactly, both ways, and with dates.
        prop_assert_eq!(TermLookup::new(&va).cosine(&vb), va.cosine(&vb));
        prop_assert_eq!(TermLookup::new(&vb).cosine(&va), va.cosine(&vb));
        prop_assert_eq!(vb.similarity_to(&TermLookup::new(&va), &cfg), vb.similarity(&va, &cfg));
    }
}

/// Generated articles: a few "stories" with copies, trims and edits, plus unrelated filler.
fn generated_articles(n: usize, seed: u64) -> Vec<(String, String)> {
    let words: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for i in 0..n {
        let text = if i > 3 && next() % 3 == 0 {
            // A copy of an earlier article with a few words changed and maybe trimmed.
            let (_, src) = &out[(next() % i as u64) as usize];
            let mut w: Vec<&str> = src.split(' ').collect();
            for _ in 0..(next() % 5) {
                let p = (next() % w.len() as u64) as usize;
                w[p] = &words[(next() % 3000) as usize];
            }
            if next() % 2 == 0 {
                w.truncate(w.len() * 2 / 3 + 1);
            }
            w.join(" ")
        } else {
            let len = 50 + (next() % 400) as usize;
            (0..len)
                .map(|_| words[(next() % 3000) as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push((format!("a{i}"), text));
    }
    out
}

#[test]
fn parallel_batch_equals_sequential_batch_at_any_thread_count() {
    let articles = generated_articles(600, 42);
    let mut seq = Detector::new(DetectorConfig::default()).unwrap();
    let want = seq.insert_batch(&articles);
    assert!(
        want.iter()
            .filter(|v| !v.as_ref().unwrap().is_new())
            .count()
            > 50
    );
    for threads in [1, 2, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| {
            let mut par = Detector::new(DetectorConfig::default()).unwrap();
            par.par_insert_batch(&articles)
        });
        assert_eq!(got, want, "{threads} threads");
    }
}

#[test]
fn detector_is_deterministic() {
    let articles = generated_articles(300, 7);
    let run = || {
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        articles
            .iter()
            .map(|(id, t)| d.insert(id, t).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn empty_text_is_an_error_and_changes_nothing() {
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    for text in ["", "   \n\t", "— … !!", "\u{0}\u{1}"] {
        let e = d.insert("e", text).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::EmptyText, "{text:?}");
    }
    assert!(d.is_empty());
    assert_eq!(d.stats().documents_seen, 0);
}

#[test]
fn every_public_type_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<copydesk::Detector>();
    check::<copydesk::DetectorConfig>();
    check::<copydesk::StoryConfig>();
    check::<copydesk::Verdict>();
    check::<copydesk::Match>();
    check::<copydesk::MatchKind>();
    check::<copydesk::Analysis>();
    check::<copydesk::Stats>();
    check::<copydesk::StoryId>();
    check::<copydesk::Error>();
    check::<copydesk::ErrorKind>();
    check::<copydesk::normalize::Normalizer>();
    check::<copydesk::normalize::NormalizeConfig>();
    check::<copydesk::normalize::Token<'static>>();
    check::<copydesk::shingle::Shingler>();
    check::<copydesk::shingle::ShingleConfig>();
    check::<copydesk::shingle::ShingleKind>();
    check::<copydesk::shingle::WordShingles<'static>>();
    check::<copydesk::shingle::CharShingles<'static>>();
    check::<copydesk::minhash::MinHasher>();
    check::<copydesk::minhash::MinHashConfig>();
    check::<copydesk::minhash::Algorithm>();
    check::<copydesk::minhash::Signature>();
    check::<copydesk::minhash::BBitSignature>();
    check::<copydesk::lsh::LshParams>();
    check::<copydesk::lsh::LshIndex<String>>();
    check::<copydesk::simhash::Fingerprint>();
    check::<copydesk::simhash::SimHashIndex<String>>();
    check::<copydesk::terms::TermConfig>();
    check::<copydesk::terms::TermCounts>();
    check::<copydesk::terms::TermVector>();
    check::<copydesk::terms::DocumentFrequencies>();
    check::<copydesk::cluster::Linkage>();
    check::<copydesk::cluster::Stories>();
    check::<copydesk::cluster::StoryLink>();
}

#[test]
fn serde_round_trips() {
    let config = DetectorConfig::default();
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<DetectorConfig>(&json).unwrap(),
        config
    );
    // Unknown fields are an error, not silently ignored.
    assert!(serde_json::from_str::<DetectorConfig>(r#"{"near_copi": 0.4}"#).is_err());
    let mut d = Detector::new(config).unwrap();
    let v = d
        .insert("a", "some words of an article about the harbour")
        .unwrap();
    let back: copydesk::Verdict =
        serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(back, v);
    let a = d
        .analyze("some words of an article about the harbour")
        .unwrap();
    let back: copydesk::Analysis =
        serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// After any inserts and removals, `recluster` leaves a consistent detector: every article
    /// in exactly one story, named by its first article; copies with their originals; and a
    /// second run changes nothing.
    #[test]
    fn recluster_after_inserts_and_removals_is_consistent(
        seed in 1u64..1_000_000,
        removals in prop::collection::vec(0usize..120, 0..30),
    ) {
        let articles = generated_articles(120, seed);
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        let verdicts = d.insert_batch(&articles);
        for &r in &removals {
            d.remove(&articles[r].0);
        }
        let before: Vec<(String, copydesk::Verdict)> = d
            .verdicts()
            .map(|(id, v)| (id.to_string(), v))
            .collect();
        // `finish` gives the stories `recluster` gives, without the lookup indexes.
        let finished = d.clone().finish();
        // The changes listed are exactly the articles whose verdict differs, with the old
        // one; `changed` counts those whose story differs.
        let changes = d.recluster_changes();
        let moved = changes.iter().filter(|(id, v)| d.story_of(id) != Some(v.story)).count();
        prop_assert_eq!(finished.changed(), moved);
        prop_assert_eq!(finished.stats(), d.stats());
        for (id, v) in d.verdicts() {
            prop_assert_eq!(finished.verdict_of(id), Some(v.clone()));
            prop_assert_eq!(finished.members(v.story), d.members(v.story));
        }
        prop_assert!(finished.verdicts().map(|(id, _)| id).eq(d.verdicts().map(|(id, _)| id)));
        // It keeps the signatures: comparisons and the saved file are the detector's.
        let ids: Vec<&str> = d.verdicts().map(|(id, _)| id).take(8).collect();
        for pair in ids.windows(2) {
            prop_assert_eq!(finished.compare(pair[0], pair[1]), d.compare(pair[0], pair[1]));
        }
        #[cfg(feature = "persist")]
        {
            let (mut saved, mut finished_saved) = (Vec::new(), Vec::new());
            d.save(&mut saved).unwrap();
            finished.save(&mut finished_saved).unwrap();
            prop_assert!(saved == finished_saved, "the same file");
        }
        let differ: Vec<(String, copydesk::Verdict)> = before
            .into_iter()
            .filter(|(id, v)| d.verdict_of(id).as_ref() != Some(v))
            .collect();
        prop_assert_eq!(changes, differ);
        // Every verdict agrees with its story: the first article (in insertion order) matches
        // none, every other one an earlier member (unless the article it matched on arrival
        // has been removed since).
        let order: std::collections::HashMap<&str, usize> =
            articles.iter().enumerate().map(|(i, a)| (a.0.as_str(), i)).collect();
        for (id, v) in d.verdicts() {
            let first = d.members(v.story).iter().map(|&m| order[m]).min();
            match &v.matched {
                None => prop_assert_eq!(first, Some(order[id]), "{} founds none", id),
                Some(m) if d.story_of(&m.id).is_some() => {
                    prop_assert_eq!(d.story_of(&m.id), Some(v.story), "{} matches {}", id, m.id);
                    prop_assert!(order[m.id.as_str()] < order[id], "{} matches later {}", id, m.id);
                }
                Some(_) => {}
            }
        }
        let live: Vec<&str> = articles
            .iter()
            .map(|a| a.0.as_str())
            .filter(|id| d.story_of(id).is_some())
            .collect();
        let mut seen = HashSet::new();
        for id in &live {
            let story = d.story_of(id).unwrap();
            let members = d.members(story);
            prop_assert!(members.contains(id));
            // Named by its first article: the story id is the smallest member number, which
            // for these ids (inserted in order) is the first member listed.
            prop_assert_eq!(d.record(members[0]).unwrap().number as u64, story.0);
            for m in members {
                seen.insert(m.to_string());
            }
        }
        prop_assert_eq!(seen.len(), live.len());
        prop_assert_eq!(d.stats().articles, live.len());
        for (i, v) in verdicts.iter().enumerate() {
            let Ok(v) = v else { continue };
            let Some(m) = &v.matched else { continue };
            let id = &articles[i].0;
            let copy = matches!(m.kind, copydesk::MatchKind::Exact | copydesk::MatchKind::NearCopy);
            if copy && d.story_of(id).is_some() && d.story_of(&m.id).is_some() {
                prop_assert_eq!(d.story_of(id), d.story_of(&m.id), "{} copies {}", id, m.id);
            }
        }
        prop_assert_eq!(d.recluster(), 0, "a second run changes nothing");
    }
}
