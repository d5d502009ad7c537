//! `copydesk cluster`: articles in, one verdict per article out, with the stories revised once
//! every article is in (unless asked otherwise).

use crate::args::{ConfigArgs, InputArgs, ModeArgs};
use crate::ingest::{free_at_exit, insert_all, open_input, open_output};
use crate::input::Articles;
use crate::output::{Format, Row};
use crate::ui::{count, rate, tolerated, Ui};
use anyhow::Result;
use copydesk::Detector;
use std::time::Instant;

/// `copydesk cluster`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk cluster examples/articles
  copydesk cluster wires.jsonl --format csv > verdicts.csv
  zcat feed.jsonl.gz | copydesk cluster - --skip-invalid

PATH is a folder of .txt/.md files (id = file name without extension), a .txt/.md file,
a JSONL file (one {\"id\", \"text\"} object per line), or - for JSONL on stdin.

Output fields: id, story (the story's id), of (the earlier article it matched, empty for
the first of a story), similarity, kind (new, exact, near_copy, rewrite).")]
pub(crate) struct ClusterArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    config: ConfigArgs,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(short, long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    mode: ModeArgs,
}

pub(crate) fn run(args: &ClusterArgs, quiet: bool) -> Result<()> {
    let ClusterArgs {
        input,
        config,
        format,
        mode,
    } = args;
    let format = *format;
    let mut detector = Detector::new(config.load()?)?;
    let ui = Ui::new(quiet, Articles::total_bytes(&input.paths));
    let mut articles = open_input(input, input.fields(), &ui)?;
    let mut out = open_output(format);
    let start = Instant::now();
    // When the stories are revised once all articles are in, an article's story can still
    // change after it is read: the lines are written at the end, in the order the articles
    // were numbered, by publication time where known, else input order (an id given twice
    // with the same text, once). A read error ends the run, but the articles read before it
    // are revised and written first.
    let read = insert_all(&mut detector, &mut articles, &ui, mode.stream, |a, v| {
        if !mode.revises() {
            out.row(Row::new(a.id.clone(), v, true))?;
        }
        Ok(())
    });
    if !mode.revises() {
        // Verdicts written before an older version of their story arrived: written again,
        // as they are now. The last line for an id is its verdict.
        for (id, v) in detector.take_revised() {
            out.row(Row::new(id, &v, true))?;
        }
    }
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
