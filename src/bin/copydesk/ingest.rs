//! Reading articles and inserting them: a batch is read and analysed on rayon's pool while the
//! one before is inserted, and every article's outcome is passed on in input order. Shared by
//! `cluster`, `index build`, `query` and `eval`; it decides nothing about output.

use crate::args::InputArgs;
use crate::input::{Article, Articles, Fields};
use crate::output::{Format, Output};
use crate::ui::Ui;
use anyhow::Result;
use copydesk::{Detector, Verdict};
use std::io::IsTerminal;
use std::rc::Rc;
use std::time::Instant;

/// What a run read and did.
#[derive(Default)]
pub(crate) struct Totals {
    pub(crate) articles: u64,
    pub(crate) rejected: u64,
    pub(crate) bytes: u64,
}

/// Articles read per batch: enough to keep every core busy, few enough to bound memory.
pub(crate) const BATCH_ARTICLES: usize = 4096;

pub(crate) const BATCH_BYTES: usize = 64 << 20;

/// Articles read, then analysed as one job on rayon's pool, at a time. A batch's first piece is
/// analysed while the next is read, so the pipeline fills after a piece rather than a batch.
/// And rayon's threads finish the work they have split (a job's pieces, in their own queues)
/// before taking a job queued from outside the pool: the inserting thread's parallel steps,
/// queued behind one piece rather than a whole batch's analysis, wait a few milliseconds at
/// most. A few hundred articles are a few milliseconds of work on one thread, and a job's
/// overhead is microseconds.
const ANALYSIS_PIECE: usize = 256;

/// Reads every article and inserts it; `each` sees every article's outcome in input order.
/// In batches, the next batch is read and analysed (on rayon's pool) while this one is
/// inserted (on a thread of its own): reading and analysing no longer leave the insert
/// waiting. Analysis depends on the configuration only, so the verdicts are those of
/// [`Detector::par_insert_batch`].
pub(crate) fn insert_all(
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
                    .map(|a| detector.insert_article(&a.to_detector()))
                    .collect()
            },
            each,
        );
    }
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
            let (batch, analyses) = read_and_analyse(articles, &analyzer, &mut failed);
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

/// The next batch as [`read_batch`] reads it, with each article's analysis: read
/// [`ANALYSIS_PIECE`] articles at a time, each piece analysed on rayon's pool while the next
/// is read.
fn read_and_analyse(
    articles: &mut Articles,
    analyzer: &Detector,
    failed: &mut Option<anyhow::Error>,
) -> (Vec<Article>, Vec<copydesk::Result<copydesk::Analysis>>) {
    let (done, pieces) = std::sync::mpsc::channel();
    let mut count = 0;
    let mut bytes = 0;
    rayon::in_place_scope(|scope| {
        for i in 0.. {
            let room = ANALYSIS_PIECE.min(BATCH_ARTICLES - count);
            let piece = read_piece(articles, room, &mut bytes, failed);
            if piece.is_empty() {
                break;
            }
            count += piece.len();
            let done = done.clone();
            scope.spawn(move |_| {
                let analyses: Vec<_> = (piece.iter())
                    .map(|a| analyzer.analyze_at(&a.text, a.published))
                    .collect();
                let _ = done.send((i, piece, analyses));
            });
            if count == BATCH_ARTICLES || bytes >= BATCH_BYTES || failed.is_some() {
                break;
            }
        }
    });
    drop(done);
    let mut pieces: Vec<_> = pieces.into_iter().collect();
    pieces.sort_unstable_by_key(|p| p.0);
    let mut batch = Vec::with_capacity(count);
    let mut analyses = Vec::with_capacity(count);
    for (_, piece, analysed) in pieces {
        batch.extend(piece);
        analyses.extend(analysed);
    }
    (batch, analyses)
}

/// The next batch: up to `max_batch` articles and about [`BATCH_BYTES`] of text, fewer at the
/// end of the input or at a read error, which is kept in `failed` and ends the reading.
pub(crate) fn read_batch(
    articles: &mut Articles,
    max_batch: usize,
    failed: &mut Option<anyhow::Error>,
) -> Vec<Article> {
    read_piece(articles, max_batch, &mut 0, failed)
}

/// Up to `max` articles while `bytes`, the text read for the batch so far, is under
/// [`BATCH_BYTES`]; fewer at the end of the input or at a read error, which is kept in
/// `failed` and ends the reading.
fn read_piece(
    articles: &mut Articles,
    max: usize,
    bytes: &mut usize,
    failed: &mut Option<anyhow::Error>,
) -> Vec<Article> {
    let mut piece = Vec::new();
    while failed.is_none() && piece.len() < max && *bytes < BATCH_BYTES {
        match articles.next_article() {
            Ok(Some(a)) => {
                *bytes += a.text.len();
                piece.push(a);
            }
            Ok(None) => break,
            Err(e) => *failed = Some(e),
        }
    }
    piece
}

/// Passes every decided article of a batch to `each`, in order; articles the detector
/// refused (no words, too large, id conflict) are reported and counted.
pub(crate) fn report(
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
pub(crate) fn process_all(
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

pub(crate) fn open_output(format: Option<Format>) -> Output {
    let stdout = std::io::stdout();
    let format = format.unwrap_or(if stdout.is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    Output::new(format, Box::new(stdout.lock()))
}

pub(crate) fn open_input(input: &InputArgs, fields: Fields, ui: &Rc<Ui>) -> Result<Articles> {
    let warn_ui = Rc::clone(ui);
    Articles::open(
        &input.paths,
        fields,
        input.skip_invalid,
        Box::new(move |m| warn_ui.warn(m)),
    )
}

/// Leaves `value`'s memory to the operating system, for a command about to return to `main`
/// and exit: a detector is millions of small allocations (articles, term vectors, band
/// lists), which dropping frees one at a time, half a second at a million articles, where
/// the process's exit takes its whole address space back at once. Only for values whose drop
/// does nothing but free memory; files are flushed and closed before this.
pub(crate) fn free_at_exit<T>(value: T) {
    std::mem::forget(value);
}
