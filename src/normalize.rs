//! Normalisation of news text: which lines are article text, and what the words are.
//!
//! Two outlets' copies of one wire story differ in ways that carry no meaning: curly or
//! straight quotes, "cease-fire" or "ceasefire", "U.S." or "US", a photo credit, a byline, an
//! all-caps slug, a CMS header such as `date 2026-01-07`. The [`Normalizer`] removes those
//! differences before anything is hashed, in two steps:
//!
//! 1. **Lines.** [`Normalizer::article_lines`] drops lines that are not article text (photo
//!    credits and captions, bylines, reporting credits, all-caps slugs) and strips prefixes that
//!    are not either (datelines such as `PARIS (Reuters) -`, metadata headers such as
//!    `date 2026-01-07`). If every line would be dropped, all lines are kept: an article written
//!    in capitals is still an article.
//! 2. **Words.** [`Normalizer::for_each_token`] splits the kept lines into words. Each word is
//!    Unicode NFKC-normalised and lower-cased; apostrophes, hyphens and acronym dots inside a word
//!    are removed (`cease-fire` → `ceasefire`, `U.S.` → `us`, `they’re` → `theyre`), a possessive
//!    `'s` is dropped (`Ukraine’s` → `ukraine`), and thousands separators go (`1,000` → `1000`)
//!    while decimal points stay (`3.5`). Quote marks and dashes between words are separators.
//!    Scripts written without spaces between words (Chinese, Japanese, Korean, Thai, Lao,
//!    Khmer, Myanmar) are cut into overlapping character bigrams: `東京で雨` is `東京 京で で雨`.
//!
//! Each token also says whether it was capitalised in the original and whether it began a
//! sentence: names are the strongest story-level signal, and that is how they are found.
//!
//! ```
//! use copydesk::normalize::Normalizer;
//!
//! let n = Normalizer::default();
//! assert_eq!(
//!     n.normalize("PARIS (Reuters) - The U.S.-backed cease-fire held, Kyiv’s officials said."),
//!     "the usbacked ceasefire held kyiv officials said",
//! );
//! ```

use crate::shingle::{short_word_hash, word_hash};
use unicode_normalization::UnicodeNormalization;

mod lines;
mod scripts;
use lines::clean_line;

/// Which normalisation rules are on. All are on by default.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct NormalizeConfig {
    /// Drop lines that are not article text and strip datelines and metadata prefixes.
    pub strip_boilerplate: bool,
    /// Join words split by a hyphen (`cease-fire` → `ceasefire`). Default `true`.
    pub join_hyphens: bool,
    /// Remove the dots of dotted acronyms (`U.S.` → `us`). Default `true`.
    pub fold_acronyms: bool,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            strip_boilerplate: true,
            join_hyphens: true,
            fold_acronyms: true,
        }
    }
}

/// One word of an article, as [`Normalizer::for_each_token`] hands it out. Two tokens are
/// equal when their text and flags are.
#[derive(Clone, Copy)]
pub struct Token<'a> {
    /// The normalised word: NFKC, lower case, joiners removed. Never empty.
    pub text: &'a str,
    /// The word began with an upper-case letter in the original text.
    pub capitalized: bool,
    /// The word began a sentence or a line, so its capital says nothing about it being a name.
    pub sentence_start: bool,
    /// The number of the kept line the word stands on, from 0.
    pub line: u32,
    /// `text` as the padded integer of [`word_hash`] when the tokenizer read it in one load
    /// (a plain word of 1 to 8 bytes), else 0 (no word of 1 to 8 bytes pads to 0: a word
    /// holds no NUL).
    padded: u64,
}

impl PartialEq for Token<'_> {
    /// Text and flags: how the token was read (`padded`) is not part of what it is.
    fn eq(&self, other: &Self) -> bool {
        (self.text, self.capitalized, self.sentence_start, self.line)
            == (
                other.text,
                other.capitalized,
                other.sentence_start,
                other.line,
            )
    }
}

impl Eq for Token<'_> {}

impl std::fmt::Debug for Token<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("text", &self.text)
            .field("capitalized", &self.capitalized)
            .field("sentence_start", &self.sentence_start)
            .field("line", &self.line)
            .finish()
    }
}

impl Token<'_> {
    /// A token of `text` with the given flags, as the normaliser would hand it out.
    pub fn new(text: &str, capitalized: bool, sentence_start: bool, line: u32) -> Token<'_> {
        Token {
            text,
            capitalized,
            sentence_start,
            line,
            padded: 0,
        }
    }

    /// [`word_hash`]`(self.text, seed)`, for less: a plain word of up to 8 bytes was read by
    /// the tokenizer in one load, where `word_hash` assembles it from a string of unknown
    /// length.
    ///
    /// ```
    /// use copydesk::normalize::Normalizer;
    /// use copydesk::shingle::word_hash;
    /// Normalizer::default().for_each_token("Gales closed the Øresund bridge", |t| {
    ///     assert_eq!(t.word_hash(7), word_hash(t.text, 7));
    /// });
    /// ```
    #[inline(always)]
    pub fn word_hash(&self, seed: u64) -> u64 {
        // The rare case out of line, so that the common one inlines into the caller's loop.
        #[inline(never)]
        fn other(text: &str, seed: u64) -> u64 {
            word_hash(text, seed)
        }
        if self.padded != 0 {
            short_word_hash(self.padded, self.text.len(), seed)
        } else {
            other(self.text, seed)
        }
    }
}

/// Turns raw article text into normalised words. Cheap to create and to clone; holds no state
/// between calls, so one normaliser can serve many threads.
#[derive(Clone, Debug, Default)]
pub struct Normalizer {
    config: NormalizeConfig,
}

/// The end of the run of ASCII letters and digits in `bytes` that starts at `from` (the
/// index of the first other byte, or `bytes.len()`). Eight bytes a step (SWAR): a word's end
/// costs one well-predicted test instead of a byte loop whose exit the branch predictor
/// cannot learn.
#[inline(always)]
pub(crate) fn ascii_alnum_run(bytes: &[u8], mut from: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte set when the byte (under 0x80) is in lo..=hi: no carry crosses
    // bytes, since each byte and each added constant are at most 0x80.
    let in_range = |x: u64, lo: u8, hi: u8| {
        let at_least = x + LOW * u64::from(0x80 - lo);
        let above = x + LOW * u64::from(0x7f - hi);
        at_least & !above & HIGH
    };
    // For eight bytes: the high bit of each byte that is not an ASCII letter or digit.
    let other = |x: u64| {
        let ascii = !x & HIGH;
        let low7 = x & !HIGH;
        let alnum =
            (in_range(low7, b'0', b'9') | in_range(low7 | (LOW * 0x20), b'a', b'z')) & ascii;
        !alnum & HIGH
    };
    // The run ends in this step, at the first `other` lane.
    let end = |from: usize, other: u64| from + (other.trailing_zeros() / 8) as usize;
    while let Some(chunk) = bytes.get(from..from + 8) {
        let other = other(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if other != 0 {
            return end(from, other);
        }
        from += 8;
    }
    let left = bytes.len() - from;
    if left == 0 {
        return from;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        // Under eight bytes left (a line's last word, every few words on a wire): the line's
        // last eight bytes, shifted so that `from` is the first lane. The lanes past the end
        // read as zero, which ends the run, so one step decides it, not a byte loop whose exit
        // the branch predictor cannot learn.
        return end(from, other(u64::from_le_bytes(*last) >> (8 * (8 - left))));
    }
    // A line shorter than eight bytes.
    while from < bytes.len() && bytes[from].is_ascii_alphanumeric() {
        from += 1;
    }
    from
}

/// The lines of a text, split at `\n` with memchr (many bytes a step, where `str::lines`
/// takes few: with a news wire's short lines, finding them was 8 % of hashing time). A `\r`
/// before the `\n` stays on the line; callers trim it.
#[derive(Clone)]
struct Lines<'a>(Option<&'a str>);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.0?;
        match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                self.0 = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.0 = None;
                Some(rest)
            }
        }
    }
}

/// No token span open (see `tokenize_line`).
const NO_SPAN: usize = usize::MAX;

/// What follows the lowered line in `Scratch::lower`: see `tokenize_line`.
const LOAD_PAD: &str = "\0\0\0\0\0\0\0\0";

impl Normalizer {
    /// A normaliser with the given rules.
    pub fn new(config: NormalizeConfig) -> Normalizer {
        Normalizer { config }
    }

    /// The configuration this normaliser was built with.
    pub fn config(&self) -> &NormalizeConfig {
        &self.config
    }

    /// The lines of `text` that are article text, trimmed, with datelines and metadata
    /// prefixes removed. See the [module docs](self) for the rules.
    ///
    /// ```
    /// # use copydesk::normalize::Normalizer;
    /// let text = "By Jane Doe\nPhoto: AFP / Getty Images\nLONDON (AP) — Markets rose.\n";
    /// assert_eq!(Normalizer::default().article_lines(text), vec!["Markets rose."]);
    /// ```
    pub fn article_lines<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut lines = Vec::new();
        self.for_each_line(text, |line| lines.push(line));
        lines
    }

    /// The article text lines, in order, without collecting them: the non-empty lines that
    /// pass the boilerplate rules, or every non-empty line when none does.
    fn for_each_line<'a>(&self, text: &'a str, mut f: impl FnMut(&'a str)) {
        let raw = Lines(Some(text)).map(trim).filter(|l| !l.is_empty());
        let mut kept = false;
        if self.config.strip_boilerplate {
            for line in raw.clone().filter_map(clean_line) {
                f(line);
                kept = true;
            }
        }
        if !kept {
            raw.for_each(f);
        }
    }

    /// Calls `f` with every word of the article, in order. Allocates nothing per word; its two
    /// small buffers are kept per thread and reused.
    ///
    /// ```
    /// # use copydesk::normalize::Normalizer;
    /// let mut words = Vec::new();
    /// Normalizer::default().for_each_token("Kyiv said. Paris agreed", |t| {
    ///     words.push((t.text.to_string(), t.capitalized, t.sentence_start))
    /// });
    /// assert_eq!(words[2], ("paris".to_string(), true, true));
    /// ```
    pub fn for_each_token(&self, text: &str, f: impl FnMut(Token<'_>)) {
        self.for_each_token_with::<true>(text, f);
    }

    /// [`Normalizer::for_each_token`]; `PLAIN_RUNS` turns on the fast path for plain words
    /// between single spaces (off only to test it against the general loop).
    fn for_each_token_with<const PLAIN_RUNS: bool>(
        &self,
        text: &str,
        mut f: impl FnMut(Token<'_>),
    ) {
        let run = |scratch: &mut Scratch| {
            let mut line_no = 0u32;
            self.for_each_line(text, |line| {
                self.tokenize_line::<PLAIN_RUNS>(line, line_no, scratch, &mut f);
                line_no += 1;
            });
        };
        // One scratch per thread, reused: allocating and growing two strings per article was
        // a tenth of the time of hashing a short one. A callback that tokenizes again (the
        // scratch is then borrowed) gets a fresh one.
        crate::scratch::with_scratch(
            &SCRATCH,
            // A giant token (a huge article with no spaces) is not kept in memory.
            |s| {
                s.raw
                    .capacity()
                    .max(s.out.capacity())
                    .max(s.lower.capacity())
                    .max(s.starts.capacity() * 8)
                    > 1 << 16
            },
            run,
        );
    }

    /// The article's words joined by single spaces: the canonical text that two copies share.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.for_each_token(text, |t| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t.text);
        });
        out
    }

    fn tokenize_line<const PLAIN_RUNS: bool>(
        &self,
        line: &str,
        line_no: u32,
        s: &mut Scratch,
        f: &mut impl FnMut(Token<'_>),
    ) {
        let bytes = line.as_bytes();
        let mut sentence_start = true;
        let mut i = 0;
        s.raw.clear();
        // The line in ASCII lower case, byte for byte: a plain token is a slice of it. Lowering
        // each capitalised word on its own branched on whether it had a capital, copied it
        // with a length the branch predictor could not know, and looped over it: three guesses
        // a word that the predictor often lost, where the whole line is one loop.
        s.lower.clear();
        s.lower.push_str(line);
        s.lower.make_ascii_lowercase();
        // Eight NULs past the end, so that a plain word's eight bytes from its start can
        // always be loaded at once (`Token::word_hash`); no token reaches them.
        s.lower.push_str(LOAD_PAD);
        // The token so far, while it is one run of ASCII letters and digits straight from the
        // line: no copy is made unless something joins it.
        // Two plain integers, `NO_SPAN` for none: an `Option<(usize, usize)>` here was
        // spilled and reloaded whole on every token, a store-forwarding stall that perf put at
        // a quarter of the tokenizer's time.
        let (mut span_start, mut span_end) = (NO_SPAN, 0usize);
        // Letters since the last acronym dot: `U.S` has segments of one letter each.
        let mut segment = 0usize;
        let mut prev = ' ';
        // The token's flags, set where it starts; its text is filled in when it is passed on.
        let mut token = Token::new("", false, false, line_no);
        // The token so far is a dotted acronym (`U.S`), so a dot right after it ends the
        // acronym, not the sentence.
        let mut acronym = false;
        // Passes on the token so far (see `emit`); true when there was one.
        macro_rules! emit {
            () => {
                Self::emit(span_start, span_end, s, token, f)
            };
        }
        // Moves the open span, if any, into `s.raw`, where something is about to join it.
        macro_rules! spill_span {
            () => {
                if span_start != NO_SPAN {
                    s.raw.push_str(&line[span_start..span_end]);
                    span_start = NO_SPAN;
                }
            };
        }
        while i < bytes.len() {
            let c = char_at(line, i);
            let len = c.len_utf8();
            if is_word_char(c) {
                if !c.is_ascii() && scripts::is_unspaced_letter(c) {
                    // A run of a script without spaces: its character bigrams are its words.
                    if emit!() {
                        sentence_start = false;
                    }
                    span_start = NO_SPAN;
                    let end = scripts::run_end(line, i);
                    let start = Token::new("", false, sentence_start, line_no);
                    if emit_run(&line[i..end], &mut s.out, &mut s.starts, start, f) {
                        sentence_start = false;
                    }
                    prev = line[..end].chars().next_back().unwrap_or(' ');
                    acronym = false;
                    i = end;
                    continue;
                }
                if span_start == NO_SPAN && s.raw.is_empty() {
                    token.capitalized = c.is_uppercase();
                    token.sentence_start = sentence_start;
                    segment = 0;
                    acronym = false;
                }
                // The common case, a run of ASCII letters and digits, in one step.
                let mut end = i + len;
                if c.is_ascii() {
                    end = ascii_alnum_run(bytes, end);
                    prev = bytes[end - 1] as char;
                } else {
                    prev = c;
                }
                if c.is_ascii() && span_start == NO_SPAN && s.raw.is_empty() {
                    (span_start, span_end) = (i, end);
                    // The common case, plain words each followed by one space and the next
                    // word: passed on here, without going round the loop for the space.
                    while PLAIN_RUNS
                        && bytes.get(span_end) == Some(&b' ')
                        && bytes
                            .get(span_end + 1)
                            .is_some_and(u8::is_ascii_alphanumeric)
                    {
                        emit!();
                        sentence_start = false;
                        let start = span_end + 1;
                        token.capitalized = bytes[start].is_ascii_uppercase();
                        token.sentence_start = false;
                        let run_end = ascii_alnum_run(bytes, start + 1);
                        (span_start, span_end) = (start, run_end);
                    }
                    // The token's start was where its segment began.
                    segment = span_end - span_start;
                    prev = bytes[span_end - 1] as char;
                    i = span_end;
                    continue;
                }
                spill_span!();
                s.raw.push_str(&line[i..end]);
                // Letters, not bytes: `É.U.` is an acronym too.
                segment += if c.is_ascii() { end - i } else { 1 };
                i = end;
                continue;
            }
            // A space, the common separator, takes part in no joining rule.
            if c != ' ' && (span_start != NO_SPAN || !s.raw.is_empty()) {
                let next = next_char(line, i + len);
                if is_apostrophe(c) && next.is_some_and(is_word_char) {
                    let after = next_char(line, i + len + 1);
                    if matches!(next, Some('s' | 'S')) && !after.is_some_and(is_word_char) {
                        // Possessive: `Kyiv's` is `Kyiv`.
                        i += len + 1;
                    } else {
                        i += len;
                    }
                    continue;
                }
                if self.config.join_hyphens
                    && is_hyphen(c)
                    && prev.is_alphanumeric()
                    && next.is_some_and(char::is_alphanumeric)
                {
                    i += len;
                    continue;
                }
                if c == '\u{AD}' {
                    // Soft hyphen: invisible, always inside a word.
                    i += len;
                    continue;
                }
                if c == '.' && prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()) {
                    spill_span!();
                    s.raw.push('.');
                    prev = '.';
                    i += 1;
                    continue;
                }
                if c == ',' && prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()) {
                    i += 1;
                    continue;
                }
                if c == '.'
                    && self.config.fold_acronyms
                    && segment == 1
                    && prev.is_alphabetic()
                    && next.is_some_and(char::is_alphabetic)
                {
                    segment = 0;
                    acronym = true;
                    i += 1;
                    continue;
                }
            }
            if c == '.'
                && acronym
                && segment == 1
                && next_char(line, i + 1).is_some_and(is_hyphen)
                && next_char(line, i + 2).is_some_and(char::is_alphanumeric)
            {
                // `U.S.-led` is `US-led`: the acronym's last dot goes, the hyphen joins.
                i += 1;
                continue;
            }
            let ends_acronym = acronym && c == '.';
            if emit!() {
                sentence_start = false;
            }
            span_start = NO_SPAN;
            if matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '؟' | '۔' | '।') && !ends_acronym
            {
                sentence_start = true;
            }
            acronym = false;
            prev = c;
            i += len;
        }
        emit!();
    }

    /// Passes the finished token on, with `token`'s flags: `s.lower[span_start..span_end]`
    /// (the line lowered), a slice that is the whole token, or else (`span_start` is
    /// [`NO_SPAN`]) what was gathered in `s.raw`.
    #[inline(always)]
    fn emit(
        span_start: usize,
        span_end: usize,
        s: &mut Scratch,
        token: Token<'static>,
        f: &mut impl FnMut(Token<'_>),
    ) -> bool {
        if span_start != NO_SPAN {
            debug_assert!(s.raw.is_empty());
            let len = span_end - span_start;
            let bytes = s.lower.as_bytes();
            // The word's bytes and those after it (at worst the pad), masked to the word:
            // its padded integer, for a word of up to 8 bytes.
            let eight = bytes.get(span_start..span_start + 8).map_or(0, |b| {
                u64::from_le_bytes(b.try_into().expect("eight bytes"))
            });
            // Without a branch: whether a word is longer than 8 bytes is a coin toss, and
            // `Token::word_hash` already branches on it once.
            let short = u64::from(len <= 8).wrapping_neg();
            let padded = eight & (u64::MAX >> (64usize.wrapping_sub(8 * len) & 63)) & short;
            f(Token {
                text: &s.lower[span_start..span_end],
                padded,
                ..token
            });
            return true;
        }
        if s.raw.is_empty() {
            return false;
        }
        Self::emit_gathered(s, token, f)
    }

    /// [`Normalizer::emit`]'s rare case, out of line so that the common one inlines into the
    /// tokenizer loop: the token gathered in `s.raw`, folded (NFKC and lower case) into
    /// `s.out`.
    #[inline(never)]
    fn emit_gathered(
        s: &mut Scratch,
        token: Token<'static>,
        f: &mut impl FnMut(Token<'_>),
    ) -> bool {
        s.out.clear();
        if s.raw.is_ascii() {
            s.out.push_str(&s.raw);
            s.out.make_ascii_lowercase();
        } else {
            // Composed again after lower-casing: `T` with a diaeresis has no capital
            // precomposed form, `t` has (`ẗ`), so the lowered NFKC text is not NFKC (found by
            // fuzzing: normalising twice differed).
            let mut dropped = false;
            for c in s.raw.nfkc().flat_map(char::to_lowercase).nfkc() {
                if is_word_char(c) || c == '.' {
                    s.out.push(c);
                } else {
                    dropped = true;
                }
            }
            if dropped {
                // What was dropped (the middle dot of `ŀ`) may have kept a letter from the
                // marks after it: composed again.
                let composed: String = s.out.nfc().collect();
                s.out = composed;
            }
            // Folding can make dots (`⒒` is `11.`): a dot stays only between digits, as in
            // the text (found by fuzzing: normalising twice differed).
            if s.out.contains('.') {
                fold_dots(&mut s.out);
            }
        }
        s.raw.clear();
        if s.out.is_empty() {
            return false;
        }
        if !s.out.is_ascii() && s.out.chars().any(scripts::is_unspaced_letter) {
            // Folding made letters of a script without spaces (half-width Hangul becomes
            // Hangul jamo): cut as such letters in the text are, so that normalising the
            // normalised text changes nothing.
            Self::emit_mixed(s, token, f);
            return true;
        }
        f(Token {
            text: &s.out,
            padded: 0,
            ..token
        });
        true
    }

    /// Passes on a folded token (in `s.out`) that holds letters of a script without spaces:
    /// its runs of them as their bigrams, the rest as words.
    #[inline(never)]
    fn emit_mixed(s: &mut Scratch, token: Token<'static>, f: &mut impl FnMut(Token<'_>)) {
        let folded = std::mem::take(&mut s.out);
        let mut token = token;
        let mut i = 0;
        while i < folded.len() {
            let c = char_at(&folded, i);
            if scripts::is_unspaced_letter(c) {
                let end = scripts::run_end(&folded, i);
                if emit_run(&folded[i..end], &mut s.raw, &mut s.starts, token, f) {
                    token.sentence_start = false;
                }
                i = end;
            } else {
                let end = folded[i..]
                    .char_indices()
                    .find(|&(_, c)| scripts::is_unspaced_letter(c))
                    .map_or(folded.len(), |(j, _)| i + j);
                f(Token {
                    text: &folded[i..end],
                    padded: 0,
                    ..token
                });
                token.sentence_start = false;
                token.capitalized = false;
                i = end;
            }
        }
        s.raw.clear();
        s.out = folded;
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

#[derive(Default)]
struct Scratch {
    /// A token being gathered from pieces, as written.
    raw: String,
    /// A gathered token, folded.
    out: String,
    /// The line being tokenized, in ASCII lower case.
    lower: String,
    /// Where each character of a folded run of an unspaced script begins in `out`.
    starts: Vec<usize>,
}

/// `str::trim`, with the common case (ASCII spaces, tabs, a `\r`, or nothing to trim) done on
/// bytes: `str::trim` decodes a character at each end, which was a third of the time spent
/// finding a wire's short lines.
#[inline]
fn trim(line: &str) -> &str {
    let b = line.as_bytes();
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace() && *c != 0x0b)
        .unwrap_or(b.len());
    let end = b[start..]
        .iter()
        .rposition(|c| !c.is_ascii_whitespace() && *c != 0x0b)
        .map_or(start, |i| start + i + 1);
    // Both ends stop at an ASCII byte or at the lead or last byte of a longer character, so
    // they are character boundaries. Only a non-ASCII byte there can be Unicode white space.
    let line = &line[start..end];
    match (line.as_bytes().first(), line.as_bytes().last()) {
        (Some(&f), Some(&l)) if f >= 0x80 || l >= 0x80 => line.trim(),
        _ => line,
    }
}

/// Passes on the bigrams of `run`, letters of a script without spaces, folded into `out`, as
/// tokens with `token`'s line and sentence start (the first only), never capitalised. Says
/// whether there was any.
fn emit_run(
    run: &str,
    out: &mut String,
    starts: &mut Vec<usize>,
    mut token: Token<'static>,
    f: &mut impl FnMut(Token<'_>),
) -> bool {
    scripts::fold_run(run, out, starts);
    let mut any = false;
    for text in scripts::bigrams(out, starts) {
        f(Token {
            text,
            capitalized: false,
            padded: 0,
            ..token
        });
        token.sentence_start = false;
        any = true;
    }
    any
}

/// Removes every dot of `word` that does not stand between two ASCII digits.
fn fold_dots(word: &mut String) {
    let b = word.as_bytes();
    let keep: Vec<bool> = (0..b.len())
        .map(|i| {
            b[i] != b'.'
                || (i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        })
        .collect();
    let mut i = 0;
    word.retain(|c| {
        let k = keep[i];
        i += c.len_utf8();
        k
    });
}

#[inline]
fn char_at(s: &str, i: usize) -> char {
    let b = s.as_bytes()[i];
    if b < 0x80 {
        b as char
    } else {
        s[i..].chars().next().unwrap_or(' ')
    }
}

#[inline]
fn next_char(s: &str, i: usize) -> Option<char> {
    if i < s.len() && s.is_char_boundary(i) {
        Some(char_at(s, i))
    } else {
        None
    }
}

/// Letters, digits and combining marks (so that decomposed accents stay in their word).
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric()
        || matches!(c, '\u{300}'..='\u{36F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{FF07}'
    )
}

fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2212}'
            | '\u{FE63}'
            | '\u{FF0D}'
    )
}

fn is_dash(c: char) -> bool {
    is_hyphen(c) || matches!(c, '\u{2014}' | '\u{2015}')
}

#[cfg(test)]
mod tests;
