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

mod routes;
mod store;
pub mod time;
mod writer;

use crate::args::ConfigArgs;
use crate::Usage;
use anyhow::{Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use copydesk::{Analysis, Detector, DetectorConfig, Verdict};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use store::Store;
use tokio::sync::{mpsc, oneshot};

use routes::{
    delete_article, get_article, get_story, health, post_article, post_batch, post_recluster,
    stats, ApiError,
};
use writer::writer;

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

/// `copydesk serve`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk serve --data /var/lib/copydesk
  curl -X POST localhost:8080/articles -H 'content-type: application/json' \\
       -d '{\"id\": \"ap-1\", \"text\": \"...\"}'

Routes: POST /articles, POST /articles/batch, GET /articles/{id}, DELETE /articles/{id},
GET /stories/{id}, POST /stories/recluster, GET /health, GET /stats. Every accepted article
is committed to the store (SQLite, in the data folder) before the answer is sent; on start
the index is rebuilt from it. SIGINT or SIGTERM stops the service after answering what is
queued.")]
pub struct ServeArgs {
    /// Folder of the store; created if missing.
    #[arg(long, value_name = "PATH")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Evict articles published (or received) more than this many days ago.
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    retention_days: f64,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    max_body_bytes: usize,
    /// Re-form the stories every this many minutes (`Detector::recluster`, as `cluster`
    /// does once its articles are in), storing the articles whose story changed. 0: only
    /// when asked with POST /stories/recluster.
    #[arg(long, default_value_t = 0.0, value_name = "MINUTES")]
    recluster_every: f64,
    #[command(flatten)]
    config: ConfigArgs,
}

impl ServeArgs {
    /// The options, checked.
    pub fn options(self) -> Result<Options> {
        let days = self.retention_days;
        if days.is_nan() || days <= 0.0 {
            return Err(Usage(format!("--retention-days must be over 0, got {days}")).into());
        }
        let every = self.recluster_every;
        let recluster_every = match every {
            0.0 => None,
            m if m > 0.0 => Some(
                Duration::try_from_secs_f64(m * 60.0)
                    .map_err(|e| Usage(format!("--recluster-every {m}: {e}")))?,
            ),
            m => return Err(Usage(format!("--recluster-every must be 0 or more, got {m}")).into()),
        };
        Ok(Options {
            data: self.data,
            listen: self.listen,
            config: self.config.load()?,
            retention: (days * 86_400.0) as i64,
            max_body: self.max_body_bytes,
            recluster_every,
        })
    }
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
