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

/// The next element of a JSON array whose `[` has been read, with the fields `fields` reads:
/// `Ok(None)` at its `]`.
///
/// Broken JSON (or an array that is not closed) is an `std::io::Error` of kind `InvalidData`:
/// where the next element starts cannot be known, so it is not skipped as a broken record
/// is, even under `--skip-invalid` (which would otherwise meet the same error forever).
pub fn next_element(reader: &mut dyn BufRead, fields: &Fields) -> Result<Option<Picked>> {
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
    let picked = serde::de::DeserializeSeed::deserialize(Names::of(fields), &mut de)
        .map_err(|e| unreadable(format!("invalid JSON: {e}")))?;
    Ok(Some(picked))
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
    let mut de = serde_json::Deserializer::from_str(&line);
    let picked = serde::de::DeserializeSeed::deserialize(Names::of(fields), &mut de)
        .and_then(|p| de.end().map(|()| p))
        .map_err(|e| anyhow::anyhow!("{origin}: invalid JSON: {e}"))?;
    from_json(picked, fields, counters, origin)
}

/// The fields of a JSON object that an article is made of, by slot: the id, the text, the
/// page (`html`), the cluster and topic labels, the time field named, then each of
/// [`when::TIME_FIELDS`].
const SLOTS: usize = 6 + when::TIME_FIELDS.len();
const ID: usize = 0;
const TEXT: usize = 1;
const HTML: usize = 2;
const CLUSTER: usize = 3;
const TOPIC: usize = 4;
const TIME: usize = 5;

/// The name of the field each slot holds, if it is read.
#[derive(Clone, Copy)]
struct Names<'f>([Option<&'f str>; SLOTS]);

impl<'f> Names<'f> {
    fn of(fields: &'f Fields) -> Names<'f> {
        let mut names = [None; SLOTS];
        names[ID] = Some(fields.id.as_str());
        names[TEXT] = Some(fields.text.as_str());
        names[HTML] = Some("html");
        names[CLUSTER] = fields.cluster.as_deref();
        names[TOPIC] = fields.topic.as_deref();
        match fields.time.as_deref() {
            Some("") => {}
            Some(f) => names[TIME] = Some(f),
            None => {
                for (slot, f) in names[TIME + 1..].iter_mut().zip(when::TIME_FIELDS) {
                    *slot = Some(f);
                }
            }
        }
        Names(names)
    }
}

/// A JSON record's fields that an article is made of, each as the record has it (the last,
/// if a field is repeated), every other field skipped without being built; `None` for a
/// record that is not an object. Building the whole record as a `serde_json::Value` (a map
/// of every field, each key and string allocated) was a twentieth of a clustering run.
#[derive(Debug)]
pub struct Picked(Option<[Option<serde_json::Value>; SLOTS]>);

impl Picked {
    fn get(&self, slot: usize) -> Option<&serde_json::Value> {
        self.0.as_ref()?[slot].as_ref()
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Names<'_> {
    type Value = Picked;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Picked, D::Error> {
        d.deserialize_any(self)
    }
}

/// A field name, borrowed from the input where it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::de::Visitor<'de> for Names<'_> {
    type Value = Picked;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Picked, A::Error> {
        let mut values: [Option<serde_json::Value>; SLOTS] = Default::default();
        while let Some(Key(key)) = map.next_key()? {
            let mut slots = (0..SLOTS).filter(|&i| self.0[i] == Some(&*key));
            let Some(first) = slots.next() else {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            let value: serde_json::Value = map.next_value()?;
            // Two settings may name one field (the id and the topic, say).
            for other in slots {
                values[other] = Some(value.clone());
            }
            values[first] = Some(value);
        }
        Ok(Picked(Some(values)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Picked, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Picked(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Picked, E> {
        Ok(Picked(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Picked, E> {
        Ok(Picked(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Picked, E> {
        Ok(Picked(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Picked, E> {
        Ok(Picked(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Picked, E> {
        Ok(Picked(None))
    }

    fn visit_unit<E>(self) -> Result<Picked, E> {
        Ok(Picked(None))
    }
}

/// A JSON record's fields as an article: an object with the id and text fields.
pub fn from_json(
    mut picked: Picked,
    fields: &Fields,
    counters: &mut Counters,
    origin: String,
) -> Result<Article> {
    if picked.0.is_none() {
        bail!("{origin}: expected a JSON object");
    }
    let id = match picked.get(ID) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => bail!("{origin}: field {:?} must be a non-empty string", fields.id),
        None => bail!("{origin}: missing field {:?}", fields.id),
    };
    // A web page in an `html` field stands for the text: its article text is extracted (a
    // page with none gives an empty text, which the detector reports and leaves out), with
    // its marked-up publication time.
    let mut page_time = None;
    let text = match picked.0.as_mut().and_then(|v| v[TEXT].take()) {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Null) | None => match picked.get(HTML) {
            Some(serde_json::Value::String(html)) => {
                let page = copydesk::html::extract(html).ok();
                page_time = page.as_ref().and_then(|p| p.published);
                page.map(|p| p.text).unwrap_or_default()
            }
            _ => bail!("{origin}: missing field {:?} (or \"html\")", fields.text),
        },
        Some(_) => bail!("{origin}: field {:?} must be a string", fields.text),
    };
    let (cluster, topic) = (
        picked.get(CLUSTER).and_then(label),
        picked.get(TOPIC).and_then(label),
    );
    let time = (TIME..SLOTS).find_map(|slot| picked.get(slot));
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
        let fields = Fields::default();
        let mut r: &[u8] =
            b" [ {\"id\": 1, \"x\": {\"y\": [1]}} ,\n{\"id\": \"b\", \"id\": \"c\"}, {}, 7 ] trailing";
        open_array(&mut r).unwrap();
        let mut got = Vec::new();
        while let Some(p) = next_element(&mut r, &fields).unwrap() {
            got.push(p.0.map(|v| v[ID].clone()));
        }
        // Other fields are skipped whatever they hold; a repeated field's last value counts;
        // an element that is not an object is told apart from one without the field.
        assert_eq!(
            got,
            [
                Some(Some(serde_json::json!(1))),
                Some(Some(serde_json::json!("c"))),
                Some(None),
                None
            ]
        );
        let mut open: &[u8] = b"[{\"a\": 1}";
        open_array(&mut open).unwrap();
        assert!(next_element(&mut open, &fields).unwrap().is_some());
        assert!(next_element(&mut open, &fields)
            .unwrap_err()
            .to_string()
            .contains("not closed"));
        assert!(open_array(&mut &b"{}"[..]).is_err());
    }

    /// Picking the fields reads a record as building the whole object and looking them up
    /// did: the same article or the same error, whatever the record holds.
    #[test]
    fn picked_fields_are_the_whole_objects_fields() {
        let records = [
            r#"{"id": "a", "text": "t", "other": [1, {"z": null}], "date": "2026-01-05"}"#,
            r#"{"id": 5, "text": "t", "published": 1767709800, "date": "junk"}"#,
            r#"{"id": "a", "text": "t", "date": "soon"}"#,
            r#"{"id": "", "text": "t"}"#,
            r#"{"id": true, "text": "t"}"#,
            r#"{"text": "t"}"#,
            r#"{"id": "a"}"#,
            r#"{"id": "a", "text": 3}"#,
            r#"{"id": "a", "text": null, "html": "<p>Body text here.</p>"}"#,
            r#"{"id": "a", "text": "one", "text": "two", "topic": 7, "cluster": false}"#,
            r#"{"id": "ab", "text": "esc"aped"}"#,
            r#"[1, 2]"#,
            r#""text""#,
            r#"{"id": "a", "text": "t"} trailing"#,
            r#"{"id": "a", "text": "t""#,
        ];
        let settings = [
            Fields::default(),
            Fields {
                cluster: Some("cluster".into()),
                topic: Some("topic".into()),
                time: Some("date".into()),
                ..Fields::default()
            },
            Fields {
                id: "text".into(),
                topic: Some("id".into()),
                time: Some(String::new()),
                ..Fields::default()
            },
        ];
        for fields in &settings {
            for record in records {
                let mut counters = Counters::default();
                let got = parse_line(record.as_bytes(), fields, &mut counters, "r".into())
                    .map(parts)
                    .map_err(|e| e.to_string());
                let mut naive_counters = Counters::default();
                let naive = naive_parse(record, fields, &mut naive_counters).map(parts);
                assert_eq!(got, naive, "{record} with {:?}", fields.id);
                assert_eq!(counters.untimed, naive_counters.untimed, "{record}");
            }
        }
    }

    type Parts = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    );

    fn parts(a: Article) -> Parts {
        let time = a.published.map(copydesk::Timestamp::unix_seconds);
        (a.id, a.text, a.origin, a.cluster, a.topic, time)
    }

    /// The oracle: the whole record as a `serde_json::Value`, its fields looked up.
    fn naive_parse(
        record: &str,
        fields: &Fields,
        counters: &mut Counters,
    ) -> Result<Article, String> {
        use serde_json::Value;
        let value: Value =
            serde_json::from_str(record).map_err(|e| format!("r: invalid JSON: {e}"))?;
        let Value::Object(mut obj) = value else {
            return Err("r: expected a JSON object".into());
        };
        let id = match obj.get(&fields.id) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                return Err(format!(
                    "r: field {:?} must be a non-empty string",
                    fields.id
                ))
            }
            None => return Err(format!("r: missing field {:?}", fields.id)),
        };
        let mut page_time = None;
        let text = match obj.remove(&fields.text) {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => match obj.get("html") {
                Some(Value::String(html)) => {
                    let page = copydesk::html::extract(html).ok();
                    page_time = page.as_ref().and_then(|p| p.published);
                    page.map(|p| p.text).unwrap_or_default()
                }
                _ => return Err(format!("r: missing field {:?} (or \"html\")", fields.text)),
            },
            Some(_) => return Err(format!("r: field {:?} must be a string", fields.text)),
        };
        // `id` may name the text's field: the text was taken out after the id was read.
        let get = |f: &str| obj.get(f);
        let label = |f: &Option<String>| f.as_deref().and_then(get).and_then(label);
        let (cluster, topic) = (label(&fields.cluster), label(&fields.topic));
        let time = match &fields.time {
            Some(f) if f.is_empty() => None,
            Some(f) => get(f),
            None => when::TIME_FIELDS.iter().find_map(|&f| get(f)),
        };
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
            origin: "r".into(),
            cluster,
            topic,
            published,
        })
    }
}
