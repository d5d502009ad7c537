//! copydesk tells a newsroom which incoming articles are copies or rewrites of a story it
//! already has.
//!
//! Wire services sell one story; dozens of outlets republish it verbatim, trim it, rewrite it,
//! summarise it. copydesk links every version to one story, so editors read the news once and
//! see who ran what.
//!
//! # The front door
//!
//! Most users need one type, [`Detector`]: insert articles one at a time as they arrive
//! ([`Detector::insert`]) or cluster a batch in parallel ([`Detector::par_insert_batch`]), and
//! read a [`Verdict`] for each: a new story, or which earlier article it copies or rewrites,
//! the story it joins, how similar it is, and what kind of match it is. Once a batch is in,
//! [`Detector::recluster`] re-forms its stories all at once, weighing every article against
//! every group instead of the stories that existed when it arrived (`copydesk cluster` does
//! this by default).
//!
//! ```
//! use copydesk::{Detector, DetectorConfig, MatchKind};
//!
//! let mut detector = Detector::new(DetectorConfig::default())?;
//! let a = detector.insert("ap-1", "Storms cut power to 200,000 homes across the state on Monday, \
//!     the utility said, and crews from three neighbouring states were on their way.")?;
//! let b = detector.insert("paper-9", "Storms cut power to 200,000 homes across the state on Monday, \
//!     the utility said, and crews from three neighbouring states were on their way. \
//!     Schools will stay closed.")?;
//! assert!(a.is_new());
//! assert_eq!(b.story, a.story);
//! assert_eq!(b.matched.unwrap().kind, MatchKind::NearCopy);
//! # Ok::<(), copydesk::Error>(())
//! ```
//!
//! # The basement
//!
//! The parts are public for those who need them, as datasketch users expect:
//!
//! | module | what |
//! |---|---|
//! | [`normalize`] | which lines are article text; NFKC, case, quotes, hyphens, acronyms |
//! | [`shingle`] | word and character shingles as 64-bit hashes |
//! | [`minhash`] | one-permutation and classic MinHash, Jaccard and containment estimates, 16-bit and b-bit storage |
//! | [`lsh`] | banded LSH index with verified queries, parameter optimiser |
//! | [`simhash`] | 64-bit weighted SimHash and a Hamming-distance index |
//! | [`terms`] | weighted term vectors, the story-level signal |
//! | [`cluster`] | story membership and the linkage rule that prevents chaining |
//! | [`eval`] | pairwise, B-cubed and ARI scores, same-topic false merges |
//!
//! # Features
//!
//! - `serde` (default): `Serialize`/`Deserialize` for configurations, signatures and verdicts.
//! - `rayon` (default): the `par_` methods. The library never builds its own thread pool.
//! - `persist` (default): [`Detector::save`] and [`Detector::load`], one versioned,
//!   checksummed file for a whole detector.
//! - `cli`: the `copydesk` command-line tool (`cluster`, `index`, `query`, `eval`).
//! - `serve`: `copydesk serve`, the HTTP ingest service over an embedded SQLite store.
//!
//! # Persisting article by article
//!
//! An application with its own store keeps one [`ArticleRecord`] per article
//! ([`Detector::record`]) and rebuilds a detector with [`Detector::restore`]; the ingest
//! service does this with SQLite.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cluster;
pub mod detector;
mod error;
pub mod eval;
mod hash;
#[cfg(feature = "html")]
pub mod html;
pub mod lsh;
pub mod minhash;
pub mod normalize;
mod scratch;
pub mod shingle;
pub mod simhash;
pub mod terms;
pub mod time;
#[cfg(feature = "warc")]
pub mod warc;

pub use cluster::StoryId;
pub use detector::{
    Analysis, Article, ArticleRecord, Detector, DetectorConfig, Finished, Match, MatchKind,
    Similarity, Stats, StoryConfig, Verdict,
};
pub use error::{Error, ErrorKind, Result};
pub use time::Timestamp;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The docs pages' examples, compiled and run as doc tests.
#[cfg(doctest)]
pub mod docs {
    /// `docs/how-it-decides.md`.
    #[doc = include_str!("../docs/how-it-decides.md")]
    pub struct HowItDecides;
    /// `docs/cli.md`.
    #[doc = include_str!("../docs/cli.md")]
    pub struct Cli;
    /// `docs/service.md`.
    #[doc = include_str!("../docs/service.md")]
    pub struct Service;
    /// `docs/performance.md`.
    #[doc = include_str!("../docs/performance.md")]
    pub struct Performance;
    /// `docs/evaluation.md`.
    #[doc = include_str!("../docs/evaluation.md")]
    pub struct Evaluation;
}
