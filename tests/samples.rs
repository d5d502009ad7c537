//! The sample articles shipped in `examples/articles` (written for this project): one story in
//! five versions, a same-topic story about another bridge, and two unrelated articles.

use copydesk::{Detector, DetectorConfig, MatchKind};

fn samples() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles");
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                body(&std::fs::read_to_string(&p).unwrap()),
            )
        })
        .collect();
    v.sort();
    v
}

/// A sample's text without its front matter (the `---` block with its publication time, which
/// the command line reads).
fn body(file: &str) -> String {
    let rest = file
        .strip_prefix("---\n")
        .expect("every sample has front matter");
    let (_, text) = rest.split_once("---\n").expect("closed");
    text.to_string()
}

#[test]
fn sample_stories() {
    let articles = samples();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let verdicts: Vec<_> = d
        .par_insert_batch(&articles)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let story_of = |id: &str| d.story_of(id).unwrap();
    let harbour = story_of("wire-harbour-bridge");
    let mut members = d.members(harbour);
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "daily-courier-bridge",
            "evening-post-bridge-short",
            "meriden-gazette-bridge-rewrite",
            "radio-brief-bridge",
            "wire-harbour-bridge"
        ]
    );
    for other in [
        "wire-dunmore-bridge",
        "wire-orchard-harvest",
        "council-budget",
    ] {
        assert_eq!(
            d.members(story_of(other)),
            [other],
            "{other} must stand alone"
        );
    }
    let kind = |id: &str| {
        let i = articles.iter().position(|(a, _)| a == id).unwrap();
        verdicts[i].matched.as_ref().map(|m| m.kind)
    };
    // Byline, photo credit, dateline, curly quotes and the reporting credit are not text.
    assert_eq!(kind("wire-harbour-bridge"), Some(MatchKind::Exact));
    assert_eq!(kind("evening-post-bridge-short"), Some(MatchKind::NearCopy));
    assert_eq!(
        kind("meriden-gazette-bridge-rewrite"),
        Some(MatchKind::Rewrite)
    );
    assert_eq!(kind("radio-brief-bridge"), Some(MatchKind::Rewrite));
}

#[test]
fn removal_keeps_story_ids_stable() {
    let articles = samples();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    for (id, text) in &articles {
        d.insert(id, text).unwrap();
    }
    let story = d.story_of("wire-harbour-bridge").unwrap();
    assert!(d.remove("daily-courier-bridge"));
    assert!(!d.remove("daily-courier-bridge"));
    assert_eq!(d.story_of("wire-harbour-bridge"), Some(story));
    assert_eq!(d.members(story).len(), 4);
    // A new copy still finds the story through the remaining members.
    let text = &articles
        .iter()
        .find(|(id, _)| id == "daily-courier-bridge")
        .unwrap()
        .1;
    assert_eq!(d.insert("reprint", text).unwrap().story, story);
}

#[test]
fn repeated_id_is_idempotent_and_conflicts_are_errors() {
    let articles = samples();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let (id, text) = &articles[0];
    let first = d.insert(id, text).unwrap();
    assert_eq!(d.insert(id, text).unwrap(), first);
    assert_eq!(d.len(), 1);
    let e = d.insert(id, &articles[1].1).unwrap_err();
    assert!(
        matches!(e.kind(), copydesk::ErrorKind::IdConflict { .. }),
        "{e}"
    );
    assert_eq!(d.len(), 1);
}

#[test]
fn query_does_not_insert() {
    let articles = samples();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let wire = &articles
        .iter()
        .find(|(id, _)| id == "wire-harbour-bridge")
        .unwrap()
        .1;
    d.insert("wire", wire).unwrap();
    let brief = &articles
        .iter()
        .find(|(id, _)| id == "radio-brief-bridge")
        .unwrap()
        .1;
    let v = d.query("brief", brief).unwrap().expect("an existing story");
    assert_eq!(v.id, "brief");
    assert_eq!(v.matched.unwrap().id, "wire");
    assert!(d
        .query("other", "The city council approved its budget.")
        .unwrap()
        .is_none());
    assert_eq!(d.len(), 1);
    assert_eq!(d.stats().documents_seen, 1);
}

#[test]
fn too_large_is_an_error() {
    let config = DetectorConfig {
        max_article_bytes: 100,
        ..DetectorConfig::default()
    };
    let mut d = Detector::new(config).unwrap();
    let e = d.insert("big", &"word ".repeat(50)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "article is 250 bytes, over the limit of 100 bytes"
    );
}

#[test]
fn invalid_configs_name_the_field() {
    let cases: Vec<(DetectorConfig, &str)> = vec![
        (
            DetectorConfig {
                near_copy: 0.0,
                ..Default::default()
            },
            "near_copy",
        ),
        (
            DetectorConfig {
                minhash: copydesk::minhash::MinHashConfig {
                    slots: 1,
                    ..Default::default()
                },
                ..Default::default()
            },
            "minhash.slots",
        ),
        (
            DetectorConfig {
                lsh: Some(copydesk::lsh::LshParams { bands: 65, rows: 4 }),
                ..Default::default()
            },
            "lsh",
        ),
        (
            DetectorConfig {
                terms: copydesk::terms::TermConfig {
                    max_terms: 1,
                    ..Default::default()
                },
                ..Default::default()
            },
            "terms.max_terms",
        ),
    ];
    for (config, field) in cases {
        let e = Detector::new(config).unwrap_err();
        match e.kind() {
            copydesk::ErrorKind::InvalidConfig { field: f, .. } => assert_eq!(*f, field, "{e}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn huge_article_is_processed_and_its_excerpt_found() {
    // 8 MB of generated prose (over the default limit, raised for it): processed in one piece,
    // and an excerpt of it is recognised as contained in it.
    let mut text = String::new();
    let mut s = 0x1234_5678_9abc_def1u64;
    while text.len() < 8 << 20 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        text.push_str(&format!("word{} ", s % 50_000));
        if s % 17 == 0 {
            text.push_str("Harbour.\n");
        }
    }
    let mut d = Detector::new(DetectorConfig {
        max_article_bytes: 16 << 20,
        ..DetectorConfig::default()
    })
    .unwrap();
    assert!(d.insert("huge", &text).unwrap().is_new());
    let cut = text.char_indices().nth(text.len() / 2).unwrap().0;
    let excerpt = &text[..cut];
    let v = d.insert("excerpt", excerpt).unwrap();
    let m = v
        .matched
        .expect("the first half of an article is a copy of it");
    assert_eq!((m.id.as_str(), m.kind), ("huge", MatchKind::NearCopy));
}

#[test]
fn records_restore_a_detector_that_answers_alike() {
    use copydesk::ErrorKind;
    let articles = samples();
    let (first, later) = articles.split_at(5);
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    for (id, text) in first {
        d.insert(id, text).unwrap();
    }
    d.remove(&first[1].0);
    let mut records: Vec<_> = first.iter().filter_map(|(id, _)| d.record(id)).collect();
    records.sort_by_key(|r| r.number);
    assert_eq!(records.len(), 4);

    let mut r = Detector::new(DetectorConfig::default()).unwrap();
    for rec in records.clone() {
        r.restore(rec).unwrap();
    }
    r.set_term_statistics(d.term_statistics().clone());
    for (id, _) in first {
        assert_eq!(r.story_of(id), d.story_of(id), "{id}");
        assert_eq!(r.verdict_of(id), d.verdict_of(id), "{id}");
    }
    // Later articles get the same verdicts and story ids from both.
    for (id, text) in later {
        assert_eq!(
            r.insert(id, text).unwrap(),
            d.insert(id, text).unwrap(),
            "{id}"
        );
    }

    // Records that do not fit are refused, and change nothing.
    let before = r.stats();
    let e = r.restore(records[0].clone()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::IdConflict { .. }), "{e}");
    let mut taken = records[0].clone();
    taken.id = "another".into();
    let e = r.restore(taken).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidRecord { .. }), "{e}");
    let mut short = records[0].clone();
    short.id = "short".into();
    short.number = 1000;
    short.signature = copydesk::minhash::CompactSignature::from_parts(vec![1; 64], 10);
    let e = r.restore(short).unwrap_err();
    assert!(e.to_string().contains("64 signature slots"), "{e}");
    // A record whose story and verdict disagree (found by fuzzing: restored, it was a
    // member of one story and said it was in another).
    let mut torn = records[0].clone();
    torn.id = "torn".into();
    torn.number = 1001;
    torn.story = copydesk::StoryId(torn.verdict.story.0 + 7);
    let e = r.restore(torn).unwrap_err();
    assert!(e.to_string().contains("verdict's story"), "{e}");
    assert_eq!(r.stats(), before);
}

#[test]
fn merge_stories_joins_stories_a_later_article_bridges() {
    let words = |prefix: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}x")).collect()
    };
    let shared = words("common", 4);
    let (a, b) = (words("alpha", 20), words("beta", 20));
    let text = |parts: &[&[String]]| parts.concat().join(" ") + ".";
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let va = d.insert("a", &text(&[&a, &shared])).unwrap();
    let vb = d.insert("b", &text(&[&b, &shared])).unwrap();
    assert_ne!(
        va.story,
        vb.story,
        "too unlike to join: {:?}",
        d.compare("a", "b")
    );
    let vc = d
        .insert("c", &text(&[&a[..10], &b[..10], &shared]))
        .unwrap();
    assert!(vc.story == va.story || vc.story == vb.story, "{vc:?}");
    assert_eq!(d.merge_stories(), 1);
    assert_eq!(d.story_of("a"), d.story_of("b"));
    assert_eq!(
        d.story_of("b"),
        Some(va.story.min(vb.story)),
        "into the older story"
    );
    assert_eq!(d.verdict_of("b").unwrap().story, va.story.min(vb.story));
    // "b" founded its story and matched none; now it is not the first of its story, and
    // matches an earlier member of it: "a", its strongest link there.
    let vb = d.verdict_of("b").unwrap();
    let m = vb.matched.expect("no longer the first of its story");
    assert_eq!((m.id.as_str(), m.kind), ("a", MatchKind::Rewrite), "{m:?}");
    assert_eq!(m.similarity, d.compare("a", "b").unwrap().cosine);
    assert_eq!(d.stats().stories, 1);
    // Nothing more to merge; an unrelated story stays apart.
    d.insert("z", &text(&[&words("zeta", 24)])).unwrap();
    assert_eq!(d.merge_stories(), 0);
    assert_eq!(d.stats().stories, 2);
}

/// Regression: re-clustering left verdicts as they were given on arrival, so that a story's
/// first article could be a rewrite of an article in another story, a later member could
/// say it founded the story, and a rewrite could point into another story (about a tenth of
/// the lines of `copydesk cluster` on a mutated wire corpus).
#[test]
fn recluster_makes_every_verdict_agree_with_its_story() {
    let texts = [
        "Kessington harbour bridge reopened on Monday after six weeks of repairs.",
        "Orchard growers in Dunmore expect a record apple harvest this autumn.",
        "The Ravel quartet cancelled its winter tour after the cellist broke a wrist.",
        "Flooding closed the coastal railway between Amble and Wick for two days.",
        "A new maternity ward opened at the Halvering county hospital on Friday.",
        "Striking port workers in Lissan returned to work after a pay deal.",
    ];
    let ids: Vec<String> = (0..texts.len()).map(|i| format!("a{i}")).collect();
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    for (id, text) in ids.iter().zip(texts) {
        d.insert(id, text).unwrap();
    }
    let mut records: Vec<copydesk::ArticleRecord> =
        ids.iter().map(|id| d.record(id).unwrap()).collect();
    records.sort_by_key(|r| r.number);
    let number: Vec<u32> = records.iter().map(|r| r.number).collect();
    let story = |i: usize| copydesk::StoryId(u64::from(number[i]));
    let rewrite_of = |i: usize, similarity: f32| copydesk::Match {
        id: ids[i].clone(),
        kind: MatchKind::Rewrite,
        similarity,
        beyond_window: false,
    };
    // As arrival left them: a0 founded story 0, a1 a story of its own; a2 and a3 joined
    // story 0 as rewrites of a0; a4 and a5 founded stories of their own. The links say
    // otherwise: a1 is close to a0, a3 to a2, a5 to a2 and a4 (a4 itself links to nothing
    // earlier), and a2 and a3 only weakly to a0.
    type Arrival = (copydesk::StoryId, Option<copydesk::Match>, Vec<(u32, f32)>);
    let arrival: [Arrival; 6] = [
        (story(0), None, vec![]),
        (story(1), None, vec![(number[0], 0.9)]),
        (story(0), Some(rewrite_of(0, 0.3)), vec![(number[0], 0.12)]),
        (
            story(0),
            Some(rewrite_of(0, 0.3)),
            vec![(number[2], 0.9), (number[0], 0.12)],
        ),
        (story(4), None, vec![]),
        (story(5), None, vec![(number[2], 0.9), (number[4], 0.9)]),
    ];
    let mut r = Detector::new(DetectorConfig::default()).unwrap();
    for (mut record, (story, matched, links)) in records.into_iter().zip(arrival) {
        record.story = story;
        record.verdict = copydesk::Verdict {
            id: record.id.clone(),
            story,
            matched,
        };
        record.links = Some(links);
        r.restore(record).unwrap();
    }
    let before: Vec<_> = ids.iter().map(|id| r.verdict_of(id).unwrap()).collect();
    let changes = r.recluster_changes();

    let verdict = |i: usize| r.verdict_of(&ids[i]).unwrap();
    let of = |i: usize| verdict(i).matched.map(|m| (m.id, m.kind, m.similarity));
    assert_eq!(
        partition(&r, &ids),
        [vec!["a0", "a1"], vec!["a2", "a3", "a4", "a5"]]
    );
    // a1 joins a0's story, by its link.
    assert_eq!(of(1), Some(("a0".into(), MatchKind::Rewrite, 0.9)));
    // a2 now heads its story.
    assert_eq!((verdict(2).story, of(2)), (story(2), None));
    // a3's match, a0, is in the other story now: its strongest link within its own.
    assert_eq!(of(3), Some(("a2".into(), MatchKind::Rewrite, 0.9)));
    // a4 has no link to an earlier member: the story's first article, by their cosine.
    let cosine = r.compare("a4", "a2").unwrap().cosine;
    assert_eq!(of(4), Some(("a2".into(), MatchKind::Rewrite, cosine)));
    // a5: the strongest link, ties to the earlier article.
    assert_eq!(of(5), Some(("a2".into(), MatchKind::Rewrite, 0.9)));
    // a0 keeps its verdict; every other one changed and is listed, with its verdict before.
    assert_eq!(verdict(0), before[0]);
    let listed: Vec<(String, copydesk::Verdict)> = (1..6)
        .map(|i| (ids[i].clone(), before[i].clone()))
        .collect();
    assert_eq!(changes, listed);
    // And again: nothing changes.
    assert!(r.recluster_changes().is_empty());
}

/// Every story as the sorted ids of its members, sorted: a partition to compare.
fn partition(d: &Detector, ids: &[String]) -> Vec<Vec<String>> {
    let mut stories: std::collections::BTreeMap<_, Vec<String>> = Default::default();
    for id in ids {
        stories
            .entry(d.story_of(id).unwrap())
            .or_default()
            .push(id.clone());
    }
    let mut out: Vec<Vec<String>> = stories
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    out.sort();
    out
}

#[test]
fn recluster_gives_the_sample_stories_in_any_arrival_order() {
    let articles = samples();
    let ids: Vec<String> = articles.iter().map(|a| a.0.clone()).collect();
    let mut partitions = Vec::new();
    for order in 0..4 {
        let mut shuffled = articles.clone();
        match order {
            0 => {}
            1 => shuffled.reverse(),
            2 => shuffled.rotate_left(3),
            _ => shuffled.swap(0, 5),
        }
        let mut d = Detector::new(DetectorConfig::default()).unwrap();
        for r in d.par_insert_batch(&shuffled) {
            r.unwrap();
        }
        d.recluster();
        partitions.push(partition(&d, &ids));
    }
    assert!(
        partitions.windows(2).all(|w| w[0] == w[1]),
        "{partitions:?}"
    );
    let p = &partitions[0];
    assert!(p.contains(&vec![
        "daily-courier-bridge".to_string(),
        "evening-post-bridge-short".to_string(),
        "meriden-gazette-bridge-rewrite".to_string(),
        "radio-brief-bridge".to_string(),
        "wire-harbour-bridge".to_string(),
    ]));
    for other in [
        "wire-dunmore-bridge",
        "wire-orchard-harvest",
        "council-budget",
    ] {
        assert!(p.contains(&vec![other.to_string()]), "{other} stands alone");
    }
}

#[cfg(feature = "persist")]
#[test]
fn recluster_after_loading_or_restoring_forms_the_same_stories() {
    let articles = samples();
    let ids: Vec<String> = articles.iter().map(|a| a.0.clone()).collect();
    let mut live = Detector::new(DetectorConfig::default()).unwrap();
    for r in live.insert_batch(&articles) {
        r.unwrap();
    }
    // A saved file keeps each article's links.
    let mut file = Vec::new();
    live.save(&mut file).unwrap();
    let mut loaded = Detector::load(file.as_slice()).unwrap();
    // Records without links: recluster looks them up among the earlier articles.
    let mut restored = Detector::new(DetectorConfig::default()).unwrap();
    restored.set_term_statistics(live.term_statistics().clone());
    for id in &ids {
        let mut record = live.record(id).unwrap();
        assert!(record.links.is_some());
        record.links = None;
        restored.restore(record).unwrap();
    }
    // `finish` looks the lost links up before it frees the postings they are found in.
    let finished = restored.clone().finish();
    live.recluster();
    loaded.recluster();
    restored.recluster();
    assert_eq!(partition(&loaded, &ids), partition(&live, &ids));
    assert_eq!(partition(&restored, &ids), partition(&live, &ids));
    let verdicts: Vec<_> = restored
        .verdicts()
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    let finished: Vec<_> = finished
        .verdicts()
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    assert_eq!(finished, verdicts);
    assert!(partition(&live, &ids).iter().any(|story| story.len() == 5));
    // The links looked up are kept: a second run finds the same stories.
    assert_eq!(restored.recluster(), 0);
    assert_eq!(partition(&restored, &ids), partition(&live, &ids));
}

/// A detector holding one article, and that article's record.
fn one_article() -> (Detector, copydesk::ArticleRecord) {
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    d.insert(
        "a",
        "Kessington harbour bridge reopened on Monday after six weeks of repairs.",
    )
    .unwrap();
    let record = d.record("a").unwrap();
    (d, record)
}

#[test]
fn a_json_record_without_links_reads_as_links_unknown() {
    let (_, record) = one_article();
    let mut json = serde_json::to_value(&record).unwrap();
    json.as_object_mut().unwrap().remove("links");
    let back: copydesk::ArticleRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back.links, None);
    assert_eq!(
        copydesk::ArticleRecord {
            links: Some(vec![]),
            ..back
        },
        record
    );
}

#[test]
fn a_record_with_a_link_to_a_later_article_or_a_bad_similarity_is_refused() {
    let (d, record) = one_article();
    // As article 1: a link to itself, to a later article, and similarities NaN and over 1.
    for links in [
        vec![(1, 0.5)],
        vec![(7, 0.5)],
        vec![(0, f32::NAN)],
        vec![(0, 1.5)],
    ] {
        let mut bad = record.clone();
        bad.number = 1;
        bad.id = "b".into();
        bad.links = Some(links.clone());
        let e = d.clone().restore(bad).unwrap_err();
        assert!(
            matches!(e.kind(), copydesk::ErrorKind::InvalidRecord { .. }),
            "{links:?}: {e}"
        );
    }
}

#[test]
fn recluster_keeps_every_copy_with_its_original() {
    // Distinct articles (different vocabularies), each with an exact copy and a trimmed copy;
    // a trimmed copy's term vector can differ enough that only the copy tie keeps it.
    let mut articles = Vec::new();
    for i in 0..12 {
        let words: Vec<String> = (0..80).map(|w| format!("topic{i}word{}", w % 40)).collect();
        let text = words.join(" ") + ".";
        let trimmed = words[..60].join(" ") + ".";
        articles.push((format!("{i}-original"), text.clone()));
        articles.push((format!("{i}-copy"), text));
        articles.push((format!("{i}-trimmed"), trimmed));
    }
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    for r in d.insert_batch(&articles) {
        r.unwrap();
    }
    d.recluster();
    for i in 0..12 {
        let s = d.story_of(&format!("{i}-original"));
        assert_eq!(s, d.story_of(&format!("{i}-copy")));
        assert_eq!(s, d.story_of(&format!("{i}-trimmed")));
        assert_eq!(
            d.members(s.unwrap()).len(),
            3,
            "article {i}'s story is its own"
        );
    }
    assert_eq!(d.stats().stories, 12);
    // Story ids stay those of the first article, and the index is consistent.
    assert_eq!(d.story_of("0-original"), Some(copydesk::StoryId(0)));
}

#[test]
fn finish_without_stories_keeps_every_verdict() {
    // With the story tier off there is nothing to re-form: the verdicts stay as inserted.
    let mut config = DetectorConfig::default();
    config.story.enabled = false;
    let mut d = Detector::new(config).unwrap();
    for r in d.insert_batch(&samples()) {
        r.unwrap();
    }
    let before: Vec<_> = d.verdicts().map(|(id, v)| (id.to_string(), v)).collect();
    let stats = d.stats();
    let finished = d.finish();
    assert_eq!(finished.changed(), 0);
    assert_eq!(finished.stats(), stats);
    let after: Vec<_> = finished
        .verdicts()
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    assert_eq!(after, before);
}
