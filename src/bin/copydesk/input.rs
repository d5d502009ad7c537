//! Reading articles from folders, single files, JSONL files and stdin, one at a time, so that
//! memory follows the index and not the input.

use crate::when;
use anyhow::{bail, Context, Result};
use copydesk::Timestamp;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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

/// How to read JSONL lines.
#[derive(Clone, Debug)]
pub struct Fields {
    pub id: String,
    pub text: String,
    pub cluster: Option<String>,
    pub topic: Option<String>,
    /// The field holding the publication time: `None` for the first of
    /// [`when::TIME_FIELDS`] present; `Some("")` to read no time.
    pub time: Option<String>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            cluster: None,
            topic: None,
            time: None,
        }
    }
}

/// What was tolerated while reading.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Broken lines skipped under `--skip-invalid`.
    pub skipped: u64,
    /// Articles with invalid UTF-8, decoded lossily.
    pub lossy: u64,
    /// Articles whose time field could not be read: kept, without a time.
    pub untimed: u64,
    /// Bytes read so far.
    pub bytes: u64,
}

enum Source {
    /// Text files of a folder, or one text file; the id is the file name without extension.
    Files(VecDeque<PathBuf>),
    /// A JSONL file, or `-` for stdin.
    Jsonl(PathBuf),
}

struct Open {
    name: String,
    reader: Box<dyn BufRead>,
    line: u64,
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

/// True for the text files a folder's articles are read from.
fn is_text_file(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e == "txt" || e == "md")
}

impl Articles {
    /// Checks that every path exists and says what it is; nothing is read yet.
    pub fn open(
        paths: &[PathBuf],
        fields: Fields,
        skip_invalid: bool,
        warn: Box<dyn FnMut(&str)>,
    ) -> Result<Articles> {
        let mut sources = VecDeque::new();
        for p in paths {
            if p.as_os_str() == "-" {
                sources.push_back(Source::Jsonl(p.clone()));
            } else if p.is_dir() {
                let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                    .with_context(|| format!("{}: cannot list the folder", p.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_text_file(p))
                    .collect();
                files.sort();
                if files.is_empty() {
                    bail!("{}: no .txt or .md files in this folder", p.display());
                }
                sources.push_back(Source::Files(files.into()));
            } else if p.is_file() {
                if is_text_file(p) {
                    sources.push_back(Source::Files(VecDeque::from([p.clone()])));
                } else {
                    sources.push_back(Source::Jsonl(p.clone()));
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

    /// Total size in bytes of the inputs, when every one is a regular file.
    pub fn total_bytes(paths: &[PathBuf]) -> Option<u64> {
        let mut total = 0;
        for p in paths {
            if p.as_os_str() == "-" {
                return None;
            }
            if p.is_dir() {
                for e in std::fs::read_dir(p).ok()?.flatten() {
                    if is_text_file(&e.path()) {
                        total += e.metadata().ok()?.len();
                    }
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
    /// An unreadable file; a broken JSONL line (unless skipping), with file and line number.
    pub fn next_article(&mut self) -> Result<Option<Article>> {
        loop {
            if let Some(open) = &mut self.open {
                self.buf.clear();
                let n = open
                    .reader
                    .read_until(b'\n', &mut self.buf)
                    .with_context(|| format!("{}: read error", open.name))?;
                if n == 0 {
                    self.open = None;
                    continue;
                }
                open.line += 1;
                self.counters.bytes += n as u64;
                let origin = format!("{}:{}", open.name, open.line);
                if self.buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match parse_line(&self.buf, &self.fields, &mut self.counters, origin) {
                    Ok(a) => return Ok(Some(a)),
                    Err(e) if self.skip_invalid => {
                        self.counters.skipped += 1;
                        (self.warn)(&format!("skipped {e:#}"));
                    }
                    Err(e) => {
                        return Err(e.context("use --skip-invalid to skip broken lines"));
                    }
                }
                continue;
            }
            match self.sources.front_mut() {
                None => return Ok(None),
                Some(Source::Files(files)) => {
                    let Some(path) = files.pop_front() else {
                        self.sources.pop_front();
                        continue;
                    };
                    let mut bytes = Vec::new();
                    File::open(&path)
                        .and_then(|mut f| f.read_to_end(&mut bytes))
                        .with_context(|| format!("{}: cannot read", path.display()))?;
                    self.counters.bytes += bytes.len() as u64;
                    let text = match String::from_utf8(bytes) {
                        Ok(t) => t,
                        Err(e) => {
                            self.counters.lossy += 1;
                            String::from_utf8_lossy(e.as_bytes()).into_owned()
                        }
                    };
                    let id = path
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    let (text, published) = match front_matter(&text, &self.fields) {
                        Some((body, time)) => {
                            let published = match time.map(when::parse) {
                                Some(None) => {
                                    self.counters.untimed += 1;
                                    None
                                }
                                Some(t) => t,
                                None => None,
                            };
                            (body.to_string(), published)
                        }
                        None => (text, None),
                    };
                    return Ok(Some(Article {
                        id,
                        text,
                        origin: path.display().to_string(),
                        cluster: None,
                        topic: None,
                        published,
                    }));
                }
                Some(Source::Jsonl(_)) => {
                    let Some(Source::Jsonl(path)) = self.sources.pop_front() else {
                        unreachable!("matched above");
                    };
                    let (name, reader): (String, Box<dyn BufRead>) = if path.as_os_str() == "-" {
                        ("<stdin>".into(), Box::new(std::io::stdin().lock()))
                    } else {
                        let f = File::open(&path)
                            .with_context(|| format!("{}: cannot open", path.display()))?;
                        (
                            path.display().to_string(),
                            Box::new(BufReader::with_capacity(1 << 16, f)),
                        )
                    };
                    self.open = Some(Open {
                        name,
                        reader,
                        line: 0,
                    });
                }
            }
        }
    }
}

/// A text file's front matter, as static site generators write it: a first line `---`, lines
/// of `key: value`, and a closing `---` within the first 64 lines. Returns the text after it
/// and the value of its time field (the one `--time-field` names, else the first of
/// [`when::TIME_FIELDS`] present), or `None` when the file has no front matter.
fn front_matter<'a>(text: &'a str, fields: &Fields) -> Option<(&'a str, Option<&'a str>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut values: Vec<(&str, &str)> = Vec::new();
    let mut at = 0;
    for (n, line) in rest.split_inclusive('\n').enumerate() {
        if n == 64 {
            return None;
        }
        at += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if line == "---" {
            let wanted = |k: &str| match &fields.time {
                Some(f) => f == k,
                None => false,
            };
            let time = match &fields.time {
                Some(f) if f.is_empty() => None,
                Some(_) => values.iter().find(|(k, _)| wanted(k)).map(|v| v.1),
                None => when::TIME_FIELDS
                    .iter()
                    .find_map(|f| values.iter().find(|(k, _)| k == f).map(|v| v.1)),
            };
            return Some((&rest[at..], time));
        }
        let (key, value) = line.split_once(':')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        values.push((key.trim(), value));
    }
    None
}

/// A JSON scalar as a label: strings as they are, numbers and booleans as written.
fn label(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_line(
    bytes: &[u8],
    fields: &Fields,
    counters: &mut Counters,
    origin: String,
) -> Result<Article> {
    let line = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            counters.lossy += 1;
            String::from_utf8_lossy(bytes)
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("{origin}: invalid JSON: {e}"))?;
    let serde_json::Value::Object(mut obj) = value else {
        bail!("{origin}: expected a JSON object");
    };
    let id = match obj.get(&fields.id) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => bail!("{origin}: field {:?} must be a non-empty string", fields.id),
        None => bail!("{origin}: missing field {:?}", fields.id),
    };
    let text = match obj.remove(&fields.text) {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Null) | None => {
            bail!("{origin}: missing field {:?}", fields.text)
        }
        Some(_) => bail!("{origin}: field {:?} must be a string", fields.text),
    };
    let cluster = fields
        .cluster
        .as_ref()
        .and_then(|f| obj.get(f))
        .and_then(label);
    let topic = fields
        .topic
        .as_ref()
        .and_then(|f| obj.get(f))
        .and_then(label);
    let time = match &fields.time {
        Some(f) if f.is_empty() => None,
        Some(f) => obj.get(f).map(|v| (f.as_str(), v)),
        None => when::TIME_FIELDS
            .iter()
            .find_map(|&f| obj.get(f).map(|v| (f, v))),
    };
    // An unreadable time loses the time, not the article: it is counted and reported.
    let published = match time.map(|(_, v)| when::from_json(v)) {
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            counters.untimed += 1;
            None
        }
        None => None,
    };
    Ok(Article {
        id,
        text,
        origin,
        cluster,
        topic,
        published,
    })
}

#[cfg(test)]
mod tests {
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
