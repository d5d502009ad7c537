//! Story-level linking on real labelled news (`../shared/data/ecbplus-dev.jsonl`: two events
//! of each of 22 topics), clustered as `copydesk eval` does: in batches, then re-clustered.
//! Alone, and after 22,004 unrelated Reuters and BBC articles, which make every similarity
//! higher: the stories must not change much with them.

mod common;

use copydesk::eval::Scores;
use copydesk::{Detector, DetectorConfig};

/// Inserts `background` then the labelled articles in batches of 4,096, re-clusters, and
/// scores the labelled articles' stories.
fn cluster(background: &[(String, String)]) -> Option<Scores> {
    cluster_with(DetectorConfig::default(), background)
}

fn cluster_with(config: DetectorConfig, background: &[(String, String)]) -> Option<Scores> {
    let labelled = common::labelled("ecbplus-dev.jsonl")?;
    let mut detector = Detector::new(config).unwrap();
    for batch in background.chunks(4096) {
        for verdict in detector.insert_batch(batch) {
            verdict.unwrap();
        }
    }
    let articles: Vec<(&str, &str)> = labelled
        .iter()
        .map(|(id, text, _, _)| (id.as_str(), text.as_str()))
        .collect();
    for batch in articles.chunks(4096) {
        for verdict in detector.insert_batch(batch) {
            verdict.unwrap();
        }
    }
    detector.recluster();
    assert_verdicts_agree(&detector);
    let gold: Vec<&str> = labelled.iter().map(|a| a.2.as_str()).collect();
    let topics: Vec<&str> = labelled.iter().map(|a| a.3.as_str()).collect();
    let predicted: Vec<u64> = labelled
        .iter()
        .map(|a| detector.story_of(&a.0).unwrap().0)
        .collect();
    Some(Scores::compute(&gold, &predicted, Some(&topics)))
}

/// Every verdict agrees with its story: a story's first article (the one it is numbered
/// after) matched none, every other one an earlier member of it. (Re-clustering once left the
/// verdicts given on arrival: on ecbplus-dev alone, 19 later members said they founded their
/// story, 7 first articles were rewrites, 6 rewrites pointed into another story.)
fn assert_verdicts_agree(detector: &Detector) {
    let number = |id: &str| u64::from(detector.record(id).unwrap().number);
    for (id, v) in detector.verdicts() {
        match v.matched {
            None => assert_eq!(v.story.0, number(id), "{id} says it founded {:?}", v.story),
            Some(m) => {
                assert_eq!(
                    detector.story_of(&m.id),
                    Some(v.story),
                    "{id} matches {}",
                    m.id
                );
                assert!(number(&m.id) < number(id), "{id} matches later {}", m.id);
            }
        }
    }
}

fn assert_events_kept(scores: &Scores, what: &str) {
    eprintln!("{what}: {scores:?}");
    assert!(scores.pair_f1 >= 0.90, "{what}: pair F1 {}", scores.pair_f1);
    assert!(
        scores.bcubed_f1 >= 0.91,
        "{what}: B³ F1 {}",
        scores.bcubed_f1
    );
    let merges = scores.same_topic_false_merge_rate.unwrap();
    assert!(merges <= 0.03, "{what}: same-topic false merges {merges}");
    assert_eq!(scores.cross_topic_merges, Some(0), "{what}");
}

#[test]
fn ecbplus_events_alone() {
    if let Some(scores) = cluster(&[]) {
        assert_events_kept(&scores, "ecbplus-dev alone");
    }
}

/// Regression: re-clustering by raw similarity against one threshold merged 22 % of
/// same-topic pairs here (whole topics: two earthquakes on one island, two rules on one
/// species law), against 3.6 % alone.
#[test]
fn ecbplus_events_after_unrelated_news() {
    let (Some(mut background), Some(bbc)) = (
        common::jsonl("reuters21578.jsonl"),
        common::jsonl("bbc_news.jsonl"),
    ) else {
        return;
    };
    background.extend(bbc);
    background.retain(|(_, text)| !text.trim().is_empty());
    if let Some(scores) = cluster(&background) {
        assert_events_kept(&scores, "ecbplus-dev after Reuters and BBC");
    }
}

/// Strays (`story.stray_join`): the articles re-clustering leaves alone join their one clear
/// group. On ecbplus-dev that is most of the events' single strays: recall rises, and no
/// article joins another event of its topic (the one stray closer to the other event has two
/// groups to choose from, and is left alone).
#[test]
fn strays_join_their_own_event() {
    let mut off = DetectorConfig::default();
    off.story.stray_join = 0.0;
    let (Some(with), Some(without)) = (cluster(&[]), cluster_with(off, &[])) else {
        return;
    };
    eprintln!("strays joined: {with:?}\nleft alone: {without:?}");
    assert!(
        with.pair_recall >= without.pair_recall + 0.02,
        "pair recall {} with strays joined, {} without",
        with.pair_recall,
        without.pair_recall
    );
    assert!(
        with.same_topic_false_merge_rate <= without.same_topic_false_merge_rate,
        "same-topic false merges {:?} with strays joined, {:?} without",
        with.same_topic_false_merge_rate,
        without.same_topic_false_merge_rate
    );
    assert_eq!(with.cross_topic_merges, Some(0));
}
