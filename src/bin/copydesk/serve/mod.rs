//! `copydesk serve`: an HTTP JSON ingest service over a durable store.
//!
//! - Handlers read and validate requests and analyse article text on the blocking pool, in
//!   parallel; they never hold a lock while hashing.
//! - One writer thread owns every change. It takes the waiting requests as a group, decides
//!   and indexes them under a short write lock (so two copies arriving at once see each other
//!   and land in one story), then commits the whole group to SQLite in one transaction, and
//!   only then answers: an acknowledged article is on disk. Group commit is what makes a
//!   durable store fast: one fsync for many articles.
//! - Reads take the read lock only: they wait at most for one group's in-memory decisions,
//!   never for a disk write.
//! - Re-forming the stories (`POST /stories/recluster`, `--recluster-every`) is a group of its
//!   own: the writer re-clusters and stores the changed articles under the write lock.

mod store;
pub mod time;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use copydesk::{Analysis, Detector, DetectorConfig, ErrorKind, StoryId, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use store::{Store, Stored};
use tokio::sync::{mpsc, oneshot};

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub data: PathBuf,
    pub listen: SocketAddr,
    pub config: DetectorConfig,
    /// Articles older than this (by `published_at`, else arrival) are evicted. Seconds.
    pub retention: i64,
    pub max_body: usize,
    /// How often the stories are re-formed (`Detector::recluster`); `None`: only when asked
    /// with `POST /stories/recluster`.
    pub recluster_every: Option<Duration>,
}

/// Most articles in one `POST /articles/batch`.
const MAX_BATCH: usize = 10_000;
/// Longest accepted id, in bytes.
const MAX_ID: usize = 512;
/// Most requests the writer takes as one group (one transaction).
const MAX_GROUP: usize = 512;
/// How often the term statistics are saved, in inserted articles.
const SAVE_STATISTICS_EVERY: u64 = 10_000;
/// How often retention runs.
const RETENTION_EVERY: Duration = Duration::from_secs(60);

/// What the service keeps per article besides the detector's record.
#[derive(Clone, Debug)]
struct Meta {
    source: Option<String>,
    published_at: Option<i64>,
    received_at: i64,
}

impl Meta {
    fn time(&self) -> i64 {
        self.published_at.unwrap_or(self.received_at)
    }
}

/// The in-memory state, behind one lock.
struct Index {
    detector: Detector,
    meta: HashMap<String, Meta>,
    /// `(time, id)`, oldest first, for retention.
    by_time: BTreeSet<(i64, String)>,
}

impl Index {
    fn add_meta(&mut self, id: &str, meta: Meta) {
        self.by_time.insert((meta.time(), id.to_string()));
        self.meta.insert(id.to_string(), meta);
    }

    fn remove(&mut self, id: &str) -> bool {
        if let Some(m) = self.meta.remove(id) {
            self.by_time.remove(&(m.time(), id.to_string()));
        }
        self.detector.remove(id)
    }
}

struct App {
    index: RwLock<Index>,
    /// A detector with the same configuration, never changed: for analysing text off-lock.
    analyzer: Detector,
    jobs: mpsc::Sender<Job>,
    started: Instant,
    store_path: PathBuf,
    retention: i64,
}

/// An article to insert, analysed.
struct Item {
    id: String,
    analysis: copydesk::Result<Analysis>,
    meta: Meta,
}

enum Job {
    Insert {
        items: Vec<Item>,
        reply: oneshot::Sender<Vec<Outcome>>,
    },
    Delete {
        id: String,
        reply: oneshot::Sender<Outcome>,
    },
    /// Time to evict what is past the retention window.
    Retention,
    /// Re-form the stories, and store the articles whose story changed.
    Recluster {
        reply: Option<oneshot::Sender<Result<Value, String>>>,
    },
    /// Answer what is queued, save, and stop.
    Stop,
}

/// What became of one request.
enum Outcome {
    /// Stored now (`created`) or already stored with the same text.
    Inserted {
        verdict: Verdict,
        created: bool,
    },
    Deleted(bool),
    Refused(copydesk::Error),
    /// The store could not commit; nothing of the group was kept.
    StoreFailed(String),
}

/// An error response: a status and a message naming what is wrong.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn status_of(e: &copydesk::Error) -> StatusCode {
    match e.kind() {
        ErrorKind::EmptyText => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::IdConflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A timestamp field: RFC 3339 text or Unix seconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum Timestamp {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
struct NewArticle {
    id: String,
    text: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    published_at: Option<Timestamp>,
}

impl NewArticle {
    fn check(self) -> Result<(String, String, Meta), String> {
        if self.id.is_empty() || self.id.len() > MAX_ID {
            return Err(format!("field `id` must be 1 to {MAX_ID} bytes"));
        }
        let published_at = match self.published_at {
            None => None,
            Some(Timestamp::Seconds(s)) => Some(s),
            Some(Timestamp::Text(t)) => Some(time::parse_rfc3339(&t).ok_or_else(|| {
                format!("field `published_at`: {t:?} is not an RFC 3339 date-time")
            })?),
        };
        let meta = Meta {
            source: self.source,
            published_at,
            received_at: time::now(),
        };
        Ok((self.id, self.text, meta))
    }
}

fn verdict_json(id: &str, v: &Verdict) -> Value {
    json!({
        "id": id,
        "story": v.story.0,
        "of": v.matched.as_ref().map(|m| m.id.as_str()),
        "similarity": v.matched.as_ref().map(|m| m.similarity),
        "kind": v.matched.as_ref().map_or("new", |m| m.kind.as_str()),
    })
}

fn outcome_response(id: &str, o: Outcome) -> (StatusCode, Value) {
    match o {
        Outcome::Inserted { verdict, created } => {
            let mut v = verdict_json(id, &verdict);
            v["repeat"] = json!(!created);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, v)
        }
        Outcome::Refused(e) => (status_of(&e), json!({ "id": id, "error": e.to_string() })),
        Outcome::StoreFailed(m) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "id": id, "error": format!("not stored: {m}") }),
        ),
        Outcome::Deleted(_) => unreachable!("inserts only"),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}"),
        )
    })
}

/// Hands a job to the writer and waits for its answer.
async fn ask<T>(app: &App, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Result<T, ApiError> {
    let (reply, rx) = oneshot::channel();
    let gone = || {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is stopping".into(),
        )
    };
    app.jobs.send(job(reply)).await.map_err(|_| gone())?;
    rx.await.map_err(|_| gone())
}

async fn submit(app: &App, items: Vec<Item>) -> Result<Vec<Outcome>, ApiError> {
    ask(app, |reply| Job::Insert { items, reply }).await
}

async fn post_article(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, ApiError> {
    let (id, text, meta) = parse::<NewArticle>(&body)?
        .check()
        .map_err(|m| ApiError(StatusCode::BAD_REQUEST, m))?;
    let app2 = Arc::clone(&app);
    let analysis = tokio::task::spawn_blocking(move || app2.analyzer.analyze(&text))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if let Err(e) = &analysis {
        return Err(ApiError(status_of(e), e.to_string()));
    }
    let mut out = submit(
        &app,
        vec![Item {
            id: id.clone(),
            analysis,
            meta,
        }],
    )
    .await?;
    let (status, body) = outcome_response(&id, out.pop().expect("one outcome per item"));
    Ok((status, Json(body)).into_response())
}

async fn post_batch(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, ApiError> {
    let articles: Vec<NewArticle> = parse(&body)?;
    if articles.len() > MAX_BATCH {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{} articles; at most {MAX_BATCH} per batch", articles.len()),
        ));
    }
    let mut checked = Vec::with_capacity(articles.len());
    for (i, a) in articles.into_iter().enumerate() {
        checked.push(
            a.check()
                .map_err(|m| ApiError(StatusCode::BAD_REQUEST, format!("article {i}: {m}")))?,
        );
    }
    let app2 = Arc::clone(&app);
    let items = tokio::task::spawn_blocking(move || {
        use rayon::prelude::*;
        checked
            .into_par_iter()
            .map(|(id, text, meta)| Item {
                analysis: app2.analyzer.analyze(&text),
                id,
                meta,
            })
            .collect::<Vec<Item>>()
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let outcomes = submit(&app, items).await?;
    let results: Vec<Value> = ids
        .iter()
        .zip(outcomes)
        .map(|(id, o)| {
            let (status, mut v) = outcome_response(id, o);
            v["status"] = json!(status.as_u16());
            v
        })
        .collect();
    Ok((StatusCode::OK, Json(json!({ "results": results }))).into_response())
}

async fn get_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = app.index.read().expect("lock");
    let (Some(v), Some(m)) = (index.detector.verdict_of(&id), index.meta.get(&id)) else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no article {id:?}"),
        ));
    };
    // The verdict carries the article's story as it is now.
    let mut out = verdict_json(&id, &v);
    out["source"] = json!(m.source);
    out["published_at"] = json!(m.published_at.map(time::format_rfc3339));
    out["received_at"] = json!(time::format_rfc3339(m.received_at));
    Ok(Json(out))
}

async fn get_story(
    State(app): State<Arc<App>>,
    Path(story): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let story: u64 = story.parse().map_err(|_| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("story ids are numbers, not {story:?}"),
        )
    })?;
    let index = app.index.read().expect("lock");
    let members = index.detector.members(StoryId(story));
    if members.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no story {story}")));
    }
    let mut sources = BTreeSet::new();
    let list: Vec<Value> = members
        .iter()
        .map(|id| {
            let m = index.meta.get(*id);
            let v = index.detector.verdict_of(id).expect("member is indexed");
            if let Some(s) = m.and_then(|m| m.source.as_deref()) {
                sources.insert(s.to_string());
            }
            json!({
                "id": id,
                "source": m.and_then(|m| m.source.as_deref()),
                "published_at": m.and_then(|m| m.published_at).map(time::format_rfc3339),
                "kind": v.matched.as_ref().map_or("new", |x| x.kind.as_str()),
                "of": v.matched.as_ref().map(|x| x.id.as_str()),
                "similarity": v.matched.as_ref().map(|x| x.similarity),
            })
        })
        .collect();
    Ok(Json(json!({
        "story": story,
        "first_seen": members[0],
        "size": members.len(),
        "sources": sources,
        "members": list,
    })))
}

/// Re-forms the stories now: `{"changed", "stories", "seconds"}` once the changed articles
/// are stored.
async fn post_recluster(State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let done = ask(&app, |reply| Job::Recluster { reply: Some(reply) }).await?;
    done.map(Json)
        .map_err(|m| ApiError(StatusCode::SERVICE_UNAVAILABLE, m))
}

async fn delete_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let outcome = ask(&app, |reply| Job::Delete {
        id: id.clone(),
        reply,
    })
    .await?;
    match outcome {
        Outcome::Deleted(true) => Ok(StatusCode::NO_CONTENT),
        Outcome::Deleted(false) => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no article {id:?}"),
        )),
        Outcome::StoreFailed(m) => Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, m)),
        _ => unreachable!("deletes only"),
    }
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    let s = app.index.read().expect("lock").detector.stats();
    let store_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = app.store_path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum();
    Json(json!({
        "articles": s.articles,
        "stories": s.stories,
        "documents_seen": s.documents_seen,
        "terms": s.terms,
        "store_bytes": store_bytes,
        "memory_bytes": crate::procfs::status_bytes("VmRSS"),
        "uptime_seconds": app.started.elapsed().as_secs(),
        "retention_days": app.retention / 86_400,
    }))
}

/// The writer: applies groups of jobs, commits each group in one transaction, then answers.
fn writer(app: Arc<App>, mut store: Store, mut jobs: mpsc::Receiver<Job>) {
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

fn answer_recluster(
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
fn recluster(app: &App, store: &mut Store) -> Result<Value, String> {
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
fn evict(
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

fn save_statistics(app: &App, store: &Store) {
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

fn apply_insert(index: &mut Index, item: &Item, inserts: &mut Vec<Stored>) -> Outcome {
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

/// The settings in which two configurations differ, as `path: stored, given`: what a refused
/// start names, so that an upgrade whose defaults changed says which ones.
fn differences(stored: &Value, given: &Value, path: &str) -> Vec<String> {
    match (stored, given) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .flat_map(|(k, v)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differences(v, b.get(k).unwrap_or(&Value::Null), &here)
            })
            .collect(),
        (a, b) if a != b => vec![format!("{path}: store {a}, given {b}")],
        _ => Vec::new(),
    }
}

/// Loads the store, rebuilds the detector, and serves until SIGINT or SIGTERM.
pub fn run(options: Options) -> Result<()> {
    let load_start = Instant::now();
    let store = Store::open(&options.data)?;
    store.check()?;
    let config = match store.config()? {
        Some(stored) => {
            if stored != options.config {
                anyhow::bail!(
                    "{}: the store was created with another configuration ({}); start with \
                     the store's (in a --config file), or with a new --data folder",
                    store.path().display(),
                    differences(
                        &serde_json::to_value(&stored)?,
                        &serde_json::to_value(&options.config)?,
                        ""
                    )
                    .join(", ")
                );
            }
            stored
        }
        None => {
            store.set_config(&options.config)?;
            options.config.clone()
        }
    };
    let mut detector = Detector::new(config.clone())?;
    if let Some(df) = store.term_statistics()? {
        detector.set_term_statistics(df);
    }
    let mut index = Index {
        detector,
        meta: HashMap::new(),
        by_time: BTreeSet::new(),
    };
    let stored = store.load()?;
    let loaded = stored.len();
    for s in stored {
        let id = s.record.id.clone();
        index
            .detector
            .restore(s.record)
            .with_context(|| format!("restoring article {id:?}"))?;
        index.add_meta(
            &id,
            Meta {
                source: s.source,
                published_at: s.published_at,
                received_at: s.received_at,
            },
        );
    }
    let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
    let app = Arc::new(App {
        index: RwLock::new(index),
        analyzer: Detector::new(config)?,
        jobs: tx,
        started: Instant::now(),
        store_path: store.path().to_path_buf(),
        retention: options.retention,
    });
    let writer_app = Arc::clone(&app);
    let writer_thread = std::thread::Builder::new()
        .name("copydesk-writer".into())
        .spawn(move || writer(writer_app, store, rx))?;

    let router = Router::new()
        .route("/articles", post(post_article))
        .route("/articles/batch", post(post_batch))
        .route("/articles/{id}", get(get_article).delete(delete_article))
        .route("/stories/{id}", get(get_story))
        .route("/stories/recluster", post(post_recluster))
        .route("/health", get(health))
        .route("/stats", get(stats))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route".into()) })
        .layer(DefaultBodyLimit::max(options.max_body))
        .with_state(Arc::clone(&app));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Retention at once and then every minute; re-clustering, if asked, after each period.
    let start = tokio::time::Instant::now();
    runtime.spawn(send_every(app.jobs.clone(), start, RETENTION_EVERY, || {
        Job::Retention
    }));
    if let Some(period) = options.recluster_every {
        runtime.spawn(send_every(app.jobs.clone(), start + period, period, || {
            Job::Recluster { reply: None }
        }));
    }
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        eprintln!(
            "copydesk serve: listening on http://{} ({loaded} articles loaded from {} in {:.2} s)",
            listener.local_addr()?,
            options.data.display(),
            load_start.elapsed().as_secs_f64()
        );
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        anyhow::Ok(())
    })?;
    // No request is in flight any more: the writer answers what is queued, then stops.
    let _ = app.jobs.blocking_send(Job::Stop);
    drop(runtime);
    writer_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
    eprintln!("copydesk serve: stopped");
    Ok(())
}

/// Sends the writer `job()` at `first`, then every `period`, until the writer is gone.
async fn send_every(
    jobs: mpsc::Sender<Job>,
    first: tokio::time::Instant,
    period: Duration,
    job: fn() -> Job,
) {
    let mut every = tokio::time::interval_at(first, period);
    loop {
        every.tick().await;
        if jobs.send(job()).await.is_err() {
            break;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
