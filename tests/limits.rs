//! Hostile sizes: a junk article of 12 MB is refused by the default limit, and under a raised
//! one leaves the term statistics at most a few thousand terms larger.

use copydesk::{Detector, DetectorConfig, ErrorKind};

/// 12 MB of distinct made-up words.
fn junk() -> String {
    let mut s = String::with_capacity(12 << 20);
    let mut i = 0u64;
    while s.len() < 12 << 20 {
        s.push_str(&format!("q{:x}z ", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        i += 1;
    }
    s
}

#[test]
fn a_junk_article_is_refused_or_bounded() {
    let junk = junk();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    d.insert("a", "Gales closed the Kessington harbour bridge on Monday.")
        .unwrap();
    let before = d.stats();
    let e = d.insert("junk", &junk).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::TooLarge { .. }), "{e}");
    assert_eq!(d.stats(), before, "nothing counted");

    let mut d = Detector::new(DetectorConfig {
        max_article_bytes: 64 << 20,
        ..DetectorConfig::default()
    })
    .unwrap();
    d.insert("junk", &junk).unwrap();
    assert!(
        d.stats().terms <= copydesk::terms::MAX_DISTINCT_TERMS,
        "{:?}",
        d.stats()
    );
    assert!(d.remove("junk"));
}
