//! The line rules: which lines of an article are not article text (photo credits, captions,
//! bylines, reporting credits, all-caps slugs, metadata headers) and which prefixes of a line
//! are not either (datelines such as `PARIS (Reuters) -`). A line in, the article text of it
//! out; words are the tokenizer's business, in the parent module.

use super::is_dash;

/// The line without prefixes that are not article text, or `None` when the whole line is not
/// article text.
#[inline]
pub(super) fn clean_line(line: &str) -> Option<&str> {
    if is_plain(line) {
        return Some(line);
    }
    apply_line_rules(line)
}

/// The keys of the CMS export headers that `strip_metadata_prefix` removes.
pub(super) const METADATA_KEYS: [&str; 6] =
    ["date", "dateline", "published", "updated", "posted", "time"];

/// How the photo credits that `is_photo_credit` drops begin, lower case.
pub(super) const PHOTO_PREFIXES: [&str; 11] = [
    "photo:",
    "photo by",
    "photos:",
    "photograph:",
    "photograph by",
    "image:",
    "image by",
    "picture:",
    "credit:",
    "photo credit",
    "(photo",
];

/// How the captions that `is_photo_credit` drops end, lower case.
pub(super) const PHOTO_SUFFIXES: [&str; 6] = [
    "photo)",
    "photos)",
    "getty images",
    "getty images)",
    "file photo",
    "(file)",
];

/// How the reporting credits that `is_reporting_credit` drops begin, lower case.
pub(super) const REPORTING_CREDITS: [&str; 8] = [
    "with additional reporting",
    "additional reporting",
    "reporting by",
    "reporting from",
    "editing by",
    "writing by",
    "compiled by",
    "with reporting by",
];

/// Four bytes of `s` from `at`, as one little-endian word.
const fn word4(s: &str, at: usize) -> u32 {
    let b = s.as_bytes();
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The first (or, with `last`, the last) four bytes of every pattern in `lists`, in order.
/// Derived from the rules' own lists, so that a pattern added to a rule is seen by
/// [`is_plain`] without a second edit; a pattern shorter than four bytes fails the build.
const fn words4<const N: usize>(lists: &[&[&str]], last: bool) -> [u32; N] {
    let mut out = [0u32; N];
    let (mut n, mut l) = (0, 0);
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            let p = lists[l][i];
            out[n] = word4(p, if last { p.len() - 4 } else { 0 });
            n += 1;
            i += 1;
        }
        l += 1;
    }
    assert!(n == N, "N is the number of patterns");
    out
}

/// The first four bytes of every prefix a line rule looks for, but `by ` (three bytes).
const RULE_STARTS: [u32; 25] = words4(
    &[&METADATA_KEYS, &PHOTO_PREFIXES, &REPORTING_CREDITS],
    false,
);

/// The last four bytes of every suffix `is_photo_credit` looks for.
const RULE_ENDS: [u32; 6] = words4(&[&PHOTO_SUFFIXES], true);

/// True when no line rule can apply to `line`, decided from its first two and first and
/// last four bytes without a branch per rule. Most lines of a wire start with a capital or a
/// small letter and a small letter, so every rule would return at once; but which rule's first
/// test passes depends on the line's first letter, which the branch predictor cannot guess, and
/// those mispredictions made the rules a tenth of the time of hashing an article. False means
/// only that [`apply_line_rules`] must decide.
#[inline]
pub(super) fn is_plain(line: &str) -> bool {
    let b = line.as_bytes();
    let Some(head) = b.first_chunk::<4>() else {
        return false;
    };
    // ASCII letters lowered; other bytes either kept or mapped to bytes no prefix has, so
    // this can only over-report a match, never miss one.
    let lower = |x: u32| x | 0x2020_2020;
    let start = lower(u32::from_le_bytes(*head));
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b'.' | b' ') {
        end -= 1;
    }
    let Some(tail) = b[..end].last_chunk::<4>() else {
        return false;
    };
    let tail = lower(u32::from_le_bytes(*tail));
    let mut hit = RULE_STARTS.iter().fold(false, |h, &k| h | (start == k));
    hit |= RULE_ENDS.iter().fold(false, |h, &k| h | (tail == k));
    hit |= start & 0x00ff_ffff == word4("by \0", 0);
    // A dash or bracket (is_reporting_credit skips them) or a byte that starts a dash.
    hit |= matches!(b[0], b'-' | b'(' | 0xe2 | 0xef);
    // A small letter first or second: no dateline (its place is in capitals) and no slug.
    let cased = b[0].is_ascii_lowercase() | b[1].is_ascii_lowercase();
    cased & !hit
}

/// Every line rule, in order: [`clean_line`] for a line that [`is_plain`] cannot clear.
pub(super) fn apply_line_rules(line: &str) -> Option<&str> {
    let line = strip_metadata_prefix(line);
    let line = strip_dateline(line);
    if line.is_empty()
        || is_slug(line)
        || is_photo_credit(line)
        || is_byline(line)
        || is_reporting_credit(line)
    {
        None
    } else {
        Some(line)
    }
}

/// `s` starts with `prefix` (lower case, not empty), ignoring ASCII case. The first bytes are
/// compared inline: most calls end there, without calling the slice comparison.
#[inline]
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    let (s, p) = (s.as_bytes(), prefix.as_bytes());
    s.len() >= p.len() && s[0].to_ascii_lowercase() == p[0] && s[..p.len()].eq_ignore_ascii_case(p)
}

/// `s` ends with `suffix` (lower case, not empty), ignoring ASCII case.
#[inline]
fn ends_with_ci(s: &str, suffix: &str) -> bool {
    let (s, p) = (s.as_bytes(), suffix.as_bytes());
    s.len() >= p.len()
        && s[s.len() - p.len()].to_ascii_lowercase() == p[0]
        && s[s.len() - p.len()..].eq_ignore_ascii_case(p)
}

/// `date 2026-01-07 The text…` → `The text…`: CMS export headers glued to the first line.
fn strip_metadata_prefix(line: &str) -> &str {
    // Every key starts with one of these letters: most lines are rejected by their first byte.
    if !first_byte_in(line, b"dput") {
        return line;
    }
    for key in METADATA_KEYS {
        if !starts_with_ci(line, key) {
            continue;
        }
        let rest = &line[key.len()..];
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ':' | 'T' | 'Z')))
            .unwrap_or(rest.len());
        let date = &rest[..end];
        if date.bytes().filter(u8::is_ascii_digit).count() >= 6 {
            return rest[end..].trim_start();
        }
    }
    line
}

/// `PARIS (Reuters) - Text` or `WASHINGTON, Jan 6 (AP) — Text` → `Text`.
fn strip_dateline(line: &str) -> &str {
    // The place name is in capitals: a line whose first or second letter is lower case has
    // no dateline (the common case, decided without scanning for a dash).
    let b = line.as_bytes();
    if b.first().is_some_and(u8::is_ascii_lowercase) || b.get(1).is_some_and(u8::is_ascii_lowercase)
    {
        return line;
    }
    let window = &line[..floor_char_boundary(line, 80)];
    // Every dash starts with one of these bytes: `-`, or the lead byte of U+2010..U+2212
    // (0xE2) or of U+FE63 / U+FF0D (0xEF). Looking at bytes avoids decoding every character.
    let found = window.bytes().enumerate().find_map(|(i, b)| {
        if !matches!(b, b'-' | 0xE2 | 0xEF) || i == 0 || line.as_bytes()[i - 1] != b' ' {
            return None;
        }
        let c = window[i..].chars().next()?;
        is_dash(c).then_some((i, c))
    });
    let Some((pos, dash)) = found else {
        return line;
    };
    let after = &line[pos + dash.len_utf8()..];
    let after = after.strip_prefix(['-', '\u{2014}']).unwrap_or(after);
    if !after.starts_with(' ') {
        return line;
    }
    let prefix = line[..pos].trim_end();
    let head_end = prefix.find([',', '(']).unwrap_or(prefix.len());
    let head = prefix[..head_end].trim();
    let letters = head.chars().filter(|c| c.is_alphabetic()).count();
    let has_agency = prefix.contains('(');
    let all_caps = head.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
        && head
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\''));
    if all_caps && (letters >= 3 || (letters >= 2 && has_agency)) {
        after.trim_start()
    } else {
        line
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A short line in capitals: `FRANCE-UKRAINE-RUSSIA-CONFLICT-DIPLOMACY`, `BREAKING NEWS`.
fn is_slug(line: &str) -> bool {
    // Counting capitals, not the absence of lower case: scripts without case (Chinese,
    // Arabic…) have no lower-case letters either, and their lines are text.
    let mut capitals = 0;
    for c in line.chars() {
        if c.is_lowercase() || (c.is_alphabetic() && !c.is_uppercase()) {
            return false;
        }
        if c.is_uppercase() {
            capitals += 1;
        }
    }
    capitals >= 3 && line.split_whitespace().count() <= 10
}

/// `Photo: AFP / Getty Images`, `(Reuters photo)`, a caption ending in `(AFP Photo)`.
fn is_photo_credit(line: &str) -> bool {
    // First and last bytes of the prefixes and suffixes: most lines are rejected by them.
    (first_byte_in(line, b"pic(") && PHOTO_PREFIXES.iter().any(|p| starts_with_ci(line, p))) || {
        let end = line.trim_end_matches(['.', ' ']);
        end.as_bytes()
            .last()
            .is_some_and(|b| matches!(b.to_ascii_lowercase(), b')' | b's' | b'o'))
            && PHOTO_SUFFIXES.iter().any(|s| ends_with_ci(end, s))
    }
}

/// The line's first byte, lower-cased, is one of `set`.
#[inline]
fn first_byte_in(line: &str, set: &[u8]) -> bool {
    line.as_bytes()
        .first()
        .is_some_and(|b| set.contains(&b.to_ascii_lowercase()))
}

/// `By Jane Doe`, `By Jane Doe and John Roe, Reuters`.
fn is_byline(line: &str) -> bool {
    if !starts_with_ci(line, "by ") {
        return false;
    }
    let words: Vec<&str> = line[3..].split_whitespace().collect();
    const JOINERS: [&str; 8] = ["and", "in", "for", "of", "the", "de", "van", "von"];
    !words.is_empty()
        && words.len() <= 8
        && words.iter().all(|w| {
            JOINERS.contains(w)
                || w.starts_with(char::is_uppercase)
                || w.starts_with(|c: char| !c.is_alphanumeric())
        })
}

/// `Reporting by …; Editing by …`, `– With additional reporting from news agencies`.
fn is_reporting_credit(line: &str) -> bool {
    let line = line.trim_start_matches(|c: char| is_dash(c) || c.is_whitespace() || c == '(');
    // The prefix first: counting the words of every line would read every line twice.
    first_byte_in(line, b"warec")
        && REPORTING_CREDITS.iter().any(|p| starts_with_ci(line, p))
        && line.split_whitespace().count() <= 25
}
