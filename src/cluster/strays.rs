//! Strays: the articles average-link clustering leaves alone, and the group each belongs to
//! when it has one clear choice ([`attach_strays`]).
//!
//! Average-link merging stops when no two groups reach the threshold on average. An event's
//! report that also covers something else (a column, a profile, a long backgrounder) shares
//! the event's words with some members and not others, and its average to the event's group
//! falls short although the group is the only one it resembles. Such a report stays a story of
//! one; an event split that way is the most common miss on labelled events (docs/how-it-decides.md,
//! "What the misses are").

use crate::hash::FastMap;

/// Most items in a group that is a stray.
pub(crate) const STRAY_SIZE: u32 = 2;

/// After [`average_link`](super::average_link): each group of at most [`STRAY_SIZE`] items
/// joins the larger group it is closest to, when
///
/// - its average similarity to that group is at least `min_average`, and at least `margin`
///   times its average to any other group: one clear choice. The average is over every pair of
///   their items, unlisted pairs counting 0, as in merging, but for the `copies` (items tied to
///   an original, with no links of their own): a copy stands for its original and is not
///   counted again;
/// - and one of its links into that group is itself at least `min_link`: a stray whose links
///   are all weak has nowhere clear to go, however few its neighbours.
///
/// `links` are the links merging read, `(a, b, similarity as merging read it, similarity as
/// it was measured)`, each pair at most once. Groups are read as they were before any stray
/// moved, so a stray joins a group that is not itself a stray, and nothing chains. `group`
/// holds each item's group, as `average_link` returns it; a stray's items take its new
/// group's name. Returns how many strays joined a group.
pub(crate) fn attach_strays(
    group: &mut [u32],
    copies: &[u32],
    links: impl Iterator<Item = (u32, u32, f32, f32)>,
    min_average: f32,
    margin: f32,
    min_link: f32,
) -> usize {
    let n = group.len();
    // Items in each group, and those of them that are not copies.
    let mut size = vec![0u32; n];
    for &g in group.iter() {
        size[g as usize] += 1;
    }
    let mut counted = size.clone();
    for &c in copies {
        counted[group[c as usize] as usize] -= 1;
    }
    let is_stray = |g: u32| size[g as usize] <= STRAY_SIZE;
    // For each stray group, the sum of its links to each other group, and the strongest.
    let mut sums: FastMap<(u32, u32), (f32, f32)> = FastMap::default();
    let mut add = |stray: u32, other: u32, sim: f32, raw: f32| {
        let e = sums.entry((stray, other)).or_default();
        e.0 += sim;
        e.1 = e.1.max(raw);
    };
    for (a, b, sim, raw) in links {
        let (ga, gb) = (group[a as usize], group[b as usize]);
        if ga == gb {
            continue;
        }
        if is_stray(ga) {
            add(ga, gb, sim, raw);
        }
        if is_stray(gb) {
            add(gb, ga, sim, raw);
        }
    }
    // `(stray, group, average, strongest link)`.
    let mut averages: Vec<(u32, u32, f32, f32)> = sums
        .into_iter()
        .map(|((s, g), (sum, strongest))| {
            let pairs = counted[s as usize].max(1) * counted[g as usize].max(1);
            (s, g, sum / pairs as f32, strongest)
        })
        .collect();
    // By stray, then by average, highest first (ties to the lower group).
    averages.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(y.2.total_cmp(&x.2)).then(x.1.cmp(&y.1)));
    let mut moves: FastMap<u32, u32> = FastMap::default();
    for list in averages.chunk_by(|x, y| x.0 == y.0) {
        let stray = list[0].0;
        // The best larger group that is not a stray, and the best average to any other group.
        let Some(&(_, target, best, strongest)) = list.iter().find(|l| !is_stray(l.1)) else {
            continue;
        };
        let next = list
            .iter()
            .filter(|l| l.1 != target)
            .map(|l| l.2)
            .fold(0f32, f32::max);
        if best >= min_average && best >= margin * next && strongest >= min_link {
            moves.insert(stray, target);
        }
    }
    for g in group.iter_mut() {
        if let Some(&target) = moves.get(g) {
            *g = target;
        }
    }
    moves.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule read straight off its definition: every group's items listed, every pair's
    /// link looked up.
    fn naive(
        group: &[u32],
        copies: &[u32],
        links: &[(u32, u32, f32, f32)],
        min: f32,
        margin: f32,
        min_link: f32,
    ) -> Vec<u32> {
        let n = group.len();
        let link = |a: usize, b: usize| {
            links
                .iter()
                .find(|l| {
                    (l.0 as usize, l.1 as usize) == (a, b) || (l.0 as usize, l.1 as usize) == (b, a)
                })
                .map_or((0.0, 0.0), |l| (l.2, l.3))
        };
        let members = |g: u32| (0..n).filter(move |&i| group[i] == g).collect::<Vec<_>>();
        let mut roots: Vec<u32> = group.to_vec();
        roots.sort_unstable();
        roots.dedup();
        let mut out = group.to_vec();
        for &s in &roots {
            let ms = members(s);
            if ms.len() > STRAY_SIZE as usize {
                continue;
            }
            let mut avgs: Vec<(u32, f32, f32)> = roots
                .iter()
                .filter(|&&g| g != s)
                .map(|&g| {
                    let mg = members(g);
                    let pairs: Vec<(f32, f32)> = ms
                        .iter()
                        .flat_map(|&a| mg.iter().map(move |&b| (a, b)))
                        .map(|(a, b)| link(a, b))
                        .collect();
                    let sum: f32 = pairs.iter().map(|p| p.0).sum();
                    let strongest = pairs.iter().map(|p| p.1).fold(0f32, f32::max);
                    let own = |m: &[usize]| {
                        m.iter()
                            .filter(|&&i| !copies.contains(&(i as u32)))
                            .count()
                            .max(1)
                    };
                    (g, sum / (own(&ms) * own(&mg)) as f32, strongest)
                })
                .filter(|&(_, avg, _)| avg > 0.0)
                .collect();
            avgs.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let Some(&(target, best, strongest)) = avgs
                .iter()
                .find(|a| members(a.0).len() > STRAY_SIZE as usize)
            else {
                continue;
            };
            let next = avgs
                .iter()
                .filter(|a| a.0 != target)
                .map(|a| a.1)
                .fold(0f32, f32::max);
            if best >= min && best >= margin * next && strongest >= min_link {
                for &i in &ms {
                    out[i] = target;
                }
            }
        }
        out
    }

    #[test]
    fn a_stray_joins_its_one_clear_group_and_not_an_ambiguous_one() {
        // Items 0-2 one group, 3-5 another, 6 and 7 alone.
        let mut group = vec![0, 0, 0, 3, 3, 3, 6, 7];
        let links = [
            (6, 0, 0.9),
            (6, 1, 0.6),
            (6, 2, 0.3), // 6: average 0.6 to {0, 1, 2}
            (7, 0, 0.6),
            (7, 3, 0.6), // 7: 0.2 to both groups
            (6, 7, 0.1),
        ];
        let links = || links.iter().map(|&(a, b, s)| (a, b, s, s));
        let joined = attach_strays(&mut group, &[], links(), 0.5, 1.5, 0.25);
        assert_eq!(joined, 1);
        assert_eq!(group, vec![0, 0, 0, 3, 3, 3, 0, 7]);
        // Under the average's bar, or with no link strong enough, nothing moves.
        let mut group = vec![0, 0, 0, 3, 3, 3, 6, 7];
        assert_eq!(attach_strays(&mut group, &[], links(), 0.7, 1.5, 0.25), 0);
        assert_eq!(attach_strays(&mut group, &[], links(), 0.5, 1.5, 0.95), 0);
    }

    #[test]
    fn a_copy_stands_for_its_original() {
        // 5 copies 4, which links to the group {0, 1, 2} at 0.6 on average: the pair joins.
        let mut group = vec![0, 0, 0, 3, 4, 4];
        let links = [(4, 0, 0.6), (4, 1, 0.6), (4, 2, 0.6), (3, 0, 0.1)];
        let links = links.iter().map(|&(a, b, s)| (a, b, s, s));
        assert_eq!(attach_strays(&mut group, &[5], links, 0.5, 1.5, 0.25), 1);
        assert_eq!(group, vec![0, 0, 0, 3, 0, 0]);
    }

    proptest::proptest! {
        /// Against the naive reading, on random groupings and links.
        #[test]
        fn matches_the_definition(
            raw_groups in proptest::collection::vec(0u32..6, 1..14),
            raw_links in proptest::collection::vec((0u32..14, 0u32..14, 1u32..8, 1u32..8), 0..40),
            raw_copies in proptest::collection::vec(0u32..14, 0..4),
            min in 0.05f32..0.8,
            margin in 1.0f32..2.5,
            min_link in 0.0f32..1.0,
        ) {
            let n = raw_groups.len() as u32;
            // Name each group by its lowest item, as average-link does.
            let group: Vec<u32> = raw_groups
                .iter()
                .map(|&g| raw_groups.iter().position(|&h| h == g).unwrap() as u32)
                .collect();
            let mut seen = std::collections::HashSet::new();
            let links: Vec<(u32, u32, f32, f32)> = raw_links
                .into_iter()
                // Eighths add up exactly in any order.
                .map(|(a, b, s, r)| (a % n, b % n, s as f32 / 8.0, r as f32 / 8.0))
                .filter(|&(a, b, _, _)| a != b && seen.insert((a.min(b), a.max(b))))
                .collect();
            // Copies: items with no links of their own.
            let mut copies: Vec<u32> = raw_copies.into_iter().map(|c| c % n).collect();
            copies.sort_unstable();
            copies.dedup();
            let links: Vec<_> = links
                .into_iter()
                .filter(|(a, b, _, _)| !copies.contains(a) && !copies.contains(b))
                .collect();
            let mut fast = group.clone();
            attach_strays(&mut fast, &copies, links.iter().copied(), min, margin, min_link);
            proptest::prop_assert_eq!(fast, naive(&group, &copies, &links, min, margin, min_link));
        }
    }
}
