//! `copydesk serve`: an HTTP JSON ingest service over a durable store.
//!
//! - Handlers ([`routes`]) read and check requests and analyse article text on the blocking
//!   pool, in parallel; they never hold a lock while hashing.
//! - One writer thread ([`writer`]) owns every change. It takes the waiting requests as a
//!   group, decides and indexes them under a short write lock (so two copies arriving at once
//!   see each other and land in one story), then commits the whole group to SQLite in one
//!   transaction, term counts included, and only then answers: an acknowledged article is on
//!   disk. Group commit is what makes a durable store fast: one fsync for many articles.
//! - Reads take the read lock only: they wait at most for one group's in-memory decisions,
//!   never for a disk write.
//! - The connection loop, timeouts, limits, authentication and the request log are
//!   [`http`]'s; the store and its checks [`store`]'s; metrics [`metrics`]'.

mod error;
mod http;
mod metrics;
mod routes;
mod store;
pub mod time;
mod writer;

use crate::args::ConfigArgs;
use crate::Usage;
use anyhow::{Context, Result};
use copydesk::{Analysis, Detector, DetectorConfig, Verdict};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use store::Store;
use tokio::sync::{mpsc, oneshot};

/// `copydesk serve`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk serve --data /var/lib/copydesk
  curl -X POST localhost:8080/articles -H 'content-type: application/json' \\
       -d '{\"id\": \"ap-1\", \"text\": \"...\"}'

Routes: POST /articles, POST /articles/batch, GET /articles/{id}, PUT /articles/{id},
DELETE /articles/{id}, POST /query, GET /stories, GET /stories/{id}, POST /stories/recluster,
GET /health, GET /stats, GET /metrics, GET /openapi.json. Every accepted article is
committed to the store (SQLite, in the data folder) before the answer is sent; on start
the index is rebuilt from it. SIGINT or SIGTERM stops the service after finishing the
requests in flight.")]
pub struct ServeArgs {
    /// Folder of the store; created if missing. One server at a time may use it.
    #[arg(long, value_name = "PATH")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Evict articles received more than this many days ago (by arrival, whatever their
    /// publication date).
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
    /// A file holding the bearer token clients must send (`Authorization: Bearer TOKEN`);
    /// without it, no authentication.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Most client connections open at once; further ones are closed at once.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers, and that a kept-alive
    /// connection may stay idle between requests.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    header_timeout: f64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    body_timeout: f64,
    /// Seconds to finish the requests in flight once asked to stop.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    shutdown_timeout: f64,
    /// The log's format on stderr: one line per request and per event.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Cap the store's size, in bytes: commits past it fail (503) as on a full disk.
    #[arg(long, value_name = "BYTES")]
    max_store_bytes: Option<u64>,
    /// Seconds between retention runs.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS", hide = true)]
    retention_interval: f64,
    #[command(flatten)]
    config: ConfigArgs,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-05T09:00:00Z INFO request method=POST route=/articles status=201 ms=0.8`.
    Text,
    /// One JSON object per line.
    Json,
}

/// Seconds from an option, checked to be over 0.
fn seconds(name: &str, value: f64) -> Result<Duration> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Usage(format!("--{name} must be over 0, got {value}")).into());
    }
    Duration::try_from_secs_f64(value).map_err(|e| Usage(format!("--{name} {value}: {e}")).into())
}

impl ServeArgs {
    /// The options, checked.
    pub fn options(self) -> Result<Options> {
        let days = self.retention_days;
        if days.is_nan() || days <= 0.0 {
            return Err(Usage(format!("--retention-days must be over 0, got {days}")).into());
        }
        let recluster_every = match self.recluster_every {
            0.0 => None,
            m => Some(seconds("recluster-every", m * 60.0)?),
        };
        if self.max_connections == 0 {
            return Err(Usage("--max-connections must be at least 1, got 0".into()).into());
        }
        let token = match &self.token_file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read the token file", path.display()))?;
                let token = text.trim().to_string();
                if token.is_empty() {
                    return Err(
                        Usage(format!("{}: the token file is empty", path.display())).into(),
                    );
                }
                Some(token)
            }
        };
        Ok(Options {
            data: self.data,
            listen: self.listen,
            config: self.config.load()?,
            retention: (days * 86_400.0) as i64,
            max_body: self.max_body_bytes,
            recluster_every,
            token,
            max_connections: self.max_connections,
            header_timeout: seconds("header-timeout", self.header_timeout)?,
            body_timeout: seconds("body-timeout", self.body_timeout)?,
            shutdown_timeout: seconds("shutdown-timeout", self.shutdown_timeout)?,
            log_format: self.log_format,
            max_store_bytes: self.max_store_bytes,
            retention_interval: seconds("retention-interval", self.retention_interval)?,
        })
    }
}

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub data: PathBuf,
    pub listen: SocketAddr,
    pub config: DetectorConfig,
    /// Articles received longer ago than this are evicted. Seconds.
    pub retention: i64,
    pub max_body: usize,
    /// How often the stories are re-formed (`Detector::recluster`); `None`: only when asked
    /// with `POST /stories/recluster`.
    pub recluster_every: Option<Duration>,
    pub token: Option<String>,
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub max_store_bytes: Option<u64>,
    pub retention_interval: Duration,
}

/// Most articles in one `POST /articles/batch`.
const MAX_BATCH: usize = 10_000;
/// Longest accepted id, in bytes.
const MAX_ID: usize = 512;
/// Most requests the writer takes as one group (one transaction).
const MAX_GROUP: usize = 512;
/// How often the term-count log is folded into a snapshot, in inserted articles.
const SAVE_STATISTICS_EVERY: u64 = 10_000;

/// What the service keeps per article besides the detector's record.
#[derive(Clone, Debug)]
struct Meta {
    source: Option<String>,
    published_at: Option<i64>,
    received_at: i64,
}

/// The in-memory state, behind one lock.
struct Index {
    detector: Detector,
    meta: HashMap<String, Meta>,
    /// `(received_at, id)`, oldest first, for retention: an article is kept for the
    /// retention period after it arrived, whatever date it was published.
    by_arrival: BTreeSet<(i64, String)>,
}

impl Index {
    fn add_meta(&mut self, id: &str, meta: Meta) {
        self.by_arrival.insert((meta.received_at, id.to_string()));
        self.meta.insert(id.to_string(), meta);
    }

    fn remove(&mut self, id: &str) -> bool {
        if let Some(m) = self.meta.remove(id) {
            self.by_arrival.remove(&(m.received_at, id.to_string()));
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
    limits: Limits,
    metrics: metrics::Metrics,
}

/// What a request's body may be.
struct Limits {
    max_body: usize,
    body_timeout: Duration,
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
    /// Replace an article (a re-issue): the old one removed, the new one decided afresh.
    Replace {
        item: Box<Item>,
        reply: oneshot::Sender<Outcome>,
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
    /// Stored now (`created`), or already stored with the same text. `pending`: the article
    /// it repeats was created in the same group, so it stands or falls with that commit.
    Inserted {
        verdict: Verdict,
        created: bool,
        pending: bool,
    },
    /// Replaced: the new verdict and the replaced article's.
    Replaced {
        verdict: Verdict,
        previous: Verdict,
    },
    Deleted(bool),
    Refused(copydesk::Error),
    /// The store could not commit; nothing of the group was kept. `full`: it is full.
    StoreFailed {
        full: bool,
        detail: String,
    },
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

/// The service without its listener: the index rebuilt from the store and the writer thread
/// running. [`run`] serves it over HTTP; the fuzz target sends it requests in process.
pub struct Service {
    app: Arc<App>,
    writer: std::thread::JoinHandle<()>,
    /// Articles restored from the store.
    pub loaded: usize,
}

impl Service {
    /// Opens the store in `options.data`, checks it and its configuration, and rebuilds the
    /// index from it.
    ///
    /// # Errors
    /// An unreadable or damaged store; a store created with another configuration.
    pub fn start(options: &Options) -> Result<Service> {
        let store = Store::open(&options.data, options.max_store_bytes)?;
        store.check()?;
        let config = match store.config()? {
            Some(mut stored) => {
                // The article size limit shapes nothing stored: the one given applies.
                stored.max_article_bytes = options.config.max_article_bytes;
                if stored != options.config {
                    anyhow::bail!(
                        "{}: the store was created with another configuration ({}); start \
                         with the store's (in a --config file), or with a new --data folder",
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
        detector.set_term_statistics(store.term_statistics()?);
        let mut index = Index {
            detector,
            meta: HashMap::new(),
            by_arrival: BTreeSet::new(),
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
            limits: Limits {
                max_body: options.max_body,
                body_timeout: options.body_timeout,
            },
            metrics: metrics::Metrics::new(),
        });
        let writer_app = Arc::clone(&app);
        let writer = std::thread::Builder::new()
            .name("copydesk-writer".into())
            .spawn(move || writer::writer(writer_app, store, rx))?;
        Ok(Service {
            app,
            writer,
            loaded,
        })
    }

    /// Every route behind every layer (log, metrics, authentication, error shape), as a
    /// connection is served; `token` is the bearer token clients must send.
    pub fn router(&self, token: Option<&str>) -> axum::Router {
        http::router(Arc::clone(&self.app), token)
    }

    /// Answers what the writer has queued, then stops it. Call it outside an async runtime,
    /// once no request is in flight.
    ///
    /// # Errors
    /// The writer thread panicked.
    pub fn stop(self) -> Result<()> {
        let _ = self.app.jobs.blocking_send(Job::Stop);
        self.writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))
    }
}

/// Loads the store, rebuilds the detector, and serves until SIGINT or SIGTERM.
pub fn run(options: Options) -> Result<()> {
    http::init_log(options.log_format);
    let load_start = Instant::now();
    let service = Service::start(&options)?;
    let app = Arc::clone(&service.app);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Retention at once and then periodically; re-clustering, if asked, after each period.
    let start = tokio::time::Instant::now();
    runtime.spawn(send_every(
        app.jobs.clone(),
        start,
        options.retention_interval,
        || Job::Retention,
    ));
    if let Some(period) = options.recluster_every {
        runtime.spawn(send_every(app.jobs.clone(), start + period, period, || {
            Job::Recluster { reply: None }
        }));
    }
    let router = service.router(options.token.as_deref());
    let served = runtime.block_on(http::serve(
        router,
        app,
        &options,
        service.loaded,
        load_start,
    ));
    // No request is in flight any more: the writer answers what is queued, then stops.
    drop(runtime);
    service.stop()?;
    served?;
    tracing::info!("stopped");
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
