//! [`Finished`]: a batch's stories, read-only, once [`Detector::finish`](crate::Detector::finish)
//! has freed the indexes that only further inserts and queries need. A thin wrapper: every
//! answer is the detector's own.

use super::verdict::{Similarity, Stats, Verdict};
use super::Detector;
use crate::cluster::StoryId;
#[cfg(feature = "persist")]
use crate::error::Result;

/// A finished batch's stories, read-only: what [`Detector::finish`] returns. It answers what
/// the detector answered about its articles; the indexes that further inserts and queries
/// would need are gone.
#[derive(Debug)]
pub struct Finished {
    pub(super) detector: Detector,
    pub(super) changed: usize,
}

impl Finished {
    /// How many articles the final [recluster](Detector::recluster) moved to another story.
    pub fn changed(&self) -> usize {
        self.changed
    }

    /// See [`Detector::story_of`].
    pub fn story_of(&self, id: &str) -> Option<StoryId> {
        self.detector.story_of(id)
    }

    /// See [`Detector::verdict_of`].
    pub fn verdict_of(&self, id: &str) -> Option<Verdict> {
        self.detector.verdict_of(id)
    }

    /// See [`Detector::verdicts`]: every article, in the order it was inserted.
    pub fn verdicts(&self) -> impl Iterator<Item = (&str, Verdict)> + '_ {
        self.detector.verdicts()
    }

    /// See [`Detector::source_of`].
    pub fn source_of(&self, id: &str) -> Option<&str> {
        self.detector.source_of(id)
    }

    /// See [`Detector::members`].
    pub fn members(&self, story: StoryId) -> Vec<&str> {
        self.detector.members(story)
    }

    /// See [`Detector::stats`].
    pub fn stats(&self) -> Stats {
        self.detector.stats()
    }

    /// See [`Detector::compare`].
    pub fn compare(&self, a: &str, b: &str) -> Option<Similarity> {
        self.detector.compare(a, b)
    }

    /// [`Detector::save`]: the same bytes as the detector reclustered instead of finished;
    /// [`Detector::load`] reads them back into a detector that takes inserts and queries.
    ///
    /// # Errors
    /// As [`Detector::save`].
    #[cfg(feature = "persist")]
    pub fn save<W: std::io::Write>(&self, w: W) -> Result<()> {
        self.detector.save(w)
    }

    /// [`Detector::save_file`], atomically.
    ///
    /// # Errors
    /// As [`Detector::save_file`].
    #[cfg(feature = "persist")]
    pub fn save_file(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.detector.save_file(path)
    }
}
