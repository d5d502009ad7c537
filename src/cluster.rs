//! Stories: which articles belong together, and the rule that decides whether a new article
//! joins one.
//!
//! Linking every pair of similar articles (single-link, union-find) chains unrelated articles
//! into one story through a run of weak links: A resembles B, B resembles C, and soon one
//! "story" holds every earnings report of the year. A new article therefore joins a story only
//! if it resembles the story **as a whole** ([`Linkage`]):
//!
//! - its *average* similarity to the story's members is at least [`Linkage::min_average`]
//!   (average-link), and
//! - its similarity to *every* compared member is at least [`Linkage::min_link`]
//!   (complete-link, at a lower bar).
//!
//! Only a bounded sample of a large story is compared: its first member and its most recent
//! ones, [`Linkage::max_compared`] in all, so the cost of a decision does not grow with the
//! story. Among the stories that pass, the article joins the one with the highest average.
//!
//! ```
//! use copydesk::cluster::{Linkage, Stories, StoryId};
//!
//! let linkage = Linkage { min_average: 0.3, min_link: 0.1, max_compared: 32 };
//! let mut stories = Stories::default();
//! stories.add(StoryId(0), 0);
//! stories.add(StoryId(0), 1);
//! // Article 2 resembles 0 strongly and 1 weakly: the average passes, the weakest link too.
//! let sim = |doc: u32| [0.6, 0.15][doc as usize];
//! let best = linkage.best_story(&stories, [StoryId(0)], sim).unwrap();
//! assert_eq!(best.story, StoryId(0));
//! // A chain: strong to the latest member only, nothing to the first. It does not join.
//! let sim = |doc: u32| [0.0, 0.9][doc as usize];
//! assert!(linkage.best_story(&stories, [StoryId(0)], sim).is_none());
//! ```

use crate::error::{Error, Result};
use crate::hash::FastMap;

mod strays;
pub(crate) use strays::attach_strays;

/// A story's id: the internal number of the article that founded it. Stable: it never changes
/// as articles join or leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct StoryId(pub u64);

impl std::fmt::Display for StoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The rule that decides whether an article joins a story.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Linkage {
    /// Least average similarity to the compared members.
    pub min_average: f32,
    /// Least similarity to each compared member.
    pub min_link: f32,
    /// Most members compared: the first and the most recent. At least 1.
    pub max_compared: usize,
}

impl Default for Linkage {
    fn default() -> Self {
        Linkage {
            min_average: 0.25,
            min_link: 0.1,
            max_compared: 32,
        }
    }
}

/// A story that an article may join, with the evidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoryLink {
    /// The story.
    pub story: StoryId,
    /// Average similarity to the compared members.
    pub average: f32,
    /// Least similarity to a compared member.
    pub min: f32,
    /// The most similar compared member.
    pub best_member: u32,
    /// Its similarity.
    pub best: f32,
}

impl Linkage {
    pub(crate) fn validate(&self) -> Result<()> {
        let unit = |v: f32| (0.0..=1.0).contains(&v);
        if !unit(self.min_average) {
            return Err(Error::config(
                "story.linkage.min_average",
                format!("must be 0 to 1, got {}", self.min_average),
            ));
        }
        if !unit(self.min_link) {
            return Err(Error::config(
                "story.linkage.min_link",
                format!("must be 0 to 1, got {}", self.min_link),
            ));
        }
        if self.max_compared == 0 {
            return Err(Error::config(
                "story.linkage.max_compared",
                "must be at least 1, got 0",
            ));
        }
        Ok(())
    }

    /// The members compared, and how many: the first, and the most recent up to
    /// [`Linkage::max_compared`] in all. `members` is not empty.
    pub(crate) fn sample<'a>(&self, members: &'a [u32]) -> (usize, impl Iterator<Item = u32> + 'a) {
        let recent = members
            .len()
            .saturating_sub(self.max_compared.saturating_sub(1))
            .max(1);
        let sample = std::iter::once(members[0]).chain(members[recent..].iter().copied());
        (1 + members.len() - recent, sample)
    }

    /// The evidence for joining `story`, whether or not it passes.
    pub fn link(
        &self,
        stories: &Stories,
        story: StoryId,
        sim: impl Fn(u32) -> f32,
    ) -> Option<StoryLink> {
        self.evaluate(stories, story, sim, false)
    }

    /// [`Linkage::link`] when the story passes both bars, else `None`, with fewer comparisons.
    fn passing_link(
        &self,
        stories: &Stories,
        story: StoryId,
        sim: impl Fn(u32) -> f32,
    ) -> Option<StoryLink> {
        self.evaluate(stories, story, sim, true)
            .filter(|l| l.average >= self.min_average && l.min >= self.min_link)
    }

    /// Compares the article with the story's sample. With `give_up`, stops (and returns `None`)
    /// as soon as a member falls under [`Linkage::min_link`] or the average can no longer
    /// reach [`Linkage::min_average`] (similarities are at most 1): the story cannot pass.
    fn evaluate(
        &self,
        stories: &Stories,
        story: StoryId,
        sim: impl Fn(u32) -> f32,
        give_up: bool,
    ) -> Option<StoryLink> {
        let members = stories.members(story)?;
        let (total, sample) = self.sample(members);
        let (mut sum, mut min) = (0f32, f32::INFINITY);
        let mut best = (members[0], f32::NEG_INFINITY);
        for (n, m) in sample.enumerate() {
            let s = sim(m);
            sum += s;
            min = min.min(s);
            if s > best.1 {
                best = (m, s);
            }
            let reachable = (sum + (total - n - 1) as f32) / total as f32;
            if give_up && (s < self.min_link || reachable < self.min_average) {
                return None;
            }
        }
        Some(StoryLink {
            story,
            average: sum / total as f32,
            min,
            best_member: best.0,
            best: best.1,
        })
    }

    /// Of `candidates`, the story with the best average that passes both bars.
    pub fn best_story(
        &self,
        stories: &Stories,
        candidates: impl IntoIterator<Item = StoryId>,
        sim: impl Fn(u32) -> f32,
    ) -> Option<StoryLink> {
        let mut best: Option<StoryLink> = None;
        for story in candidates {
            let Some(link) = self.passing_link(stories, story, &sim) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some(b) => link
                    .average
                    .total_cmp(&b.average)
                    .then(b.story.cmp(&link.story))
                    .is_gt(),
            };
            if better {
                best = Some(link);
            }
        }
        best
    }
}

/// Story membership: each story's members, in the order they joined.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stories {
    members: FastMap<u64, Vec<u32>>,
}

impl Stories {
    /// Adds `doc` to `story`, creating the story if needed.
    pub fn add(&mut self, story: StoryId, doc: u32) {
        self.members.entry(story.0).or_default().push(doc);
    }

    /// Removes `doc` from `story`; a story left empty disappears.
    pub fn remove(&mut self, story: StoryId, doc: u32) {
        if let Some(m) = self.members.get_mut(&story.0) {
            m.retain(|&d| d != doc);
            if m.is_empty() {
                self.members.remove(&story.0);
            }
        }
    }

    /// The story's members in joining order, or `None` for an unknown or emptied story.
    pub fn members(&self, story: StoryId) -> Option<&[u32]> {
        self.members
            .get(&story.0)
            .map(Vec::as_slice)
            .filter(|m| !m.is_empty())
    }

    /// Number of stories.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there are no stories.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// A candidate merge: the average similarity of two groups, their numbers (lower first), and
/// the number of merges made when it was computed (it is out of date once either group has
/// taken part in a later one). 16 bytes: the queue holds millions.
#[derive(Clone, Copy, PartialEq)]
struct Candidate(f32, u32, u32, u32);

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Highest average first; ties to the lowest group numbers.
        self.0
            .total_cmp(&other.0)
            .then_with(|| (other.1, other.2).cmp(&(self.1, self.2)))
    }
}

/// The candidate merges, best first, for averages from the threshold to the highest initial
/// one: a binary heap for each of 4,096 slices of that range. A merge's new averages are
/// weighted means of averages already queued, so never above the one just taken: the best is
/// found by walking down from the highest slice in use, and taking it costs a small heap's
/// work, where one heap of millions of candidates missed the cache at every level. A slice the
/// walk leaves behind is empty and gives its memory back. The range ends at the highest
/// average, not at 1: relative similarities reach 4, and with the range ending at 1 almost
/// half of them filled its top slice, one heap of hundreds of thousands.
struct Queue {
    slices: Vec<std::collections::BinaryHeap<Candidate>>,
    low: f32,
    scale: f32,
    /// No slice above this holds a candidate.
    top: usize,
}

impl Queue {
    const SLICES: usize = 1 << 12;

    /// A queue of `initial()`'s candidates, each slice allocated at its length.
    fn new<I: Iterator<Item = Candidate>>(low: f32, initial: impl Fn() -> I) -> Queue {
        let high = initial().map(|c| c.0).fold(low, f32::max);
        let mut q = Queue {
            slices: Vec::new(),
            low,
            scale: Self::SLICES as f32 / (high - low).max(1e-6),
            top: 0,
        };
        let mut count = vec![0usize; Self::SLICES];
        for c in initial() {
            count[q.slice(c.0)] += 1;
        }
        q.slices = count
            .into_iter()
            .map(std::collections::BinaryHeap::with_capacity)
            .collect();
        for c in initial() {
            q.push(c);
        }
        q
    }

    /// Monotone in the average (rounding keeps order), so the slices keep the heaps' order.
    fn slice(&self, average: f32) -> usize {
        (((average - self.low) * self.scale) as usize).min(Self::SLICES - 1)
    }

    fn push(&mut self, c: Candidate) {
        let slice = self.slice(c.0);
        let heap = &mut self.slices[slice];
        // Grown by a quarter, not doubled: merges keep pushing into slices below the one
        // being drained, and doubling left them half empty.
        if heap.len() == heap.capacity() {
            heap.reserve_exact(heap.len() / 4 + 16);
        }
        heap.push(c);
        self.top = self.top.max(slice);
    }

    fn pop(&mut self) -> Option<Candidate> {
        loop {
            if let Some(c) = self.slices[self.top].pop() {
                return Some(c);
            }
            if self.top == 0 {
                return None;
            }
            self.slices[self.top] = Default::default();
            self.top -= 1;
        }
    }
}

/// Each of `n` items' factor for relative similarity, for
/// [`StoryConfig::neighbour_rank`](crate::StoryConfig::neighbour_rank): `1 / √r`, where `r` is
/// the item's `k`-th strongest link among `links` (each pair once, counted for both items),
/// and at least `floor` (also when the item has fewer than `k` links). A link's similarity
/// times its two items' factors is its relative similarity, `s / √(r_a·r_b)`. Keeps `k`
/// similarities an item. `k` is at least 1, `floor` over 0.
pub(crate) fn neighbour_scales(
    n: usize,
    links: impl Iterator<Item = (u32, u32, f32)>,
    k: usize,
    floor: f32,
) -> Vec<f32> {
    // Each item's `k` strongest links so far, strongest first; 0 where it has fewer.
    let mut top = vec![0f32; n * k];
    let mut add = |item: u32, sim: f32| {
        let best = &mut top[item as usize * k..][..k];
        if sim > best[k - 1] {
            let at = best.partition_point(|&b| b >= sim);
            best.copy_within(at..k - 1, at + 1);
            best[at] = sim;
        }
    };
    for (a, b, sim) in links {
        add(a, sim);
        add(b, sim);
    }
    top.chunks_exact(k)
        .map(|best| 1.0 / best[k - 1].max(floor).sqrt())
        .collect()
}

/// Average-link agglomerative clustering of `n` items over a sparse graph, for
/// [`Detector::recluster`](crate::Detector::recluster).
///
/// `ties` join items unconditionally first, into *tied groups* (an original and its copies).
/// `links()` gives similarities between items of different tied groups (each pair at most
/// once, in either order; called twice). Two tied groups are as similar as the mean of the
/// links given between them, for every pair of their items: a copy's links are not looked for,
/// since they would be its original's, and an unlisted pair of items in different groups counts
/// 0. For items without ties that is the link itself. Then the two groups with the highest
/// average similarity over all pairs of their items merge (ties to the lowest group numbers),
/// again and again, while that average reaches `threshold`. Returns each item's group, named
/// by its lowest item.
pub(crate) fn average_link<L, I>(
    n: usize,
    ties: &[(u32, u32)],
    links: L,
    threshold: f32,
) -> Vec<u32>
where
    L: Fn() -> I,
    I: Iterator<Item = (u32, u32, f32)>,
{
    let mut groups: Vec<Group> = (0..n as u32)
        .map(|x| Group {
            parent: x,
            size: 0,
            merged_at: 0,
            slot: u32::MAX,
        })
        .collect();
    for &(x, y) in ties {
        let (a, b) = (Group::find(&mut groups, x), Group::find(&mut groups, y));
        groups[a.max(b) as usize].parent = a.min(b);
    }

    // Groups: the copies' ties first (one union-find serves the ties and the merges: a group
    // points to the lower group it joined). Each group's links to others, summed, sorted by
    // the other group's number.
    let group: Vec<u32> = (0..n as u32).map(|x| Group::find(&mut groups, x)).collect();
    for &g in &group {
        groups[g as usize].size += 1;
    }
    // The links between different groups, as group pairs.
    let between = || {
        links().filter_map(|(a, b, sim)| {
            let (ga, gb) = (group[a as usize], group[b as usize]);
            (ga != gb).then_some((ga, gb, sim))
        })
    };
    // Every group's list in one array, `flat[start[g]..start[g + 1]]`, until the group merges
    // and has a list of its own in `merged_lists`: a list a group, each allocated, shrunk and
    // freed on its own, was a million allocations at a million articles.
    let mut start = vec![0usize; n + 1];
    for (ga, gb, _) in between() {
        start[ga as usize + 1] += 1;
        start[gb as usize + 1] += 1;
    }
    for g in 0..n {
        start[g + 1] += start[g];
    }
    let mut flat = vec![(0u32, 0f32); start[n]];
    let mut next = start.clone();
    for (ga, gb, sim) in between() {
        flat[next[ga as usize]] = (gb, sim);
        next[ga as usize] += 1;
        flat[next[gb as usize]] = (ga, sim);
        next[gb as usize] += 1;
    }
    drop(next);
    // Each list's links summed by group, compacted towards the front as it goes.
    let mut out = 0;
    for g in 0..n {
        let (from, to) = (start[g], start[g + 1]);
        start[g] = out;
        // Sorted by value too, so that both groups of a pair add its links in one order.
        flat[from..to].sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let mut i = from;
        while i < to {
            let (other, mut sum) = flat[i];
            let mut j = i + 1;
            while j < to && flat[j].0 == other {
                sum += flat[j].1;
                j += 1;
            }
            let mean = sum / (j - i) as f32;
            flat[out] = (
                other,
                mean * (groups[g].size as f32 * groups[other as usize].size as f32),
            );
            out += 1;
            i = j;
        }
    }
    start[n] = out;
    flat.truncate(out);
    flat.shrink_to_fit();
    let mut merged_lists: Vec<Vec<(u32, f32)>> = (0..n).map(|_| Vec::new()).collect();

    // Best-first merging; a queued candidate is out of date once either group has merged since.
    let average = |sum: f32, a: &Group, b: &Group| sum / (a.size as f32 * b.size as f32);
    let sized = &groups;
    let (flat, start) = (&flat, &start);
    let initial = || {
        (0..n).flat_map(move |a| {
            flat[start[a]..start[a + 1]]
                .iter()
                .map(move |&(b, sum)| {
                    let avg = average(sum, &sized[a], &sized[b as usize]);
                    Candidate(avg, a as u32, b, 0)
                })
                .filter(move |c| c.1 < c.2 && c.0 >= threshold)
        })
    };
    let mut queue = Queue::new(threshold, initial);
    // Lists are not updated when a neighbour merges: an entry names a group that may since
    // have joined another, and is read through the union-find. Sums add up, so a list's
    // entries for the parts of a group still sum to its similarity with the whole. Only the
    // merged group's list is rebuilt, in time linear in the two lists.
    let mut merges = 0u32;
    let mut roots: Vec<u32> = Vec::new();
    while let Some(Candidate(_, a, b, computed)) = queue.pop() {
        if groups[a as usize].merged_at > computed || groups[b as usize].merged_at > computed {
            continue;
        }
        merges += 1;
        // `a` (the lower) absorbs `b`.
        groups[b as usize].parent = a;
        let (own_a, own_b) = (
            std::mem::take(&mut merged_lists[a as usize]),
            std::mem::take(&mut merged_lists[b as usize]),
        );
        // A group that has merged has a list of its own.
        let initial_list = |g: u32| &flat[start[g as usize]..start[g as usize + 1]];
        let la = match groups[a as usize].merged_at {
            0 => initial_list(a),
            _ => &own_a[..],
        };
        let lb = match groups[b as usize].merged_at {
            0 => initial_list(b),
            _ => &own_b[..],
        };
        // The entries' groups first, then their sums: the lookups of one pass do not wait
        // for each other, so their cache misses (the groups are scattered over millions)
        // overlap, where finding and adding one entry after another made them in turn.
        roots.clear();
        roots.extend((la.iter().chain(lb)).map(|&(c, _)| Group::find(&mut groups, c)));
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(la.len() + lb.len());
        for (&(_, sum), &c) in la.iter().chain(lb).zip(&roots) {
            if c == a {
                continue;
            }
            match groups[c as usize].slot {
                u32::MAX => {
                    groups[c as usize].slot = merged.len() as u32;
                    merged.push((c, sum));
                }
                i => merged[i as usize].1 += sum,
            }
        }
        groups[a as usize].size += groups[b as usize].size;
        groups[b as usize].size = 0;
        groups[a as usize].merged_at = merges;
        groups[b as usize].merged_at = merges;
        let ga = groups[a as usize];
        for &(c, sum) in &merged {
            let gc = &mut groups[c as usize];
            gc.slot = u32::MAX;
            let avg = average(sum, &ga, gc);
            if avg >= threshold {
                queue.push(Candidate(avg, a.min(c), a.max(c), merges));
            }
        }
        if merged.capacity() > 2 * merged.len() {
            merged.shrink_to_fit();
        }
        merged_lists[a as usize] = merged;
    }
    (0..n as u32).map(|x| Group::find(&mut groups, x)).collect()
}

/// What merging reads and writes about a group (and, through `parent`, about an item), side by
/// side: a merge looks these up for groups scattered over millions, and each lookup then
/// misses the cache once instead of once for each of four arrays.
#[derive(Clone, Copy)]
struct Group {
    /// The group this one joined (or, for an item, its group); itself for a group's root.
    parent: u32,
    /// Items in the group; 0 once it has joined another.
    size: u32,
    /// The number of the last merge the group took part in (counting from 1; 0 for none): a
    /// queued candidate computed before it is out of date.
    merged_at: u32,
    /// While a merged list is built: where the group's entry is in it, `u32::MAX` for none.
    slot: u32,
}

impl Group {
    /// The root of `x`'s group, halving the path on the way.
    fn find(groups: &mut [Group], mut x: u32) -> u32 {
        while groups[x as usize].parent != x {
            let grand = groups[groups[x as usize].parent as usize].parent;
            groups[x as usize].parent = grand;
            x = grand;
        }
        x
    }
}

#[cfg(test)]
mod tests;
