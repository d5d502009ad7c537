//! Copies and rewrites in eight languages and five scripts, written for this test: in each
//! language an original report, a near copy of it (another headline, the last paragraph cut),
//! an independent rewrite of the same event, and a report of another event of the same kind.
//! The copy and the rewrite join the original's story, the other event does not, and no story
//! mixes languages (Chinese and Japanese share characters, French, German and Spanish an
//! alphabet).

use copydesk::{Detector, DetectorConfig, MatchKind};

const LANGUAGES: [(&str, &str); 8] = [
    ("zh", include_str!("languages/zh.txt")),
    ("ja", include_str!("languages/ja.txt")),
    ("ko", include_str!("languages/ko.txt")),
    ("ar", include_str!("languages/ar.txt")),
    ("ru", include_str!("languages/ru.txt")),
    ("fr", include_str!("languages/fr.txt")),
    ("de", include_str!("languages/de.txt")),
    ("es", include_str!("languages/es.txt")),
];

const PARTS: [&str; 4] = ["original", "copy", "paraphrase", "other"];

/// The four articles of a language file, in the order of [`PARTS`].
fn articles(file: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for line in file.lines() {
        if let Some(part) = line.strip_prefix("## ") {
            let part = PARTS.iter().find(|p| **p == part).expect("a known part");
            out.push((part, String::new()));
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    assert_eq!(
        out.iter().map(|a| a.0).collect::<Vec<_>>(),
        PARTS,
        "each file holds the four parts in order"
    );
    out
}

/// Every article of every language in one detector, the languages interleaved: originals
/// first, then copies, rewrites and other events.
fn detector() -> (Detector, Vec<(String, MatchKind)>) {
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let all: Vec<_> = LANGUAGES.iter().map(|(l, f)| (*l, articles(f))).collect();
    let mut kinds = Vec::new();
    for part in 0..PARTS.len() {
        for (lang, articles) in &all {
            let (name, text) = &articles[part];
            let id = format!("{lang}-{name}");
            let v = d.insert(&id, text).unwrap();
            if let Some(m) = &v.matched {
                kinds.push((id, m.kind));
            }
        }
    }
    (d, kinds)
}

#[test]
fn copies_match_as_near_copies_in_every_language() {
    let (_, kinds) = detector();
    for (lang, _) in LANGUAGES {
        let id = format!("{lang}-copy");
        let kind = kinds.iter().find(|k| k.0 == id).map(|k| k.1);
        assert_eq!(kind, Some(MatchKind::NearCopy), "{id}");
    }
}

#[test]
fn rewrites_join_their_story_and_other_events_and_languages_stay_apart() {
    let (d, _) = detector();
    let stories = d.finish();
    for (lang, _) in LANGUAGES {
        let story = stories.story_of(&format!("{lang}-original")).unwrap();
        for part in ["copy", "paraphrase"] {
            assert_eq!(
                stories.story_of(&format!("{lang}-{part}")),
                Some(story),
                "{lang} {part}"
            );
        }
        assert_ne!(
            stories.story_of(&format!("{lang}-other")),
            Some(story),
            "{lang}: another event"
        );
        let members = stories.members(story);
        assert!(
            members.iter().all(|m| m.starts_with(lang)),
            "{lang}: one language a story: {members:?}"
        );
    }
}

#[test]
fn scripts_without_spaces_are_compared_by_their_words() {
    // Without segmentation a Chinese or Japanese paragraph is one token, so a rewrite shares
    // none with its original.
    let (d, _) = detector();
    for lang in ["zh", "ja", "ko"] {
        let s = d
            .compare(&format!("{lang}-original"), &format!("{lang}-paraphrase"))
            .unwrap();
        let other = d
            .compare(&format!("{lang}-original"), &format!("{lang}-other"))
            .unwrap();
        println!(
            "{lang}: rewrite cosine {:.2}, other event {:.2}",
            s.cosine, other.cosine
        );
        assert!(s.cosine > 2.0 * other.cosine, "{lang}: {s:?} {other:?}");
    }
}
