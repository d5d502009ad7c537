//! Text files: a folder's, read recursively, and one file's front matter.

use super::Fields;
use crate::when;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The extensions of the files a folder's articles are read from: text and web pages.
pub fn is_article_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "txt" || e == "md" || is_html(p))
}

/// A web page, by its extension.
pub fn is_html(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "html" || e == "htm")
}

/// A folder's article files (`.txt`, `.md`, `.html`, `.htm`), in order of their paths, each
/// with its id: the path relative to
/// the folder without the extension, `/` between folders. Subfolders are read; names starting
/// with `.` (hidden files and folders) are not; symbolic links are followed, and a link that
/// leads back into a folder being read is an error.
pub fn folder(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = entry.with_context(|| format!("{}: cannot read the folder", dir.display()))?;
        let p = entry.path();
        if !entry.file_type().is_file() || !is_article_file(p) {
            continue;
        }
        let relative = p.strip_prefix(dir).unwrap_or(p).with_extension("");
        let id = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push((p.to_path_buf(), id));
    }
    if files.is_empty() {
        bail!(
            "{}: no .txt or .md files in this folder or below it",
            dir.display()
        );
    }
    Ok(files)
}

/// A text file's front matter, as static site generators write it: a first line `---`, lines
/// of `key: value`, and a closing `---` within the first 64 lines. Returns the text after it
/// and the value of its time field (the one `--time-field` names, else the first of
/// [`when::TIME_FIELDS`] present), or `None` when the file has no front matter.
pub fn front_matter<'a>(text: &'a str, fields: &Fields) -> Option<(&'a str, Option<&'a str>)> {
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
