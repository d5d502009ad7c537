//! The detector under arbitrary operations on arbitrary articles: inserts (one at a time, in
//! batches, with times), queries, removals, re-clustering, and save/load round trips. After
//! each step: every indexed article's verdict names a story that holds it, a query names a
//! story that exists, and a saved detector loads to one that saves the same bytes. A batch
//! inserted in parallel gives the verdicts the sequential batch gives.
#![no_main]
use arbitrary::Arbitrary;
use copydesk::{Article, Detector, DetectorConfig, Timestamp};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Insert {
        id: u8,
        text: String,
        time: Option<u32>,
    },
    Batch(Vec<(u8, String)>),
    Query(String),
    Remove(u8),
    Recluster,
    Merge,
    Reload,
}

/// Texts are short; give the tiers something to match by repeating a base text with a few
/// words changed.
fn text(s: &str) -> String {
    if s.len() < 4 {
        return format!("Gales closed the Kessington harbour bridge on Monday {s}");
    }
    s.to_string()
}

fn check(d: &Detector) {
    for (id, v) in d.verdicts() {
        assert_eq!(d.story_of(id), Some(v.story), "{id}");
        assert!(d.members(v.story).contains(&id), "{id} in its story");
        assert_eq!(v.id, id);
    }
}

fn save(d: &Detector) -> Vec<u8> {
    let mut bytes = Vec::new();
    d.save(&mut bytes).expect("saves");
    bytes
}

fuzz_target!(|ops: Vec<Op>| {
    let mut d = Detector::new(DetectorConfig::default()).expect("default config");
    for op in ops.into_iter().take(32) {
        match op {
            Op::Insert { id, text: t, time } => {
                let t = text(&t);
                let id = id.to_string();
                let mut article = Article::new(&id, &t);
                if let Some(s) = time {
                    article = article.published(Timestamp::from_unix_seconds(i64::from(s)));
                }
                let _ = d.insert_article(&article);
            }
            Op::Batch(items) => {
                let items: Vec<(String, String)> = items
                    .into_iter()
                    .take(8)
                    .map(|(id, t)| (format!("b{id}"), text(&t)))
                    .collect();
                let mut par = d.clone();
                let seq = d.insert_batch(&items);
                let par = par.par_insert_batch(&items);
                assert_eq!(format!("{seq:?}"), format!("{par:?}"), "batch in parallel");
            }
            Op::Query(t) => {
                if let Ok(Some(v)) = d.query("q", &text(&t)) {
                    assert!(!d.members(v.story).is_empty(), "a query's story exists");
                }
            }
            Op::Remove(id) => {
                d.remove(&id.to_string());
            }
            Op::Recluster => {
                d.recluster();
            }
            Op::Merge => {
                d.merge_stories();
            }
            Op::Reload => {
                let bytes = save(&d);
                let loaded = Detector::load(&bytes[..]).expect("a saved detector loads");
                assert_eq!(save(&loaded), bytes, "loaded equals saved");
                d = loaded;
            }
        }
        check(&d);
    }
});
