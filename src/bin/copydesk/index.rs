//! `copydesk index build` and `copydesk index info`: save a detector to a file, and describe one.

use crate::args::{ConfigArgs, InputArgs, ModeArgs};
use crate::ingest::{free_at_exit, insert_all, open_input};
use crate::input::Articles;
use crate::ui::{count, rate, tolerated, Ui};
use anyhow::Result;
use clap::Subcommand;
use copydesk::Detector;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub(crate) enum IndexCommand {
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

/// Builds and saves an index. Its stories are those `cluster` gives with the same mode.
fn build(
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

fn info(index: &Path) -> Result<()> {
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

/// Runs an `index` subcommand.
pub(crate) fn run(command: &IndexCommand, quiet: bool) -> Result<()> {
    match command {
        IndexCommand::Build {
            input,
            config,
            output,
            mode,
        } => build(input, config, output, mode, quiet),
        IndexCommand::Info { index } => info(index),
    }
}
