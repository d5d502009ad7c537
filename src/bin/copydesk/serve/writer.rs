//! The writer thread: the one place that changes the index and the store. It takes the
//! waiting jobs as a group, decides inserts under the write lock, commits the group (its
//! changes in order, and the term counts of the articles it adds) in one transaction, and only
//! then answers. If the commit fails, the group is undone in memory, term counts included, and
//! every request of the group that depended on it is told so: nothing is acknowledged that is
//! not on disk. It also runs retention and re-clustering. It speaks no HTTP: the routes
//! ([`super::routes`]) do.

use copydesk::terms::DocumentFrequencies;
use copydesk::ArticleRecord;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;
use store::{Op, Store, Stored};
use tokio::sync::{mpsc, oneshot};

use super::{store, time, App, Index, Item, Job, Meta, Outcome, MAX_GROUP, SAVE_STATISTICS_EVERY};

/// What a group did in memory, in order, to undo it if the commit fails.
enum Done {
    Inserted(String),
    Removed(Box<(ArticleRecord, Meta)>),
}

/// One group's changes: what to commit, and what to undo.
#[derive(Default)]
struct Group {
    ops: Vec<Op>,
    done: Vec<Done>,
    /// The term counts of the articles the group adds: committed with it, and taken back
    /// out of the statistics if the commit fails.
    counts: Vec<copydesk::terms::TermCounts>,
    /// Ids the group created.
    created: HashSet<String>,
    evicted: Vec<(String, i64)>,
}

impl Group {
    fn insert(&mut self, index: &mut Index, item: &Item) -> Outcome {
        let analysis = match &item.analysis {
            Ok(a) => a.clone(),
            Err(e) => return Outcome::Refused(e.clone()),
        };
        let existed = index.detector.verdict_of(&item.id).is_some();
        let terms = analysis.terms.clone();
        match index.detector.insert_analysis(&item.id, analysis) {
            Ok(verdict) if existed => Outcome::Inserted {
                verdict,
                created: false,
                pending: self.created.contains(&item.id),
            },
            Ok(verdict) => {
                index.add_meta(&item.id, item.meta.clone());
                self.ops.push(Op::Insert(Box::new(Stored {
                    record: index.detector.record(&item.id).expect("just inserted"),
                    source: item.meta.source.clone(),
                    published_at: item.meta.published_at,
                    received_at: item.meta.received_at,
                })));
                self.done.push(Done::Inserted(item.id.clone()));
                self.counts.push(terms);
                self.created.insert(item.id.clone());
                Outcome::Inserted {
                    verdict,
                    created: true,
                    pending: false,
                }
            }
            Err(e) => Outcome::Refused(e),
        }
    }

    /// Removes an article, remembering it; false when it is not held.
    fn remove(&mut self, index: &mut Index, id: &str) -> Option<copydesk::Verdict> {
        let record = index.detector.record(id)?;
        let meta = index.meta.get(id).cloned()?;
        let verdict = record.verdict.clone();
        index.remove(id);
        self.ops.push(Op::Delete(id.to_string()));
        self.done.push(Done::Removed(Box::new((record, meta))));
        // A re-creation in the same group is not a repeat of the removed article.
        self.created.remove(id);
        Some(verdict)
    }

    fn replace(&mut self, index: &mut Index, item: &Item) -> Outcome {
        if let Err(e) = &item.analysis {
            return Outcome::Refused(e.clone());
        }
        let previous = self.remove(index, &item.id);
        match (self.insert(index, item), previous) {
            (Outcome::Inserted { verdict, .. }, Some(previous)) => {
                Outcome::Replaced { verdict, previous }
            }
            (outcome, _) => outcome,
        }
    }

    /// Removes what arrived before the retention window.
    fn evict(&mut self, index: &mut Index, retention: i64) {
        let cutoff = time::now() - retention;
        let old: Vec<(i64, String)> = index
            .by_arrival
            .iter()
            .take_while(|(t, _)| *t < cutoff)
            .cloned()
            .collect();
        for (received, id) in old {
            if self.remove(index, &id).is_some() {
                self.evicted.push((id, received));
            }
        }
    }

    /// Puts the index back as it was before the group, newest change first.
    fn undo(self, index: &mut Index) {
        for done in self.done.into_iter().rev() {
            match done {
                Done::Inserted(id) => {
                    index.remove(&id);
                }
                Done::Removed(saved) => {
                    let (record, meta) = *saved;
                    let id = record.id.clone();
                    match index.detector.restore(record) {
                        Ok(()) => index.add_meta(&id, meta),
                        Err(e) => tracing::error!(id, error = %e, "putting an article back"),
                    }
                }
            }
        }
        if !self.counts.is_empty() {
            let mut df = index.detector.term_statistics().clone();
            for c in &self.counts {
                df.remove(c);
            }
            index.detector.set_term_statistics(df);
        }
    }
}

/// The writer: applies groups of jobs, commits each group in one transaction, then answers.
pub(super) fn writer(app: Arc<App>, mut store: Store, mut jobs: mpsc::Receiver<Job>) {
    let mut since_saved = 0u64;
    let mut stop = false;
    while !stop {
        let Some(first) = jobs.blocking_recv() else {
            break;
        };
        // A recluster is a group of its own, after the jobs before it.
        if let Job::Recluster { reply } = first {
            answer_recluster(&app, &mut store, reply);
            continue;
        }
        let mut jobs_in_group = vec![first];
        let mut then_recluster = None;
        while jobs_in_group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(Job::Recluster { reply }) => {
                    then_recluster = Some(reply);
                    break;
                }
                Ok(j) => jobs_in_group.push(j),
                Err(_) => break,
            }
        }
        let mut group = Group::default();
        let mut answers: Vec<(Job, Vec<Outcome>)> = Vec::new();
        {
            let mut index = app.index.write().expect("lock");
            for job in jobs_in_group {
                let outcomes = match &job {
                    Job::Insert { items, .. } => items
                        .iter()
                        .map(|item| group.insert(&mut index, item))
                        .collect(),
                    Job::Replace { item, .. } => vec![group.replace(&mut index, item)],
                    Job::Delete { id, .. } => {
                        vec![Outcome::Deleted(group.remove(&mut index, id).is_some())]
                    }
                    Job::Retention => {
                        group.evict(&mut index, app.retention);
                        Vec::new()
                    }
                    Job::Stop => {
                        stop = true;
                        Vec::new()
                    }
                    Job::Recluster { .. } => unreachable!("a recluster is a group of its own"),
                };
                answers.push((job, outcomes));
            }
        }
        // Verdicts of stored articles that the group's inserts changed (an older version that
        // arrived late became its story's original) go in the same transaction.
        {
            let index = &mut *app.index.write().expect("lock");
            for (id, _) in index.detector.take_revised() {
                if let Some(record) = index.detector.record(&id) {
                    group.ops.push(Op::Update(Box::new(record)));
                }
            }
        }
        let started = Instant::now();
        let mut counted = DocumentFrequencies::default();
        group.counts.iter().for_each(|c| counted.add(c));
        let committed = store.commit(&group.ops, &counted);
        let m = &app.metrics;
        m.commit_seconds.observe(started.elapsed().as_secs_f64());
        if !group.ops.is_empty() {
            m.group_size.observe(group.ops.len() as f64);
        }
        if let Err(e) = &committed {
            m.commit_failures.inc();
            tracing::error!(error = %e, changes = group.ops.len(), "store commit failed; group undone");
            group.undo(&mut app.index.write().expect("lock"));
        } else {
            for (id, received) in &group.evicted {
                tracing::info!(
                    id,
                    received_at = %time::format_rfc3339(*received),
                    "evicted by retention"
                );
            }
            m.evictions.inc_by(group.evicted.len() as u64);
            since_saved += group.counts.len() as u64;
            if since_saved >= SAVE_STATISTICS_EVERY {
                save_statistics(&app, &mut store);
                since_saved = 0;
            }
        }
        for (job, outcomes) in answers {
            let outcomes = match &committed {
                Ok(()) => outcomes,
                Err(e) => outcomes
                    .into_iter()
                    .map(|o| match o {
                        // A repeat of an article committed before stands; a refusal and a
                        // delete of nothing changed nothing.
                        Outcome::Inserted {
                            created: false,
                            pending: false,
                            ..
                        }
                        | Outcome::Refused(_)
                        | Outcome::Deleted(false) => o,
                        _ => Outcome::StoreFailed {
                            full: e.full,
                            detail: e.detail.clone(),
                        },
                    })
                    .collect(),
            };
            let one = |outcomes: Vec<Outcome>| outcomes.into_iter().next().expect("one outcome");
            match job {
                Job::Insert { reply, .. } => {
                    let _ = reply.send(outcomes);
                }
                Job::Replace { reply, .. } | Job::Delete { reply, .. } => {
                    let _ = reply.send(one(outcomes));
                }
                Job::Retention | Job::Stop | Job::Recluster { .. } => {}
            }
        }
        if let Some(reply) = then_recluster {
            answer_recluster(&app, &mut store, reply);
        }
    }
    save_statistics(&app, &mut store);
}

fn answer_recluster(
    app: &App,
    store: &mut Store,
    reply: Option<oneshot::Sender<Result<Value, String>>>,
) {
    let done = recluster(app, store);
    if let Err(e) = &done {
        tracing::error!(error = %e, "recluster could not be stored; stories unchanged");
    }
    if let Some(reply) = reply {
        let _ = reply.send(done.map_err(|_| {
            "the store could not commit the re-formed stories; they are unchanged".to_string()
        }));
    }
}

/// Re-forms the stories and stores every article whose verdict changed, in one transaction,
/// under the write lock: readers see the old stories or the new ones, and never one that is
/// not on disk. If the store cannot commit, the old stories are put back.
fn recluster(app: &App, store: &mut Store) -> anyhow::Result<Value> {
    let start = Instant::now();
    let mut index = app.index.write().expect("lock");
    let changes = index.detector.recluster_changes();
    let changed: Vec<ArticleRecord> = changes
        .iter()
        .map(|(id, _)| index.detector.record(id).expect("listed"))
        .collect();
    if let Err(e) = store.update_stories(&changed) {
        for (mut record, (_, old)) in changed.into_iter().zip(changes) {
            record.story = old.story;
            record.verdict = old;
            let id = record.id.clone();
            index.detector.remove(&id);
            if let Err(e) = index.detector.restore(record) {
                tracing::error!(id, error = %e, "putting back an article's story");
            }
        }
        return Err(e);
    }
    Ok(json!({
        "changed": changed.len(),
        "stories": index.detector.stats().stories,
        "seconds": start.elapsed().as_secs_f64(),
    }))
}

/// Folds the term-count log into a snapshot of the statistics as they stand.
fn save_statistics(app: &App, store: &mut Store) {
    let df = app
        .index
        .read()
        .expect("lock")
        .detector
        .term_statistics()
        .clone();
    if let Err(e) = store.save_term_statistics(&df) {
        // The log is still there: nothing is lost, the next start reads it.
        tracing::warn!(error = %e, "folding the term-count log failed");
    }
}
