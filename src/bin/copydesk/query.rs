//! `copydesk query`: articles checked against a saved index, which is not changed.

use crate::args::InputArgs;
use crate::ingest::{free_at_exit, open_input, open_output, process_all, BATCH_ARTICLES};
use crate::input::Articles;
use crate::output::{Format, Row};
use crate::ui::{rate, tolerated, Ui};
use anyhow::Result;
use copydesk::Detector;
use std::path::PathBuf;
use std::time::Instant;

/// `copydesk query`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk index build archive/ -o archive.cdx
  copydesk query archive.cdx today.jsonl

Output fields as for cluster; an article that matches nothing has kind new and no story.")]
pub(crate) struct QueryArgs {
    /// An index written by `copydesk index build`.
    index: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(short, long, value_enum)]
    format: Option<Format>,
}

pub(crate) fn run(args: &QueryArgs, quiet: bool) -> Result<()> {
    let QueryArgs {
        index,
        input,
        format,
    } = args;
    let format = *format;
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
