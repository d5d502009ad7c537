//! The normaliser on any text: no panic, every token non-empty and free of spaces, and
//! normalising normalised text changes nothing (with the line rules off: a normalised line
//! can look like a byline, `by jo bloggs`, which the rules would then drop).
#![no_main]
use copydesk::normalize::{NormalizeConfig, Normalizer};
use copydesk::shingle::word_hash;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let full = Normalizer::default();
    full.for_each_token(text, |t| {
        assert!(!t.text.is_empty());
        assert!(!t.text.contains(char::is_whitespace), "{:?}", t.text);
        assert_eq!(t.word_hash(5), word_hash(t.text, 5));
    });
    let words = Normalizer::new(NormalizeConfig {
        strip_boilerplate: false,
        ..NormalizeConfig::default()
    });
    let once = words.normalize(text);
    assert_eq!(words.normalize(&once), once, "idempotent on {text:?}");
});
