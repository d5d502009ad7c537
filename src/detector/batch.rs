//! Inserting articles: batches, in order or on rayon's pool.
//!
//! Owns numbering new articles, counting a batch's terms before any is weighed, indexing a
//! chunk at a time, finding each article's candidates in parallel and settling them in order,
//! so that every batch method gives exactly the verdicts of one article at a time. How an
//! article is decided is [`super::decide`]'s; this file only schedules it.

use super::analysis::Analysis;
use super::articles::Doc;
use super::decide::Finding;
use super::verdict::Verdict;
use super::Detector;
use crate::cluster::StoryId;
use crate::error::{ErrorKind, Result};
use crate::hash::push_to;
use crate::minhash::CompactSignature;
use crate::terms::TermVector;
use crate::time::Timestamp;
use std::sync::Arc;

/// Articles of a batch indexed and then decided together (see `Detector::insert_in_chunks`):
/// enough to share the work among threads, few enough that the story postings, which keep a
/// chunk's articles until it is decided (at most `2·max_postings` and a chunk to a term), stay
/// small.
const DECIDE_CHUNK: usize = 1024;

/// `f` of each item, in order: on rayon's pool when `parallel` (and the `rayon` feature is
/// on), else on this thread.
pub(super) fn map<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return items.par_iter().map(f).collect();
    }
    let _ = parallel;
    items.iter().map(f).collect()
}

/// [`map`], taking the items: each is dropped on the thread that mapped it.
pub(super) fn map_owned<T: Send, R: Send>(
    items: Vec<T>,
    parallel: bool,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    let _ = parallel;
    items.into_iter().map(f).collect()
}

/// A new article of a batch, weighed and ready to index.
struct Weighed {
    id: Arc<str>,
    content: u64,
    signature: CompactSignature,
    vector: TermVector,
    /// Its heaviest terms, to post.
    top: Vec<u64>,
    published: Option<i64>,
    order: i64,
    source: Option<String>,
}

impl Detector {
    /// Inserts many articles, `(id, text)`, in order; the verdicts are in the same order.
    ///
    /// Unlike a loop of [`Detector::insert`], every article's terms are counted before any is
    /// weighed, so early articles of the batch benefit from the whole batch's statistics.
    /// The result does not depend on how the work is scheduled: [`Detector::par_insert_batch`]
    /// returns exactly the same.
    pub fn insert_batch<I: AsRef<str>, T: AsRef<str>>(
        &mut self,
        articles: &[(I, T)],
    ) -> Vec<Result<Verdict>> {
        let analyses: Vec<Result<Analysis>> = articles
            .iter()
            .map(|(_, t)| self.analyze(t.as_ref()))
            .collect();
        self.insert_analyses(articles.iter().map(|(id, _)| id.as_ref()), analyses, false)
    }

    /// [`Detector::insert_batch`], reading the articles and deciding them on rayon's thread
    /// pool: the articles of a batch are indexed a chunk at a time, and each is decided against
    /// the articles before it, on any thread; only the choice of a story for a rewrite, which
    /// depends on the stories of the articles before it, is made one article after another.
    /// The verdicts are identical to the sequential method's, whatever the number of threads.
    #[cfg(feature = "rayon")]
    pub fn par_insert_batch<I: AsRef<str> + Sync, T: AsRef<str> + Sync>(
        &mut self,
        articles: &[(I, T)],
    ) -> Vec<Result<Verdict>> {
        use rayon::prelude::*;
        let analyses: Vec<Result<Analysis>> = articles
            .par_iter()
            .map(|(_, t)| self.analyze(t.as_ref()))
            .collect();
        self.insert_analyses(articles.iter().map(|(id, _)| id.as_ref()), analyses, true)
    }

    /// Inserts a batch of articles analysed beforehand by [`Detector::analyze`] (of this
    /// detector or of any detector with the same configuration: analysis depends on nothing
    /// else), with [`Detector::insert_batch`]'s meaning: every article's terms are counted
    /// before any is weighed. This lets an application analyse the next batch on other threads
    /// while this one is inserted.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// let reader = d.clone();
    /// let texts = ["Gales closed the harbour on Friday.", "Gales closed the harbour on Friday."];
    /// let analyses = texts.iter().map(|t| reader.analyze(t)).collect();
    /// let verdicts = d.insert_analyzed_batch(&["a", "b"], analyses);
    /// assert_eq!(verdicts[1].as_ref().unwrap().id, "b");
    /// assert_eq!(verdicts[1].as_ref().unwrap().matched.as_ref().unwrap().id, "a");
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `ids` and `analyses` differ in length.
    pub fn insert_analyzed_batch<I: AsRef<str>>(
        &mut self,
        ids: &[I],
        analyses: Vec<Result<Analysis>>,
    ) -> Vec<Result<Verdict>> {
        assert_eq!(ids.len(), analyses.len(), "one analysis per id");
        self.insert_analyses(ids.iter().map(AsRef::as_ref), analyses, false)
    }

    /// [`Detector::insert_analyzed_batch`], deciding the articles on rayon's pool.
    /// The verdicts are identical, whatever the number of threads.
    #[cfg(feature = "rayon")]
    pub fn par_insert_analyzed_batch<I: AsRef<str>>(
        &mut self,
        ids: &[I],
        analyses: Vec<Result<Analysis>>,
    ) -> Vec<Result<Verdict>> {
        assert_eq!(ids.len(), analyses.len(), "one analysis per id");
        self.insert_analyses(ids.iter().map(AsRef::as_ref), analyses, true)
    }

    /// Every batch insert, with the articles decided `DECIDE_CHUNK` at a time (on rayon's
    /// pool when `parallel`).
    pub(super) fn insert_analyses<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        analyses: Vec<Result<Analysis>>,
        parallel: bool,
    ) -> Vec<Result<Verdict>> {
        self.insert_in_chunks(ids, analyses, parallel, DECIDE_CHUNK)
    }

    /// Numbers the new articles of a batch, counts their terms, weighs them, then indexes and
    /// decides them `chunk` at a time. Each article is decided against the articles numbered
    /// under it only, so the verdicts are those of inserting the articles one after another
    /// (after counting the batch's terms), however large `chunk` is: but while the decisions
    /// of one chunk are made, everything they read is fixed, so they can be made in parallel.
    /// Only the choice of a story, which depends on the stories of the articles before, is
    /// made one article after another ([`Detector::settle`]).
    pub(super) fn insert_in_chunks<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        analyses: Vec<Result<Analysis>>,
        parallel: bool,
        chunk: usize,
    ) -> Vec<Result<Verdict>> {
        // 1. The new articles: an id seen before (in this batch or earlier) with the same
        // text gets that article's verdict, with other text an error.
        enum Slot {
            Known(u32),
            Fresh(usize),
        }
        // New ids go into `ids` at once, numbered in input order for now, so that a repeat
        // within the batch is found there too.
        let first = self.next_doc;
        let mut fresh: Vec<(Arc<str>, Analysis)> = Vec::new();
        let slots: Vec<Result<Slot>> = ids
            .zip(analyses)
            .map(|(id, a)| {
                let a = a?;
                let (slot, content) = match self.ids.get(id) {
                    Some(&d) if d >= first => {
                        let i = (d - first) as usize;
                        (Slot::Fresh(i), fresh[i].1.content)
                    }
                    Some(&d) => (Slot::Known(d), self.docs[&d].content),
                    None => {
                        let d = u32::try_from(fresh.len())
                            .ok()
                            .and_then(|i| first.checked_add(i))
                            .filter(|&d| d < u32::MAX)
                            .expect("more than 4 294 967 295 articles inserted");
                        let id: Arc<str> = id.into();
                        self.ids.insert(Arc::clone(&id), d);
                        fresh.push((id, a));
                        return Ok(Slot::Fresh(fresh.len() - 1));
                    }
                };
                if content == a.content {
                    Ok(slot)
                } else {
                    Err(ErrorKind::IdConflict { id: id.to_string() }.into())
                }
            })
            .collect();
        // Numbered in order of time: by publication time, an article without one placed
        // after every article that came before it (its `order` is the latest time seen then),
        // so that without times the numbers follow arrival.
        let mut latest = self.latest;
        let orders: Vec<i64> = fresh
            .iter()
            .map(|(_, a)| match a.published {
                Some(t) => {
                    latest = latest.max(t.unix_seconds());
                    t.unix_seconds()
                }
                None => latest,
            })
            .collect();
        self.latest = latest;
        let mut by_time: Vec<usize> = (0..fresh.len()).collect();
        by_time.sort_by_key(|&i| orders[i]);
        let mut number_of = vec![0u32; fresh.len()];
        for (rank, &i) in by_time.iter().enumerate() {
            number_of[i] = first + rank as u32;
            if number_of[i] != first + i as u32 {
                *self.ids.get_mut(&*fresh[i].0).expect("put in above") = number_of[i];
            }
        }
        self.next_doc = first + fresh.len() as u32;
        let mut fresh: Vec<Option<(Arc<str>, Analysis)>> = fresh.into_iter().map(Some).collect();
        let fresh: Vec<(Arc<str>, Analysis, i64)> = by_time
            .iter()
            .map(|&i| {
                let (id, a) = fresh[i].take().expect("each once");
                (id, a, orders[i])
            })
            .collect();
        let numbers: Vec<Result<u32>> = slots
            .into_iter()
            .map(|slot| {
                Ok(match slot? {
                    Slot::Known(d) => d,
                    Slot::Fresh(i) => number_of[i],
                })
            })
            .collect();
        // 2. Every new article's terms are counted before any is weighed.
        for (_, a, _) in &fresh {
            self.df.add(&a.terms);
        }
        // Each analysis becomes what is stored, and what is not (the term counts, the full
        // signature) is freed, on the pool's threads, which allocated it.
        let this = &*self;
        let weighed: Vec<Weighed> = map_owned(fresh, parallel, |(id, mut a, order)| {
            let vector = this.df.vector(&a.terms, &this.config.terms);
            let top = vector.top(this.config.story.index_terms);
            Weighed {
                id,
                content: a.content,
                signature: a.signature.compact(),
                vector,
                top,
                published: a.published.map(Timestamp::unix_seconds),
                order,
                source: a.source.take(),
            }
        });
        // 3. Chunk by chunk: index, find (in parallel), settle (in order).
        let mut number = first;
        let mut weighed = weighed.into_iter().peekable();
        while weighed.peek().is_some() {
            let start = number;
            let mut tops: Vec<Vec<u64>> = Vec::with_capacity(chunk);
            let mut signatures: Vec<(u32, CompactSignature)> = Vec::with_capacity(chunk);
            for w in weighed.by_ref().take(chunk) {
                let Weighed {
                    id,
                    content,
                    signature,
                    vector,
                    top,
                    published,
                    order,
                    source,
                } = w;
                let source = self.sources.intern(source.as_deref());
                push_to(&mut self.exact, content, number);
                signatures.push((number, signature));
                tops.push(top);
                self.docs.insert(
                    number,
                    Doc {
                        id,
                        content,
                        // Until it is settled.
                        story: StoryId(u64::from(number)),
                        vector,
                        matched: None,
                        links: None,
                        published,
                        order,
                        source,
                    },
                );
                number += 1;
            }
            self.near
                .extend_chunk(signatures, parallel)
                .expect("signatures come from the detector's own hasher");
            if self.config.story.enabled {
                let cap = self.config.story.max_postings;
                self.postings.post_chunk(start, &tops, cap, parallel);
            }
            let this = &*self;
            let numbered: Vec<(u32, Vec<u64>)> = (start..).zip(tops).collect();
            let found: Vec<Finding> = map(&numbered, parallel, |(d, top)| {
                let doc = &this.docs[d];
                let sig = this.near.get(d).expect("indexed above");
                let mut found = this.find(doc.content, sig, &doc.vector, top, *d, doc.published);
                found.foreseen = this.foresee(&found, &doc.vector, doc.published);
                found
            });
            for ((d, _), found) in numbered.into_iter().zip(found) {
                let doc = &self.docs[&d];
                let decision = self.settle(found, &doc.vector, doc.published);
                let story = decision.story.unwrap_or(StoryId(u64::from(d)));
                let of = decision.matched.map(|m| m.0);
                let matched = decision
                    .matched
                    .map(|m| self.stored_match(m, doc.published));
                let links = self.kept_links(decision.links);
                let doc = self.docs.get_mut(d).expect("indexed above");
                doc.story = story;
                doc.matched = matched;
                doc.links = Some(links);
                self.stories.add(story, d);
                self.place_in_time(d, of);
            }
        }
        self.bound_statistics();
        numbers
            .into_iter()
            .map(|d| Ok(self.docs[&d?].verdict()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::articles::Doc;
    use crate::detector::{ArticleRecord, DetectorConfig, StoryConfig};
    use crate::hash::push_to;
    use crate::ErrorKind;
    use proptest::strategy::Strategy;

    #[test]
    fn postings_stay_bounded_however_many_share_a_term() {
        let config = DetectorConfig {
            story: StoryConfig {
                max_postings: 4,
                ..StoryConfig::default()
            },
            ..DetectorConfig::default()
        };
        let mut d = Detector::new(config).unwrap();
        for i in 0..100 {
            let text = format!(
                "Harbour authority report {i}: ferry timetable changes at Kessington pier, \
                 number {i} of the series, filed as item {}.",
                i * 7919
            );
            d.insert(&format!("n{i}"), &text).unwrap();
        }
        assert!(d.postings.iter().all(|(_, p)| p.len() <= 8));
        // The most recent articles are still found as candidates.
        let v = d
            .query(
                "probe",
                "Harbour authority report 99: ferry timetable changes at Kessington pier, \
                 number 99 of the series.",
            )
            .unwrap();
        assert_eq!(v.unwrap().matched.map(|m| m.id), Some("n99".to_string()));
    }

    /// Articles from a few stories of 60 made-up words each: verbatim and edited copies,
    /// trimmed copies, reshuffled rewrites (the same words, no shared phrase) and unrelated
    /// texts, with ids that repeat (with the same text or another).
    fn story_articles() -> impl proptest::strategy::Strategy<Value = Vec<(String, String)>> {
        let article = (0u64..6, 0u8..6, proptest::prelude::any::<u64>(), 0usize..90);
        proptest::collection::vec(article, 1..90).prop_map(|items| {
            let story = |s: u64, seed: u64| -> Vec<String> {
                let mut x = seed | 1;
                (0..60)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Shared words across stories, and each story's own.
                        if x % 4 == 0 {
                            format!("common{}", x % 40)
                        } else {
                            format!("s{s}word{}", x % 200)
                        }
                    })
                    .collect()
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, (s, kind, seed, id))| {
                    let mut words = story(s, s * 7919 + 1);
                    match kind {
                        0 => {}
                        1 => {
                            let at = (seed % 60) as usize;
                            words[at] = format!("edit{seed}");
                        }
                        2 => words.truncate(30 + (seed % 20) as usize),
                        3 => words.rotate_left(1 + (seed % 50) as usize),
                        4 => {
                            // Every other word swapped with its neighbour: no phrase left.
                            for pair in words.chunks_mut(2) {
                                pair.reverse();
                            }
                        }
                        _ => words = story(10 + seed % 1000, seed),
                    }
                    // Ids repeat now and then.
                    let id = if id < 10 {
                        format!("dup{id}")
                    } else {
                        format!("a{i}")
                    };
                    (id, words.join(" "))
                })
                .collect()
        })
    }

    /// What a detector says and holds about its articles: every verdict and record.
    fn state(d: &Detector) -> Vec<(String, Option<ArticleRecord>)> {
        let mut ids: Vec<String> = d.ids.keys().map(|k| k.to_string()).collect();
        ids.sort();
        ids.into_iter()
            .map(|id| {
                let r = d.record(&id);
                (id, r)
            })
            .collect()
    }

    /// The naive batch insert: each new article decided against the detector as it stands
    /// (the later articles not yet in it) and then stored, one after another, once every new
    /// article's terms are counted.
    fn insert_one_at_a_time(d: &mut Detector, batch: &[(String, String)]) -> Vec<Result<Verdict>> {
        let analyses: Vec<Result<Analysis>> = batch.iter().map(|(_, t)| d.analyze(t)).collect();
        let mut seen: std::collections::HashSet<&str> = d.ids.keys().map(|k| &**k).collect();
        for ((id, _), a) in batch.iter().zip(&analyses) {
            if let Ok(a) = a {
                if seen.insert(id) {
                    d.df.add(&a.terms);
                }
            }
        }
        let mut verdicts = Vec::new();
        for ((id, _), a) in batch.iter().zip(analyses) {
            let a = match a {
                Ok(a) => a,
                Err(e) => {
                    verdicts.push(Err(e));
                    continue;
                }
            };
            if let Some(&n) = d.ids.get(id.as_str()) {
                verdicts.push(if d.docs[&n].content == a.content {
                    Ok(d.docs[&n].verdict())
                } else {
                    Err(ErrorKind::IdConflict { id: id.clone() }.into())
                });
                continue;
            }
            let vector = d.df.vector(&a.terms, &d.config.terms);
            let top = vector.top(d.config.story.index_terms);
            let sig = a.signature.compact();
            let found = d.find(a.content, sig.as_ref(), &vector, &top, u32::MAX, None);
            let decision = d.settle(found, &vector, None);
            let n = d.next_doc;
            d.next_doc += 1;
            let story = decision.story.unwrap_or(StoryId(u64::from(n)));
            let matched = decision.matched.map(|m| d.stored_match(m, None));
            let links = d.kept_links(decision.links);
            d.near.insert(n, sig).unwrap();
            push_to(&mut d.exact, a.content, n);
            for term in top {
                d.post(term, n, n);
            }
            d.stories.add(story, n);
            let id: Arc<str> = id.as_str().into();
            d.ids.insert(Arc::clone(&id), n);
            let doc = Doc {
                id,
                content: a.content,
                story,
                vector,
                matched,
                links: Some(links),
                published: None,
                order: i64::MIN,
                source: crate::detector::articles::NO_SOURCE,
            };
            verdicts.push(Ok(doc.verdict()));
            d.docs.insert(n, doc);
        }
        verdicts
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Deciding a chunk of articles together (in parallel) gives what deciding them one
        /// at a time gives, each against the articles before it: the same verdicts, links
        /// and stories, over two batches, with postings short enough to be trimmed.
        #[test]
        fn chunked_parallel_decisions_are_one_at_a_time_decisions(
            first in story_articles(),
            second in story_articles(),
            chunk in 1usize..40,
            postings in 1usize..6,
        ) {
            let config = DetectorConfig {
                story: StoryConfig { max_postings: postings, ..StoryConfig::default() },
                ..DetectorConfig::default()
            };
            let run = |chunk: Option<usize>| {
                let mut d = Detector::new(config.clone()).unwrap();
                let mut verdicts = Vec::new();
                for batch in [&first, &second] {
                    verdicts.push(match chunk {
                        None => insert_one_at_a_time(&mut d, batch),
                        Some(chunk) => {
                            let analyses = batch.iter().map(|(_, t)| d.analyze(t)).collect();
                            let ids = batch.iter().map(|(id, _)| id.as_str());
                            d.insert_in_chunks(ids, analyses, true, chunk)
                        }
                    });
                }
                (verdicts, state(&d), d.postings.clone())
            };
            let (want, want_state, want_postings) = run(None);
            let (got, got_state, got_postings) = run(Some(chunk));
            proptest::prop_assert_eq!(format!("{got:?}"), format!("{want:?}"));
            proptest::prop_assert_eq!(got_state, want_state);
            // Trimmed at other times, the postings keep at least the most recent `postings`,
            // and no more than twice that and a chunk.
            for (term, want) in want_postings.iter() {
                let got = got_postings.get(term).expect("the same terms posted");
                proptest::prop_assert!(got.len() <= 2 * postings + chunk);
                let keep = want.len().min(got.len()).min(postings);
                proptest::prop_assert_eq!(&got[got.len() - keep..], &want[want.len() - keep..]);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// A dated batch is decided as if it arrived in order of time: shuffled, it gives the
        /// same verdicts and records as the same batch sorted by publication time.
        #[test]
        fn a_dated_batch_is_decided_in_order_of_time(
            batch in story_articles(),
            seed in proptest::prelude::any::<u64>(),
        ) {
            // Distinct times a day apart, from a permutation; an id given twice keeps its
            // first time.
            let n = batch.len() as u64;
            let mut times = std::collections::HashMap::new();
            let dated: Vec<(String, String, i64)> = batch
                .into_iter()
                .enumerate()
                .map(|(i, (id, text))| {
                    let t = *times
                        .entry(id.clone())
                        .or_insert(((i as u64 * 7919 + seed) % (n * 7919)) as i64 * 86_400);
                    (id, text, t)
                })
                .collect();
            let run = |articles: &[(String, String, i64)]| {
                let mut d = Detector::new(DetectorConfig::default()).unwrap();
                let analyses = articles
                    .iter()
                    .map(|(_, t, at)| d.analyze_at(t, Some(crate::Timestamp::from_unix_seconds(*at))))
                    .collect();
                let ids = articles.iter().map(|(id, _, _)| id.as_str());
                let verdicts = d.insert_in_chunks(ids, analyses, true, 16);
                let by_id: std::collections::BTreeMap<String, String> = articles
                    .iter()
                    .zip(verdicts)
                    .map(|((id, _, _), v)| (id.clone(), format!("{v:?}")))
                    .collect();
                (by_id, state(&d))
            };
            let mut sorted = dated.clone();
            sorted.sort_by_key(|a| a.2);
            let (got, got_state) = run(&dated);
            let (want, want_state) = run(&sorted);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(got_state, want_state);
        }
    }
}
