//! Weighted term vectors: the story-level signal that links a heavy paraphrase or a short
//! summary to the wire story it retells.
//!
//! Two outlets' rewrites of one story share few five-word phrases, but they share the story's
//! *vocabulary*: its people, places, organisations and numbers, and its rarer words. A term
//! vector captures that:
//!
//! - **Terms** are the normalised words that are not stop words, of two or more characters.
//! - **Term frequency** is sublinear: `1 + ln tf`, so a word repeated ten times does not drown
//!   the others.
//! - **The lede counts twice.** Each occurrence among the article's first
//!   [`TermConfig::lede_words`] words (30 by default: the headline, if the text carries one, and
//!   the first sentence) adds two to the term frequency, not one. News is written as an
//!   inverted pyramid: the lede says who did what, where and when, and background comes later.
//!   Two reports of one event open on the same names and facts; two events of one kind share
//!   the kind's background further down.
//! - **Inverse document frequency** is learnt from the stream itself ([`DocumentFrequencies`]):
//!   `ln((N + 1) / (df + 1)) + 1` over the `N` articles seen so far. Words every article uses
//!   weigh little; a name that appears in a handful of articles weighs a lot. No table ships
//!   with the crate, so it adapts to any newsroom's language and beat.
//! - **Names** weigh [`TermConfig::name_boost`] times more: a word capitalised where a sentence
//!   does not begin (`Witkoff`, `Kyiv`, `NATO`). Two reports of one event name the same people
//!   and places; two reports of two events of the same kind (two earthquakes, two summits)
//!   share the kind's vocabulary but not its names. Lines that look like title-case headlines do
//!   not count as names.
//! - **Figures** weigh [`TermConfig::figure_boost`] times more: numbers of two or more
//!   characters that are not a year or the day of a date (`288`, `5.6`, `160`). A death
//!   toll, a magnitude, a sum or a vote count identifies an event as its names do: two reports
//!   of one earthquake give the same magnitude, two earthquakes do not. A lone digit is left
//!   out: news style spells out one to nine, so a numeral of one digit is mostly a piece of a
//!   time, a score or a list. Years and dates have rules of their own (below).
//! - Only the [`TermConfig::max_terms`] heaviest terms are kept, and the vector is scaled to unit
//!   length, so [`TermVector::cosine`] is a short merge of two sorted lists.
//!
//! Terms are identified by the 64-bit hash of the word ([`crate::shingle::word_hash`]).

use crate::error::{Error, Result};
use crate::hash::FastMap;

mod dates;
mod stop_words;
mod sum;
mod vector;

pub(crate) use stop_words::StopWords;
pub use stop_words::STOP_WORDS;
use vector::WEIGHT_ONE;
pub use vector::{TermLookup, TermVector, FEW_TERMS_CAP};

/// How term vectors are built.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TermConfig {
    /// How many of an article's heaviest terms its vector keeps, 8 to 1024. Default 64.
    pub max_terms: usize,
    /// Weight factor for names (words the article writes capitalised in mid-sentence more
    /// often than in lowercase, outside title-case lines), 1 to 10.
    /// Default 2.
    pub name_boost: f32,
    /// Factor, 0 to 1, applied to the similarity of two articles that both mention years
    /// (1900 to 2099) but no year in common. Reports of one event are written within days of
    /// it and date it alike; two events of the same kind (two earthquakes, two elections) are
    /// often years apart, and their words alone cannot tell them apart. 1 turns this off.
    /// Default 0.75.
    pub year_conflict: f32,
    /// Factor, 0 to 1, applied when both articles name months (`May`, `Dec.`) but no month in
    /// common. 1 turns this off. Default 0.7.
    pub month_conflict: f32,
    /// Words at the start of an article whose terms count twice: the lede (see the
    /// [module docs](self)). News style keeps a lede to about 30 words. 0 turns this off.
    /// Default 30.
    pub lede_words: u32,
    /// Factor, 1 to 2, applied when both articles name the same day of a month (`May 3`,
    /// `3 May`): reports of one event date it alike, reports of two events rarely share a day.
    /// The result is capped at 1. 1 turns this off. Default 1.5. With publication times
    /// known, dates are resolved to calendar days, weekdays and `yesterday` among them, and
    /// two days at most one apart count as one (see [`TermConfig::day_conflict`]).
    pub shared_day_boost: f32,
    /// Factor, 0 to 1, applied when both articles have publication times and name days
    /// (`May 3`, `on Tuesday`, `yesterday`, resolved to calendar days) but none within a day
    /// of each other: two reports of one event date it alike, and a daily report of another
    /// day is another story. Without publication times a day of a month alone does not
    /// conflict: independent reports of one event written on different days name different
    /// days (on ecbplus-dev such a rule cost 0.02 of pair recall). 1 turns this off.
    /// Default 0.8.
    pub day_conflict: f32,
    /// Least number of terms two articles' vectors must share for their similarity to count,
    /// 1 to 16: a rewrite needs evidence, and a cosine over two words of two short texts is
    /// chance. Below it the similarity is at most
    /// [`FEW_TERMS_CAP`], a weak link that never joins a story alone.
    /// Default 4.
    pub min_common_terms: usize,
    /// Weight factor for figures (numbers of two or more characters that are not a year or
    /// the day of a date: see the [module docs](self)), 1 to 10. 1 turns this off. Default 2.
    pub figure_boost: f32,
}

impl Default for TermConfig {
    fn default() -> Self {
        TermConfig {
            max_terms: 64,
            name_boost: 2.0,
            year_conflict: 0.75,
            month_conflict: 0.7,
            shared_day_boost: 1.5,
            day_conflict: 0.8,
            min_common_terms: 4,
            lede_words: 30,
            figure_boost: 2.0,
        }
    }
}

impl TermConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        if !(8..=1024).contains(&self.max_terms) {
            return Err(Error::config(
                "terms.max_terms",
                format!("must be 8 to 1024, got {}", self.max_terms),
            ));
        }
        if !(1.0..=10.0).contains(&self.name_boost) {
            return Err(Error::config(
                "terms.name_boost",
                format!("must be 1 to 10, got {}", self.name_boost),
            ));
        }
        if !(1.0..=10.0).contains(&self.figure_boost) {
            return Err(Error::config(
                "terms.figure_boost",
                format!("must be 1 to 10, got {}", self.figure_boost),
            ));
        }
        if !(0.0..=1.0).contains(&self.month_conflict) {
            return Err(Error::config(
                "terms.month_conflict",
                format!("must be 0 to 1, got {}", self.month_conflict),
            ));
        }
        if !(1.0..=2.0).contains(&self.shared_day_boost) {
            return Err(Error::config(
                "terms.shared_day_boost",
                format!("must be 1 to 2, got {}", self.shared_day_boost),
            ));
        }
        if !(0.0..=1.0).contains(&self.day_conflict) {
            return Err(Error::config(
                "terms.day_conflict",
                format!("must be 0 to 1, got {}", self.day_conflict),
            ));
        }
        if !(1..=16).contains(&self.min_common_terms) {
            return Err(Error::config(
                "terms.min_common_terms",
                format!("must be 1 to 16, got {}", self.min_common_terms),
            ));
        }
        if !(0.0..=1.0).contains(&self.year_conflict) {
            return Err(Error::config(
                "terms.year_conflict",
                format!("must be 0 to 1, got {}", self.year_conflict),
            ));
        }
        Ok(())
    }
}

/// What kind of term a term is, for its weight ([`TermConfig::name_boost`],
/// [`TermConfig::figure_boost`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TermKind {
    /// A common word.
    Word,
    /// A name: written capitalised in mid-sentence more often than in lowercase.
    Name,
    /// A figure: a number of two or more characters, written at least once other than as a
    /// year or the day of a date; an English number word from `ten` to `ninety` counts as its
    /// figure (`twelve` as `12`).
    Figure,
}

/// An article's raw term statistics, before any weighting by other articles: each distinct
/// term's hash, how often it occurs (an occurrence in the lede counting twice), and its
/// [kind](TermKind). Independent of every other article, so it can be computed in parallel.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TermCounts {
    /// `(term hash, occurrences, kind)`, sorted by hash. An occurrence among the
    /// article's first [`TermConfig::lede_words`] words counts twice.
    terms: Vec<(u64, u32, TermKind)>,
    /// The years mentioned, most mentioned first, at most [`MAX_YEARS`].
    years: Vec<u16>,
    /// Bit `m` set for each month `m` (1 to 12) named.
    months: u16,
    /// The days named, as date codes (`dates`: a day of a month, or with a publication
    /// time a calendar day), sorted, at most [`MAX_DAYS`].
    days: Vec<u16>,
}

/// Most distinct terms kept per article, the most frequent: a news article has a few hundred
/// to a couple of thousand; text with millions (junk, a dump of identifiers) would otherwise
/// add every one to the term statistics, which outlive the article.
pub const MAX_DISTINCT_TERMS: usize = 4096;

/// Most days of a month kept per article.
pub const MAX_DAYS: usize = 16;

/// `3`, `03`, `3rd`, `21st`: a day of a month.
fn as_day(token: &str) -> Option<u8> {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) || !matches!(&token[digits..], "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    let d: u8 = token[..digits].parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

/// Most years kept per article: the most mentioned.
pub const MAX_YEARS: usize = 8;

/// A token that reads as a year of modern news: four digits, 1900 to 2099.
fn as_year(token: &str) -> Option<u16> {
    let b = token.as_bytes();
    if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y = b.iter().fold(0u16, |y, d| y * 10 + u16::from(d - b'0'));
    (1900..=2099).contains(&y).then_some(y)
}

/// The figure an English number word from ten to ninety stands for (`twelve` is `12`), so
/// that a report writing `ten people died` and one writing `10 dead` share the figure. One to
/// nine are left alone: their numerals are not figures (see [`TermKind::Figure`]), and
/// `hundred` and `thousand` multiply the word before them.
#[inline]
fn number_word(word: &str) -> Option<&'static str> {
    // Each is 3 to 9 letters and ends in `n`, `e` or `y`: most words are told by these tests.
    let b = word.as_bytes();
    if !(3..=9).contains(&b.len()) || !matches!(b[b.len() - 1], b'n' | b'e' | b'y') {
        return None;
    }
    Some(match word {
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "thirteen" => "13",
        "fourteen" => "14",
        "fifteen" => "15",
        "sixteen" => "16",
        "seventeen" => "17",
        "eighteen" => "18",
        "nineteen" => "19",
        "twenty" => "20",
        "thirty" => "30",
        "forty" => "40",
        "fifty" => "50",
        "sixty" => "60",
        "seventy" => "70",
        "eighty" => "80",
        "ninety" => "90",
        _ => return None,
    })
}

/// Accumulates [`TermCounts`] from an article's tokens, one line at a time.
pub(crate) struct TermCounter {
    /// Every occurrence of a term so far, in order: its hash and what it says (`LEDE`,
    /// `CAPITALISED`, `LOWERCASE`, `FIGURE`). Summed by term in [`TermCounter::finish`], after
    /// one sort (`sum::summed`): cheaper than a hash table counting as it goes, whose terms
    /// must be sorted at the end anyway.
    seen: Vec<(u64, u8)>,
    years: Vec<(u16, u32)>,
    months: u16,
    days: Vec<u16>,
    /// The previous token was this month, or this day number: for `May 3` and `3 May` (and
    /// `4 de marzo`: a joining word keeps the day).
    prev_month: Option<u8>,
    prev_day: Option<u8>,
    /// The day of publication, counted from 1970-01-01, when known: dates are resolved
    /// against it ([`dates`]).
    published: Option<i64>,
    /// Where in `seen` the day of `prev_day` was counted, if it was; and whether a joining
    /// word has been passed since.
    day_at: Option<usize>,
    joined: bool,
    /// Where the current line's occurrences start in `seen`.
    line_start: usize,
    line_no: u32,
    line_capitals: usize,
    /// Tokens seen so far, stop words included.
    position: u32,
    /// [`TermConfig::lede_words`].
    lede_words: u32,
}

/// An occurrence in the lede (it counts twice).
const LEDE: u8 = 1;
/// An occurrence capitalised in mid-sentence.
const CAPITALISED: u8 = 2;
/// An occurrence in lowercase in mid-sentence.
const LOWERCASE: u8 = 4;
/// An occurrence of a figure: a number of two or more characters, not a year or the day of a
/// date.
const FIGURE: u8 = 8;

impl TermCounter {
    /// A counter whose first `lede_words` tokens count twice, for an article of about
    /// `text_bytes` bytes: its list is sized once, for one counted word in eight bytes (more
    /// than running text has), instead of growing.
    pub(crate) fn new(lede_words: u32, text_bytes: usize) -> TermCounter {
        TermCounter {
            seen: Vec::with_capacity((text_bytes / 8).min(8192)),
            years: Vec::new(),
            months: 0,
            days: Vec::new(),
            prev_month: None,
            prev_day: None,
            published: None,
            day_at: None,
            joined: false,
            line_start: 0,
            line_no: 0,
            line_capitals: 0,
            position: 0,
            lede_words,
        }
    }

    /// Resolves the dates the article names against its day of publication (counted from
    /// 1970-01-01).
    pub(crate) fn published_on(mut self, day: Option<i64>) -> TermCounter {
        self.published = day;
        self
    }

    /// Keeps a date's code, up to [`MAX_DAYS`].
    fn keep_date(&mut self, code: u16) {
        if self.days.len() < MAX_DAYS && !self.days.contains(&code) {
            self.days.push(code);
        }
    }

    /// Adds one token. `hash` is its word hash.
    #[inline]
    pub(crate) fn push(
        &mut self,
        stop: &StopWords,
        hash: u64,
        token: &crate::normalize::Token<'_>,
    ) {
        if token.line != self.line_no {
            self.flush_line();
            self.line_no = token.line;
        }
        if token.capitalized {
            self.line_capitals += 1;
        }
        let lede = self.position < self.lede_words;
        self.position = self.position.saturating_add(1);
        // Years and days are numbers, months capitalised words: most tokens are neither, and
        // are told so by one test each.
        let digit = token.text.as_bytes()[0].is_ascii_digit();
        let year = if digit { as_year(token.text) } else { None };
        if let Some(y) = year {
            match self.years.iter_mut().find(|e| e.0 == y) {
                Some(e) => e.1 += 1,
                None => self.years.push((y, 1)),
            }
        }
        let day = if digit { as_day(token.text) } else { None };
        // Months, weekdays and relative days are words of three to ten letters.
        let wordlike = !digit && (3..=11).contains(&token.text.len());
        let month = if wordlike {
            dates::month(token.text, token.capitalized)
        } else {
            None
        };
        if let Some(m) = month {
            self.months |= 1 << m;
        }
        let date = match (month, day, self.prev_month, self.prev_day) {
            (Some(m), _, _, Some(d)) | (None, Some(d), Some(m), _) => Some((m, d)),
            _ => None,
        };
        if let Some((m, d)) = date {
            let code = match self.published {
                Some(p) => dates::resolve_month_day(m, d, p).and_then(dates::absolute),
                None => Some(dates::month_day(m, d)),
            };
            if let Some(code) = code {
                self.keep_date(code);
            }
            if month.is_some() {
                // `3 May`: the day, a token before, was counted as a figure.
                if let Some(at) = self.day_at {
                    self.seen[at].1 &= !FIGURE;
                }
            }
        }
        let day_word = wordlike && month.is_none() && dates::may_name_a_day(token.text);
        if let (Some(p), true) = (self.published, day_word) {
            let resolved = match dates::weekday_name(token.text, token.capitalized) {
                Some(w) => Some(dates::resolve_weekday(w, p)),
                None => {
                    dates::relative_day(token.text, token.capitalized).map(|r| p + i64::from(r))
                }
            };
            if let Some(code) = resolved.and_then(dates::absolute) {
                self.keep_date(code);
            }
        }
        let joins =
            self.prev_day.is_some() && !self.joined && dates::joins_day_and_month(token.text);
        self.prev_month = month;
        self.joined = joins;
        if !joins {
            self.prev_day = day;
            // A number is never a stop word: counted, it is the next occurrence.
            self.day_at = day.map(|_| self.seen.len());
        }
        let long_enough = token.text.len() >= 2 || digit;
        // `twelve` counts as `12`, a figure, capitalised or not.
        let number = if wordlike && month.is_none() {
            number_word(token.text)
        } else {
            None
        };
        let hash = number.map_or(hash, |n| crate::shingle::word_hash(n, stop.seed()));
        let case = match (token.sentence_start || number.is_some(), token.capitalized) {
            (true, _) => 0,
            (false, true) => CAPITALISED,
            (false, false) => LOWERCASE,
        };
        // Not a figure: a year, or the day of `May 3` (that of `3 May` is undone above when
        // `May` comes).
        let figure = number.is_some()
            || digit
                && token.text.len() >= 2
                && year.is_none()
                && day.is_none_or(|_| date.is_none());
        // Whether a word is a stop word is a coin toss to the branch predictor: the occurrence
        // is written either way and taken back when it does not count.
        let counts = long_enough & !stop.contains(hash);
        let what = case | if lede { LEDE } else { 0 } | if figure { FIGURE } else { 0 };
        self.seen.push((hash, what));
        self.seen.truncate(self.seen.len() - usize::from(!counts));
    }

    fn flush_line(&mut self) {
        // A line where most words are capitalised is a headline in title case, or a slug: its
        // capitals say nothing about names.
        let line = &mut self.seen[self.line_start..];
        if line.len() >= 3 && self.line_capitals * 10 >= line.len() * 6 {
            for (_, what) in line {
                *what &= LEDE | FIGURE;
            }
        }
        self.line_start = self.seen.len();
        self.line_capitals = 0;
    }

    pub(crate) fn finish(mut self) -> TermCounts {
        self.flush_line();
        // A name is written capitalised in mid-sentence more often than not: `Police` in
        // `Vancouver Police` is not a name in an article that also writes `police said`.
        // A figure starts with a digit, a name with a capital: no term is both.
        let kind = |capitalised: i32, figure: u32| match (capitalised > 0, figure > 0) {
            (true, _) => TermKind::Name,
            (false, true) => TermKind::Figure,
            (false, false) => TermKind::Word,
        };
        let mut terms: Vec<(u64, u32, TermKind)> = sum::summed(&self.seen, |sums| {
            sums.iter()
                .map(|&(h, tf, c, f)| (h, tf, kind(c, f)))
                .collect()
        });
        if terms.len() > MAX_DISTINCT_TERMS {
            // The most frequent, ties by hash; back in hash order.
            terms.select_nth_unstable_by(MAX_DISTINCT_TERMS - 1, |a, b| {
                b.1.cmp(&a.1).then(a.0.cmp(&b.0))
            });
            terms.truncate(MAX_DISTINCT_TERMS);
            terms.sort_unstable_by_key(|t| t.0);
        }
        let mut years = self.years;
        years.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut days = self.days;
        days.sort_unstable();
        TermCounts {
            terms,
            years: years.into_iter().take(MAX_YEARS).map(|y| y.0).collect(),
            months: self.months,
            days,
        }
    }
}

impl TermCounts {
    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when the article has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The years (1900 to 2099) the article mentions, most mentioned first, at most
    /// [`MAX_YEARS`].
    pub fn years(&self) -> &[u16] {
        &self.years
    }

    /// `(term hash, occurrences, kind)`, sorted by hash. An occurrence among the
    /// article's first [`TermConfig::lede_words`] words counts twice.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32, TermKind)> + '_ {
        self.terms.iter().copied()
    }
}

/// How many articles each term appeared in, over every article counted so far.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocumentFrequencies {
    documents: u64,
    /// Keyed by the low 32 bits of the term's hash, as [`TermVector`] keeps it, so that the
    /// terms of a stored vector can be found here. Written in order of the key, so that equal
    /// statistics are equal bytes however their map was built.
    #[cfg_attr(feature = "serde", serde(serialize_with = "sorted_map"))]
    df: FastMap<u32, u32>,
}

/// A map written in order of its keys.
#[cfg(feature = "serde")]
fn sorted_map<S: serde::Serializer>(
    map: &FastMap<u32, u32>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let mut entries: Vec<(&u32, &u32)> = map.iter().collect();
    entries.sort_unstable();
    s.collect_map(entries)
}

impl DocumentFrequencies {
    /// Counts one article's terms.
    pub fn add(&mut self, counts: &TermCounts) {
        self.documents += 1;
        for (h, _, _) in counts.iter() {
            *self.df.entry(h as u32).or_insert(0) += 1;
        }
    }

    /// Takes one article's terms back out: the inverse of [`DocumentFrequencies::add`], for
    /// an application that counted an article it then could not keep (a failed commit, say).
    /// A term whose count falls to zero is forgotten; counts never go below zero.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let d = Detector::new(Default::default())?;
    /// let counts = d.analyze("Gales closed the Kessington harbour bridge on Monday.")?.terms;
    /// let mut df = copydesk::terms::DocumentFrequencies::default();
    /// df.add(&counts);
    /// df.remove(&counts);
    /// assert_eq!(df, Default::default());
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn remove(&mut self, counts: &TermCounts) {
        self.documents = self.documents.saturating_sub(1);
        for (h, _, _) in counts.iter() {
            if let Some(n) = self.df.get_mut(&(h as u32)) {
                *n -= 1;
                if *n == 0 {
                    self.df.remove(&(h as u32));
                }
            }
        }
    }

    /// Forgets every term counted in at most `at_most` articles, gives back the memory they
    /// held, and says how many were forgotten. A forgotten term weighs as a term never seen,
    /// which for a term of one article in a million is a difference of `ln 2` in its inverse
    /// document frequency of about 14. The number of articles counted does not change.
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let d = Detector::new(Default::default())?;
    /// let mut df = copydesk::terms::DocumentFrequencies::default();
    /// df.add(&d.analyze("Gales closed the Kessington harbour bridge.")?.terms);
    /// df.add(&d.analyze("Gales closed the ferry port.")?.terms);
    /// let shared = df.terms() - df.prune(1);
    /// assert_eq!(shared, 2); // gales, closed
    /// assert_eq!(df.documents(), 2);
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn prune(&mut self, at_most: u32) -> usize {
        let before = self.df.len();
        self.df.retain(|_, n| *n > at_most);
        self.df.shrink_to_fit();
        before - self.df.len()
    }

    /// Forgets `term` if it was counted in one article only; says whether it was.
    pub(crate) fn forget_if_single(&mut self, term: u64) -> bool {
        let single = self.df.get(&(term as u32)) == Some(&1);
        if single {
            self.df.remove(&(term as u32));
        }
        single
    }

    /// Adds another set of statistics to these, as if every article counted there had been
    /// counted here: for statistics kept as a base and a log of increments.
    pub fn merge(&mut self, other: &DocumentFrequencies) {
        self.documents += other.documents;
        for (&h, &n) in &other.df {
            *self.df.entry(h).or_insert(0) += n;
        }
    }

    /// Number of articles counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Number of distinct terms seen.
    pub fn terms(&self) -> usize {
        self.df.len()
    }

    /// In how many counted articles the term appeared. Terms are told apart by the low 32
    /// bits of their hash, as in a [`TermVector`].
    pub fn df(&self, term: u64) -> u32 {
        self.df.get(&(term as u32)).copied().unwrap_or(0)
    }

    /// `ln((N + 1) / (df + 1)) + 1`.
    #[inline]
    pub fn idf(&self, term: u64) -> f32 {
        let n = self.documents as f32 + 1.0;
        (n / (self.df(term) as f32 + 1.0)).ln() + 1.0
    }

    /// The weighted, truncated, unit-length vector of an article's terms.
    pub fn vector(&self, counts: &TermCounts, config: &TermConfig) -> TermVector {
        let mut terms: Vec<(u64, f32)> = counts
            .iter()
            .map(|(h, tf, kind)| {
                let boost = match kind {
                    TermKind::Word => 1.0,
                    TermKind::Name => config.name_boost,
                    TermKind::Figure => config.figure_boost,
                };
                (h, sublinear_tf(tf) * self.idf(h) * boost)
            })
            .collect();
        if terms.len() > config.max_terms {
            // Heaviest first, ties by hash: one integer compared, not a float and a hash.
            terms.select_nth_unstable_by_key(config.max_terms - 1, |&(h, w)| {
                (u128::from(!total_order(w)) << 64) | u128::from(h)
            });
            terms.truncate(config.max_terms);
        }
        let norm = terms.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            for t in &mut terms {
                t.1 /= norm;
            }
        }
        // Stored as the hash's low 32 bits and a 16-bit weight: two terms of one vector share
        // low bits about once in 2^22 vectors; the weight's rounding is under 2^-16.
        let mut stored: Vec<(u32, u16)> = terms
            .iter()
            .map(|t| {
                (
                    t.0 as u32,
                    (t.1.clamp(0.0, 1.0) * WEIGHT_ONE).round() as u16,
                )
            })
            .collect();
        stored.sort_unstable_by_key(|t| t.0);
        stored.dedup_by(|b, a| {
            // The rare shared low bits: one term, the larger weight.
            let same = a.0 == b.0;
            if same {
                a.1 = a.1.max(b.1);
            }
            same
        });
        let mut years = counts.years.clone();
        years.sort_unstable();
        TermVector::from_parts(&stored, &years, counts.months, &counts.days)
    }
}

/// `1 + ln tf`, from a table for the small counts most terms have.
#[inline]
fn sublinear_tf(tf: u32) -> f32 {
    static TABLE: std::sync::LazyLock<[f32; 64]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|tf| 1.0 + (tf as f32).ln()));
    match TABLE.get(tf as usize) {
        Some(&w) => w,
        None => 1.0 + (tf as f32).ln(),
    }
}

/// `w`'s place in [`f32::total_cmp`]'s order, as an unsigned integer.
#[inline]
fn total_order(w: f32) -> u32 {
    let bits = w.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    }
}

#[cfg(test)]
mod tests;
