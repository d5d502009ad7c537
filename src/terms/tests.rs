//! Tests of [`super`]: unit tests, and property tests against naive oracles.

use super::*;
use crate::normalize::Normalizer;
use crate::shingle::word_hash;
use proptest::strategy::Strategy as _;

/// Found by fuzzing: a loaded detector saved other bytes than the file it came from, its
/// statistics' map being written in the order of its memory layout.
#[cfg(feature = "persist")]
#[test]
fn equal_statistics_are_equal_bytes_whatever_order_they_were_counted_in() {
    let mut forward = DocumentFrequencies::default();
    let mut backward = DocumentFrequencies::default();
    let keys: Vec<u32> = (0..5000u32)
        .map(|i| i.wrapping_mul(2_654_435_761))
        .collect();
    for &k in &keys {
        forward.df.insert(k, k % 7 + 1);
    }
    backward.df.reserve(100_000);
    for &k in keys.iter().rev() {
        backward.df.insert(k, k % 7 + 1);
    }
    assert_eq!(forward, backward);
    assert_eq!(
        postcard::to_stdvec(&forward).unwrap(),
        postcard::to_stdvec(&backward).unwrap()
    );
}

fn counts(text: &str) -> TermCounts {
    counts_with_lede(text, 0)
}

#[test]
fn number_words_are_their_figures() {
    let kind_of = |c: &TermCounts, word: &str| {
        let h = word_hash(word, 0);
        c.iter().find(|t| t.0 == h).map(|t| t.2)
    };
    let words = counts("The flood killed twelve people and Twelve more were missing.");
    let digits = counts("The flood killed 12 people.");
    assert_eq!(kind_of(&words, "12"), Some(TermKind::Figure));
    assert_eq!(kind_of(&digits, "12"), Some(TermKind::Figure));
    assert_eq!(kind_of(&words, "twelve"), None, "counted as its figure");
    let twelve = words.iter().find(|t| t.0 == word_hash("12", 0)).unwrap();
    assert_eq!(twelve.1, 2, "both occurrences, capitalised or not");
    // One to nine are not figures, as their numerals are not.
    let small = counts("Officials said five people were hurt.");
    assert_eq!(kind_of(&small, "five"), Some(TermKind::Word));
    assert_eq!(kind_of(&small, "5"), None);
}

/// The number words as a plain list, the oracle for `number_word`'s length and last-letter
/// screen.
const NUMBER_WORDS: [(&str, &str); 18] = [
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
];

fn naive_number_word(word: &str) -> Option<&'static str> {
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, f)| *f)
}

#[test]
fn every_number_word_passes_the_screen() {
    for (word, figure) in NUMBER_WORDS {
        assert_eq!(number_word(word), Some(figure), "{word}");
    }
}

proptest::proptest! {
    /// `number_word` (a screen on length and last letter, then a match) agrees with a lookup
    /// in the plain list, on words near the number words and on any short word.
    #[test]
    fn number_word_is_a_lookup(
        word in proptest::prop_oneof![
            "[a-z]{1,11}",
            proptest::sample::select(NUMBER_WORDS.map(|(w, _)| w).to_vec())
                .prop_flat_map(|w| (proptest::strategy::Just(w), 0usize..12, "[a-z]?"))
                .prop_map(|(w, cut, tail)| format!("{}{tail}", &w[..cut.min(w.len())])),
        ],
    ) {
        proptest::prop_assert_eq!(number_word(&word), naive_number_word(&word));
    }
}

proptest::proptest! {
    /// `merge` is counting every article counted on the other side, and `remove` undoes
    /// `add`, whatever the order.
    #[test]
    fn merging_and_removing_statistics_match_counting(
        texts in proptest::collection::vec("[a-f]{2,3}( [a-f]{2,3}){0,12}", 1..12),
        split in 0usize..12,
    ) {
        let all: Vec<TermCounts> = texts.iter().map(|t| counts(t)).collect();
        let split = split.min(all.len());
        let mut whole = DocumentFrequencies::default();
        all.iter().for_each(|c| whole.add(c));
        let mut left = DocumentFrequencies::default();
        let mut right = DocumentFrequencies::default();
        all[..split].iter().for_each(|c| left.add(c));
        all[split..].iter().for_each(|c| right.add(c));
        left.merge(&right);
        proptest::prop_assert_eq!(&left, &whole);
        for c in all.iter().rev() {
            left.remove(c);
        }
        proptest::prop_assert_eq!(left, DocumentFrequencies::default());
    }
}

/// [`TermCounter`]'s terms counted naively: a hash map per article, a list per line,
/// sorted by hash at the end; a figure judged from the tokens on either side.
fn naive_terms(
    stop: &StopWords,
    lede_words: u32,
    tokens: &[(String, bool, bool, u32)],
) -> Vec<(u64, u32, TermKind)> {
    let month = |i: usize| {
        tokens
            .get(i)
            .is_some_and(|t| dates::month(&t.0, t.1).is_some())
    };
    let joiner = |i: usize| {
        tokens
            .get(i)
            .is_some_and(|t| dates::joins_day_and_month(&t.0))
    };
    let figure = |i: usize| {
        let text = &tokens[i].0;
        let in_date = as_day(text).is_some()
            && ((i > 0 && month(i - 1)) || month(i + 1) || (joiner(i + 1) && month(i + 2)));
        text.as_bytes()[0].is_ascii_digit()
            && text.len() >= 2
            && as_year(text).is_none()
            && !in_date
    };
    let mut counts: std::collections::HashMap<u64, (u32, u32, u32, bool)> = Default::default();
    let mut position = 0;
    let mut i = 0;
    for line in tokens.chunk_by(|a, b| a.3 == b.3) {
        let capitals = line.iter().filter(|t| t.1).count();
        let mut kept = Vec::new();
        for (text, capitalized, sentence_start, _) in line {
            let lede = position < lede_words;
            position += 1;
            let h = word_hash(text, 0);
            let digit = text.as_bytes()[0].is_ascii_digit();
            if (text.len() >= 2 || digit) && !STOP_WORDS.iter().any(|w| word_hash(w, 0) == h) {
                assert!(!stop.contains(h));
                let capital = *capitalized && !sentence_start;
                let lower = !capitalized && !sentence_start;
                kept.push((h, capital, lower, lede, figure(i)));
            }
            i += 1;
        }
        let headline = kept.len() >= 3 && capitals * 10 >= kept.len() * 6;
        for (h, capital, lower, lede, figure) in kept {
            let e = counts.entry(h).or_default();
            e.0 += 1 + u32::from(lede);
            if !headline {
                e.1 += u32::from(capital);
                e.2 += u32::from(lower);
            }
            e.3 |= figure;
        }
    }
    let kind = |c: u32, l: u32, figure: bool| match (c > l, figure) {
        (true, _) => TermKind::Name,
        (false, true) => TermKind::Figure,
        (false, false) => TermKind::Word,
    };
    let mut terms: Vec<_> = counts
        .into_iter()
        .map(|(h, (tf, c, l, f))| (h, tf, kind(c, l, f)))
        .collect();
    terms.sort_unstable_by_key(|t| t.0);
    terms
}

proptest::proptest! {
    #[test]
    fn term_counts_match_a_naive_count(
        tokens in proptest::collection::vec(
            (
                proptest::sample::select(vec![
                    "the", "of", "paris", "kyiv", "bridge", "a", "x", "7", "2009", "may",
                    "said", "police", "harbour", "3rd", "is", "14", "288", "5.6", "dec",
                ]),
                proptest::prelude::any::<bool>(),
                proptest::prelude::any::<bool>(),
                0u32..3,
            ),
            1..300,
        ),
        lede_words in 0u32..40,
    ) {
        // Lines in order, as the normaliser numbers them.
        let mut line = 0;
        let tokens: Vec<(String, bool, bool, u32)> = tokens
            .into_iter()
            .map(|(w, capitalized, sentence_start, step)| {
                line += u32::from(step == 0);
                (w.to_string(), capitalized, sentence_start, line)
            })
            .collect();
        let stop = StopWords::new(0);
        let mut c = TermCounter::new(lede_words, 64);
        for (text, capitalized, sentence_start, line) in &tokens {
            let t = crate::normalize::Token::new(text, *capitalized, *sentence_start, *line);
            c.push(&stop, word_hash(text, 0), &t);
        }
        let got: Vec<_> = c.finish().iter().collect();
        proptest::prop_assert_eq!(got, naive_terms(&stop, lede_words, &tokens));
    }

    #[test]
    fn stop_words_match_a_set(
        // Hashes crowded into a few slots (the top ten bits pick the slot), 0 among them,
        // so that lookups probe past two slots and the zero flag is used.
        hashes in proptest::collection::vec((0u64..24, 0u64..4), 0..300),
        queries in proptest::collection::vec((0u64..24, 0u64..6), 0..100),
    ) {
        let hash = |(slot, low): (u64, u64)| (slot << 54) | low;
        let set: std::collections::HashSet<u64> = hashes.iter().copied().map(hash).collect();
        let table = StopWords::from_hashes(set.iter().copied());
        for q in queries.into_iter().map(hash).chain(set.iter().copied()) {
            proptest::prop_assert_eq!(table.contains(q), set.contains(&q), "{:#x}", q);
        }
    }
}

fn counts_with_lede(text: &str, lede_words: u32) -> TermCounts {
    let stop = StopWords::new(0);
    let mut c = TermCounter::new(lede_words, text.len());
    Normalizer::default().for_each_token(text, |t| c.push(&stop, word_hash(t.text, 0), &t));
    c.finish()
}

#[test]
fn distinct_terms_are_capped_at_the_most_frequent() {
    // 10,000 distinct made-up words, and one repeated: the repeated one is kept.
    let mut text: String = (0..10_000).map(|i| format!("w{i}x ")).collect();
    text.push_str(&"harbour ".repeat(5));
    let c = counts(&text);
    assert_eq!(c.len(), MAX_DISTINCT_TERMS);
    assert!(c.iter().any(|t| t.0 == word_hash("harbour", 0) && t.1 == 5));
    assert!(c
        .iter()
        .map(|t| t.0)
        .collect::<Vec<_>>()
        .windows(2)
        .all(|w| w[0] < w[1]));
}

#[test]
fn lede_terms_count_twice() {
    // Stop words take places in the lede too: its first four words are `the`, `harbour`,
    // `bridge`, `reopened`.
    let text = "The harbour bridge reopened. Engineers said the bridge and the harbour wall \
                    held.";
    let tf = |c: &TermCounts, w: &str| c.iter().find(|t| t.0 == word_hash(w, 0)).unwrap().1;
    let plain = counts_with_lede(text, 0);
    let lede = counts_with_lede(text, 4);
    for (word, before, after) in [
        ("harbour", 2, 3),
        ("bridge", 2, 3),
        ("reopened", 1, 2),
        ("engineers", 1, 1),
        ("wall", 1, 1),
    ] {
        assert_eq!(
            (tf(&plain, word), tf(&lede, word)),
            (before, after),
            "{word}"
        );
    }
    // The default configuration weighs a lede word above the same word further down.
    let config = TermConfig::default();
    assert_eq!(config.lede_words, 30);
    let df = DocumentFrequencies::default();
    let text = format!(
        "Kessington flood defences failed. {}Sandbags arrived.",
        "Rain fell. ".repeat(15)
    );
    let v = df.vector(&counts_with_lede(&text, config.lede_words), &config);
    let w = |word: &str| {
        let i = v
            .term_hashes()
            .iter()
            .position(|&h| h == word_hash(word, 0) as u32);
        v.weight(i.unwrap())
    };
    assert!(
        w("defences") > w("sandbags"),
        "{} {}",
        w("defences"),
        w("sandbags")
    );
}

#[test]
fn stop_words_and_names() {
    let c = counts("The envoy met Macron in Paris. Macron said the talks went well.");
    let get = |w: &str| c.iter().find(|t| t.0 == word_hash(w, 0));
    assert!(get("the").is_none());
    assert_eq!(
        get("macron"),
        Some((word_hash("macron", 0), 2, TermKind::Name))
    );
    assert_eq!(
        get("envoy"),
        Some((word_hash("envoy", 0), 1, TermKind::Word))
    );
    // Capitalised only at a sentence start: not a name.
    let c = counts("Talks went well. Talks resumed.");
    assert_eq!(
        c.iter().find(|t| t.0 == word_hash("talks", 0)).unwrap().2,
        TermKind::Word
    );
}

#[test]
fn a_word_written_lowercase_as_often_is_not_a_name() {
    // Regression: `Police` in `Kessington Police` made `police` a name, doubled its weight,
    // and linked a shooting to a bombing whose only shared heavy word was `police`.
    let c = counts(
        "Officers from Kessington Police said the man was held. The city police said \
             more. A statement from Harbour Police followed, and police closed the road.",
    );
    let get = |w: &str| c.iter().find(|t| t.0 == word_hash(w, 0)).unwrap();
    assert!(
        get("police").2 != TermKind::Name,
        "two capitalised, two lowercase: not a name"
    );
    assert_eq!(get("kessington").2, TermKind::Name);
    let c = counts(
        "Negotiators spoke with officers of Garrow Police throughout the long night; \
             the difficult negotiations ended when envoys representing Garrow Police \
             finally left the harbour offices shortly before dawn.",
    );
    assert_eq!(
        c.iter().find(|t| t.0 == word_hash("police", 0)).unwrap().2,
        TermKind::Name
    );
}

#[test]
fn headline_capitals_are_not_names() {
    let c = counts("US Backs Security Guarantees For Ukraine\nthe envoy praised Ukraine");
    let get = |w: &str| c.iter().find(|t| t.0 == word_hash(w, 0)).unwrap();
    assert_ne!(get("security").2, TermKind::Name);
    assert_eq!(
        get("ukraine").2,
        TermKind::Name,
        "named mid-sentence on the second line"
    );
}

proptest::proptest! {
    /// The lookup table's cosine is the sorted merge's, exactly: terms drawn from a small
    /// range, so that many share a home slot, and some weights 0 (left out of the table).
    #[test]
    fn lookup_cosine_matches_the_merge(
        a in proptest::collection::btree_map(0u32..200, 0u16..1000, 0..64),
        b in proptest::collection::btree_map(0u32..200, 0u16..1000, 0..64),
    ) {
        let vector = |m: &std::collections::BTreeMap<u32, u16>| {
            let terms: Vec<(u32, u16)> = m.iter().map(|(&t, &w)| (t, w)).collect();
            TermVector::from_parts(&terms, &[], 0, &[])
        };
        let (a, b) = (vector(&a), vector(&b));
        proptest::prop_assert_eq!(TermLookup::new(&a).cosine(&b), a.cosine(&b));
        proptest::prop_assert_eq!(TermLookup::new(&b).cosine(&a), a.cosine(&b));
    }
}

#[test]
fn lookup_probes_past_colliding_terms() {
    // Terms equal in their low bits share a home slot; zero weights are left out.
    let a = TermVector::from_parts(
        &[(16, 100), (32, 0), (48, 300), (64, 400), (80, 500)],
        &[],
        0,
        &[],
    );
    let b = TermVector::from_parts(&[(32, 7), (48, 11), (80, 13), (96, 17)], &[], 0, &[]);
    let lookup = TermLookup::new(&a);
    assert_eq!(lookup.cosine(&b), a.cosine(&b));
    assert!(lookup.cosine(&b) > 0.0);
    assert_eq!(TermLookup::new(&b).cosine(&a), a.cosine(&b));
    let empty = TermVector::default();
    assert_eq!(TermLookup::new(&empty).cosine(&a), 0.0);
    assert_eq!(lookup.cosine(&empty), 0.0);
}

#[test]
fn packed_parts_round_trip() {
    // Odd and even counts of each part, so the halves straddle words every way.
    for (n, ny, nd) in [
        (0, 0, 0),
        (1, 1, 0),
        (2, 0, 1),
        (3, 2, 3),
        (64, 4, 7),
        (5, 1, 1),
    ] {
        let terms: Vec<u32> = (0..n as u32).map(|i| i * 7 + 3).collect();
        let weights: Vec<u16> = (0..n as u16).map(|i| 1000 + i).collect();
        let years: Vec<u16> = (0..ny as u16).map(|i| 1990 + 3 * i).collect();
        let days: Vec<u16> = (0..nd as u16).map(|i| 40 + 5 * i).collect();
        let pairs: Vec<(u32, u16)> = terms.iter().copied().zip(weights.iter().copied()).collect();
        let v = TermVector::from_parts(&pairs, &years, 0b10, &days);
        assert!(v.is_well_formed(), "{n} {ny} {nd}");
        assert_eq!(v.len(), n);
        assert_eq!(v.years(), years);
        let back: Vec<(u64, u16)> = (0..n)
            .map(|i| (u64::from(v.term_hashes()[i]), v.weight(i)))
            .collect();
        let want: Vec<(u64, u16)> = terms
            .iter()
            .map(|&t| u64::from(t))
            .zip(weights.iter().copied())
            .collect();
        assert_eq!(back, want);
        let got_days: Vec<u16> = v.day_iter().collect();
        assert_eq!(got_days, days);
        // Date checks against plain slices.
        let other = TermVector::from_parts(&[(1, 9)], &[1993], 0b10, &[45]);
        assert_eq!(
            v.years_conflict(&other),
            !years.is_empty() && !years.contains(&1993)
        );
        assert_eq!(v.share_a_day(&other), days.contains(&45));
    }
    let mut broken = TermVector::from_parts(&[(1, 3), (2, 4)], &[2001], 0, &[]);
    broken.years = 3;
    assert!(
        !broken.is_well_formed(),
        "lengths that do not fit the data are refused"
    );
}

#[test]
fn cosine_of_identical_and_disjoint() {
    let mut df = DocumentFrequencies::default();
    let a = counts("Witkoff and Kushner met Zelenskyy in Paris about guarantees");
    let b = counts("Earthquake shakes Tehran killing dozens of residents overnight");
    df.add(&a);
    df.add(&b);
    let cfg = TermConfig::default();
    let (va, vb) = (df.vector(&a, &cfg), df.vector(&b, &cfg));
    assert!((va.cosine(&va) - 1.0).abs() < 1e-5);
    assert_eq!(va.cosine(&vb), 0.0);
}

#[test]
fn truncation_keeps_heaviest() {
    let text: String = (0..200).map(|i| format!("word{i} ")).collect::<String>() + "rare rare rare";
    let c = counts(&text);
    let mut df = DocumentFrequencies::default();
    df.add(&c);
    let cfg = TermConfig {
        max_terms: 8,
        ..TermConfig::default()
    };
    let v = df.vector(&c, &cfg);
    assert_eq!(v.len(), 8);
    // Vectors keep the low 32 bits of each hash.
    assert_eq!(v.top(1), vec![u64::from(word_hash("rare", 0) as u32)]);
    let norm: f32 = v.iter().map(|t| t.1 * t.1).sum();
    assert!((norm - 1.0).abs() < 1e-4, "16-bit weights: {norm}");
}

#[test]
fn years_are_found_and_ranked() {
    for (token, year) in [
        ("2013", Some(2013)),
        ("1900", Some(1900)),
        ("2099", Some(2099)),
        ("1899", None),
        ("2100", None),
        ("201", None),
        ("20135", None),
        ("2o13", None),
    ] {
        assert_eq!(as_year(token), year, "{token}");
    }
    let c =
        counts("In May 2013 the quake, the worst since 1990, hit. By 2013's end 2,013 had fled.");
    // "2,013" is the number 2013 once separators are folded: it counts, as any year does.
    assert_eq!(c.years(), [2013, 1990]);
    let many: String = (2000..2012).map(|y| format!("{y} ")).collect();
    assert_eq!(counts(&many).years().len(), MAX_YEARS);
}

#[test]
fn conflicting_years_lower_similarity() {
    let mut df = DocumentFrequencies::default();
    let texts = [
        "An earthquake struck Qeshm island in Iran on Sunday, 27 November 2005.",
        "An earthquake struck Qeshm island in Iran on Sunday, 10 April 2013.",
        "An earthquake struck Qeshm island in Iran on Sunday, killing several.",
        "An earthquake struck Qeshm island in Iran in 2005 and again in 2013.",
    ];
    let c: Vec<TermCounts> = texts.iter().map(|t| counts(t)).collect();
    c.iter().for_each(|c| df.add(c));
    let cfg = TermConfig::default();
    let v: Vec<TermVector> = c.iter().map(|c| df.vector(c, &cfg)).collect();
    assert!(v[0].years_conflict(&v[1]));
    assert!(!v[0].years_conflict(&v[2]), "no year in one: no conflict");
    assert!(!v[0].years_conflict(&v[3]) && !v[1].years_conflict(&v[3]));
    // November against April: the months conflict too.
    assert!(v[0].months_conflict(&v[1]));
    let (cos, sim) = (v[0].cosine(&v[1]), v[0].similarity(&v[1], &cfg));
    assert!((sim - cos * cfg.year_conflict * cfg.month_conflict).abs() < 1e-6);
    assert_eq!(v[0].similarity(&v[2], &cfg), v[0].cosine(&v[2]));
    let off = TermConfig {
        year_conflict: 1.0,
        month_conflict: 1.0,
        ..cfg
    };
    assert_eq!(v[0].similarity(&v[1], &off), cos);
}

#[test]
fn months_and_days() {
    let c =
        counts("On May 3, 2013 the vote was held. Results came on 5th May. It may rain in march.");
    assert_eq!(c.months, 1 << 5, "only capitalised month names count");
    assert_eq!(c.days, [5 * 32 + 3, 5 * 32 + 5]);
    let c = counts("Dec. 12 and 1 January: both dates. 40 Jan is not a day.");
    assert_eq!(c.months, 1 << 12 | 1 << 1);
    assert_eq!(c.days, [32 + 1, 12 * 32 + 12]);
    for (t, d) in [
        ("3", Some(3)),
        ("03", Some(3)),
        ("21st", Some(21)),
        ("31", Some(31)),
    ] {
        assert_eq!(as_day(t), d, "{t}");
    }
    for t in ["0", "32", "123", "3x", "first"] {
        assert_eq!(as_day(t), None, "{t}");
    }

    let mut df = DocumentFrequencies::default();
    let texts = [
        "Flooding hit Dunmore on March 3, closing the coastal road, police said.",
        "The coastal road at Dunmore closed after flooding on 3 March, police said.",
        "Flooding hit Dunmore in October, closing the coastal road, police said.",
    ];
    let c: Vec<TermCounts> = texts.iter().map(|t| counts(t)).collect();
    c.iter().for_each(|c| df.add(c));
    let cfg = TermConfig::default();
    let v: Vec<TermVector> = c.iter().map(|c| df.vector(c, &cfg)).collect();
    assert!(v[0].share_a_day(&v[1]));
    let boosted = (v[0].cosine(&v[1]) * cfg.shared_day_boost).min(1.0);
    assert!((v[0].similarity(&v[1], &cfg) - boosted).abs() < 1e-6);
    assert!(v[0].months_conflict(&v[2]) && !v[0].share_a_day(&v[2]));
    let damped = v[0].cosine(&v[2]) * cfg.month_conflict;
    assert!((v[0].similarity(&v[2], &cfg) - damped).abs() < 1e-6);
}

proptest::proptest! {
    /// `top` selects and sorts only the heaviest; the oracle sorts every term.
    #[test]
    fn top_is_a_full_sort_cut_short(
        weights in proptest::collection::btree_map(proptest::num::u32::ANY, 0u16..6, 0..60),
        n in 0usize..70,
    ) {
        let terms: Vec<(u32, u16)> = weights.into_iter().collect();
        let v = TermVector::from_parts(&terms, &[], 0, &[]);
        let mut naive = terms.clone();
        naive.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let naive: Vec<u64> = naive.iter().take(n).map(|t| u64::from(t.0)).collect();
        proptest::prop_assert_eq!(v.top(n), naive);
    }
}

proptest::proptest! {
    /// The integer order of weights is `total_cmp`'s, and the table is the formula.
    #[test]
    fn weights_order_and_tf_as_the_formulas(a: f32, b: f32, tf in 0u32..200) {
        proptest::prop_assert_eq!(total_order(a).cmp(&total_order(b)), a.total_cmp(&b));
        proptest::prop_assert_eq!(
            sublinear_tf(tf).to_bits(),
            (1.0 + (tf as f32).ln()).to_bits()
        );
    }
}
