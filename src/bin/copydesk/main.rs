//! `copydesk`: find copies and rewrites of news stories from the shell.
//!
//! Exit status: 0 when the run completed, 1 on an input or file error (a broken JSON line,
//! an unreadable or corrupt index), 2 on a usage error.

mod eval;
mod input;
mod output;
#[cfg(feature = "serve")]
mod procfs;
#[cfg(feature = "serve")]
mod serve;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use copydesk::{Detector, DetectorConfig, ErrorKind, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use input::{Article, Articles, Fields};
use output::{Format, Output, Row};
use std::cell::Cell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

const EXIT_STATUS: &str = "\
Exit status:
  0  the run completed (articles with no words are reported and left out)
  1  an input or file error: unreadable path, broken JSON line, corrupt index
  2  a usage error";

#[derive(Parser)]
#[command(
    name = "copydesk",
    version,
    about = "Find copies and rewrites of news stories: which articles are versions of one story.",
    after_help = EXIT_STATUS
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads for hashing [default: one per core].
    #[arg(short = 'j', long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar, warnings or summary on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Cluster articles into stories and print each article's verdict.
    #[command(after_help = "\
Examples:
  copydesk cluster examples/articles
  copydesk cluster wires.jsonl --format csv > verdicts.csv
  zcat feed.jsonl.gz | copydesk cluster - --skip-invalid

PATH is a folder of .txt/.md files (id = file name without extension), a .txt/.md file,
a JSONL file (one {\"id\", \"text\"} object per line), or - for JSONL on stdin.

Output fields: id, story (the story's id), of (the earlier article it matched, empty for
the first of a story), similarity, kind (new, exact, near_copy, rewrite).")]
    Cluster {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// Output format [default: table on a terminal, jsonl otherwise].
        #[arg(short, long, value_enum)]
        format: Option<Format>,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Build or inspect a saved index.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Check articles against a saved index, without adding them.
    #[command(after_help = "\
Examples:
  copydesk index build archive/ -o archive.cdx
  copydesk query archive.cdx today.jsonl

Output fields as for cluster; an article that matches nothing has kind new and no story.")]
    Query {
        /// An index written by `copydesk index build`.
        index: PathBuf,
        #[command(flatten)]
        input: InputArgs,
        /// Output format [default: table on a terminal, jsonl otherwise].
        #[arg(short, long, value_enum)]
        format: Option<Format>,
    },
    /// Score clustering against labelled articles.
    #[command(after_help = "\
Examples:
  copydesk eval ../shared/data/ecbplus-dev.jsonl
  copydesk eval ../shared/seeds --background ../shared/data/reuters21578.jsonl

LABELLED is a JSONL file whose lines carry a cluster label (--cluster-field), or a folder
whose files are all one story. Background articles are clustered with them but carry no
label: the report counts those that joined a labelled story.")]
    Eval(eval::EvalArgs),
    /// Run the HTTP ingest service, its store in a folder.
    #[cfg(feature = "serve")]
    #[command(after_help = "\
Examples:
  copydesk serve --data /var/lib/copydesk
  curl -X POST localhost:8080/articles -d '{\"id\": \"ap-1\", \"text\": \"...\"}'

Routes: POST /articles, POST /articles/batch, GET /articles/{id}, DELETE /articles/{id},
GET /stories/{id}, GET /health, GET /stats. Every accepted article is committed to the
store (SQLite, in the data folder) before the answer is sent; on start the index is rebuilt
from it. SIGINT or SIGTERM stops the service after answering what is queued.")]
    Serve {
        /// Folder of the store; created if missing.
        #[arg(long, value_name = "PATH")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: std::net::SocketAddr,
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
    },
    /// Print the configuration in TOML, for editing and passing back with --config.
    Config {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Cluster articles and save the detector to a file.
    #[command(after_help = "\
Example:
  copydesk index build ../archive/*.jsonl -o archive.cdx

The file is written to a temporary name and renamed into place: a crash leaves the old
index or the new one. It is versioned and checksummed; a damaged file is refused.")]
    Build {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// Where to write the index.
        #[arg(short, long, value_name = "INDEX")]
        output: PathBuf,
        #[command(flatten)]
        mode: ModeArgs,
    },
    /// Describe a saved index.
    Info {
        /// An index written by `copydesk index build`.
        index: PathBuf,
    },
}

#[derive(Args)]
struct InputArgs {
    /// Folders, .txt/.md files, JSONL files, or - for JSONL on stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// JSONL field holding the article id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// JSONL field holding the article text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Skip broken JSONL lines (reported and counted) instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
}

/// How the articles go in, and whether their stories are revised once all are in: shared by
/// `cluster` and `eval`.
#[derive(Args)]
struct ModeArgs {
    /// Insert one article at a time, as an ingest service would, instead of in batches
    /// whose term statistics are counted before any article is weighed; and keep the stories
    /// so decided, as an ingest service does, unless --recluster or --merge asks otherwise.
    #[arg(long)]
    stream: bool,
    /// Once every article is in, re-form all stories at once (`Detector::recluster`:
    /// average-link clustering over the candidates each article weighed). The default
    /// without --stream. Output is written at the end.
    #[arg(long, conflicts_with_all = ["merge", "no_revise"])]
    recluster: bool,
    /// Once every article is in, merge stories that resemble each other as wholes
    /// (`Detector::merge_stories`: average- and complete-link between their members),
    /// instead of re-forming them. Output is written at the end.
    #[arg(long, conflicts_with = "no_revise")]
    merge: bool,
    /// Keep the stories as each article's decision made them: nothing is revised once the
    /// articles are in, and output is written as they are decided.
    #[arg(long)]
    no_revise: bool,
}

/// What is done to the stories once every article is in.
#[derive(Clone, Copy, PartialEq)]
enum Revision {
    None,
    Merge,
    Recluster,
}

impl ModeArgs {
    /// `stream` or `batch`.
    fn name(&self) -> &'static str {
        if self.stream {
            "stream"
        } else {
            "batch"
        }
    }

    fn revision(&self) -> Revision {
        if self.merge {
            Revision::Merge
        } else if self.recluster || !(self.stream || self.no_revise) {
            Revision::Recluster
        } else {
            Revision::None
        }
    }

    /// Stories can change after the articles are in.
    fn revises(&self) -> bool {
        self.revision() != Revision::None
    }

    /// Revises the stories as asked, once every article is in, and says what changed (`None`
    /// when nothing was asked). Re-forming them [finishes](Detector::finish) the detector:
    /// nothing more is inserted, so its lookup indexes are freed first, which keeps a large
    /// batch's peak memory that of reading it.
    fn revise(&self, mut detector: Detector) -> (Revised, Option<String>) {
        match self.revision() {
            Revision::Merge => {
                let note = format!("{} merges", detector.merge_stories());
                (Revised::Kept(detector), Some(note))
            }
            Revision::Recluster => {
                let start = Instant::now();
                let stories = detector.finish();
                let note = format!(
                    "reclustered in {:.1} s: {} articles changed story",
                    start.elapsed().as_secs_f64(),
                    stories.changed()
                );
                (Revised::Finished(stories), Some(note))
            }
            Revision::None => (Revised::Kept(detector), None),
        }
    }
}

/// A batch's stories once revised: [finished](Detector::finish) when they were re-formed,
/// the detector as it is otherwise.
enum Revised {
    Finished(copydesk::Finished),
    Kept(Detector),
}

impl Revised {
    fn verdicts(&self) -> Box<dyn Iterator<Item = (&str, Verdict)> + '_> {
        match self {
            Revised::Finished(f) => Box::new(f.verdicts()),
            Revised::Kept(d) => Box::new(d.verdicts()),
        }
    }

    fn story_of(&self, id: &str) -> Option<copydesk::StoryId> {
        match self {
            Revised::Finished(f) => f.story_of(id),
            Revised::Kept(d) => d.story_of(id),
        }
    }

    fn stats(&self) -> copydesk::Stats {
        match self {
            Revised::Finished(f) => f.stats(),
            Revised::Kept(d) => d.stats(),
        }
    }

    fn save_file(&self, path: &Path) -> copydesk::Result<()> {
        match self {
            Revised::Finished(f) => f.save_file(path),
            Revised::Kept(d) => d.save_file(path),
        }
    }
}

#[derive(Args)]
struct ConfigArgs {
    /// Detector configuration in TOML (see `copydesk config`); options below override it.
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Estimated Jaccard similarity of word shingles from which an article is a near copy.
    #[arg(long, value_name = "0..1")]
    threshold: Option<f64>,
    /// Average term-vector cosine to a story's members from which an article joins it as it
    /// arrives (story.linkage.min_average).
    #[arg(long, value_name = "0..1")]
    story_threshold: Option<f32>,
    /// Average relative similarity (a link over its articles' fifth-strongest) from which
    /// re-clustering merges two groups (story.min_relative_average).
    #[arg(long, value_name = "RATIO")]
    recluster_threshold: Option<f32>,
    /// Only exact and near copies: no story-level linking of rewrites.
    #[arg(long)]
    no_stories: bool,
}

impl ConfigArgs {
    fn load(&self) -> Result<DetectorConfig> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                toml::from_str(&text).with_context(|| format!("{}: invalid", path.display()))?
            }
            None => DetectorConfig::default(),
        };
        if let Some(t) = self.threshold {
            config.near_copy = t;
        }
        if let Some(t) = self.story_threshold {
            config.story.linkage.min_average = t;
        }
        if let Some(t) = self.recluster_threshold {
            config.story.min_relative_average = t;
        }
        if self.no_stories {
            config.story.enabled = false;
        }
        // Check now, to report a bad value before reading any input.
        Detector::new(config.clone())?;
        Ok(config)
    }
}

impl InputArgs {
    fn fields(&self) -> Fields {
        Fields {
            id: self.id_field.clone(),
            text: self.text_field.clone(),
            ..Fields::default()
        }
    }
}

/// Progress, warnings and the summary, all on stderr.
pub struct Ui {
    bar: ProgressBar,
    quiet: bool,
    warnings: Cell<u64>,
}

/// Warnings printed before the rest are only counted.
const MAX_WARNINGS: u64 = 20;

impl Ui {
    fn new(quiet: bool, total_bytes: Option<u64>) -> Rc<Ui> {
        let show = !quiet && std::io::stderr().is_terminal();
        let bar = match (show, total_bytes) {
            (false, _) => ProgressBar::hidden(),
            (true, Some(n)) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {binary_bytes}/{binary_total_bytes} · {msg} · eta {eta}",
                    )
                    .expect("valid template"),
                ),
            (true, None) => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template("{spinner} {binary_bytes} · {msg}")
                        .expect("valid template"),
                ),
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        Rc::new(Ui {
            bar,
            quiet,
            warnings: Cell::new(0),
        })
    }

    fn warn(&self, msg: &str) {
        let n = self.warnings.get() + 1;
        self.warnings.set(n);
        if self.quiet || n > MAX_WARNINGS {
            return;
        }
        self.bar.suspend(|| {
            eprintln!("warning: {msg}");
            if n == MAX_WARNINGS {
                eprintln!("warning: further warnings are only counted");
            }
        });
    }

    fn progress(&self, bytes: u64, articles: u64, start: Instant) {
        self.bar.set_position(bytes);
        let rate = articles as f64 / start.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{articles} articles · {rate:.0}/s"));
    }

    fn summary(&self, msg: &str) {
        self.bar.finish_and_clear();
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
}

/// What a run read and did.
#[derive(Default)]
struct Totals {
    articles: u64,
    rejected: u64,
    bytes: u64,
}

/// Articles read per batch: enough to keep every core busy, few enough to bound memory.
const BATCH_ARTICLES: usize = 4096;
const BATCH_BYTES: usize = 64 << 20;

/// Reads every article and inserts it; `each` sees every article's outcome in input order.
/// In batches, the next batch is read and analysed (on rayon's pool) while this one is
/// inserted (on a thread of its own): reading and analysing no longer leave the insert
/// waiting. Analysis depends on the configuration only, so the verdicts are those of
/// [`Detector::par_insert_batch`].
fn insert_all(
    detector: &mut Detector,
    articles: &mut Articles,
    ui: &Ui,
    stream: bool,
    mut each: impl FnMut(&Article, &Verdict) -> Result<()>,
) -> Result<Totals> {
    if stream {
        return process_all(
            articles,
            ui,
            1,
            |batch| {
                batch
                    .iter()
                    .map(|a| detector.insert(&a.id, &a.text))
                    .collect()
            },
            each,
        );
    }
    use rayon::prelude::*;
    use std::sync::mpsc::sync_channel;
    let analyzer = Detector::new(detector.config().clone())?;
    let start = Instant::now();
    let mut totals = Totals::default();
    let mut failed = None;
    std::thread::scope(|scope| -> Result<()> {
        // Rendezvous channels: one batch is inserted while the next is read and analysed, and
        // no more are held, so memory stays bounded.
        let (to_insert, analysed) = sync_channel::<(Vec<Article>, Vec<copydesk::Result<_>>)>(0);
        let (to_report, decided) = sync_channel(0);
        scope.spawn(move || {
            for (batch, analyses) in analysed {
                let ids: Vec<&str> = batch.iter().map(|a: &Article| a.id.as_str()).collect();
                let verdicts = detector.par_insert_analyzed_batch(&ids, analyses);
                drop(ids);
                if to_report.send((batch, verdicts)).is_err() {
                    return;
                }
            }
        });
        let mut inserting = false;
        loop {
            let batch = read_batch(articles, BATCH_ARTICLES, &mut failed);
            let analyses: Vec<_> = batch
                .par_iter()
                .map(|a| analyzer.analyze(&a.text))
                .collect();
            if inserting {
                let (done, verdicts) = decided.recv().expect("the inserting thread answers");
                report(&done, verdicts, &mut totals, ui, &mut each)?;
                ui.progress(articles.counters.bytes, totals.articles, start);
            }
            if batch.is_empty() {
                return Ok(());
            }
            to_insert
                .send((batch, analyses))
                .expect("the inserting thread takes batches");
            inserting = true;
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(totals),
    }
}

/// The next batch: up to `max_batch` articles and about [`BATCH_BYTES`] of text, fewer at the
/// end of the input or at a read error, which is kept in `failed` and ends the reading.
fn read_batch(
    articles: &mut Articles,
    max_batch: usize,
    failed: &mut Option<anyhow::Error>,
) -> Vec<Article> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    while failed.is_none() && batch.len() < max_batch && bytes < BATCH_BYTES {
        match articles.next_article() {
            Ok(Some(a)) => {
                bytes += a.text.len();
                batch.push(a);
            }
            Ok(None) => break,
            Err(e) => *failed = Some(e),
        }
    }
    batch
}

/// Passes every decided article of a batch to `each`, in order; articles the detector
/// refused (no words, too large, id conflict) are reported and counted.
fn report(
    batch: &[Article],
    verdicts: Vec<copydesk::Result<Verdict>>,
    totals: &mut Totals,
    ui: &Ui,
    each: &mut impl FnMut(&Article, &Verdict) -> Result<()>,
) -> Result<()> {
    for (a, v) in batch.iter().zip(verdicts) {
        totals.articles += 1;
        totals.bytes += a.text.len() as u64;
        match v {
            Ok(v) => each(a, &v)?,
            Err(e) => {
                totals.rejected += 1;
                ui.warn(&format!("{}: {}: {e}; left out", a.origin, a.id));
            }
        }
    }
    Ok(())
}

/// Reads articles in batches of up to `max_batch`, gives each batch to `decide`, and passes
/// every article's verdict to `each` in input order. Articles the detector refuses (no
/// words, too large, id conflict) are reported and counted. A read error ends the run, but
/// only after the articles read before it have been decided and passed on.
fn process_all(
    articles: &mut Articles,
    ui: &Ui,
    max_batch: usize,
    mut decide: impl FnMut(&[Article]) -> Vec<copydesk::Result<Verdict>>,
    mut each: impl FnMut(&Article, &Verdict) -> Result<()>,
) -> Result<Totals> {
    let start = Instant::now();
    let mut totals = Totals::default();
    let mut failed = None;
    loop {
        let batch = read_batch(articles, max_batch, &mut failed);
        if batch.is_empty() {
            break;
        }
        report(&batch, decide(&batch), &mut totals, ui, &mut each)?;
        ui.progress(articles.counters.bytes, totals.articles, start);
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(totals),
    }
}

fn open_output(format: Option<Format>) -> Output {
    let stdout = std::io::stdout();
    let format = format.unwrap_or(if stdout.is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    Output::new(format, Box::new(stdout.lock()))
}

fn open_input(input: &InputArgs, fields: Fields, ui: &Rc<Ui>) -> Result<Articles> {
    let warn_ui = Rc::clone(ui);
    Articles::open(
        &input.paths,
        fields,
        input.skip_invalid,
        Box::new(move |m| warn_ui.warn(m)),
    )
}

/// The tolerated problems, for the summary line.
fn tolerated(articles: &Articles, totals: &Totals) -> String {
    let c = &articles.counters;
    let mut parts = Vec::new();
    if c.skipped > 0 {
        parts.push(format!("{} broken lines skipped", c.skipped));
    }
    if c.lossy > 0 {
        parts.push(format!("{} with invalid UTF-8 decoded lossily", c.lossy));
    }
    if totals.rejected > 0 {
        parts.push(format!("{} left out", totals.rejected));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// `1 article`, `2 articles`, `1 story`, `2 stories`.
fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (n, Some(stem)) => format!("{n} {stem}ies"),
        (n, None) => format!("{n} {noun}s"),
    }
}

fn rate(totals: &Totals, secs: f64) -> String {
    format!(
        "{:.1} MB in {secs:.2} s ({:.0} articles/s)",
        totals.bytes as f64 / 1e6,
        totals.articles as f64 / secs.max(1e-9)
    )
}

/// Leaves `value`'s memory to the operating system, for a command about to return to `main`
/// and exit: a detector is millions of small allocations (articles, term vectors, band
/// lists), which dropping frees one at a time, half a second at a million articles, where
/// the process's exit takes its whole address space back at once. Only for values whose drop
/// does nothing but free memory; files are flushed and closed before this.
fn free_at_exit<T>(value: T) {
    std::mem::forget(value);
}

fn cluster(
    input: &InputArgs,
    config: &ConfigArgs,
    format: Option<Format>,
    mode: &ModeArgs,
    quiet: bool,
) -> Result<()> {
    let mut detector = Detector::new(config.load()?)?;
    let ui = Ui::new(quiet, Articles::total_bytes(&input.paths));
    let mut articles = open_input(input, input.fields(), &ui)?;
    let mut out = open_output(format);
    let start = Instant::now();
    // When the stories are revised once all articles are in, an article's story can still
    // change after it is read: the lines are written at the end, in input order (an id given
    // twice with the same text, once). A read error ends the run, but the articles read
    // before it are revised and written first.
    let read = insert_all(&mut detector, &mut articles, &ui, mode.stream, |a, v| {
        if !mode.revises() {
            out.row(Row::new(a.id.clone(), v, true))?;
        }
        Ok(())
    });
    let (revised, note) = mode.revise(detector);
    let merges = match note {
        Some(note) => {
            for (id, v) in revised.verdicts() {
                out.row(Row::new(id.to_string(), &v, true))?;
            }
            format!(" ({note})")
        }
        None => String::new(),
    };
    let s = revised.stats();
    out.finish()?;
    let totals = read?;
    ui.summary(&format!(
        "{} in {}{merges}, {}{}",
        count(s.articles, "article"),
        count(s.stories, "story"),
        rate(&totals, start.elapsed().as_secs_f64()),
        tolerated(&articles, &totals)
    ));
    free_at_exit(revised);
    Ok(())
}

/// Builds and saves an index. Its stories are those `cluster` gives with the same mode.
fn index_build(
    input: &InputArgs,
    config: &ConfigArgs,
    output: &Path,
    mode: &ModeArgs,
    quiet: bool,
) -> Result<()> {
    let mut detector = Detector::new(config.load()?)?;
    let ui = Ui::new(quiet, Articles::total_bytes(&input.paths));
    let mut articles = open_input(input, input.fields(), &ui)?;
    let start = Instant::now();
    let totals = insert_all(
        &mut detector,
        &mut articles,
        &ui,
        mode.stream,
        |_, _| Ok(()),
    )?;
    // A finished detector saves the same file; loading it builds the lookup indexes again.
    let (revised, note) = mode.revise(detector);
    let revision = note.map(|n| format!(" ({n})")).unwrap_or_default();
    revised.save_file(output)?;
    let s = revised.stats();
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    ui.summary(&format!(
        "{}: {} in {}{revision}, {:.1} MB on disk; {}{}",
        output.display(),
        count(s.articles, "article"),
        count(s.stories, "story"),
        size as f64 / 1e6,
        rate(&totals, start.elapsed().as_secs_f64()),
        tolerated(&articles, &totals)
    ));
    free_at_exit(revised);
    Ok(())
}

fn index_info(index: &Path) -> Result<()> {
    let detector = Detector::load_file(index)?;
    let s = detector.stats();
    let size = std::fs::metadata(index).map(|m| m.len()).unwrap_or(0);
    println!("{}", index.display());
    println!("  format version   {}", copydesk::detector::FORMAT_VERSION);
    println!("  size             {:.1} MB", size as f64 / 1e6);
    println!("  articles         {}", s.articles);
    println!("  stories          {}", s.stories);
    println!("  documents seen   {}", s.documents_seen);
    println!("  distinct terms   {}", s.terms);
    let lsh = detector.lsh_params();
    println!(
        "  lsh              {} bands of {} rows",
        lsh.bands, lsh.rows
    );
    println!(
        "\n# configuration\n{}",
        toml::to_string_pretty(detector.config())?
    );
    Ok(())
}

fn query(index: &Path, input: &InputArgs, format: Option<Format>, quiet: bool) -> Result<()> {
    use rayon::prelude::*;
    let detector = Detector::load_file(index)?;
    let ui = Ui::new(quiet, Articles::total_bytes(&input.paths));
    let mut articles = open_input(input, input.fields(), &ui)?;
    let mut out = open_output(format);
    let start = Instant::now();
    let mut matched = 0u64;
    let totals = process_all(
        &mut articles,
        &ui,
        BATCH_ARTICLES,
        |batch| batch.par_iter().map(|a| detector.query(&a.text)).collect(),
        |a, v| {
            matched += u64::from(v.matched.is_some());
            Ok(out.row(Row::new(a.id.clone(), v, false))?)
        },
    )?;
    out.finish()?;
    ui.summary(&format!(
        "{} articles checked against {} indexed, {matched} matched; {}{}",
        totals.articles,
        detector.len(),
        rate(&totals, start.elapsed().as_secs_f64()),
        tolerated(&articles, &totals)
    ));
    free_at_exit(detector);
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("starting the thread pool")?;
    }
    match cli.command {
        Command::Cluster {
            input,
            config,
            format,
            mode,
        } => cluster(&input, &config, format, &mode, cli.quiet),
        Command::Index(IndexCommand::Build {
            input,
            config,
            output,
            mode,
        }) => index_build(&input, &config, &output, &mode, cli.quiet),
        Command::Index(IndexCommand::Info { index }) => index_info(&index),
        Command::Query {
            index,
            input,
            format,
        } => query(&index, &input, format, cli.quiet),
        Command::Eval(args) => eval::run(&args, cli.quiet),
        #[cfg(feature = "serve")]
        Command::Serve {
            data,
            listen,
            retention_days,
            max_body_bytes,
            recluster_every,
            config,
        } => {
            if retention_days.is_nan() || retention_days <= 0.0 {
                anyhow::bail!("--retention-days must be over 0, got {retention_days}");
            }
            if recluster_every.is_nan() || recluster_every < 0.0 {
                anyhow::bail!("--recluster-every must be 0 or more, got {recluster_every}");
            }
            serve::run(serve::Options {
                data,
                listen,
                config: config.load()?,
                retention: (retention_days * 86_400.0) as i64,
                max_body: max_body_bytes,
                recluster_every: match recluster_every {
                    0.0 => None,
                    m => Some(
                        std::time::Duration::try_from_secs_f64(m * 60.0)
                            .with_context(|| format!("--recluster-every {m}"))?,
                    ),
                },
            })
        }
        Command::Config { config } => {
            print!("{}", toml::to_string_pretty(&config.load()?)?);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`copydesk cluster … | head`) is the reader's choice, not an error.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let hint = match e.downcast_ref::<copydesk::Error>().map(|e| e.kind()) {
                Some(ErrorKind::CorruptIndex { .. }) => {
                    "\nhint: rebuild it with `copydesk index build`"
                }
                _ => "",
            };
            eprintln!("error: {e:#}{hint}");
            ExitCode::from(1)
        }
    }
}
