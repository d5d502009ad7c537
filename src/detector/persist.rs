//! Saving and loading a whole [`Detector`]: one versioned, checksummed file.
//!
//! The file holds the configuration, the term statistics and, for every indexed article, its
//! id, signature, term vector, story and verdict. The indexes (LSH bands, term postings, story
//! membership) are rebuilt on load from those records, so they cannot disagree with them.
//!
//! Layout (integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `copydesk` |
//! | 4 | format version, [`FORMAT_VERSION`] |
//! | 4 | reserved, zero |
//! | n | payload: the records in [postcard](https://docs.rs/postcard) encoding, each signature's slots as one byte string of two little-endian bytes a slot |
//! | 8 | n, the payload's length |
//! | 8 | XXH3-64 of the payload |
//!
//! A file that is truncated, extended, altered or from another format version is refused with
//! [`ErrorKind::CorruptIndex`] or [`ErrorKind::IndexVersion`]; nothing is half-loaded.

use super::{ArticleRecord, Detector, DetectorConfig, Verdict};
use crate::cluster::StoryId;
use crate::error::{Error, ErrorKind, Result};
use crate::minhash::CompactSignature;
use crate::terms::{DocumentFrequencies, TermVector};
use serde::Deserialize;
use std::io::{Read, Write};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// The version of the file format written by [`Detector::save`]. A file of any other version
/// is refused with [`ErrorKind::IndexVersion`]. Version 2: signature slots flag densified
/// bins ([`DENSIFIED`](crate::minhash::DENSIFIED)). Version 3: the configuration has
/// [`TermConfig::lede_words`](crate::terms::TermConfig::lede_words). Version 4: each article
/// keeps its story links ([`ArticleRecord::links`]). Version 5: words of up to 8 bytes are
/// hashed without xxh3 ([`word_hash`](crate::shingle::word_hash)), so every signature and
/// term differs. Version 6: the configuration has
/// [`StoryConfig::neighbour_rank`](crate::StoryConfig::neighbour_rank) and
/// [`StoryConfig::min_relative_average`](crate::StoryConfig::min_relative_average), and a
/// signature's slots are one byte string, two little-endian bytes a slot, instead of a
/// varint each (a file is about a fifth smaller). Version 7: the configuration has
/// [`TermConfig::figure_boost`](crate::terms::TermConfig::figure_boost). Version 8: each
/// article keeps its publication time ([`ArticleRecord::published`]) and each match whether it
/// crosses the window ([`Match::beyond_window`](crate::Match::beyond_window)); the
/// configuration has [`TermConfig::day_conflict`](crate::terms::TermConfig::day_conflict),
/// [`TermConfig::min_common_terms`](crate::terms::TermConfig::min_common_terms) and
/// [`StoryConfig::window_hours`](crate::StoryConfig::window_hours); dates in the text are
/// kept as calendar days when the publication time is known; text in scripts without spaces
/// is read as character bigrams. Version 9: verdicts carry the article's id
/// ([`Verdict::id`](crate::Verdict::id)), records the article's source
/// ([`ArticleRecord::source`]), and term statistics are keyed by the 32 bits of a
/// term's hash that term vectors keep. Version 10: the configuration has
/// [`StoryConfig::stray_join`](crate::StoryConfig::stray_join) and
/// [`StoryConfig::stray_margin`](crate::StoryConfig::stray_margin).
///
/// The payload's postcard encoding names no fields, so adding, removing or reordering a field
/// of anything saved (the configuration included) is a new version.
pub const FORMAT_VERSION: u32 = 10;

const MAGIC: [u8; 8] = *b"copydesk";
const HEADER: usize = 16;
const TRAILER: usize = 16;

#[derive(serde::Serialize)]
struct SnapshotRef<'a> {
    crate_version: &'a str,
    config: &'a DetectorConfig,
    df: &'a DocumentFrequencies,
    next_doc: u32,
    docs: Vec<DocRef<'a>>,
}

/// What a [`SnapshotRef`] reads back as before its records (postcard is positional: the same
/// fields in the same order). The records follow: their count, then each a [`Doc`].
#[derive(serde::Deserialize)]
struct Head {
    #[allow(dead_code)] // kept in the file for diagnosis
    crate_version: String,
    config: DetectorConfig,
    df: DocumentFrequencies,
    next_doc: u32,
}

// `DocRef` and `Doc` must list the same fields in the same order: postcard is positional.
// They are an [`ArticleRecord`] but for the signature's slots (see `Slots`).
#[derive(serde::Serialize)]
struct DocRef<'a> {
    number: u32,
    id: &'a str,
    content: u64,
    story: StoryId,
    signature: SignatureRef<'a>,
    vector: &'a TermVector,
    verdict: Verdict,
    links: Option<&'a [(u32, f32)]>,
    published: Option<crate::Timestamp>,
    source: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct Doc {
    number: u32,
    id: String,
    content: u64,
    story: StoryId,
    signature: SignatureIn,
    vector: TermVector,
    verdict: Verdict,
    links: Option<Vec<(u32, f32)>>,
    published: Option<crate::Timestamp>,
    source: Option<String>,
}

impl From<Doc> for ArticleRecord {
    fn from(d: Doc) -> ArticleRecord {
        ArticleRecord {
            number: d.number,
            id: d.id,
            content: d.content,
            story: d.story,
            signature: CompactSignature::from_parts(d.signature.slots.0, d.signature.shingles),
            vector: d.vector,
            verdict: d.verdict,
            links: d.links,
            published: d.published,
            source: d.source,
        }
    }
}

#[derive(serde::Serialize)]
struct SignatureRef<'a> {
    slots: Slots<&'a [u16]>,
    shingles: u32,
}

#[derive(serde::Deserialize)]
struct SignatureIn {
    slots: Slots<Vec<u16>>,
    shingles: u32,
}

/// A signature's slots as one byte string, two little-endian bytes a slot: postcard would
/// write each 16-bit slot as a varint of two or three bytes, and read them back one at a
/// time. Three bytes is the common case: every value from 2^14 up, and every flagged slot
/// (densified, or left empty past the bands), which a short article has many of; at a
/// million mutated wire articles, 211 bytes an article went.
struct Slots<T>(T);

impl serde::Serialize for Slots<&[u16]> {
    /// Through one buffer a thread, not one allocated for every article saved.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        thread_local! {
            static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        crate::scratch::with_scratch(
            &BYTES,
            |b| b.capacity() > 1 << 16,
            |bytes| {
                bytes.clear();
                bytes.extend(self.0.iter().flat_map(|v| v.to_le_bytes()));
                s.serialize_bytes(bytes)
            },
        )
    }
}

impl<'de> serde::Deserialize<'de> for Slots<Vec<u16>> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Slots<Vec<u16>>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("signature slots, two bytes each")
            }
            fn visit_bytes<E: serde::de::Error>(
                self,
                v: &[u8],
            ) -> std::result::Result<Self::Value, E> {
                if v.len() % 2 != 0 {
                    return Err(E::invalid_length(v.len(), &self));
                }
                let slots = v
                    .chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]))
                    .collect();
                Ok(Slots(slots))
            }
        }
        // Copied out (`deserialize_byte_buf`), not borrowed from the input: a file is read a
        // record at a time (`Detector::load_file`), with nothing to borrow from.
        d.deserialize_byte_buf(Visitor)
    }
}

/// Counts and hashes what passes through to the inner writer.
struct Checksummed<W> {
    inner: W,
    hasher: Xxh3,
    len: u64,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Detector {
    /// Writes the whole detector to `w` in the format described in [`FORMAT_VERSION`]'s module.
    /// [`Detector::load`] gives back a detector that answers every query as this one does.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "The harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// let mut file = Vec::new();
    /// d.save(&mut file)?;
    /// let loaded = Detector::load(file.as_slice())?;
    /// assert_eq!(loaded.story_of("a"), d.story_of("a"));
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when writing fails.
    pub fn save<W: Write>(&self, w: W) -> Result<()> {
        let mut w = std::io::BufWriter::new(w);
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(&MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        w.write_all(&header)
            .map_err(|e| Error::io(&e, "writing index header"))?;
        let snapshot = SnapshotRef {
            crate_version: env!("CARGO_PKG_VERSION"),
            config: &self.config,
            df: &self.df,
            next_doc: self.next_doc,
            docs: self
                .docs
                .iter()
                .map(|(doc, d)| DocRef {
                    number: doc,
                    id: &d.id,
                    content: d.content,
                    story: d.story,
                    signature: {
                        let signature = self.near.get(&doc).expect("every doc is in the LSH index");
                        SignatureRef {
                            slots: Slots(signature.slots()),
                            shingles: signature.shingles(),
                        }
                    },
                    vector: &d.vector,
                    verdict: d.verdict(),
                    links: d.links.as_deref(),
                    published: d.published.map(crate::Timestamp::from_unix_seconds),
                    source: self.sources.get(d.source),
                })
                .collect(),
        };
        let mut body = Checksummed {
            inner: &mut w,
            hasher: Xxh3::new(),
            len: 0,
        };
        postcard::to_io(&snapshot, &mut body).map_err(|e| match e {
            postcard::Error::SerializeBufferFull => Error::from(ErrorKind::Io {
                kind: std::io::ErrorKind::WriteZero,
                message: "writing index: the writer stopped accepting bytes".into(),
            }),
            e => Error::from(ErrorKind::Io {
                kind: std::io::ErrorKind::Other,
                message: format!("writing index: {e}"),
            }),
        })?;
        let (len, sum) = (body.len, body.hasher.digest());
        let mut trailer = [0u8; TRAILER];
        trailer[..8].copy_from_slice(&len.to_le_bytes());
        trailer[8..].copy_from_slice(&sum.to_le_bytes());
        w.write_all(&trailer)
            .and_then(|()| w.flush())
            .map_err(|e| Error::io(&e, "writing index"))
    }

    /// Reads a detector written by [`Detector::save`]. Every byte is checked before anything
    /// is built: the result is the saved detector or an error, never a partial one. The whole
    /// input is read into memory first (a reader cannot be read twice); for a file,
    /// [`Detector::load_file`] takes less memory.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when reading fails; [`ErrorKind::IndexVersion`] for a file written in
    /// another format version; [`ErrorKind::CorruptIndex`] for anything else that is wrong.
    pub fn load<R: Read>(mut r: R) -> Result<Detector> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes)
            .map_err(|e| Error::io(&e, "reading index"))?;
        Detector::from_bytes(bytes)
    }

    /// [`Detector::save`] to a file, atomically: the detector is written to a temporary file
    /// beside `path`, flushed to disk, then renamed over `path`. A crash at any moment leaves
    /// either the old file or the new one, never a mixture.
    ///
    /// # Errors
    /// [`ErrorKind::Io`], with the path.
    pub fn save_file(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .ok_or_else(|| {
                Error::from(ErrorKind::Io {
                    kind: std::io::ErrorKind::InvalidInput,
                    message: format!("{}: not a file name", path.display()),
                })
            })?
            .to_string_lossy();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let written = (|| {
            let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&e, tmp.display()))?;
            self.save(&file)?;
            file.sync_all().map_err(|e| Error::io(&e, tmp.display()))?;
            std::fs::rename(&tmp, path).map_err(|e| Error::io(&e, path.display()))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        // Make the rename itself durable. Directories cannot be opened for syncing everywhere;
        // where they cannot, the rename is as durable as the platform makes it.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// [`Detector::load`] from a file, read twice rather than held: once to check every
    /// byte, then a record at a time to rebuild the detector, so that neither the file's bytes
    /// nor its decoded records are held beside the detector (at a million articles the file is
    /// about half the detector's size). The file is read through one open handle, so a
    /// [`Detector::save_file`] replacing it meanwhile is not seen.
    ///
    /// # Errors
    /// As [`Detector::load`]; [`ErrorKind::Io`] messages carry the path.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Detector> {
        let path = path.as_ref();
        let io = |e: std::io::Error| Error::io(&e, path.display());
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        Detector::read_file(file, size).map_err(|e| match e.kind() {
            ErrorKind::CorruptIndex { reason } => {
                Error::corrupt(format!("{}: {reason}", path.display()))
            }
            ErrorKind::Io { kind, message } => ErrorKind::Io {
                kind: *kind,
                message: format!("{}: {message}", path.display()),
            }
            .into(),
            _ => e,
        })
    }

    /// [`Detector::load_file`] of an open file of `size` bytes.
    fn read_file(mut file: std::fs::File, size: u64) -> Result<Detector> {
        use std::io::{Seek, SeekFrom};
        let io = |e: std::io::Error| Error::io(&e, "reading index");
        let mut header = Vec::with_capacity(HEADER);
        Read::by_ref(&mut file)
            .take(HEADER as u64)
            .read_to_end(&mut header)
            .map_err(io)?;
        check_header(&header, size)?;
        // First pass: the payload's length and checksum.
        let payload = size - (HEADER + TRAILER) as u64;
        let mut body = Checksummed {
            inner: std::io::sink(),
            hasher: Xxh3::new(),
            len: 0,
        };
        std::io::copy(&mut Read::by_ref(&mut file).take(payload), &mut body).map_err(io)?;
        let mut trailer = [0u8; TRAILER];
        file.read_exact(&mut trailer).map_err(io)?;
        check_trailer(&trailer, body.len, body.hasher.digest())?;
        // Second pass: the records, one at a time.
        file.seek(SeekFrom::Start(HEADER as u64)).map_err(io)?;
        let mut de = postcard::Deserializer::from_flavor(ReadFlavor {
            reader: std::io::BufReader::with_capacity(1 << 20, file.take(payload)),
            left: payload,
            scratch: Vec::new(),
            failed: None,
        });
        let rebuilt = decode(&mut de);
        let (left, failed) = de.finalize().expect("reading ends without error");
        // A read that failed shows as a short payload to the decoder: report the read.
        if let Some(e) = failed {
            return Err(io(e));
        }
        let d = rebuilt?;
        if left > 0 {
            return Err(trailing(left));
        }
        Ok(d)
    }

    /// The detector saved in `bytes`, which are given back (freed) once decoded: the file's
    /// bytes, its decoded records and the detector built from them are not all held at once.
    fn from_bytes(bytes: Vec<u8>) -> Result<Detector> {
        check_header(&bytes[..bytes.len().min(HEADER)], bytes.len() as u64)?;
        let (payload, trailer) = bytes[HEADER..].split_at(bytes.len() - HEADER - TRAILER);
        check_trailer(
            trailer.try_into().expect("trailer length"),
            payload.len() as u64,
            xxhash_rust::xxh3::xxh3_64(payload),
        )?;
        let mut de = postcard::Deserializer::from_bytes(payload);
        let head = Head::deserialize(&mut de).map_err(unreadable)?;
        let docs = Vec::<Doc>::deserialize(&mut de).map_err(unreadable)?;
        let rest = de.finalize().map_err(unreadable)?;
        if !rest.is_empty() {
            return Err(trailing(rest.len() as u64));
        }
        drop(bytes);
        let mut rebuild = Rebuild::new(head)?;
        // Taken from the back of the reversed list, whose memory is given back as it empties:
        // the records are not all held beside the finished detector.
        let mut docs = docs;
        docs.reverse();
        while let Some(doc) = docs.pop() {
            if docs.capacity() > 2 * docs.len() + 1024 {
                docs.shrink_to_fit();
            }
            rebuild.add(doc)?;
        }
        rebuild.finish()
    }
}

/// Checks a file's first bytes (`HEADER` of them, or all there are) and that a file of `size`
/// bytes has room for a header and a trailer.
fn check_header(header: &[u8], size: u64) -> Result<()> {
    if header.len() < 8 || header[..8] != MAGIC {
        return Err(Error::corrupt("not a copydesk index (wrong magic bytes)"));
    }
    // A file that shrank after its size was read has a short header.
    if size < (HEADER + TRAILER) as u64 || header.len() < HEADER {
        return Err(Error::corrupt(format!(
            "truncated: {size} bytes, shorter than header and trailer"
        )));
    }
    let found = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if found != FORMAT_VERSION {
        return Err(ErrorKind::IndexVersion {
            found,
            supported: FORMAT_VERSION,
        }
        .into());
    }
    if header[12..16] != [0; 4] {
        return Err(Error::corrupt("unknown flags in the header"));
    }
    Ok(())
}

/// Checks the trailer against the payload's length and checksum.
fn check_trailer(trailer: &[u8; TRAILER], len: u64, sum: u64) -> Result<()> {
    let recorded = u64::from_le_bytes(trailer[..8].try_into().expect("8 bytes"));
    if recorded != len {
        return Err(Error::corrupt(format!(
            "truncated or extended: the trailer records {recorded} payload bytes, the file holds {len}"
        )));
    }
    if u64::from_le_bytes(trailer[8..].try_into().expect("8 bytes")) != sum {
        return Err(Error::corrupt("checksum mismatch: the file was altered"));
    }
    Ok(())
}

fn unreadable(e: postcard::Error) -> Error {
    Error::corrupt(format!("unreadable records: {e}"))
}

fn trailing(n: u64) -> Error {
    Error::corrupt(format!("bytes after the last record: {n}"))
}

/// Decodes a payload a record at a time (its head, the records' count, then each record),
/// rebuilding the detector as it goes.
fn decode<'de, F: postcard::de_flavors::Flavor<'de>>(
    de: &mut postcard::Deserializer<'de, F>,
) -> Result<Detector> {
    let mut rebuild = Rebuild::new(Head::deserialize(&mut *de).map_err(unreadable)?)?;
    // A sequence's length is written as a `usize` varint.
    let count = usize::deserialize(&mut *de).map_err(unreadable)?;
    for _ in 0..count {
        rebuild.add(Doc::deserialize(&mut *de).map_err(unreadable)?)?;
    }
    rebuild.finish()
}

/// A detector being rebuilt from its saved records, taken one at a time in order.
struct Rebuild {
    detector: Detector,
    next_doc: u32,
    last: Option<u32>,
    /// Signatures not yet in the near-copy index: they go in in bulk, band by band.
    pending: Vec<(u32, CompactSignature)>,
}

impl Rebuild {
    /// Bulks of signatures for the near-copy index (a few at a time in unit tests, whose
    /// samples are small, so that more than one bulk is tested).
    const BULK: usize = if cfg!(test) { 3 } else { 1 << 16 };

    fn new(head: Head) -> Result<Rebuild> {
        let mut detector = Detector::new(head.config)
            .map_err(|e| Error::corrupt(format!("saved configuration: {e}")))?;
        detector.df = head.df;
        Ok(Rebuild {
            detector,
            next_doc: head.next_doc,
            last: None,
            pending: Vec::new(),
        })
    }

    fn add(&mut self, doc: Doc) -> Result<()> {
        let r = ArticleRecord::from(doc);
        if self.last.is_some_and(|l| r.number <= l) || r.number >= self.next_doc {
            return Err(Error::corrupt(format!(
                "article number {} out of order",
                r.number
            )));
        }
        self.last = Some(r.number);
        self.detector
            .restore_with(r, Some(&mut self.pending))
            .map_err(|e| Error::corrupt(e.to_string()))?;
        if self.pending.len() == Self::BULK {
            self.index()?;
        }
        Ok(())
    }

    /// Puts the pending signatures into the near-copy index.
    fn index(&mut self) -> Result<()> {
        self.detector
            .near
            .extend(self.pending.drain(..))
            .map_err(|e| Error::corrupt(e.to_string()))
    }

    fn finish(mut self) -> Result<Detector> {
        self.index()?;
        self.detector.next_doc = self.next_doc;
        Ok(self.detector)
    }
}

/// postcard's input read from a file a record at a time: what the decoder takes is copied
/// into a scratch buffer (nothing is borrowed from the input), and no more than the payload's
/// `left` bytes are ever asked for, so a corrupt length cannot make it allocate more than
/// the file holds. Not `postcard::from_io`: its scratch buffer is a fixed slice, so a file
/// holding an id longer than the slice, which `save` wrote without complaint, would not load;
/// and it would not tell a read error from a short file.
struct ReadFlavor<R> {
    reader: R,
    left: u64,
    scratch: Vec<u8>,
    /// The read error that ended the input early, if one did.
    failed: Option<std::io::Error>,
}

impl<R: std::io::BufRead> ReadFlavor<R> {
    fn fail(&mut self, e: std::io::Error) -> postcard::Error {
        self.failed = Some(e);
        postcard::Error::DeserializeUnexpectedEnd
    }
}

impl<R: std::io::BufRead + 'static> postcard::de_flavors::Flavor<'static> for ReadFlavor<R> {
    /// The payload's bytes left unread, and the read error that ended it early.
    type Remainder = (u64, Option<std::io::Error>);
    type Source = ();

    fn pop(&mut self) -> postcard::Result<u8> {
        if self.left == 0 {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        let byte = match self.reader.fill_buf() {
            Ok([first, ..]) => *first,
            Ok([]) => return Err(postcard::Error::DeserializeUnexpectedEnd),
            Err(e) => return Err(self.fail(e)),
        };
        self.reader.consume(1);
        self.left -= 1;
        Ok(byte)
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.left).ok()
    }

    fn try_take_n(&mut self, _: usize) -> postcard::Result<&'static [u8]> {
        // Nothing saved borrows from the input (see `Slots`).
        Err(postcard::Error::DeserializeBadEncoding)
    }

    fn try_take_n_temp<'a>(&'a mut self, ct: usize) -> postcard::Result<&'a [u8]>
    where
        'static: 'a,
    {
        if ct as u64 > self.left {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        self.scratch.resize(ct, 0);
        if let Err(e) = self.reader.read_exact(&mut self.scratch) {
            return Err(self.fail(e));
        }
        self.left -= ct as u64;
        if self.scratch.capacity() > 1 << 16 && ct <= 1 << 16 {
            // One long string read earlier is not kept for the rest of the file.
            self.scratch.shrink_to(1 << 16);
        }
        Ok(&self.scratch)
    }

    fn finalize(self) -> postcard::Result<Self::Remainder> {
        Ok((self.left, self.failed))
    }
}

#[cfg(test)]
mod tests;
