//! Records to articles: a JSON object (a JSONL line or an element of a JSON array) or a CSV
//! row, with the fields `Fields` names; and reading records of bounded size from a stream.

use super::{Article, Counters, Fields};
use crate::when;
use anyhow::{bail, Result};
use std::io::BufRead;

/// The longest line or record read, in bytes: room for an article at the highest limit worth
/// setting (64 MiB, twice over, as JSON escaping can double a text) and a margin. A longer one
/// is refused, not buffered.
pub const MAX_RECORD_BYTES: usize = 129 << 20;

/// What reading one line gave.
pub enum Line {
    End,
    /// A line of this many bytes (the newline included) is in the buffer.
    Read(usize),
    /// A line longer than the limit, skipped through its newline; its length in bytes.
    TooLong(usize),
}

/// Reads one line into `buf` (cleared first), at most `max` bytes of it: a longer line is
/// consumed to its end without being kept.
pub fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut total = 0;
    let mut too_long = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        total += take;
        if !too_long && total > max {
            too_long = true;
            buf.clear();
            buf.shrink_to(1 << 16);
        }
        if !too_long {
            buf.extend_from_slice(&chunk[..take]);
        }
        reader.consume(take);
        if done {
            break;
        }
    }
    Ok(match (total, too_long) {
        (0, _) => Line::End,
        (n, true) => Line::TooLong(n),
        (n, false) => Line::Read(n),
    })
}

/// The next element of a JSON array whose `[` has been read: `Ok(None)` at its `]`.
///
/// Broken JSON (or an array that is not closed) is an `std::io::Error` of kind `InvalidData`:
/// where the next element starts cannot be known, so it is not skipped as a broken record
/// is, even under `--skip-invalid` (which would otherwise meet the same error forever).
pub fn next_element(reader: &mut dyn BufRead) -> Result<Option<serde_json::Value>> {
    let unreadable = |what: String| {
        anyhow::Error::new(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{what}; the rest of the array cannot be read"),
        ))
    };
    loop {
        let chunk = reader.fill_buf()?;
        let Some(&b) = chunk.first() else {
            return Err(unreadable("the JSON array is not closed".into()));
        };
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => reader.consume(1),
            b']' => {
                reader.consume(1);
                return Ok(None);
            }
            _ => break,
        }
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let value = serde::Deserialize::deserialize(&mut de)
        .map_err(|e| unreadable(format!("invalid JSON: {e}")))?;
    Ok(Some(value))
}

/// Reads up to and including the `[` that opens a JSON array.
pub fn open_array(reader: &mut dyn BufRead) -> Result<()> {
    loop {
        let chunk = reader.fill_buf()?;
        match chunk.first() {
            Some(b' ' | b'\t' | b'\r' | b'\n') => reader.consume(1),
            Some(b'[') => {
                reader.consume(1);
                return Ok(());
            }
            _ => bail!("expected a JSON array"),
        }
    }
}

/// A JSONL line as an article.
pub fn parse_line(
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
    from_json(value, fields, counters, origin)
}

/// A JSON value as an article: an object with the id and text fields.
pub fn from_json(
    value: serde_json::Value,
    fields: &Fields,
    counters: &mut Counters,
    origin: String,
) -> Result<Article> {
    let serde_json::Value::Object(mut obj) = value else {
        bail!("{origin}: expected a JSON object");
    };
    let id = match obj.get(&fields.id) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => bail!("{origin}: field {:?} must be a non-empty string", fields.id),
        None => bail!("{origin}: missing field {:?}", fields.id),
    };
    // A web page in an `html` field stands for the text: its article text is extracted (a
    // page with none gives an empty text, which the detector reports and leaves out), with
    // its marked-up publication time.
    let mut page_time = None;
    let text = match obj.remove(&fields.text) {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Null) | None => match obj.get("html") {
            Some(serde_json::Value::String(html)) => {
                let page = copydesk::html::extract(html).ok();
                page_time = page.as_ref().and_then(|p| p.published);
                page.map(|p| p.text).unwrap_or_default()
            }
            _ => bail!("{origin}: missing field {:?} (or \"html\")", fields.text),
        },
        Some(_) => bail!("{origin}: field {:?} must be a string", fields.text),
    };
    let label = |f: &Option<String>| f.as_ref().and_then(|f| obj.get(f)).and_then(label);
    let (cluster, topic) = (label(&fields.cluster), label(&fields.topic));
    let time = match &fields.time {
        Some(f) if f.is_empty() => None,
        Some(f) => obj.get(f),
        None => when::TIME_FIELDS.iter().find_map(|&f| obj.get(f)),
    };
    // An unreadable time loses the time, not the article: it is counted and reported.
    let published = match time.map(when::from_json) {
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            counters.untimed += 1;
            None
        }
        None => page_time,
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

/// A JSON scalar as a label: strings as they are, numbers and booleans as written.
fn label(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Where the fields are in a CSV file's rows, from its header.
pub struct Columns {
    id: usize,
    text: usize,
    time: Option<usize>,
    cluster: Option<usize>,
    topic: Option<usize>,
}

impl Columns {
    /// The columns named in `header`; an error naming the missing id or text column.
    pub fn find(header: &csv::StringRecord, fields: &Fields) -> Result<Columns> {
        let at = |name: &str| header.iter().position(|h| h.trim() == name);
        let Some(id) = at(&fields.id) else {
            bail!(
                "no column {:?} in the header ({})",
                fields.id,
                header.iter().collect::<Vec<_>>().join(", ")
            );
        };
        let Some(text) = at(&fields.text) else {
            bail!(
                "no column {:?} in the header ({})",
                fields.text,
                header.iter().collect::<Vec<_>>().join(", ")
            );
        };
        let time = match &fields.time {
            Some(f) if f.is_empty() => None,
            Some(f) => at(f),
            None => when::TIME_FIELDS.iter().find_map(|f| at(f)),
        };
        let label = |f: &Option<String>| f.as_deref().and_then(at);
        Ok(Columns {
            id,
            text,
            time,
            cluster: label(&fields.cluster),
            topic: label(&fields.topic),
        })
    }

    /// A row as an article.
    pub fn article(
        &self,
        row: &csv::StringRecord,
        counters: &mut Counters,
        origin: String,
    ) -> Result<Article> {
        let get = |i: usize| row.get(i);
        let id = match get(self.id) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => bail!("{origin}: empty or missing id"),
        };
        let Some(text) = get(self.text) else {
            bail!("{origin}: missing text");
        };
        let published = match self.time.and_then(get).filter(|t| !t.trim().is_empty()) {
            Some(t) => match when::parse(t) {
                Some(t) => Some(t),
                None => {
                    counters.untimed += 1;
                    None
                }
            },
            None => None,
        };
        let label = |c: Option<usize>| c.and_then(get).map(str::to_string);
        Ok(Article {
            id,
            text: text.to_string(),
            origin,
            cluster: label(self.cluster),
            topic: label(self.topic),
            published,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_a_long_one_is_skipped_whole() {
        let mut r: &[u8] = b"short\nmuch too long a line\nlast";
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line(&mut r, &mut buf, 8).unwrap() {
                Line::End => break,
                Line::Read(n) => got.push((n, String::from_utf8(buf.clone()).unwrap())),
                Line::TooLong(n) => got.push((n, "<too long>".into())),
            }
        }
        assert_eq!(
            got,
            [
                (6, "short\n".into()),
                (21, "<too long>".into()),
                (4, "last".into())
            ]
        );
    }

    #[test]
    fn array_elements_one_at_a_time() {
        let mut r: &[u8] = b" [ {\"a\": 1} ,\n{\"a\": [2, 3]}, {} ] trailing";
        open_array(&mut r).unwrap();
        let mut got = Vec::new();
        while let Some(v) = next_element(&mut r).unwrap() {
            got.push(v);
        }
        assert_eq!(
            got,
            [
                serde_json::json!({"a": 1}),
                serde_json::json!({"a": [2, 3]}),
                serde_json::json!({})
            ]
        );
        let mut open: &[u8] = b"[{\"a\": 1}";
        open_array(&mut open).unwrap();
        assert!(next_element(&mut open).unwrap().is_some());
        assert!(next_element(&mut open)
            .unwrap_err()
            .to_string()
            .contains("not closed"));
        assert!(open_array(&mut &b"{}"[..]).is_err());
    }
}
