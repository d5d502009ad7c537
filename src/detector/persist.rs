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
mod tests {
    use super::*;
    use crate::minhash::MinHashConfig;

    fn sample() -> Detector {
        sample_with(DetectorConfig::default())
    }

    fn sample_with(config: DetectorConfig) -> Detector {
        let mut d = Detector::new(config).unwrap();
        let texts = [
            "The harbour bridge reopened on Monday after six weeks of repairs, the city said.",
            "The harbour bridge reopened on Monday after six weeks of repairs, the city said on Tuesday.",
            "Orchard growers in the valley expect a record apple harvest after a mild spring.",
        ];
        for (i, t) in texts.iter().enumerate() {
            d.insert(&format!("a{i}"), t).unwrap();
        }
        d.remove("a2");
        d.insert("a3", "Apple growers expect a record harvest.")
            .unwrap();
        d
    }

    fn saved(d: &Detector) -> Vec<u8> {
        let mut v = Vec::new();
        d.save(&mut v).unwrap();
        v
    }

    /// `bytes` loaded both ways: from memory ([`Detector::load`]) and from a file, a record
    /// at a time ([`Detector::load_file`]).
    fn load_both(bytes: &[u8], name: &str) -> [Result<Detector>; 2] {
        let dir = std::env::temp_dir().join(format!("copydesk-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let from_file = Detector::load_file(&path);
        std::fs::remove_file(&path).unwrap();
        [Detector::load(bytes), from_file]
    }

    /// Both ways of loading `bytes` refuse them with an error `ok` accepts.
    fn refused(bytes: &[u8], name: &str, ok: impl Fn(&ErrorKind) -> bool) {
        for loaded in load_both(bytes, name) {
            let e = loaded.err().unwrap_or_else(|| panic!("{name}: loaded"));
            assert!(ok(e.kind()), "{name}: {e}");
        }
    }

    #[test]
    fn round_trip_answers_the_same() {
        let d = sample();
        let [l, from_file] = load_both(&saved(&d), "round-trip").map(Result::unwrap);
        assert_eq!(saved(&from_file), saved(&l));
        assert_eq!(l.len(), d.len());
        assert_eq!(l.stats(), d.stats());
        for id in ["a0", "a1", "a2", "a3"] {
            assert_eq!(l.story_of(id), d.story_of(id));
            assert_eq!(l.verdict_of(id), d.verdict_of(id));
        }
        let probe = "The harbour bridge reopened on Monday after repairs lasting six weeks.";
        assert_eq!(
            l.query("probe", probe).unwrap(),
            d.query("probe", probe).unwrap()
        );
        // New articles get the same numbers, hence the same story ids.
        let (mut d, mut l) = (d, l);
        assert_eq!(
            l.insert("n", "Storms closed schools in the north.")
                .unwrap(),
            d.insert("n", "Storms closed schools in the north.")
                .unwrap()
        );
        assert_eq!(saved(&l), saved(&d));
    }

    #[test]
    fn every_truncation_is_refused() {
        let bytes = saved(&sample());
        for n in 0..bytes.len() {
            refused(&bytes[..n], &format!("cut-at-{n}"), |k| {
                matches!(k, ErrorKind::CorruptIndex { .. })
            });
        }
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let bytes = saved(&sample());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            refused(&b, &format!("flip-at-{i}"), |k| {
                matches!(
                    k,
                    ErrorKind::CorruptIndex { .. } | ErrorKind::IndexVersion { .. }
                )
            });
        }
    }

    #[test]
    fn the_saved_fields_are_pinned_to_the_format_version() {
        // Regression: `terms.lede_words` was added while the version stayed 2, and files
        // written before it were then reported as corrupt instead of as another version.
        // A field of the configuration or of a record added, removed or renamed fails this
        // test: bump FORMAT_VERSION, then update the list.
        fn paths(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
            if let serde_json::Value::Object(m) = v {
                for (k, v) in m {
                    let path = format!("{prefix}{k}");
                    paths(v, &format!("{path}."), out);
                    out.push(path);
                }
            }
        }
        // With LSH bands set, so that their fields count too.
        let config = DetectorConfig {
            lsh: Some(crate::lsh::LshParams::new(25, 5).unwrap()),
            ..DetectorConfig::default()
        };
        let mut got = Vec::new();
        paths(&serde_json::to_value(config).unwrap(), "", &mut got);
        // And an article's record (its verdict's match included).
        let record = sample().record("a1").unwrap();
        assert!(record.verdict.matched.is_some() && record.links.is_some());
        paths(&serde_json::to_value(record).unwrap(), "record.", &mut got);
        got.sort();
        let got = got.join(" ");
        assert_eq!(
            (FORMAT_VERSION, got.as_str()),
            (10, PINNED_FIELDS),
            "the saved fields changed: bump FORMAT_VERSION and update PINNED_FIELDS"
        );
    }

    #[test]
    fn the_saved_values_are_pinned_to_the_format_version() {
        // The fields test above cannot see a change of values: a new word hash, shingle hash
        // or term weight changes every signature and term a file holds, and a file saved
        // before it would load and then match nothing. Such a change fails this test: bump
        // FORMAT_VERSION (and the service's store schema), then update the value. The
        // configuration is spelt out (a file carries its own): a change of the defaults
        // changes what new files hold, not how a file is read.
        let d = sample_with(DetectorConfig {
            minhash: MinHashConfig::default(),
            ..DetectorConfig::default()
        });
        let records: Vec<_> = ["a0", "a1", "a3"]
            .into_iter()
            .map(|id| d.record(id).unwrap())
            .collect();
        let json = serde_json::to_vec(&records).unwrap();
        assert_eq!(
            (FORMAT_VERSION, xxhash_rust::xxh3::xxh3_64(&json)),
            (10, PINNED_VALUES),
            "the saved values changed: bump FORMAT_VERSION and update PINNED_VALUES"
        );
    }

    /// XXH3-64 of three sample records in JSON, in format version 10 (as in 9). (In versions 5 and 6 it
    /// changed within the
    /// version once, when the detector stopped densifying the slots its bands do not read
    /// (`MinHasher::sketch_for_bands`): those slots now stay empty, and no estimate or band
    /// key reads their values, so files written before and after load and compare alike
    /// (`sketch_for_bands_estimates_as_sketch` in tests/properties.rs).
    const PINNED_VALUES: u64 = 10_409_832_043_598_787_464;

    /// The configuration's and a record's fields in format version 10, sorted. (Version 4
    /// added `record.links`; version 5 changed values, not fields; version 6 added
    /// `story.neighbour_rank` and `story.min_relative_average`; version 8 the publication
    /// time, the window and the new term rules; version 9 `record.verdict.id` and
    /// `record.source`; version 10 `story.stray_join` and `story.stray_margin`.)
    const PINNED_FIELDS: &str = concat!(
        "lsh lsh.bands lsh.rows max_article_bytes ",
        "min_containment_shingles minhash minhash.algorithm ",
        "minhash.seed minhash.slots near_copy near_copy_containment ",
        "near_copy_cosine normalize normalize.fold_acronyms ",
        "normalize.join_hyphens normalize.strip_boilerplate ",
        "record.content record.id record.links record.number ",
        "record.published record.signature record.signature.shingles ",
        "record.signature.slots record.source record.story record.vector ",
        "record.vector.data record.vector.days record.vector.months ",
        "record.vector.terms record.vector.years record.verdict ",
        "record.verdict.id ",
        "record.verdict.matched record.verdict.matched.beyond_window ",
        "record.verdict.matched.id record.verdict.matched.kind ",
        "record.verdict.matched.similarity record.verdict.story ",
        "shingle shingle.kind shingle.kind.words ",
        "shingle.kind.words.k shingle.seed story story.enabled ",
        "story.index_terms story.linkage story.linkage.max_compared ",
        "story.linkage.min_average story.linkage.min_link ",
        "story.max_candidates story.max_postings ",
        "story.min_relative_average story.min_shared_terms ",
        "story.neighbour_rank story.stray_join story.stray_margin ",
        "story.window_hours terms ",
        "terms.day_conflict terms.figure_boost terms.lede_words ",
        "terms.max_terms terms.min_common_terms terms.month_conflict ",
        "terms.name_boost terms.shared_day_boost terms.year_conflict",
    );

    #[test]
    fn slots_are_two_bytes_each() {
        let slots: &[u16] = &[0, 1, 0x8001, 0xffff];
        let bytes = postcard::to_stdvec(&Slots(slots)).unwrap();
        assert_eq!(
            bytes,
            [8, 0, 0, 1, 0, 1, 0x80, 0xff, 0xff],
            "a length, then the slots"
        );
        let back: Slots<Vec<u16>> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.0, slots);
        assert!(
            postcard::from_bytes::<Slots<Vec<u16>>>(&[3, 1, 2, 3]).is_err(),
            "an odd length is refused"
        );
    }

    #[test]
    fn other_versions_are_named() {
        let mut bytes = saved(&sample());
        bytes[8..12].copy_from_slice(&6u32.to_le_bytes());
        let e = Detector::load(bytes.as_slice()).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::IndexVersion {
                found: 6,
                supported: FORMAT_VERSION
            }
        );
        assert!(e.to_string().contains("rebuild the index"), "{e}");
    }

    #[test]
    fn a_valid_checksum_over_bad_records_is_still_refused() {
        // Forge a file whose checksum matches but whose records are garbage.
        let mut bytes = saved(&sample());
        let n = bytes.len();
        for b in &mut bytes[HEADER..n - TRAILER] {
            *b = 0xff;
        }
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[HEADER..n - TRAILER]);
        bytes[n - 8..].copy_from_slice(&sum.to_le_bytes());
        refused(&bytes, "bad-records", |k| {
            matches!(k, ErrorKind::CorruptIndex { .. })
        });
    }

    /// A file of `payload` under a valid header and trailer.
    fn forge(payload: &[u8]) -> Vec<u8> {
        let mut forged = saved(&sample())[..HEADER].to_vec();
        forged.extend_from_slice(payload);
        forged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        forged.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
        forged
    }

    #[test]
    fn a_length_past_the_end_is_refused_without_allocating_it() {
        // The first string's length, a varint of 2^50: reading it into memory would abort.
        let mut payload = vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
        payload.extend_from_slice(b"copydesk");
        refused(&forge(&payload), "huge-length", |k| {
            matches!(k, ErrorKind::CorruptIndex { .. })
        });
    }

    #[test]
    fn bytes_after_the_last_record_are_refused() {
        // A well-formed payload with a byte more, under a trailer that counts and checks it.
        let bytes = saved(&sample());
        let mut payload = bytes[HEADER..bytes.len() - TRAILER].to_vec();
        payload.push(0);
        for loaded in load_both(&forge(&payload), "trailing") {
            let e = loaded.expect_err("refused");
            assert!(
                e.to_string().contains("bytes after the last record: 1"),
                "{e}"
            );
        }
    }

    #[test]
    fn save_file_replaces_atomically_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("copydesk-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("index.cdx");
        let d = sample();
        d.save_file(&path).unwrap();
        d.save_file(&path).unwrap();
        let l = Detector::load_file(&path).unwrap();
        assert_eq!(l.stats(), d.stats());
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["index.cdx"]);
        let e = Detector::load_file(dir.join("missing")).unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ));
        assert!(e.to_string().contains("missing"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
