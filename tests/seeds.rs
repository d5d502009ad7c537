//! The acceptance case: five outlets' versions of one wire story form one story, alone and
//! mixed into 22,004 unrelated news articles.

mod common;

use copydesk::{Detector, DetectorConfig, MatchKind};

#[test]
fn seeds_form_one_story() {
    let Some(seeds) = common::seeds() else { return };
    let mut detector = Detector::new(DetectorConfig::default()).unwrap();
    let mut stories = Vec::new();
    for (id, text) in &seeds {
        let v = detector.insert(id, text).unwrap();
        eprintln!("{id}: {v:?}");
        stories.push(v.story);
    }
    assert!(stories.iter().all(|&s| s == stories[0]), "{stories:?}");
    // 003 is a near copy of 000.
    let v = detector.verdict_of(&seeds[3].0).unwrap();
    assert_eq!(
        v.matched.as_ref().unwrap().kind,
        MatchKind::NearCopy,
        "{v:?}"
    );
}

#[test]
fn seeds_form_one_story_in_any_order() {
    let Some(seeds) = common::seeds() else { return };
    // Every rotation and the reverse: the story must not depend on which version came first.
    let mut orders: Vec<Vec<usize>> = (0..5)
        .map(|r| (0..5).map(|i| (i + r) % 5).collect())
        .collect();
    orders.push((0..5).rev().collect());
    for order in orders {
        let mut detector = Detector::new(DetectorConfig::default()).unwrap();
        let stories: Vec<_> = order
            .iter()
            .map(|&i| detector.insert(&seeds[i].0, &seeds[i].1).unwrap().story)
            .collect();
        assert!(
            stories.iter().all(|&s| s == stories[0]),
            "order {order:?}: {stories:?}"
        );
    }
}

fn background() -> Option<Vec<(String, String)>> {
    let mut all = common::jsonl("reuters21578.jsonl")?;
    all.extend(common::jsonl("bbc_news.jsonl")?);
    all.retain(|(_, t)| !t.trim().is_empty());
    Some(all)
}

fn assert_exactly_the_seeds(detector: &Detector, seeds: &[(String, String)]) {
    let story = detector.story_of(&seeds[0].0).unwrap();
    let mut members: Vec<&str> = detector.members(story);
    members.sort_unstable();
    let want: Vec<&str> = seeds.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        members, want,
        "the seed story must hold exactly the five seeds"
    );
}

#[test]
fn seeds_in_background_batch() {
    let (Some(seeds), Some(mut articles)) = (common::seeds(), background()) else {
        return;
    };
    assert_eq!(articles.len(), 22_004);
    // Seeds spread through the stream, not bunched together.
    for (i, s) in seeds.iter().enumerate() {
        articles.insert(1_000 + i * 4_000, s.clone());
    }
    let mut detector = Detector::new(DetectorConfig::default()).unwrap();
    let verdicts = detector.par_insert_batch(&articles);
    assert!(verdicts.iter().all(|v| v.is_ok()));
    assert_exactly_the_seeds(&detector, &seeds);
    // Re-formed all at once, the stories still hold the seeds together and alone.
    detector.recluster();
    assert_exactly_the_seeds(&detector, &seeds);
}

#[test]
fn seeds_in_background_streaming() {
    let (Some(seeds), Some(articles)) = (common::seeds(), background()) else {
        return;
    };
    let mut detector = Detector::new(DetectorConfig::default()).unwrap();
    // The background first, then the seeds arriving one by one as a newsroom would see them.
    for (id, text) in &articles {
        detector.insert(id, text).unwrap();
    }
    for (id, text) in &seeds {
        let v = detector.insert(id, text).unwrap();
        eprintln!("{id}: {v:?}");
    }
    assert_exactly_the_seeds(&detector, &seeds);
}
