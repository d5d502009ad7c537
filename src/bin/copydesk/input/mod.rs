//! Reading articles from folders (recursively), text files, JSON lines, JSON arrays, CSV and
//! TSV, plain or compressed (gzip, zstd), and stdin, one at a time, so that memory follows the
//! index and not the input.

mod files;
mod open;
mod records;

use crate::when;
use anyhow::{bail, Context, Result};
use copydesk::Timestamp;
use records::{Columns, Line, MAX_RECORD_BYTES};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, Read};
use std::path::PathBuf;

pub use files::is_article_file;

/// One article read from the input.
pub struct Article {
    pub id: String,
    pub text: String,
    /// Where it came from: `file:line` or a file path.
    pub origin: String,
    /// The gold cluster, when a label field was asked for and present.
    pub cluster: Option<String>,
    /// The topic, when a topic field was asked for and present.
    pub topic: Option<String>,
    /// When it was published, if the input says.
    pub published: Option<Timestamp>,
}

impl Article {
    /// The article as the detector takes it.
    pub fn to_detector(&self) -> copydesk::Article<'_> {
        copydesk::Article {
            id: &self.id,
            text: &self.text,
            published: self.published,
            source: None,
        }
    }
}

/// What a file (or stdin) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array of objects.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// The whole file is one article's text.
    Text,
    /// The whole file is one web page, whose article text is extracted.
    Html,
    /// A web archive: each HTML response record is a page.
    Warc,
}

/// How to read records.
#[derive(Clone, Debug)]
pub struct Fields {
    pub id: String,
    pub text: String,
    pub cluster: Option<String>,
    pub topic: Option<String>,
    /// The field holding the publication time: `None` for the first of
    /// [`when::TIME_FIELDS`] present; `Some("")` to read no time.
    pub time: Option<String>,
    /// The format of every file and stdin, instead of telling it from each.
    pub format: Option<InputFormat>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            cluster: None,
            topic: None,
            time: None,
            format: None,
        }
    }
}

/// What was tolerated while reading.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Broken records skipped under `--skip-invalid`.
    pub skipped: u64,
    /// Articles with invalid UTF-8, decoded lossily.
    pub lossy: u64,
    /// Articles whose time field could not be read: kept, without a time.
    pub untimed: u64,
    /// Bytes read so far.
    pub bytes: u64,
}

enum Source {
    /// Text files, each with its id.
    Files(VecDeque<(PathBuf, String)>),
    /// A file of records, or `-` for stdin.
    Stream(PathBuf),
}

/// A file of records being read.
struct Open {
    name: String,
    records: Records,
    /// Records read, and broken ones skipped: a file with none readable is an error.
    good: u64,
    bad: u64,
}

enum Records {
    Lines {
        reader: Box<dyn BufRead>,
        line: u64,
    },
    Array {
        reader: Box<dyn BufRead>,
        index: u64,
    },
    Csv {
        reader: csv::Reader<Box<dyn BufRead>>,
        columns: Columns,
        row: u64,
    },
    Warc(copydesk::warc::WarcPages<Box<dyn BufRead>>),
    /// A whole (compressed) text file: one article, read once.
    Text {
        reader: Option<Box<dyn BufRead>>,
        id: String,
        html: bool,
    },
}

/// Reads articles from every path given, in order.
pub struct Articles {
    sources: VecDeque<Source>,
    open: Option<Open>,
    fields: Fields,
    skip_invalid: bool,
    buf: Vec<u8>,
    pub counters: Counters,
    warn: Box<dyn FnMut(&str)>,
}

/// A single path's name ends in `.gz` or `.zst`.
fn is_compressed(p: &std::path::Path) -> bool {
    p.extension().is_some_and(|e| e == "gz" || e == "zst")
}

/// A single path's id as a text article: the file name without its extensions
/// (`story.txt.gz` is `story`).
fn stem(path: &std::path::Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

impl Articles {
    /// Checks that every path exists and lists the folders' files; nothing is read yet.
    pub fn open(
        paths: &[PathBuf],
        fields: Fields,
        skip_invalid: bool,
        warn: Box<dyn FnMut(&str)>,
    ) -> Result<Articles> {
        let mut sources = VecDeque::new();
        for p in paths {
            if p.as_os_str() == "-" {
                sources.push_back(Source::Stream(p.clone()));
            } else if p.is_dir() {
                open::check_folder_format(p, fields.format)?;
                sources.push_back(Source::Files(files::folder(p)?.into()));
            } else if p.is_file() {
                let plain_text = fields.format.is_none() && is_article_file(p) && !is_compressed(p);
                if plain_text {
                    sources.push_back(Source::Files(VecDeque::from([(p.clone(), stem(p))])));
                } else {
                    sources.push_back(Source::Stream(p.clone()));
                }
            } else {
                bail!("{}: no such file or folder", p.display());
            }
        }
        Ok(Articles {
            sources,
            open: None,
            fields,
            skip_invalid,
            buf: Vec::new(),
            counters: Counters::default(),
            warn,
        })
    }

    /// Total size in bytes of the inputs (compressed, as stored), when every one is a regular
    /// file.
    pub fn total_bytes(paths: &[PathBuf]) -> Option<u64> {
        let mut total = 0;
        for p in paths {
            if p.as_os_str() == "-" {
                return None;
            }
            if p.is_dir() {
                for (f, _) in files::folder(p).ok()? {
                    total += std::fs::metadata(f).ok()?.len();
                }
            } else {
                total += std::fs::metadata(p).ok()?.len();
            }
        }
        Some(total)
    }

    /// The next article, `None` at the end of the input.
    ///
    /// # Errors
    /// An unreadable file; a broken record (unless skipping), with file and line or row; a
    /// file none of whose records could be read, even when skipping.
    pub fn next_article(&mut self) -> Result<Option<Article>> {
        loop {
            if let Some(open) = &mut self.open {
                let next = next_record(open, &mut self.buf, &self.fields, &mut self.counters);
                match next {
                    Ok(Some(a)) => {
                        open.good += 1;
                        return Ok(Some(a));
                    }
                    Ok(None) => {
                        let open = self.open.take().expect("open");
                        if open.good == 0 && open.bad > 0 {
                            bail!(
                                "{}: none of its {} records could be read: is it the format \
                                 its name says?",
                                open.name,
                                open.bad
                            );
                        }
                        continue;
                    }
                    Err(e) if self.skip_invalid && !is_io(&e) => {
                        open.bad += 1;
                        self.counters.skipped += 1;
                        (self.warn)(&format!("skipped {e:#}"));
                    }
                    Err(e) if is_io(&e) => return Err(e),
                    Err(e) => {
                        return Err(e.context("use --skip-invalid to skip broken records"));
                    }
                }
                continue;
            }
            match self.sources.front_mut() {
                None => return Ok(None),
                Some(Source::Files(files)) => {
                    let Some((path, id)) = files.pop_front() else {
                        self.sources.pop_front();
                        continue;
                    };
                    let mut bytes = Vec::new();
                    File::open(&path)
                        .and_then(|mut f| f.read_to_end(&mut bytes))
                        .with_context(|| format!("{}: cannot read", path.display()))?;
                    self.counters.bytes += bytes.len() as u64;
                    let html = files::is_html(&path);
                    return Ok(Some(text_article(
                        bytes,
                        id,
                        path.display().to_string(),
                        html,
                        &self.fields,
                        &mut self.counters,
                    )));
                }
                Some(Source::Stream(_)) => {
                    let Some(Source::Stream(path)) = self.sources.pop_front() else {
                        unreachable!("matched above");
                    };
                    let (name, mut reader, format) = open::open(&path, self.fields.format)?;
                    let records = match format {
                        InputFormat::Jsonl => Records::Lines { reader, line: 0 },
                        InputFormat::Json => {
                            records::open_array(&mut *reader)
                                .with_context(|| format!("{name}: not a JSON array"))?;
                            Records::Array { reader, index: 0 }
                        }
                        InputFormat::Csv | InputFormat::Tsv => {
                            let mut reader = csv::ReaderBuilder::new()
                                .delimiter(if format == InputFormat::Csv {
                                    b','
                                } else {
                                    b'\t'
                                })
                                .from_reader(reader);
                            let header = reader
                                .headers()
                                .with_context(|| format!("{name}: cannot read the header row"))?
                                .clone();
                            let columns = Columns::find(&header, &self.fields)
                                .with_context(|| name.clone())?;
                            Records::Csv {
                                reader,
                                columns,
                                row: 1,
                            }
                        }
                        InputFormat::Warc => Records::Warc(copydesk::warc::WarcPages::new(reader)),
                        InputFormat::Text | InputFormat::Html => Records::Text {
                            reader: Some(reader),
                            id: stem(&path),
                            html: format == InputFormat::Html,
                        },
                    };
                    self.open = Some(Open {
                        name,
                        records,
                        good: 0,
                        bad: 0,
                    });
                }
            }
        }
    }
}

/// An error reading the input itself (not a broken record): never skipped.
fn is_io(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some()
}

/// A text file's bytes as an article: front matter read, invalid UTF-8 decoded lossily; a web
/// page's article text extracted (a page with none gives an empty text, which the detector
/// reports and leaves out).
fn text_article(
    bytes: Vec<u8>,
    id: String,
    origin: String,
    html: bool,
    fields: &Fields,
    counters: &mut Counters,
) -> Article {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            counters.lossy += 1;
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    };
    if html {
        let page = copydesk::html::extract(&text).ok();
        return Article {
            id,
            text: page.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
            origin,
            cluster: None,
            topic: None,
            published: page.and_then(|p| p.published),
        };
    }
    let (text, published) = match files::front_matter(&text, fields) {
        Some((body, time)) => {
            let published = match time.map(when::parse) {
                Some(None) => {
                    counters.untimed += 1;
                    None
                }
                Some(t) => t,
                None => None,
            };
            (body.to_string(), published)
        }
        None => (text, None),
    };
    Article {
        id,
        text,
        origin,
        cluster: None,
        topic: None,
        published,
    }
}

/// The next record of an open file as an article; `Ok(None)` at its end. An error reading the
/// stream is an `std::io::Error` (never skipped); any other is a broken record.
fn next_record(
    open: &mut Open,
    buf: &mut Vec<u8>,
    fields: &Fields,
    counters: &mut Counters,
) -> Result<Option<Article>> {
    let name = &open.name;
    match &mut open.records {
        Records::Lines { reader, line } => loop {
            let n = match records::read_line(&mut **reader, buf, MAX_RECORD_BYTES)
                .map_err(|e| anyhow::Error::new(e).context(format!("{name}: read error")))?
            {
                Line::End => return Ok(None),
                Line::Read(n) => n,
                Line::TooLong(n) => {
                    *line += 1;
                    counters.bytes += n as u64;
                    bail!(
                        "{name}:{line}: a line of {n} bytes, over the limit of {MAX_RECORD_BYTES}"
                    );
                }
            };
            *line += 1;
            counters.bytes += n as u64;
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let origin = format!("{name}:{line}");
            return records::parse_line(buf, fields, counters, origin).map(Some);
        },
        Records::Array { reader, index } => {
            *index += 1;
            let origin = format!("{name}[{}]", *index - 1);
            let Some(picked) =
                records::next_element(&mut **reader, fields).with_context(|| origin.clone())?
            else {
                return Ok(None);
            };
            records::from_json(picked, fields, counters, origin).map(Some)
        }
        Records::Csv {
            reader,
            columns,
            row,
        } => {
            let mut record = csv::StringRecord::new();
            let more = reader.read_record(&mut record);
            *row += 1;
            let origin = format!("{name}:{row}");
            match more {
                Ok(false) => Ok(None),
                Ok(true) => {
                    counters.bytes = counters.bytes.max(reader.position().byte());
                    columns.article(&record, counters, origin).map(Some)
                }
                Err(e) if e.is_io_error() => match e.into_kind() {
                    csv::ErrorKind::Io(e) => {
                        Err(anyhow::Error::new(e).context(format!("{name}: read error")))
                    }
                    _ => unreachable!("an I/O error"),
                },
                Err(e) => bail!("{origin}: {e}"),
            }
        }
        Records::Warc(pages) => {
            let Some(page) = pages.next() else {
                return Ok(None);
            };
            let page = page.with_context(|| name.clone())?;
            counters.bytes += page.bytes as u64;
            counters.lossy += u64::from(page.lossy);
            // A page with no article gives an empty text, which the detector reports and
            // leaves out.
            Ok(Some(Article {
                text: page.article().map(|p| p.text.clone()).unwrap_or_default(),
                origin: format!("{name} record {}", page.record),
                cluster: None,
                topic: None,
                published: Some(page.published()),
                id: page.uri,
            }))
        }
        Records::Text { reader, id, html } => {
            let Some(mut reader) = reader.take() else {
                return Ok(None);
            };
            let mut bytes = Vec::new();
            (&mut reader)
                .take(MAX_RECORD_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| anyhow::Error::new(e).context(format!("{name}: read error")))?;
            if bytes.len() > MAX_RECORD_BYTES {
                bail!("{name}: over the limit of {MAX_RECORD_BYTES} bytes");
            }
            counters.bytes += bytes.len() as u64;
            Ok(Some(text_article(
                bytes,
                id.clone(),
                name.clone(),
                *html,
                fields,
                counters,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::files::front_matter;
    use super::records::parse_line;
    use super::*;

    fn parse(line: &str) -> Result<Article> {
        parse_line(
            line.as_bytes(),
            &Fields::default(),
            &mut Counters::default(),
            "f:1".into(),
        )
    }

    #[test]
    fn front_matter_gives_the_time_and_is_not_text() {
        let fields = Fields::default();
        let text =
            "---\ntitle: Bridge shut\npublished: \"2026-03-12T09:05:00Z\"\n---\nThe bridge.\n";
        assert_eq!(
            front_matter(text, &fields),
            Some(("The bridge.\n", Some("2026-03-12T09:05:00Z")))
        );
        let none = Fields {
            time: Some(String::new()),
            ..Fields::default()
        };
        assert_eq!(front_matter(text, &none), Some(("The bridge.\n", None)));
        // Not front matter: no closing line, or a line that is not `key: value`.
        assert_eq!(
            front_matter("---\ndate: 2026-01-01\nThe bridge.", &fields),
            None
        );
        assert_eq!(front_matter("---\nThe bridge\n---\n", &fields), None);
        assert_eq!(front_matter("The bridge.", &fields), None);
    }

    /// Regression (found by the `reader` fuzz target): broken JSON inside an array under
    /// `--skip-invalid` was skipped as a broken record and met again, forever.
    #[test]
    fn broken_json_in_an_array_ends_the_read_even_when_skipping() {
        let dir = std::env::temp_dir().join(format!("copydesk-array-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broken.json");
        let cases: [&[u8]; 3] = [
            br#"[{"id": "a", "text": "One."}, {"id": "b", ml"th": 1}]"#,
            br#"[{"id": "a", "text": "One."}, 7, {"id": "b""#,
            br#"[{"id": "a", "text": "One."}"#,
        ];
        for bytes in cases {
            std::fs::write(&path, bytes).unwrap();
            let fields = Fields {
                format: Some(InputFormat::Json),
                ..Fields::default()
            };
            let mut articles =
                Articles::open(std::slice::from_ref(&path), fields, true, Box::new(|_| {}))
                    .unwrap();
            assert_eq!(articles.next_article().unwrap().unwrap().id, "a");
            let mut reads = 0;
            let end = loop {
                reads += 1;
                assert!(reads < 10, "the read does not end");
                match articles.next_article() {
                    Ok(Some(_)) => continue,
                    other => break other,
                }
            };
            let Err(e) = end else {
                panic!("a broken array is an error")
            };
            assert!(format!("{e:#}").contains("cannot be read"), "{e:#}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lines_and_their_errors() {
        let a = parse(r#"{"id":"a","text":"hello","x":1}"#).unwrap();
        assert_eq!((a.id.as_str(), a.text.as_str()), ("a", "hello"));
        assert_eq!(parse(r#"{"id":7,"text":"t"}"#).unwrap().id, "7");
        let dated = parse(r#"{"id":"a","text":"t","pubDate":"Tue, 06 Jan 2026 14:30:00 GMT"}"#);
        assert_eq!(
            dated.unwrap().published.map(Timestamp::unix_seconds),
            Some(1_767_709_800)
        );
        let mut counters = Counters::default();
        let fields = Fields::default();
        let a = parse_line(
            br#"{"id":"a","text":"t","date":"soon"}"#,
            &fields,
            &mut counters,
            "f:1".into(),
        );
        assert_eq!(
            (a.unwrap().published, counters.untimed),
            (None, 1),
            "kept, counted"
        );
        let first = parse(r#"{"id":"a","text":"t","date":"2026-01-07","published_at":1767709800}"#);
        assert_eq!(
            first.unwrap().published.map(Timestamp::unix_seconds),
            Some(1_767_709_800),
            "published_at comes first"
        );
        for (line, says) in [
            (r#"{"id":"a","text":"#, "f:1: invalid JSON"),
            (r#"["a","b"]"#, "f:1: expected a JSON object"),
            (r#"{"text":"t"}"#, "f:1: missing field \"id\""),
            (r#"{"id":"a"}"#, "f:1: missing field \"text\""),
            (r#"{"id":"","text":"t"}"#, "must be a non-empty string"),
            (r#"{"id":"a","text":3}"#, "field \"text\" must be a string"),
        ] {
            let e = parse(line).err().unwrap().to_string();
            assert!(e.contains(says), "{line}: {e}");
        }
    }

    /// A line is read as serde_json reads it into a map: every field checked, a repeated
    /// key's last value kept, escaped keys matched by what they spell, anything but an object
    /// refused.
    #[test]
    fn every_field_is_checked_and_a_repeated_key_keeps_its_last_value() {
        let a = parse(
            r#"{"title":"T","tags":["a",{"b":[1,2.5,null,true]}],"id":"x","te\u0078t":"body","n":-3e4,"id":"y"}"#,
        )
        .unwrap();
        assert_eq!((a.id.as_str(), a.text.as_str()), ("y", "body"));
        for line in [
            r#"{"id":"a","text":"t","tags":[1,}"#,
            r#"{"id":"a","text":"t"} {"id":"b"}"#,
            r#"{"id":"a","text":"t","x":tru}"#,
        ] {
            let e = parse(line).err().unwrap().to_string();
            assert!(e.contains("invalid JSON"), "{line}: {e}");
        }
        for line in ["null", "3", "\"s\"", "true", "[]"] {
            let e = parse(line).err().unwrap().to_string();
            assert!(e.contains("expected a JSON object"), "{line}: {e}");
        }
        let fields = Fields {
            cluster: Some("event".into()),
            topic: Some("topic".into()),
            time: Some("when".into()),
            ..Fields::default()
        };
        let a = parse_line(
            br#"{"id":"a","text":"t","event":12,"topic":"sport","when":1767709800,"date":"2020-01-01"}"#,
            &fields,
            &mut Counters::default(),
            "f:1".into(),
        )
        .unwrap();
        assert_eq!(
            (a.cluster.as_deref(), a.topic.as_deref()),
            (Some("12"), Some("sport"))
        );
        assert_eq!(
            a.published.map(Timestamp::unix_seconds),
            Some(1_767_709_800)
        );
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_counted() {
        let mut c = Counters::default();
        let a = parse_line(
            b"{\"id\":\"a\",\"text\":\"caf\xe9 au lait\"}",
            &Fields::default(),
            &mut c,
            "f:1".into(),
        )
        .unwrap();
        assert_eq!(a.text, "caf\u{fffd} au lait");
        assert_eq!(c.lossy, 1);
    }
}
