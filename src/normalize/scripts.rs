//! Scripts written without spaces between words: Han, Hiragana and Katakana, Hangul, and the
//! scripts of South-East Asia (Thai, Lao, Khmer, Myanmar).
//!
//! A run of such letters is not one word but a sentence or a clause, so two reports that share
//! most of their words would share no token. The tokenizer cuts such a run into overlapping
//! character bigrams (`中华人民` → `中华`, `华人`, `人民`), the usual baseline of search engines
//! for these languages: no dictionary, no language model, and a word of two characters (the
//! most common length in Chinese) is one bigram. A character with the combining marks after it
//! (a Thai consonant and its vowel and tone marks) counts as one character; a run of one
//! character is one token.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A letter of a script written without spaces between words (see the module documentation).
/// Digits are not: they are read as figures, as in any script.
#[inline]
pub(super) fn is_unspaced_letter(c: char) -> bool {
    let unspaced = matches!(
        c,
        // Thai, Lao
        '\u{0E00}'..='\u{0EFF}'
        // Myanmar
        | '\u{1000}'..='\u{109F}'
        // Hangul Jamo
        | '\u{1100}'..='\u{11FF}'
        // Khmer
        | '\u{1780}'..='\u{17FF}'
        // Iteration marks and the ideographic zero (々 〆 〇), kana, Hangul compatibility
        // jamo, Katakana extensions, CJK extension A
        | '\u{3005}'..='\u{3007}'
        | '\u{3041}'..='\u{30FA}'
        | '\u{30FC}'..='\u{30FF}'
        | '\u{3131}'..='\u{318E}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        // CJK unified ideographs
        | '\u{4E00}'..='\u{9FFF}'
        // Hangul Jamo extended, syllables
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7FF}'
        // CJK compatibility ideographs
        | '\u{F900}'..='\u{FAFF}'
        // Half-width katakana
        | '\u{FF66}'..='\u{FF9F}'
        // CJK extensions B and later
        | '\u{20000}'..='\u{3FFFF}'
    );
    unspaced && (c.is_alphabetic() || is_combining_mark(c))
}

/// The end (a byte offset) of the run of unspaced letters that starts at `from`, combining
/// marks included.
pub(super) fn run_end(line: &str, from: usize) -> usize {
    line[from..]
        .char_indices()
        .find(|&(_, c)| !(is_unspaced_letter(c) || is_combining_mark(c)))
        .map_or(line.len(), |(i, _)| from + i)
}

/// Folds `run` (NFKC: half-width katakana become full-width, compatibility ideographs their
/// unified form) into `out`, and records in `starts` where each character (with its combining
/// marks) begins, with `out.len()` last. Marks before the first letter are left out: alone,
/// they are no character (a lone half-width voicing mark folds to a combining one).
pub(super) fn fold_run(run: &str, out: &mut String, starts: &mut Vec<usize>) {
    out.clear();
    starts.clear();
    for c in run.nfkc().flat_map(char::to_lowercase) {
        if !is_combining_mark(c) {
            starts.push(out.len());
        } else if starts.is_empty() {
            continue;
        }
        out.push(c);
    }
    starts.push(out.len());
}

/// The tokens of a folded run: each pair of neighbouring characters, or the one character of a
/// run of one. `starts` is as [`fold_run`] leaves it.
pub(super) fn bigrams<'a>(out: &'a str, starts: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
    let chars = starts.len().saturating_sub(1);
    let count = if chars == 1 {
        1
    } else {
        chars.saturating_sub(1)
    };
    (0..count).map(move |i| {
        let end = starts[(i + 2).min(chars)];
        &out[starts[i]..end]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(run: &str) -> Vec<String> {
        let (mut out, mut starts) = (String::new(), Vec::new());
        fold_run(run, &mut out, &mut starts);
        bigrams(&out, &starts).map(str::to_string).collect()
    }

    #[test]
    fn runs_become_overlapping_bigrams() {
        assert_eq!(grams("中华人民"), ["中华", "华人", "人民"]);
        assert_eq!(grams("東京"), ["東京"]);
        assert_eq!(grams("雨"), ["雨"]);
        assert!(grams("").is_empty());
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        // ที่ is one consonant with a vowel and a tone mark.
        assert_eq!(grams("ที่นี่"), ["ที่นี่"]);
        assert_eq!(grams("ที่นี่ดี"), ["ที่นี่", "นี่ดี"]);
    }

    #[test]
    fn half_width_katakana_fold_to_full_width() {
        assert_eq!(grams("ﾆｭｰｽ"), grams("ニュース"));
    }

    #[test]
    fn which_letters_are_unspaced() {
        for c in ['中', 'ひ', 'カ', 'ー', '한', 'ก', '々', '𠀋'] {
            assert!(is_unspaced_letter(c), "{c}");
        }
        for c in ['a', 'é', 'ж', 'ب', '・', '。', '๑', '1', '、'] {
            assert!(!is_unspaced_letter(c), "{c}");
        }
    }

    #[test]
    fn a_run_ends_at_the_first_other_character() {
        let line = "東京で雨。Next";
        assert_eq!(&line[..run_end(line, 0)], "東京で雨");
        assert_eq!(run_end("ab", 2), 2);
    }
}
