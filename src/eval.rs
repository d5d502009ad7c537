//! Scoring a clustering against gold labels: pairwise precision, recall and F1, B-cubed,
//! adjusted Rand index, and the false-merge rate among same-topic articles.
//!
//! ```
//! use copydesk::eval::Scores;
//!
//! // Gold: {a, b} {c}. Predicted: everything in one story.
//! let s = Scores::compute(&["x", "x", "y"], &[0, 0, 0], None::<&[&str]>);
//! assert_eq!(s.pair_precision, 1.0 / 3.0);
//! assert_eq!(s.pair_recall, 1.0);
//! ```

use std::collections::HashMap;
use std::hash::Hash;

/// Agreement between a predicted clustering and gold clusters.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scores {
    /// Articles scored.
    pub articles: usize,
    /// Gold clusters.
    pub gold_clusters: usize,
    /// Predicted clusters.
    pub predicted_clusters: usize,
    /// The largest predicted cluster: its articles, and how many gold clusters they come
    /// from (where a clustering chains, one story holds many).
    pub largest_predicted: (usize, usize),
    /// Of the pairs put together, the share that belong together.
    pub pair_precision: f64,
    /// Of the pairs that belong together, the share put together.
    pub pair_recall: f64,
    /// Harmonic mean of the two.
    pub pair_f1: f64,
    /// B-cubed precision: per article, the share of its predicted cluster in its gold cluster.
    pub bcubed_precision: f64,
    /// B-cubed recall: per article, the share of its gold cluster in its predicted cluster.
    pub bcubed_recall: f64,
    /// Harmonic mean of the two.
    pub bcubed_f1: f64,
    /// Adjusted Rand index (Hubert & Arabie 1985): 1 for identical clusterings, about 0 for
    /// chance.
    pub ari: f64,
    /// With topics: pairs of one topic but different gold clusters (hard negatives).
    pub same_topic_pairs: Option<u64>,
    /// With topics: the share of those pairs put in one predicted cluster.
    pub same_topic_false_merge_rate: Option<f64>,
    /// With topics: pairs of different topics put in one predicted cluster.
    pub cross_topic_merges: Option<u64>,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        1.0
    } else {
        a / b
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

impl Scores {
    /// Scores `predicted` (a cluster label per article) against `gold`, optionally with a topic
    /// per article.
    ///
    /// # Panics
    /// When the slices have different lengths.
    pub fn compute<G: Hash + Eq, P: Hash + Eq, T: Hash + Eq>(
        gold: &[G],
        predicted: &[P],
        topics: Option<&[T]>,
    ) -> Scores {
        assert_eq!(
            gold.len(),
            predicted.len(),
            "one gold and one predicted label per article"
        );
        let n = gold.len();
        let gi = index_labels(gold);
        let pi = index_labels(predicted);
        let mut contingency: HashMap<(usize, usize), u64> = HashMap::new();
        let mut gsize: HashMap<usize, u64> = HashMap::new();
        let mut psize: HashMap<usize, u64> = HashMap::new();
        for (&g, &p) in gi.iter().zip(&pi) {
            *contingency.entry((g, p)).or_default() += 1;
            *gsize.entry(g).or_default() += 1;
            *psize.entry(p).or_default() += 1;
        }
        let tp: u64 = contingency.values().map(|&c| pairs(c)).sum();
        let gold_pairs: u64 = gsize.values().map(|&c| pairs(c)).sum();
        let pred_pairs: u64 = psize.values().map(|&c| pairs(c)).sum();
        let largest = psize
            .iter()
            .max_by_key(|&(&p, &size)| (size, std::cmp::Reverse(p)))
            .map_or((0, 0), |(&p, &size)| {
                let golds = contingency.keys().filter(|k| k.1 == p).count();
                (size as usize, golds)
            });
        let pair_precision = ratio(tp as f64, pred_pairs as f64);
        let pair_recall = ratio(tp as f64, gold_pairs as f64);

        let (mut bp, mut br) = (0.0, 0.0);
        for (&g, &p) in gi.iter().zip(&pi) {
            let both = contingency[&(g, p)] as f64;
            bp += both / psize[&p] as f64;
            br += both / gsize[&g] as f64;
        }
        let (bcubed_precision, bcubed_recall) = if n == 0 {
            (1.0, 1.0)
        } else {
            (bp / n as f64, br / n as f64)
        };

        let all = pairs(n as u64) as f64;
        let expected = if all == 0.0 {
            0.0
        } else {
            gold_pairs as f64 * pred_pairs as f64 / all
        };
        let max = (gold_pairs + pred_pairs) as f64 / 2.0;
        let ari = if max == expected {
            1.0
        } else {
            (tp as f64 - expected) / (max - expected)
        };

        let (same_topic_pairs, same_topic_false_merge_rate, cross_topic_merges) = match topics {
            None => (None, None, None),
            Some(topics) => {
                assert_eq!(topics.len(), n, "one topic per article");
                let ti = index_labels(topics);
                let (negatives, merged, cross) = topic_counts(&gi, &pi, &ti);
                // No hard negatives: nothing could be wrongly merged.
                let rate = if negatives == 0 {
                    0.0
                } else {
                    merged as f64 / negatives as f64
                };
                (Some(negatives), Some(rate), Some(cross))
            }
        };
        Scores {
            articles: n,
            gold_clusters: gsize.len(),
            predicted_clusters: psize.len(),
            largest_predicted: largest,
            pair_precision,
            pair_recall,
            pair_f1: f1(pair_precision, pair_recall),
            bcubed_precision,
            bcubed_recall,
            bcubed_f1: f1(bcubed_precision, bcubed_recall),
            ari,
            same_topic_pairs,
            same_topic_false_merge_rate,
            cross_topic_merges,
        }
    }
}

/// `(same-topic different-gold pairs, of those merged, cross-topic merged pairs)`, counted
/// through contingency tables rather than over all pairs.
fn topic_counts(gold: &[usize], pred: &[usize], topic: &[usize]) -> (u64, u64, u64) {
    let mut t: HashMap<usize, u64> = HashMap::new();
    let mut tg: HashMap<(usize, usize), u64> = HashMap::new();
    let mut tp: HashMap<(usize, usize), u64> = HashMap::new();
    let mut tgp: HashMap<(usize, usize, usize), u64> = HashMap::new();
    let mut p: HashMap<usize, u64> = HashMap::new();
    for i in 0..gold.len() {
        *t.entry(topic[i]).or_default() += 1;
        *tg.entry((topic[i], gold[i])).or_default() += 1;
        *tp.entry((topic[i], pred[i])).or_default() += 1;
        *tgp.entry((topic[i], gold[i], pred[i])).or_default() += 1;
        *p.entry(pred[i]).or_default() += 1;
    }
    let same_topic: u64 = t.values().map(|&c| pairs(c)).sum();
    let same_topic_gold: u64 = tg.values().map(|&c| pairs(c)).sum();
    let same_topic_pred: u64 = tp.values().map(|&c| pairs(c)).sum();
    let same_topic_gold_pred: u64 = tgp.values().map(|&c| pairs(c)).sum();
    let pred_pairs: u64 = p.values().map(|&c| pairs(c)).sum();
    (
        same_topic - same_topic_gold,
        same_topic_pred - same_topic_gold_pred,
        pred_pairs - same_topic_pred,
    )
}

fn index_labels<L: Hash + Eq>(labels: &[L]) -> Vec<usize> {
    let mut ids: HashMap<&L, usize> = HashMap::new();
    labels
        .iter()
        .map(|l| {
            let next = ids.len();
            *ids.entry(l).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_clustering() {
        let s = Scores::compute(&[1, 1, 2, 2, 3], &["a", "a", "b", "b", "c"], None::<&[u8]>);
        assert_eq!(
            (s.pair_precision, s.pair_recall, s.pair_f1),
            (1.0, 1.0, 1.0)
        );
        assert_eq!(
            (s.bcubed_precision, s.bcubed_recall, s.ari),
            (1.0, 1.0, 1.0)
        );
    }

    #[test]
    fn hand_computed_case() {
        // Gold {0,1,2} {3,4}; predicted {0,1} {2,3,4}.
        let s = Scores::compute(&[0, 0, 0, 1, 1], &[0, 0, 1, 1, 1], None::<&[u8]>);
        // The largest predicted cluster, {2,3,4}, joins items of both gold clusters.
        assert_eq!(s.largest_predicted, (3, 2));
        // Predicted pairs: (0,1) (2,3) (2,4) (3,4) = 4; correct: (0,1) (3,4) = 2.
        // Gold pairs: 3 + 1 = 4.
        assert!(close(s.pair_precision, 0.5));
        assert!(close(s.pair_recall, 0.5));
        // B³ precision: items 0,1: 2/2; item 2: 1/3; items 3,4: 2/3 → (1+1+1/3+2/3+2/3)/5.
        assert!(close(
            s.bcubed_precision,
            (2.0 + 1.0 / 3.0 + 4.0 / 3.0) / 5.0
        ));
        // B³ recall: items 0,1: 2/3; item 2: 1/3; items 3,4: 2/2 → (4/3+1/3+2)/5.
        assert!(close(s.bcubed_recall, (4.0 / 3.0 + 1.0 / 3.0 + 2.0) / 5.0));
        // ARI: index 2, expected 4·4/10 = 1.6, max 4 → (2−1.6)/(4−1.6) = 1/6.
        assert!(close(s.ari, 1.0 / 6.0));
    }

    #[test]
    fn topic_false_merges() {
        // Topic A: gold clusters 0 {0,1} and 1 {2}; topic B: gold 2 {3}.
        // Predicted: {0,1,2} (merges the two events of topic A) and {3}.
        let gold = [0, 0, 1, 2];
        let topics = ["A", "A", "A", "B"];
        let s = Scores::compute(&gold, &[0, 0, 0, 1], Some(&topics));
        // Hard negatives: (0,2) (1,2) = 2, both merged.
        assert_eq!(s.same_topic_pairs, Some(2));
        assert_eq!(s.same_topic_false_merge_rate, Some(1.0));
        assert_eq!(s.cross_topic_merges, Some(0));
        // Everything in one story: also (0,3) (1,3) (2,3) cross topics.
        let s = Scores::compute(&gold, &[0, 0, 0, 0], Some(&topics));
        assert_eq!(s.cross_topic_merges, Some(3));
        let s = Scores::compute(&gold, &[0, 1, 2, 3], Some(&topics));
        assert_eq!(s.same_topic_false_merge_rate, Some(0.0));
        assert_eq!(
            s.pair_precision, 1.0,
            "no predicted pairs: nothing wrongly merged"
        );
        assert_eq!(s.pair_recall, 0.0);
        // No hard negatives at all: a rate of 0, not a division by zero.
        let s = Scores::compute(&gold, &[0, 0, 0, 0], Some(&["A", "B", "C", "D"]));
        assert_eq!(s.same_topic_pairs, Some(0));
        assert_eq!(s.same_topic_false_merge_rate, Some(0.0));
        assert_eq!(s.cross_topic_merges, Some(6));
    }
}
