//! Tests of [`super`]: unit tests, and property tests against naive oracles.

use super::*;
use lines::{
    apply_line_rules, is_plain, METADATA_KEYS, PHOTO_PREFIXES, PHOTO_SUFFIXES, REPORTING_CREDITS,
};

#[test]
fn ascii_alnum_run_stops_at_every_byte_value_in_every_lane() {
    for b in 0..=255u8 {
        for at in 0..20 {
            let mut input = vec![b'k'; 20];
            input[at] = b;
            let want = if b.is_ascii_alphanumeric() { 20 } else { at };
            assert_eq!(ascii_alnum_run(&input, 0), want, "byte {b:#x} at {at}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn ascii_alnum_run_matches_a_byte_loop(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        words in proptest::collection::vec("[a-zA-Z0-9]{0,20}[ .,'\\-é@`\\[{/:]", 0..6),
        from in 0usize..40,
    ) {
        // Random bytes (every byte value, so carries and high bytes are tried) and
        // word-like text, from every start.
        for input in [bytes, words.concat().into_bytes()] {
            let from = from.min(input.len());
            let mut naive = from;
            while naive < input.len() && input[naive].is_ascii_alphanumeric() {
                naive += 1;
            }
            proptest::prop_assert_eq!(ascii_alnum_run(&input, from), naive);
        }
    }
}

proptest::proptest! {
    /// `Token::word_hash` reads a plain word in one load from the lowered line: it must
    /// equal `word_hash` of the token's text for every token (plain or gathered, of every
    /// length, at a line's end where the pad is read, after capitals).
    #[test]
    fn token_word_hash_matches_word_hash(
        words in proptest::collection::vec(
            "[a-zA-Z0-9]{1,12}|[A-Z]\\.[A-Z]\\.|[a-z]{1,5}-[a-z]{1,5}|[a-zé]{1,9}",
            1..12,
        ),
        seps in proptest::collection::vec(
            proptest::sample::select(vec![" ", " ", " ", ", ", ". ", "\n", "'s "]),
            12,
        ),
        seed in proptest::prelude::any::<u64>(),
    ) {
        let text: String = words.iter().zip(&seps).flat_map(|(w, s)| [w.as_str(), s]).collect();
        let mut tokens = 0;
        let mut result = Ok(());
        Normalizer::default().for_each_token(&text, |t| {
            tokens += 1;
            if result.is_ok() && t.word_hash(seed) != word_hash(t.text, seed) {
                result = Err(format!("{:?} in {text:?}", t.text));
            }
            // How it was read is no part of what it is.
            let made = Token::new(t.text, t.capitalized, t.sentence_start, t.line);
            if result.is_ok() && (t != made || made.word_hash(seed) != t.word_hash(seed)) {
                result = Err(format!("{t:?} against {made:?}"));
            }
        });
        proptest::prop_assert!(tokens > 0);
        proptest::prop_assert_eq!(result, Ok(()));
    }
}

fn norm(text: &str) -> String {
    Normalizer::default().normalize(text)
}

#[test]
fn word_rules() {
    // (input, normalised): one row per rule.
    let cases = [
        ("Hello World", "hello world"),
        ("“Quoted” and \"quoted\"", "quoted and quoted"),
        (
            "Kyiv’s allies and Kyiv's allies",
            "kyiv allies and kyiv allies",
        ),
        ("they’re they're", "theyre theyre"),
        (
            "cease-fire ceasefire cease‑fire",
            "ceasefire ceasefire ceasefire",
        ),
        ("U.S. US u.s.", "us us us"),
        ("U.S.-led", "usled"),
        ("É.U. Ü.N.", "éu ün"),
        ("an end — at last – maybe", "an end at last maybe"),
        ("1,000 and 1000", "1000 and 1000"),
        ("3.5 per cent", "3.5 per cent"),
        ("東京で雨", "東京 京で で雨"),
        ("日本のGDPは3.5%増。Tokyo", "日本 本の gdp は 3.5 増 tokyo"),
        ("서울에서 회의", "서울 울에 에서 회의"),
        ("ﾆｭｰｽ", "ニュ ュー ース"),
        // Half-width Hangul folds to jamo, a script without spaces: cut from the word it
        // was written into (found by fuzzing: normalising twice differed).
        ("\u{FB35}\u{FFBD}", "\u{5D5}\u{5BC} \u{1111}"),
        ("\u{2492} x\u{2488}5", "11 x1.5"),
        ("雨 \u{FF9E}", "雨"),
        ("T\u{344}", "\u{1E97}\u{301}"),
        ("\u{140}\u{301}", "\u{13A}"),
        ("ﬁnal ＡＢＣ", "final abc"),
        ("ÉCOLE École", "école école"),
        ("Cafe\u{301}", "café"),
        ("co\u{AD}operate", "cooperate"),
        ("Ends here.Next", "ends here next"),
        ("  spaced\tout\r\n", "spaced out"),
        ("", ""),
        ("!!! ... ---", ""),
    ];
    for (input, want) in cases {
        assert_eq!(norm(input), want, "input {input:?}");
    }
}

#[test]
fn line_rules() {
    // (article, kept lines): one row per boilerplate rule.
    let cases: &[(&str, &[&str])] = &[
        (
            "Photo: LUDOVIC MARIN / AFP / Getty Images\nText.",
            &["Text."],
        ),
        ("Leaders pose in Paris. (AFP Photo)\nText.", &["Text."]),
        ("By Jane Doe\nText.", &["Text."]),
        ("By Jane Doe and John Roe, Reuters\nText.", &["Text."]),
        (
            "By the end of the day, prices fell.",
            &["By the end of the day, prices fell."],
        ),
        (
            "FRANCE-UKRAINE-RUSSIA-CONFLICT-DIPLOMACY\nText.",
            &["Text."],
        ),
        (" date 2026-01-07 The text.", &["The text."]),
        ("date: 2026-01-07T10:00Z\nText.", &["Text."]),
        ("PARIS (Reuters) - Text here.", &["Text here."]),
        ("WASHINGTON, Jan 6 (AP) — Text here.", &["Text here."]),
        ("NEW YORK -- Text here.", &["Text here."]),
        ("The dash - in a sentence.", &["The dash - in a sentence."]),
        (
            "– With additional reporting from news agencies\nText.",
            &["Text."],
        ),
        ("Text.\nReporting by A; Editing by B", &["Text."]),
        ("ALL CAPS ARTICLE ONLY", &["ALL CAPS ARTICLE ONLY"]),
        (
            "北京市政府今天宣布\nText.",
            &["北京市政府今天宣布", "Text."],
        ),
        ("\n\n  \n", &[]),
    ];
    let n = Normalizer::default();
    for (text, want) in cases {
        assert_eq!(n.article_lines(text), *want, "article {text:?}");
    }
}

#[test]
fn boilerplate_can_be_kept() {
    let n = Normalizer::new(NormalizeConfig {
        strip_boilerplate: false,
        ..NormalizeConfig::default()
    });
    assert_eq!(
        n.article_lines("By Jane Doe\nText."),
        vec!["By Jane Doe", "Text."]
    );
}

#[test]
fn joiners_can_be_off() {
    let n = Normalizer::new(NormalizeConfig {
        join_hyphens: false,
        fold_acronyms: false,
        ..NormalizeConfig::default()
    });
    assert_eq!(
        n.normalize("cease-fire in the U.S."),
        "cease fire in the u s"
    );
}

proptest::proptest! {
    #[test]
    fn lines_trimmed_match_str_lines(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "bc ", " ", "\n", "\r", "\r\n", "é", "\t", "", "\u{b}", "\u{c}",
                "\u{a0}", "\u{3000}", "\u{85}", "\u{1f}",
            ]),
            0..40,
        )
    ) {
        let text: String = parts.concat();
        let ours: Vec<&str> =
            Lines(Some(&text)).map(trim).filter(|l| !l.is_empty()).collect();
        let std: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        proptest::prop_assert_eq!(ours, std);
    }
}

/// Lines made of what every line rule looks for (a lead, a key, words, a suffix), each
/// part possibly missing, in any case.
fn line_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    use proptest::sample::select;
    let lead = select(vec![
        "",
        "",
        "(",
        "– ",
        "-- ",
        "\u{2212} ",
        "\u{ff0d}",
        "\u{2014} ",
    ]);
    let key = select(
        vec![
            "",
            "",
            "date",
            "dateline",
            "published",
            "updated",
            "posted",
            "time",
            "photo",
            "photos",
            "photograph",
            "photo credit",
            "image",
            "picture",
            "credit",
            "by",
            "with",
            "PARIS",
            "NEW YORK",
            "U.S.",
            "北京",
        ]
        .into_iter()
        .chain(METADATA_KEYS)
        .chain(PHOTO_PREFIXES)
        .chain(REPORTING_CREDITS)
        .collect::<Vec<_>>(),
    );
    let sep = select(vec![
        "",
        " ",
        ": ",
        " 2026-01-07 ",
        " (Reuters) - ",
        ", Jan 6 (AP) — ",
    ]);
    let word = select(vec![
        "Jane", "Doe", "and", "the", "a", "Text", "s", "o", "1", "é", "-", "—", "(", ")",
    ]);
    let suffix = select(
        vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            ".",
            " .",
            "photo)",
            "(AFP Photo)",
            "photos)",
            "getty images",
            "Getty Images)",
            "file photo",
            "(file)",
            "(file).",
        ]
        .into_iter()
        .chain(PHOTO_SUFFIXES)
        .collect::<Vec<_>>(),
    );
    (
        lead,
        (key, any::<bool>()),
        sep,
        proptest::collection::vec(word, 0..6),
        (suffix, any::<bool>()),
    )
        .prop_map(|(lead, (key, upper), sep, words, (suffix, upper_end))| {
            let case = |s: &str, up: bool| if up { s.to_uppercase() } else { s.to_string() };
            let line = format!(
                "{lead}{}{sep}{} {}",
                case(key, upper),
                words.join(" "),
                case(suffix, upper_end)
            );
            line.trim().to_string()
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
    #[test]
    fn a_plain_line_is_one_no_rule_changes(line in line_strategy()) {
        proptest::prop_assume!(!line.is_empty());
        if is_plain(&line) {
            proptest::prop_assert_eq!(apply_line_rules(&line), Some(line.as_str()));
        }
    }
}

/// Text from pieces that every tokenizer rule reacts to, spaces most of all.
fn token_text_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    const PIECES: &[&str] = &[
        " ",
        " ",
        " ",
        "  ",
        "Kyiv",
        "the",
        "said",
        "U",
        "S",
        "x9",
        "3",
        "1",
        "Éclair",
        "é",
        "ﬁ",
        ".",
        ". ",
        ",",
        "'",
        "'s",
        "\u{2019}s",
        "-",
        "\u{2014}",
        "\n",
        "!",
        "?",
        "\u{AD}",
        "\t",
        "(",
        "\u{300}",
        "QUOTE\"",
        "東京",
        "で",
        "。",
        "ที่",
        "\u{E48}",
        "ﾆｭｰｽ",
        "\u{FFBD}",
        "\u{FB35}",
        "\u{2492}",
        "\u{FF9E}",
        "T\u{344}",
        "\u{140}\u{301}",
    ];
    proptest::collection::vec(proptest::sample::select(PIECES), 0..48)
        .prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    /// Normalised text is a fixed point (the line rules off: a normalised line can look
    /// like a byline). The fuzzer found three ways it was not; each is a row above.
    #[test]
    fn normalising_twice_changes_nothing(text in token_text_strategy()) {
        let n = Normalizer::new(NormalizeConfig {
            strip_boilerplate: false,
            ..NormalizeConfig::default()
        });
        let once = n.normalize(&text);
        proptest::prop_assert_eq!(n.normalize(&once), once);
    }
}

/// Every token's text and flags, from the tokenizer with or without its fast path.
fn tokens_with<const PLAIN_RUNS: bool>(text: &str) -> Vec<(String, bool, bool, u32)> {
    let mut out = Vec::new();
    Normalizer::default().for_each_token_with::<PLAIN_RUNS>(text, |t| {
        out.push((t.text.to_string(), t.capitalized, t.sentence_start, t.line))
    });
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
    /// The fast path for plain words between single spaces changes no token.
    #[test]
    fn plain_runs_tokenize_as_the_general_loop(text in token_text_strategy()) {
        proptest::prop_assert_eq!(tokens_with::<true>(&text), tokens_with::<false>(&text));
    }
}

#[test]
fn plain_runs_are_the_common_case() {
    let text = "Kyiv said the U.S. plan. Talks resume on Monday, officials said";
    assert_eq!(tokens_with::<true>(text), tokens_with::<false>(text));
    assert_eq!(tokens_with::<true>(text).len(), 11);
}

#[test]
fn plain_lines_are_recognised() {
    // The fast path must be the common case, or it is no fast path.
    for line in [
        "The dry period means the temporao will be late.",
        "the Bahia cocoa zone",
    ] {
        assert!(is_plain(line), "{line}");
    }
    for line in [
        "Photo: AFP",
        "By Jane Doe",
        "PARIS (Reuters) - Text",
        "Caption (AFP Photo)",
    ] {
        assert!(!is_plain(line), "{line}");
    }
}

#[test]
fn a_giant_token_is_not_kept_in_the_scratch() {
    let n = Normalizer::default();
    let giant = "é".repeat(100_000); // not ASCII: gathered in the scratch
    let mut lengths = Vec::new();
    n.for_each_token(&giant, |t| lengths.push(t.text.len()));
    assert_eq!(lengths, [200_000]);
    SCRATCH.with(|c| {
        let s = c.borrow();
        assert!(s.raw.capacity() <= 1 << 16 && s.out.capacity() <= 1 << 16);
        assert!(s.lower.capacity() <= 1 << 16);
    });
    assert_eq!(n.normalize("Then a short one"), "then a short one");
}

#[test]
fn a_callback_may_tokenize_again() {
    // The per-thread scratch is in use while the callback runs: a nested call must get
    // its own, and neither call may see the other's half-built words.
    let n = Normalizer::default();
    let text = "Naïve café-goers in the U.S. said “O'Brien's” plan works";
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    n.for_each_token(text, |t| {
        outer.push(t.text.to_string());
        if inner.is_empty() {
            inner.push(n.normalize(text));
        }
    });
    assert_eq!(outer.join(" "), inner[0]);
    assert_eq!(inner[0], "naïve cafégoers in the us said obrien plan works");
}

#[test]
fn sentences_end_in_other_scripts_too() {
    let mut got = Vec::new();
    Normalizer::default().for_each_token("会談は終わった。Reuters said", |t| {
        got.push((t.text.to_string(), t.sentence_start))
    });
    assert_eq!(got[0], ("会談".to_string(), true));
    assert!(got[1..5].iter().all(|(_, start)| !start), "{got:?}");
    assert_eq!(got[got.len() - 2], ("reuters".to_string(), true));
}

#[test]
fn capitals_and_sentences() {
    let mut got = Vec::new();
    Normalizer::default().for_each_token(
        "The U.S. envoy met Macron. “Talks went well,” said Starmer.\nKyiv agreed",
        |t| got.push((t.text.to_string(), t.capitalized, t.sentence_start, t.line)),
    );
    let want = [
        ("the", true, true, 0),
        ("us", true, false, 0),
        ("envoy", false, false, 0),
        ("met", false, false, 0),
        ("macron", true, false, 0),
        ("talks", true, true, 0),
        ("went", false, false, 0),
        ("well", false, false, 0),
        ("said", false, false, 0),
        ("starmer", true, false, 0),
        ("kyiv", true, true, 1),
        ("agreed", false, false, 1),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|&(w, c, s, l)| (w.to_string(), c, s, l))
        .collect();
    assert_eq!(got, want);
}
