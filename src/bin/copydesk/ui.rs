//! Progress, warnings and the summary line, all on stderr: what a person watching a run sees.
//! It never writes to stdout, which is the verdicts'.

use crate::ingest::Totals;
use crate::input::Articles;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::Cell;
use std::io::IsTerminal;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Progress, warnings and the summary, all on stderr.
pub(crate) struct Ui {
    bar: ProgressBar,
    quiet: bool,
    warnings: Cell<u64>,
}

/// Warnings printed before the rest are only counted.
pub(crate) const MAX_WARNINGS: u64 = 20;

impl Ui {
    pub(crate) fn new(quiet: bool, total_bytes: Option<u64>) -> Rc<Ui> {
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

    pub(crate) fn warn(&self, msg: &str) {
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

    pub(crate) fn progress(&self, bytes: u64, articles: u64, start: Instant) {
        self.bar.set_position(bytes);
        let rate = articles as f64 / start.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{articles} articles · {rate:.0}/s"));
    }

    pub(crate) fn summary(&self, msg: &str) {
        self.bar.finish_and_clear();
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
}

/// The tolerated problems, for the summary line.
pub(crate) fn tolerated(articles: &Articles, totals: &Totals) -> String {
    let c = &articles.counters;
    let mut parts = Vec::new();
    if c.skipped > 0 {
        parts.push(format!("{} broken lines skipped", c.skipped));
    }
    if c.lossy > 0 {
        parts.push(format!("{} with invalid UTF-8 decoded lossily", c.lossy));
    }
    if c.untimed > 0 {
        parts.push(format!(
            "{} with an unreadable time, read without",
            c.untimed
        ));
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
pub(crate) fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (n, Some(stem)) => format!("{n} {stem}ies"),
        (n, None) => format!("{n} {noun}s"),
    }
}

pub(crate) fn rate(totals: &Totals, secs: f64) -> String {
    format!(
        "{:.1} MB in {secs:.2} s ({:.0} articles/s)",
        totals.bytes as f64 / 1e6,
        totals.articles as f64 / secs.max(1e-9)
    )
}
