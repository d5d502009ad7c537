//! Stories in time: the earliest published version founds its story in batch and streaming
//! modes, rewrites join only within the window, dates in the text are read, and word salads
//! make no rewrites. Every text here is written for these tests.

use copydesk::{Article, Detector, MatchKind, Timestamp, Verdict};

fn day(y: i32, m: u32, d: u32) -> Timestamp {
    Timestamp::from_date(y, m, d).unwrap()
}

/// A wire story and outlets' versions of it: a near copy, a rewrite and a summary.
const WIRE: &str = "Leaders of the Varnholm Coalition met in Castel Brenna on Tuesday and agreed \
    to pool 40 billion kroner for a joint grid of undersea power cables, the coalition's \
    secretary general Ilse Marwick told reporters after the talks. The cables would link wind \
    farms off the Varnholm coast with hydro plants in the Brenna valley by 2031. Marwick said \
    the deal followed two years of talks and that the first tenders would open in the spring. \
    Prime minister Tomas Ekdahl called it the largest project the coalition had undertaken.";
const NEAR: &str = "Leaders of the Varnholm Coalition met in Castel Brenna on Tuesday and agreed \
    to pool 40 billion kroner for a joint grid of undersea power cables, the coalition's \
    secretary general Ilse Marwick told reporters after the talks. The cables would link wind \
    farms off the Varnholm coast with hydro plants in the Brenna valley by 2031. Marwick said \
    the deal followed two years of talks and that the first tenders would open in the spring.";
const REWRITE: &str = "In Castel Brenna, the Varnholm Coalition's leaders committed 40 billion \
    kroner to undersea power cables joining Varnholm's offshore wind farms to the hydro plants \
    of the Brenna valley, secretary general Ilse Marwick announced. Tenders open in the spring \
    and the grid should be ready by 2031, Marwick said; Tomas Ekdahl, the prime minister, \
    called it the coalition's largest project.";
const SUMMARY: &str = "Varnholm Coalition leaders agreed in Castel Brenna to spend 40 billion \
    kroner on undersea cables linking Varnholm wind farms and Brenna valley hydro plants, \
    Ilse Marwick said.";

/// Every member but the first matches one published no later than it.
fn assert_in_time(verdicts: &[(&str, Timestamp, Verdict)]) {
    let time = |id: &str| verdicts.iter().find(|v| v.0 == id).unwrap().1;
    for (id, t, v) in verdicts {
        if let Some(m) = &v.matched {
            assert!(
                time(&m.id) <= *t,
                "{id} matches {}, published after it",
                m.id
            );
        }
    }
}

#[test]
fn the_earliest_version_founds_the_story_whatever_the_arrival_order() {
    // Arrival: newest first. Publication: the wire on the 6th, the others after.
    let hour_later = Timestamp::from_unix_seconds(day(2026, 1, 6).unix_seconds() + 3600);
    let articles: Vec<(&str, &str, Timestamp)> = vec![
        ("summary", SUMMARY, day(2026, 1, 8)),
        ("rewrite", REWRITE, day(2026, 1, 7)),
        ("near", NEAR, hour_later),
        ("wire", WIRE, day(2026, 1, 6)),
    ];
    // Batch: numbered in order of time.
    let mut batch = Detector::new(Default::default()).unwrap();
    let analyses = articles
        .iter()
        .map(|(_, text, t)| batch.analyze_at(text, Some(*t)))
        .collect();
    let ids: Vec<&str> = articles.iter().map(|a| a.0).collect();
    let verdicts = batch.insert_analyzed_batch(&ids, analyses);
    assert!(verdicts[3].as_ref().unwrap().is_new(), "the wire is first");
    // Streaming: one at a time, each older than the ones before it.
    let mut stream = Detector::new(Default::default()).unwrap();
    for (id, text, t) in &articles {
        stream
            .insert_article(&Article::new(id, text).published(*t))
            .unwrap();
    }
    let revised = stream.take_revised();
    assert!(!revised.is_empty(), "earlier verdicts were revised");
    for d in [&mut batch, &mut stream] {
        let story = d.story_of("wire").unwrap();
        let verdicts: Vec<(&str, Timestamp, Verdict)> = articles
            .iter()
            .map(|&(id, _, t)| (id, t, d.verdict_of(id).unwrap()))
            .collect();
        for (id, _, v) in &verdicts {
            assert_eq!(v.story, story, "{id} is in the wire's story");
        }
        assert!(verdicts[3].2.is_new(), "the wire is the original");
        assert_in_time(&verdicts);
        let near = &verdicts[2].2.matched.as_ref().unwrap();
        assert_eq!((near.id.as_str(), near.kind), ("wire", MatchKind::NearCopy));
        d.recluster();
        assert!(d.verdict_of("wire").unwrap().is_new(), "and stays so");
        let verdicts: Vec<(&str, Timestamp, Verdict)> = articles
            .iter()
            .map(|&(id, _, t)| (id, t, d.verdict_of(id).unwrap()))
            .collect();
        assert_in_time(&verdicts);
    }
}

#[test]
fn without_times_arrival_decides() {
    let mut d = Detector::new(Default::default()).unwrap();
    d.insert("near", NEAR).unwrap();
    d.insert("wire", WIRE).unwrap();
    assert!(d.verdict_of("near").unwrap().is_new());
    assert_eq!(d.verdict_of("wire").unwrap().matched.unwrap().id, "near");
    assert!(d.take_revised().is_empty());
}

/// The same coalition meeting in the same city with the same people, six months apart:
/// another event, told in the same words.
const LATER_SUMMIT: &str = "Leaders of the Varnholm Coalition met again in Castel Brenna and \
    agreed to review the 40 billion kroner undersea power cable grid, secretary general Ilse \
    Marwick told reporters. Wind farms off the Varnholm coast and hydro plants in the Brenna \
    valley would still be linked by 2031, Marwick said, though tenders were delayed. Prime \
    minister Tomas Ekdahl said the coalition's largest project remained on track.";

#[test]
fn rewrites_join_only_within_the_window_and_copies_cross_it() {
    let mut d = Detector::new(Default::default()).unwrap();
    d.insert_article(&Article::new("wire", WIRE).published(day(2026, 1, 6)))
        .unwrap();
    let same_week = d
        .insert_article(&Article::new("rewrite", REWRITE).published(day(2026, 1, 7)))
        .unwrap();
    assert_eq!(same_week.matched.unwrap().kind, MatchKind::Rewrite);
    let later = d
        .insert_article(&Article::new("later", LATER_SUMMIT).published(day(2026, 7, 2)))
        .unwrap();
    assert!(
        later.is_new(),
        "six months later: another story ({later:?})"
    );
    // Without times the two summits are one story: the words cannot tell them apart.
    let mut untimed = Detector::new(Default::default()).unwrap();
    untimed.insert("wire", WIRE).unwrap();
    let v = untimed.insert("later", LATER_SUMMIT).unwrap();
    assert!(!v.is_new(), "the test's texts are alike: {v:?}");
    // A republished copy is a copy whenever it appears, and says it crossed the window.
    let reprint = d
        .insert_article(&Article::new("reprint", WIRE).published(day(2026, 9, 1)))
        .unwrap();
    let m = reprint.matched.unwrap();
    assert_eq!((m.id.as_str(), m.kind), ("wire", MatchKind::Exact));
    assert!(m.beyond_window);
    d.recluster();
    assert_ne!(
        d.story_of("later"),
        d.story_of("wire"),
        "recluster keeps them apart"
    );
}

#[test]
fn dates_in_the_text_are_read_against_publication() {
    let d = Detector::new(Default::default()).unwrap();
    let vector = |text: &str, published: Option<Timestamp>| {
        let a = d.analyze_at(text, published).unwrap();
        d.term_statistics().vector(&a.terms, &Default::default())
    };
    let wed = Some(day(2026, 1, 7));
    // `on Tuesday`, written on Wednesday 7 January, is 6 January: so are `yesterday` written
    // that day, `6 janvier`, `martes` and `6. Januar`.
    let tuesday = vector("The ministers met on Tuesday in Brenna.", wed);
    for (text, published) in [
        ("The ministers met yesterday in Brenna.", wed),
        ("Les ministres se sont réunis le 6 janvier à Brenna.", None),
        ("Los ministros se reunieron el martes en Brenna.", wed),
        ("Die Minister trafen sich am 6. Januar in Brenna.", None),
        ("The ministers met in Brenna on Jan. 6.", None),
        ("Los ministros se reunieron el 6 de enero.", None),
    ] {
        let other = vector(text, published);
        assert!(tuesday.share_a_day(&other), "{text}");
        assert!(!tuesday.days_conflict(&other), "{text}");
    }
    // The same words a week later name another day.
    let next_week = vector(
        "The ministers met on Tuesday in Brenna.",
        Some(day(2026, 1, 14)),
    );
    assert!(!tuesday.share_a_day(&next_week));
    assert!(tuesday.days_conflict(&next_week));
    // Without a publication time a weekday names no day, and the verb `may` no month.
    assert!(!vector("They may meet on Tuesday.", None).share_a_day(&tuesday));
    assert!(!vector("They may meet on Tuesday.", None).days_conflict(&tuesday));
}

#[test]
fn word_salads_make_no_rewrites() {
    // 3,000 texts of six words from 2,000 made-up words: hundreds of pairs share two words,
    // which a cosine alone would call rewrites (0.33); none shares four.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let vocabulary: Vec<String> = (0..2000)
        .map(|i| format!("{}{}", ["tar", "vel", "quo", "mib", "sorn"][i % 5], i))
        .collect();
    let texts: Vec<(String, String)> = (0..3000)
        .map(|i| {
            let words: Vec<&str> = (0..6)
                .map(|_| vocabulary[(next() % 2000) as usize].as_str())
                .collect();
            (format!("s{i}"), words.join(" "))
        })
        .collect();
    let mut d = Detector::new(Default::default()).unwrap();
    let verdicts = d.insert_batch(&texts);
    let linked: Vec<_> = verdicts
        .iter()
        .filter_map(|v| v.as_ref().unwrap().matched.clone())
        .collect();
    assert!(
        linked.is_empty(),
        "{} linked: {:?}",
        linked.len(),
        linked.first()
    );
    d.recluster();
    assert!(
        d.verdicts().all(|(_, v)| v.is_new()),
        "recluster links none either"
    );
}

#[test]
fn recurring_events_in_four_languages_conflict_by_their_dates() {
    // The same summit, in March and in September, told in the same words; no publication
    // times, so only the dates in the text can tell them apart.
    let d = Detector::new(Default::default()).unwrap();
    let vector = |text: &str| {
        let a = d.analyze(text).unwrap();
        d.term_statistics().vector(&a.terms, &Default::default())
    };
    for (march, september) in [
        (
            "The Varnholm Coalition summit opened in Castel Brenna on March 4.",
            "The Varnholm Coalition summit opened in Castel Brenna on Sept. 2.",
        ),
        (
            "Le sommet de la coalition de Varnholm s'est ouvert le 4 mars à Castel Brenna.",
            "Le sommet de la coalition de Varnholm s'est ouvert le 2 septembre à Castel Brenna.",
        ),
        (
            "Der Gipfel der Varnholm-Koalition begann am 4. März in Castel Brenna.",
            "Der Gipfel der Varnholm-Koalition begann am 2. September in Castel Brenna.",
        ),
        (
            "La cumbre de la coalición de Varnholm se abrió el 4 de marzo en Castel Brenna.",
            "La cumbre de la coalición de Varnholm se abrió el 2 de septiembre en Castel Brenna.",
        ),
    ] {
        let (a, b) = (vector(march), vector(september));
        assert!(a.months_conflict(&b), "{march} / {september}");
        assert!(a.share_a_day(&vector(march)), "{march}");
        let config = Default::default();
        assert!(a.similarity(&b, &config) < a.similarity(&vector(march), &config));
    }
}
