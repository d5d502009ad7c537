//! `copydesk`: find copies and rewrites of news stories from the shell.
//!
//! One module per subcommand (`cluster`, `index`, `query`, `eval`, `serve`, `completions`),
//! over shared parts: the options several commands take (`args`), reading articles (`input`),
//! inserting them in batches (`ingest`), writing verdicts (`output`) and progress and summary
//! lines on stderr (`ui`). This file holds the command line's shape and the exit status.
//!
//! Exit status: 0 when the run completed, 1 on an input or file error (a broken JSON line,
//! an unreadable or corrupt index), 2 on a usage error (an unknown option, a bad option value
//! or configuration).

// Public so that `fuzz/` can compile this command line as a module of its targets and feed
// its readers and its service in process.
pub mod args;
pub mod cluster;
pub mod completions;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod input;
pub mod output;
#[cfg(feature = "serve")]
pub mod procfs;
pub mod query;
#[cfg(feature = "serve")]
pub mod serve;
pub mod ui;
pub mod when;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use copydesk::ErrorKind;
use std::process::ExitCode;

const EXIT_STATUS: &str = "\
Exit status:
  0  the run completed (articles with no words are reported and left out)
  1  an input or file error: unreadable path, broken JSON line, corrupt index
  2  a usage error: unknown option, bad option value or configuration";

/// The command line.
#[derive(Parser)]
#[command(
    name = "copydesk",
    version,
    about = "Find copies and rewrites of news stories: which articles are versions of one story.",
    after_help = EXIT_STATUS
)]
pub struct Cli {
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
    Cluster(cluster::ClusterArgs),
    /// Build or inspect a saved index.
    #[command(subcommand)]
    Index(index::IndexCommand),
    /// Check articles against a saved index, without adding them.
    Query(query::QueryArgs),
    /// Score clustering against labelled articles.
    Eval(eval::EvalArgs),
    /// Run the HTTP ingest service, its store in a folder.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
    /// Print the configuration in TOML, for editing and passing back with --config.
    Config {
        #[command(flatten)]
        config: args::ConfigArgs,
    },
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), e.g. `copydesk man > copydesk.1`.
    Man,
}

/// A usage error found after the command line was parsed: a bad option value, a bad
/// combination, an invalid configuration. Exits 2, as clap's own usage errors do.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        if n == 0 {
            return Err(Usage("--threads must be at least 1, got 0".into()).into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("starting the thread pool")?;
    }
    match cli.command {
        Command::Cluster(args) => cluster::run(&args, cli.quiet),
        Command::Index(command) => index::run(&command, cli.quiet),
        Command::Query(args) => query::run(&args, cli.quiet),
        Command::Eval(args) => eval::run(&args, cli.quiet),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args.options()?),
        Command::Config { config } => {
            print!("{}", toml::to_string_pretty(&config.load()?)?);
            Ok(())
        }
        Command::Completions(args) => completions::completions(&args),
        Command::Man => completions::man(),
    }
}

/// mimalloc, not the system's allocator: a run is millions of small allocations (each
/// article's terms, vectors, links and postings), made on rayon's threads and often freed on
/// another, which its per-thread free lists serve without a lock. What it saves, and what it
/// costs in peak memory, against the system's allocator: docs/performance.md.
///
/// Not in fuzz builds, which compile this file into their targets (`fuzz/fuzz_targets/cli`):
/// the sanitizer there watches the system allocator's calls.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            if e.chain().any(|c| c.is::<Usage>()) {
                eprintln!("error: {e:#}\n\nFor more information, try '--help'.");
                return ExitCode::from(2);
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
