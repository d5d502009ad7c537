//! Web archives: the pages of a WARC file (as crawls, CC-NEWS and every web archive store
//! them), read a record at a time, each with its article found by [`html::extract`].
//!
//! Each `response` record whose HTTP content is HTML is a page: its id is the record's target
//! URI, its time the page's marked-up publication time or else the record's date (when it was
//! fetched). Requests, metadata, redirects and images are passed over. Nothing is loaded
//! beyond the record being read, so an archive of any size streams. A `.warc.gz` file (each
//! record a gzip member) is read by [`WarcPages::open`], or by wrapping the reader in
//! `flate2::read::MultiGzDecoder`.
//!
//! ```
//! use copydesk::warc::WarcPages;
//!
//! let html = "<html><body><article><p>Gales closed the Halvorsen Bridge on Thursday after \
//!     engineers found cracks in two of its steel support cables, the city's transport \
//!     authority said, and ferries doubled their sailings to the island suburb.</p>\
//!     </article></body></html>";
//! let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n{html}");
//! let warc = format!(
//!     "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n\
//!      WARC-Date: 2026-03-12T18:05:00Z\r\nWARC-Target-URI: https://example.org/bridge\r\n\
//!      Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{http}\r\n\r\n",
//!     http.len()
//! );
//! let pages: Vec<_> = WarcPages::new(warc.as_bytes()).collect::<Result<_, _>>()?;
//! assert_eq!(pages.len(), 1);
//! assert_eq!(pages[0].uri, "https://example.org/bridge");
//! assert!(pages[0].article().unwrap().text.contains("Halvorsen Bridge"));
//! assert_eq!(pages[0].published().unix_seconds(), 1_773_338_700);
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::html::{self, PageArticle};
use crate::time::Timestamp;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// One HTML page of a web archive.
#[derive(Clone, Debug, PartialEq)]
pub struct WarcPage {
    /// The record's target URI: the page's address.
    pub uri: String,
    /// When the page was fetched: the record's `WARC-Date`.
    pub fetched: Timestamp,
    /// The page's article; `None` when no article text could be found in it.
    pub page: Option<PageArticle>,
    /// The number of the record in the archive, from 1, requests and other records counted.
    pub record: u64,
    /// The size of the record's content in bytes.
    pub bytes: usize,
    /// The page was not valid UTF-8 and was read with replacement characters.
    pub lossy: bool,
}

impl WarcPage {
    /// The page's article, if one was found.
    pub fn article(&self) -> Option<&PageArticle> {
        self.page.as_ref()
    }

    /// The page's publication time as marked up, else when it was fetched.
    pub fn published(&self) -> Timestamp {
        self.page
            .as_ref()
            .and_then(|p| p.published)
            .unwrap_or(self.fetched)
    }
}

/// The HTML pages of a WARC file, in order: an iterator of [`WarcPage`]s.
///
/// A record that cannot be read as WARC is an error
/// ([`ErrorKind::InvalidInput`]) and ends the iteration, as does a read error
/// ([`ErrorKind::Io`]): a WARC file cannot be resynchronised after a damaged record.
pub struct WarcPages<R: BufRead> {
    records: ::warc::RecordIter<R>,
    record: u64,
    done: bool,
}

impl<R: BufRead> WarcPages<R> {
    /// The pages of the uncompressed WARC data `reader` yields.
    pub fn new(reader: R) -> WarcPages<R> {
        WarcPages {
            records: ::warc::WarcReader::new(reader).iter_records(),
            record: 0,
            done: false,
        }
    }
}

impl WarcPages<Box<dyn BufRead + Send>> {
    /// The pages of the WARC file at `path`, gzip-compressed (`.warc.gz`, found by its magic
    /// bytes) or not.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be opened or read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(&e, path.display()))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let head = reader
            .fill_buf()
            .map_err(|e| Error::io(&e, path.display()))?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::read::MultiGzDecoder::new(reader),
            ))
        } else {
            Box::new(reader)
        };
        Ok(WarcPages::new(reader))
    }
}

impl<R: BufRead> Iterator for WarcPages<R> {
    type Item = Result<WarcPage>;

    fn next(&mut self) -> Option<Result<WarcPage>> {
        while !self.done {
            let record = self.records.next()?;
            self.record += 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    self.done = true;
                    return Some(Err(match e {
                        ::warc::Error::ReadData(e) => {
                            Error::io(&e, format_args!("WARC record {}", self.record))
                        }
                        e => ErrorKind::InvalidInput {
                            reason: format!("WARC record {}: {e}", self.record),
                        }
                        .into(),
                    }));
                }
            };
            match page(record, self.record) {
                Ok(Some(p)) => return Some(Ok(p)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
        None
    }
}

/// At most this much of a page's gzip-compressed content is decompressed (a small record
/// must not become gigabytes in memory).
const MAX_PAGE_BYTES: u64 = 64 << 20;

/// The page of one record, `None` for a record that is not an HTML response.
fn page(record: ::warc::Record<::warc::BufferedBody>, number: u64) -> Result<Option<WarcPage>> {
    if *record.warc_type() != ::warc::RecordType::Response {
        return Ok(None);
    }
    let fetched = Timestamp::from_unix_seconds(record.date().timestamp());
    // The raw headers: `Record::header` panics on a value that is not UTF-8.
    let (head, body) = record.into_raw_parts();
    let Some(uri) = head.headers.get(&::warc::WarcHeader::TargetURI) else {
        return Ok(None);
    };
    let uri = String::from_utf8_lossy(uri);
    let body = &body[..];
    // An HTTP response: status line and headers, a blank line, the content.
    let Some(split) = body.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&body[..split]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    if header("content-type:").is_some_and(|t| !t.contains("html")) {
        return Ok(None);
    }
    let content = &body[split + 4..];
    let mut decoded = Vec::new();
    let content = if header("content-encoding:").is_some_and(|e| e.contains("gzip")) {
        flate2::read::MultiGzDecoder::new(content)
            .take(MAX_PAGE_BYTES)
            .read_to_end(&mut decoded)
            .map_err(|e| ErrorKind::InvalidInput {
                reason: format!("WARC record {number}: content is not valid gzip: {e}"),
            })?;
        &decoded[..]
    } else {
        content
    };
    let (html, lossy) = match std::str::from_utf8(content) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(content), true),
    };
    Ok(Some(WarcPage {
        uri: uri.trim_matches(['<', '>']).to_string(),
        fetched,
        page: html::extract(&html).ok(),
        record: number,
        bytes: body.len(),
        lossy,
    }))
}
