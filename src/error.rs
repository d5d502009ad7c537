//! The crate's one error type.

use std::fmt;

/// An error from copydesk.
///
/// The error is opaque; [`Error::kind`] tells what went wrong. Its `Display` form is a lowercase
/// sentence that carries the offending values, fit to show to a user.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong. New kinds may be added in minor releases.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration value is out of its allowed range.
    InvalidConfig {
        /// The configuration field, as `section.field`.
        field: &'static str,
        /// What is wrong with it, with the value.
        reason: String,
    },
    /// The article has no words left after normalisation.
    EmptyText,
    /// The article is longer than the configured maximum.
    TooLarge {
        /// The article's length in bytes.
        bytes: usize,
        /// The configured maximum in bytes.
        max: usize,
    },
    /// An article id was inserted twice with different text.
    IdConflict {
        /// The id.
        id: String,
    },
    /// Two signatures or fingerprints of different shape were compared.
    Incompatible {
        /// What differs, with both values.
        reason: String,
    },
    /// Reading or writing a saved detector failed in the operating system.
    Io {
        /// The operating system's error kind.
        kind: std::io::ErrorKind,
        /// The error's message, with the path when known.
        message: String,
    },
    /// An article record given to `Detector::restore` does not fit the detector.
    InvalidRecord {
        /// What is wrong with it.
        reason: String,
    },
    /// A record of an input file is malformed (a WARC record that is not WARC).
    InvalidInput {
        /// What is wrong, with where.
        reason: String,
    },
    /// A saved detector is damaged: truncated, altered, or not a copydesk index at all.
    /// Nothing was loaded.
    CorruptIndex {
        /// What check failed.
        reason: String,
    },
    /// A saved detector was written in a format this version cannot read.
    IndexVersion {
        /// The file's format version.
        found: u32,
        /// The format version this build reads and writes.
        supported: u32,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::InvalidConfig {
                field,
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn incompatible(reason: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Incompatible {
                reason: reason.into(),
            },
        }
    }
}

#[cfg_attr(not(any(feature = "persist", feature = "warc")), allow(dead_code))]
impl Error {
    pub(crate) fn corrupt(reason: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::CorruptIndex {
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn io(e: &std::io::Error, context: impl std::fmt::Display) -> Error {
        Error {
            kind: ErrorKind::Io {
                kind: e.kind(),
                message: format!("{context}: {e}"),
            },
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidConfig { field, reason } => {
                write!(f, "invalid configuration: {field} {reason}")
            }
            ErrorKind::EmptyText => write!(f, "article has no words after normalisation"),
            ErrorKind::TooLarge { bytes, max } => {
                write!(f, "article is {bytes} bytes, over the limit of {max} bytes")
            }
            ErrorKind::IdConflict { id } => {
                write!(
                    f,
                    "article id {id:?} was already inserted with different text"
                )
            }
            ErrorKind::Incompatible { reason } => write!(f, "incompatible signatures: {reason}"),
            ErrorKind::Io { message, .. } => write!(f, "i/o error: {message}"),
            ErrorKind::CorruptIndex { reason } => write!(f, "corrupt index file: {reason}"),
            ErrorKind::InvalidRecord { reason } => write!(f, "invalid article record: {reason}"),
            ErrorKind::InvalidInput { reason } => write!(f, "invalid input: {reason}"),
            ErrorKind::IndexVersion { found, supported } => write!(
                f,
                "index file has format version {found}; this build of copydesk reads version \
                 {supported}: rebuild the index"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A `Result` with copydesk's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
