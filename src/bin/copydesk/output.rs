//! Writing verdicts as JSON lines, CSV, or a table of stories for people.

use copydesk::{StoryId, Verdict};
use std::collections::HashMap;
use std::io::{self, Write};

/// How verdicts are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per article: `{"id","story","of","similarity","kind"}`.
    Jsonl,
    /// The same fields as CSV, with a header row.
    Csv,
    /// Stories and their members, for reading.
    Table,
}

/// One article's outcome.
#[derive(serde::Serialize)]
pub struct Row {
    pub id: String,
    /// The story joined or founded; `None` for a query that matched nothing.
    pub story: Option<u64>,
    /// The earlier article it matched.
    pub of: Option<String>,
    pub similarity: Option<f32>,
    /// `new`, `exact`, `near_copy` or `rewrite`.
    pub kind: &'static str,
    /// For a query: the story the article forms with the other queried articles (the
    /// indexed story's id when it joined one; `None` when unmatched and not grouped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Option<u64>>,
}

impl Row {
    /// The row for an inserted article (`story` is always set) or a query (`inserted` false:
    /// a new story is not created, so `story` is `None`).
    pub fn new(id: String, v: &Verdict, inserted: bool) -> Row {
        match &v.matched {
            Some(m) => Row {
                id,
                story: Some(v.story.0),
                of: Some(m.id.clone()),
                similarity: Some(m.similarity),
                kind: m.kind.as_str(),
                group: None,
            },
            None => Row {
                id,
                story: inserted.then_some(v.story.0),
                of: None,
                similarity: None,
                kind: "new",
                group: None,
            },
        }
    }

    /// A query's row: `story` the indexed story (if any), `group` the queried articles' story.
    pub fn grouped(self, story: Option<u64>, group: Option<u64>) -> Row {
        Row {
            story,
            group: Some(group),
            ..self
        }
    }
}

pub struct Output {
    format: Format,
    out: io::BufWriter<Box<dyn Write>>,
    rows: Vec<Row>,
    header_done: bool,
    /// Rows carry a query's `group` column.
    groups: bool,
}

impl Output {
    pub fn new(format: Format, out: Box<dyn Write>) -> Output {
        Output {
            format,
            out: io::BufWriter::with_capacity(1 << 16, out),
            rows: Vec::new(),
            header_done: false,
            groups: false,
        }
    }

    /// Writes a query's `group` column (and a table grouped by it).
    pub fn with_groups(&mut self) {
        self.groups = true;
    }

    fn header(&self) -> &'static [u8] {
        if self.groups {
            b"id,story,of,similarity,kind,group\n"
        } else {
            b"id,story,of,similarity,kind\n"
        }
    }

    pub fn row(&mut self, row: Row) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, &row)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => {
                if !self.header_done {
                    self.out.write_all(self.header())?;
                    self.header_done = true;
                }
                let story = row.story.map(|s| s.to_string()).unwrap_or_default();
                let sim = row
                    .similarity
                    .map(|s| format!("{s:.4}"))
                    .unwrap_or_default();
                write!(
                    self.out,
                    "{},{},{},{},{}",
                    csv_field(&row.id),
                    story,
                    csv_field(row.of.as_deref().unwrap_or("")),
                    sim,
                    row.kind
                )?;
                match row.group {
                    Some(g) if self.groups => writeln!(
                        self.out,
                        ",{}",
                        g.map(|g| g.to_string()).unwrap_or_default()
                    ),
                    _ => writeln!(self.out),
                }
            }
            Format::Table => {
                self.rows.push(row);
                Ok(())
            }
        }
    }

    /// Flushes; for a table, writes it.
    pub fn finish(mut self) -> io::Result<()> {
        if self.format == Format::Table {
            write_table(&mut self.out, &self.rows)?;
        } else if self.format == Format::Csv && !self.header_done {
            let header = self.header();
            self.out.write_all(header)?;
        }
        self.out.flush()
    }
}

/// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// An id as the table shows it: control characters (which a terminal would act on: escape
/// sequences, carriage returns, bells) written as `\u{1b}` and the like.
fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

fn write_table(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    let mut stories: HashMap<u64, Vec<&Row>> = HashMap::new();
    let mut order: Vec<u64> = Vec::new();
    let mut unmatched: Vec<&str> = Vec::new();
    for r in rows {
        // A query's rows go by the story they form with each other.
        match r.group.unwrap_or(r.story) {
            Some(s) => {
                let m = stories.entry(s).or_default();
                if m.is_empty() {
                    order.push(s);
                }
                m.push(r);
            }
            None => unmatched.push(&r.id),
        }
    }
    // Largest stories first; among equals, the first seen first.
    let mut ranked: Vec<(usize, u64)> = order.iter().enumerate().map(|(i, &s)| (i, s)).collect();
    ranked.sort_by_key(|&(i, s)| (std::cmp::Reverse(stories[&s].len()), i));
    let width = rows
        .iter()
        .map(|r| shown(&r.id).chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let mut singles = Vec::new();
    for &(_, s) in &ranked {
        let members = &stories[&s];
        if members.len() == 1 && members[0].of.is_none() {
            singles.push(members[0].id.as_str());
            continue;
        }
        if members[0].group.is_some() && members.iter().all(|m| m.story.is_none()) {
            // A query's articles that belong together, in no indexed story.
            writeln!(out, "new story · {} articles", members.len())?;
        } else {
            writeln!(out, "story {} · {} articles", StoryId(s), members.len())?;
        }
        for m in members {
            match (&m.of, m.similarity) {
                (Some(of), Some(sim)) => writeln!(
                    out,
                    "  {:<width$}  {} of {} ({sim:.2})",
                    shown(&m.id),
                    match m.kind {
                        "exact" => "exact copy",
                        "near_copy" => "near copy",
                        k => k,
                    },
                    shown(of)
                )?,
                _ => writeln!(out, "  {:<width$}  first", shown(&m.id))?,
            }
        }
        writeln!(out)?;
    }
    if !singles.is_empty() {
        writeln!(out, "alone ({}): {}", singles.len(), list(&singles))?;
    }
    if !unmatched.is_empty() {
        writeln!(out, "no match ({}): {}", unmatched.len(), list(&unmatched))?;
    }
    Ok(())
}

/// The first ids of a long list, then how many more.
fn list(ids: &[&str]) -> String {
    const SHOWN: usize = 20;
    let mut s = ids[..ids.len().min(SHOWN)]
        .iter()
        .map(|id| shown(id))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(", … {} more", ids.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_escapes_control_characters() {
        assert_eq!(shown("plain id"), "plain id");
        assert_eq!(shown("a\u{1b}[31mb\r"), "a\\u{1b}[31mb\\u{d}");
        let row = |id: &str, story| Row {
            id: id.into(),
            story: Some(story),
            of: None,
            similarity: None,
            kind: "new",
            group: None,
        };
        let mut out = Vec::new();
        write_table(&mut out, &[row("x\u{7}", 0), row("y\u{9b}", 1)]).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("x\\u{7}"), "{out}");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
