//! The writer thread: the one place that changes the index and the store. It takes the
//! waiting jobs as a group, decides inserts under the write lock, commits the group in one
//! transaction and only then answers; it also runs retention, re-clustering and the saving of
//! term statistics. It speaks no HTTP: the routes ([`super::routes`]) do.

use anyhow::Result;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use store::{Store, Stored};
use tokio::sync::{mpsc, oneshot};

use super::{store, time, App, Index, Item, Job, Meta, Outcome, MAX_GROUP, SAVE_STATISTICS_EVERY};

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
        let mut group = vec![first];
        let mut then_recluster = None;
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(Job::Recluster { reply }) => {
                    then_recluster = Some(reply);
                    break;
                }
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let mut inserts: Vec<Stored> = Vec::new();
        let mut deletes: Vec<(String, Option<(copydesk::ArticleRecord, Meta)>)> = Vec::new();
        let mut answers: Vec<(Job, Vec<Outcome>)> = Vec::new();
        {
            let mut index = app.index.write().expect("lock");
            for job in group {
                let outcomes = match &job {
                    Job::Insert { items, .. } => items
                        .iter()
                        .map(|item| apply_insert(&mut index, item, &mut inserts))
                        .collect(),
                    Job::Delete { id, .. } => {
                        let saved = index.detector.record(id).zip(index.meta.get(id).cloned());
                        let removed = index.remove(id);
                        if removed {
                            deletes.push((id.clone(), saved));
                        }
                        vec![Outcome::Deleted(removed)]
                    }
                    Job::Retention => {
                        evict(&mut index, app.retention, &mut deletes);
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
        let delete_ids: Vec<String> = deletes.iter().map(|(id, _)| id.clone()).collect();
        let committed = store.commit(&inserts, &delete_ids);
        if let Err(e) = &committed {
            // Undo the group in memory: what is not on disk must not be served.
            let mut index = app.index.write().expect("lock");
            for s in &inserts {
                index.remove(&s.record.id);
            }
            for (_, saved) in deletes {
                if let Some((record, meta)) = saved {
                    let id = record.id.clone();
                    if index.detector.restore(record).is_ok() {
                        index.add_meta(&id, meta);
                    }
                }
            }
            eprintln!("copydesk serve: store commit failed: {e:#}");
        } else {
            since_saved += inserts.len() as u64;
            if since_saved >= SAVE_STATISTICS_EVERY {
                save_statistics(&app, &store);
                since_saved = 0;
            }
        }
        for (job, outcomes) in answers {
            let outcomes = match &committed {
                Ok(()) => outcomes,
                Err(e) => outcomes
                    .into_iter()
                    .map(|o| match o {
                        Outcome::Inserted { created: false, .. } | Outcome::Refused(_) => o,
                        Outcome::Deleted(false) => o,
                        _ => Outcome::StoreFailed(format!("{e:#}")),
                    })
                    .collect(),
            };
            match job {
                Job::Insert { reply, .. } => {
                    let _ = reply.send(outcomes);
                }
                Job::Delete { reply, .. } => {
                    let _ = reply.send(outcomes.into_iter().next().expect("one outcome"));
                }
                Job::Retention | Job::Stop | Job::Recluster { .. } => {}
            }
        }
        if let Some(reply) = then_recluster {
            answer_recluster(&app, &mut store, reply);
        }
    }
    save_statistics(&app, &store);
}

pub(super) fn answer_recluster(
    app: &App,
    store: &mut Store,
    reply: Option<oneshot::Sender<Result<Value, String>>>,
) {
    let done = recluster(app, store);
    if let Err(e) = &done {
        eprintln!("copydesk serve: recluster: {e}");
    }
    if let Some(reply) = reply {
        let _ = reply.send(done);
    }
}

/// Re-forms the stories and stores every article whose verdict changed, in one transaction,
/// under the write lock: readers see the old stories or the new ones, and never one that is
/// not on disk. If the store cannot commit, the old stories are put back.
pub(super) fn recluster(app: &App, store: &mut Store) -> Result<Value, String> {
    let start = Instant::now();
    let mut index = app.index.write().expect("lock");
    let changes = index.detector.recluster_changes();
    let changed: Vec<copydesk::ArticleRecord> = changes
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
                eprintln!("copydesk serve: putting back article {id:?}: {e}");
            }
        }
        return Err(format!(
            "the store could not commit; stories unchanged: {e:#}"
        ));
    }
    Ok(json!({
        "changed": changed.len(),
        "stories": index.detector.stats().stories,
        "seconds": start.elapsed().as_secs_f64(),
    }))
}

/// Removes what is older than the retention window, remembering it in case the commit fails.
pub(super) fn evict(
    index: &mut Index,
    retention: i64,
    deletes: &mut Vec<(String, Option<(copydesk::ArticleRecord, Meta)>)>,
) {
    let cutoff = time::now() - retention;
    let old: Vec<String> = index
        .by_time
        .iter()
        .take_while(|(t, _)| *t < cutoff)
        .map(|(_, id)| id.clone())
        .collect();
    for id in old {
        let saved = index.detector.record(&id).zip(index.meta.get(&id).cloned());
        index.remove(&id);
        deletes.push((id, saved));
    }
}

pub(super) fn save_statistics(app: &App, store: &Store) {
    let df = app
        .index
        .read()
        .expect("lock")
        .detector
        .term_statistics()
        .clone();
    if let Err(e) = store.save_term_statistics(&df) {
        eprintln!("copydesk serve: saving term statistics failed: {e:#}");
    }
}

pub(super) fn apply_insert(index: &mut Index, item: &Item, inserts: &mut Vec<Stored>) -> Outcome {
    let analysis = match &item.analysis {
        Ok(a) => a.clone(),
        Err(e) => return Outcome::Refused(e.clone()),
    };
    let existed = index.detector.verdict_of(&item.id).is_some();
    match index.detector.insert_analysis(&item.id, analysis) {
        Ok(verdict) => {
            if !existed {
                index.add_meta(&item.id, item.meta.clone());
                inserts.push(Stored {
                    record: index.detector.record(&item.id).expect("just inserted"),
                    source: item.meta.source.clone(),
                    published_at: item.meta.published_at,
                    received_at: item.meta.received_at,
                });
            }
            Outcome::Inserted {
                verdict,
                created: !existed,
            }
        }
        Err(e) => Outcome::Refused(e),
    }
}
