//! Options several commands share: the input (`InputArgs`), the detector's configuration
//! (`ConfigArgs`) and how articles go in and whether their stories are revised (`ModeArgs`).
//! Parsing and checking only: nothing here reads articles or writes output.

use crate::input::Fields;
use crate::Usage;
use anyhow::{Context, Result};
use clap::Args;
use copydesk::{Detector, DetectorConfig, ErrorKind, Verdict};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub(crate) struct InputArgs {
    /// Folders (read recursively), .txt/.md files, JSONL, JSON array, CSV or TSV files, plain
    /// or compressed (.gz, .zst), or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// JSONL field holding the article id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub(crate) id_field: String,
    /// JSONL field holding the article text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub(crate) text_field: String,
    /// Skip broken JSONL lines (reported and counted) instead of stopping at the first.
    #[arg(long)]
    pub(crate) skip_invalid: bool,
    /// JSONL field holding the publication time (ISO 8601, RFC 2822 or Unix seconds); by
    /// default the first of published_at, published, date, pubDate, datePublished, timestamp
    /// present. `none` reads no time: arrival order decides which version is first.
    #[arg(long, value_name = "NAME")]
    pub(crate) time_field: Option<String>,
    /// Read every file (and stdin) as this format instead of telling it from the name and the
    /// first character.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) input_format: Option<crate::input::InputFormat>,
}

/// How the articles go in, and whether their stories are revised once all are in: shared by
/// `cluster` and `eval`.
#[derive(Args)]
pub(crate) struct ModeArgs {
    /// Insert one article at a time, as an ingest service would, instead of in batches
    /// whose term statistics are counted before any article is weighed; and keep the stories
    /// so decided, as an ingest service does, unless --recluster or --merge asks otherwise.
    #[arg(long)]
    pub(crate) stream: bool,
    /// Once every article is in, re-form all stories at once (`Detector::recluster`:
    /// average-link clustering over the candidates each article weighed). The default
    /// without --stream. Output is written at the end.
    #[arg(long, conflicts_with_all = ["merge", "no_revise"])]
    pub(crate) recluster: bool,
    /// Once every article is in, merge stories that resemble each other as wholes
    /// (`Detector::merge_stories`: average- and complete-link between their members),
    /// instead of re-forming them. Output is written at the end.
    #[arg(long, conflicts_with = "no_revise")]
    pub(crate) merge: bool,
    /// Keep the stories as each article's decision made them: nothing is revised once the
    /// articles are in, and output is written as they are decided. An article whose verdict
    /// an older version arriving later changed (with publication times) is written again at
    /// the end: the last line for an id is its verdict.
    #[arg(long)]
    pub(crate) no_revise: bool,
}

/// What is done to the stories once every article is in.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Revision {
    None,
    Merge,
    Recluster,
}

impl ModeArgs {
    /// `stream` or `batch`.
    pub(crate) fn name(&self) -> &'static str {
        if self.stream {
            "stream"
        } else {
            "batch"
        }
    }

    pub(crate) fn revision(&self) -> Revision {
        if self.merge {
            Revision::Merge
        } else if self.recluster || !(self.stream || self.no_revise) {
            Revision::Recluster
        } else {
            Revision::None
        }
    }

    /// Stories can change after the articles are in.
    pub(crate) fn revises(&self) -> bool {
        self.revision() != Revision::None
    }

    /// Revises the stories as asked, once every article is in, and says what changed (`None`
    /// when nothing was asked). Re-forming them [finishes](Detector::finish) the detector:
    /// nothing more is inserted, so its lookup indexes are freed first, which keeps a large
    /// batch's peak memory that of reading it.
    pub(crate) fn revise(&self, mut detector: Detector) -> (Revised, Option<String>) {
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
pub(crate) enum Revised {
    Finished(copydesk::Finished),
    Kept(Detector),
}

impl Revised {
    pub(crate) fn verdicts(&self) -> Box<dyn Iterator<Item = (&str, Verdict)> + '_> {
        match self {
            Revised::Finished(f) => Box::new(f.verdicts()),
            Revised::Kept(d) => Box::new(d.verdicts()),
        }
    }

    pub(crate) fn story_of(&self, id: &str) -> Option<copydesk::StoryId> {
        match self {
            Revised::Finished(f) => f.story_of(id),
            Revised::Kept(d) => d.story_of(id),
        }
    }

    pub(crate) fn stats(&self) -> copydesk::Stats {
        match self {
            Revised::Finished(f) => f.stats(),
            Revised::Kept(d) => d.stats(),
        }
    }

    pub(crate) fn save_file(&self, path: &Path) -> copydesk::Result<()> {
        match self {
            Revised::Finished(f) => f.save_file(path),
            Revised::Kept(d) => d.save_file(path),
        }
    }
}

#[derive(Args)]
pub(crate) struct ConfigArgs {
    /// Detector configuration in TOML (see `copydesk config`); options below override it.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Estimated Jaccard similarity of word shingles from which an article is a near copy.
    #[arg(long, value_name = "0..1")]
    pub(crate) threshold: Option<f64>,
    /// Average term-vector cosine to a story's members from which an article joins it as it
    /// arrives (story.linkage.min_average).
    #[arg(long, value_name = "0..1")]
    pub(crate) story_threshold: Option<f32>,
    /// Average relative similarity (a link over its articles' fifth-strongest) from which
    /// re-clustering merges two groups (story.min_relative_average).
    #[arg(long, value_name = "RATIO")]
    pub(crate) recluster_threshold: Option<f32>,
    /// Only exact and near copies: no story-level linking of rewrites.
    #[arg(long)]
    pub(crate) no_stories: bool,
}

impl ConfigArgs {
    pub(crate) fn load(&self) -> Result<DetectorConfig> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                toml::from_str(&text)
                    .map_err(|e| Usage(format!("{}: invalid: {e}", path.display())))?
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
        // Check now, to report a bad value before reading any input: a value out of range is
        // a usage error, whether it came from an option or from the file.
        match Detector::new(config.clone()) {
            Err(e) if matches!(e.kind(), ErrorKind::InvalidConfig { .. }) => {
                Err(Usage(e.to_string()).into())
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(config),
        }
    }
}

impl InputArgs {
    pub(crate) fn fields(&self) -> Fields {
        Fields {
            id: self.id_field.clone(),
            text: self.text_field.clone(),
            time: self.time_field.as_ref().map(|f| {
                if f == "none" {
                    String::new()
                } else {
                    f.clone()
                }
            }),
            format: self.input_format,
            ..Fields::default()
        }
    }
}
