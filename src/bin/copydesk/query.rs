//! `copydesk query`: articles checked against a saved index, which is not changed.

use crate::args::InputArgs;
use crate::ingest::{free_at_exit, open_input, open_output, process_all, BATCH_ARTICLES};
use crate::input::Articles;
use crate::output::{Format, Row};
use crate::ui::{rate, tolerated, Ui};
use anyhow::Result;
use copydesk::{Detector, Verdict};
use std::path::PathBuf;
use std::time::Instant;

/// `copydesk query`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk index build archive/ -o archive.cdx
  copydesk query archive.cdx today.jsonl
  copydesk query archive.cdx today.jsonl --no-group

Each article is checked against the index and, unless --no-group, against the articles
queried before it, so that today's articles that belong together are grouped; the index file
is not changed.

Output fields as for cluster, and group: story is the indexed story the article belongs to
(empty when none), of the article it matched (indexed or queried), group the story it forms
with the other queried articles (the indexed story's id when it joined one). Kind new: it
matched nothing before it.")]
pub(crate) struct QueryArgs {
    /// An index written by `copydesk index build`.
    index: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Check each article against the index only, not against the other queried articles.
    #[arg(long)]
    no_group: bool,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(short, long, value_enum)]
    format: Option<Format>,
}

/// A queried article's id inside the detector: apart from every indexed id, so that a query
/// named as an indexed article is checked, not taken for it.
fn inner_id(id: &str) -> String {
    format!("\0{id}")
}

pub(crate) fn run(args: &QueryArgs, quiet: bool) -> Result<()> {
    let QueryArgs {
        index,
        input,
        no_group,
        format,
    } = args;
    let format = *format;
    use rayon::prelude::*;
    let mut detector = Detector::load_file(index)?;
    let indexed = detector.len();
    let ui = Ui::new(quiet, Articles::total_bytes(&input.paths));
    let mut articles = open_input(input, input.fields(), &ui)?;
    let mut out = open_output(format);
    out.with_groups();
    let start = Instant::now();
    let (mut matched, mut grouped) = (0u64, 0u64);
    // Stories numbered from here on were founded by queried articles.
    let first_new: std::cell::Cell<Option<u64>> = std::cell::Cell::new(None);
    let totals = if *no_group {
        process_all(
            &mut articles,
            &ui,
            BATCH_ARTICLES,
            |batch| {
                batch
                    .par_iter()
                    .map(|a| {
                        // No existing story: a verdict of its own, without a story.
                        detector.query_article(&a.to_detector()).map(|v| {
                            v.unwrap_or(Verdict {
                                id: a.id.clone(),
                                story: copydesk::StoryId(u64::MAX),
                                matched: None,
                            })
                        })
                    })
                    .collect()
            },
            |a, v| {
                matched += u64::from(v.matched.is_some());
                let story = v.matched.is_some().then_some(v.story.0);
                Ok(out.row(Row::new(a.id.clone(), v, false).grouped(story, story))?)
            },
        )?
    } else {
        let analyzer = Detector::new(detector.config().clone())?;
        process_all(
            &mut articles,
            &ui,
            BATCH_ARTICLES,
            |batch| {
                let ids: Vec<String> = batch.iter().map(|a| inner_id(&a.id)).collect();
                let analyses = batch
                    .par_iter()
                    .map(|a| analyzer.analyze_at(&a.text, a.published))
                    .collect();
                let verdicts = detector.par_insert_analyzed_batch(&ids, analyses);
                if first_new.get().is_none() {
                    first_new.set(
                        ids.iter()
                            .find_map(|id| detector.record(id))
                            .map(|r| u64::from(r.number)),
                    );
                }
                verdicts
            },
            |a, v| {
                let mut row = Row::new(a.id.clone(), v, true);
                if let Some(of) = row.of.take() {
                    row.of = Some(match of.strip_prefix('\0') {
                        Some(queried) => {
                            grouped += 1;
                            queried.to_string()
                        }
                        None => {
                            matched += 1;
                            of
                        }
                    });
                }
                let in_index = first_new.get().is_some_and(|n| v.story.0 < n);
                Ok(out.row(row.grouped(in_index.then_some(v.story.0), Some(v.story.0)))?)
            },
        )?
    };
    out.finish()?;
    let grouped = if *no_group {
        String::new()
    } else {
        format!(", {grouped} to another queried article")
    };
    ui.summary(&format!(
        "{} articles checked against {indexed} indexed: {matched} matched an indexed \
         article{grouped}; {}{}",
        totals.articles,
        rate(&totals, start.elapsed().as_secs_f64()),
        tolerated(&articles, &totals)
    ));
    free_at_exit(detector);
    Ok(())
}
