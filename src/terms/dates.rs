//! Dates in an article's text: the words that name a month, a weekday or a day relative to
//! publication, in English, French, German and Spanish, and the codes the term vectors keep
//! for the dates they make.
//!
//! A date is kept as a 16-bit code. Without a publication time, `3 May` is only a day of a
//! month: `month · 32 + day`, under [`ABSOLUTE`]. With one, the dates an article names are
//! resolved to calendar days: `May 3` to the nearest 3 May (looking back up to about ten months
//! and ahead up to about two, as news does), `Tuesday` to the last Tuesday on or before the day
//! of publication, `yesterday` to the day before. A resolved date is `ABSOLUTE` plus its day
//! counted from 1970-01-01 (so 1970 to 2146). Two codes name the same day when both are
//! resolved and at most a day apart (time zones, and a report filed after midnight), or when
//! their days of a month agree.

use crate::time::{civil_from_days, days_from_civil, weekday};

/// Codes from here on are resolved days: `ABSOLUTE + days since 1970-01-01`.
pub(crate) const ABSOLUTE: u16 = 1024;

/// Every word [`month`] reads, capitalised or not.
const MONTH_WORDS: [&str; 54] = [
    "january",
    "jan",
    "januar",
    "jänner",
    "february",
    "feb",
    "februar",
    "march",
    "mar",
    "märz",
    "maerz",
    "april",
    "apr",
    "may",
    "mai",
    "june",
    "jun",
    "juni",
    "july",
    "jul",
    "juli",
    "august",
    "aug",
    "september",
    "sep",
    "sept",
    "october",
    "oct",
    "oktober",
    "okt",
    "november",
    "nov",
    "december",
    "dec",
    "dezember",
    "dez",
    "janvier",
    "enero",
    "février",
    "fevrier",
    "febrero",
    "mars",
    "marzo",
    "avril",
    "abril",
    "mayo",
    "juin",
    "junio",
    "juillet",
    "julio",
    "août",
    "aout",
    "agosto",
    "septembre",
];
/// The rest of them.
const MORE_MONTH_WORDS: [&str; 9] = [
    "septiembre",
    "setiembre",
    "octobre",
    "octubre",
    "novembre",
    "noviembre",
    "décembre",
    "decembre",
    "diciembre",
];

/// A prefilter for a few words: for each length in bytes up to 15, one bit for each pair of
/// first two bytes (folded to 64) with which one of the words of that length starts. Most
/// other words are turned away by one load and one test, before any comparison of strings:
/// every word of an article is checked against the months and, when its publication time is
/// known, the day words.
struct Screen([u64; 16]);

impl Screen {
    const EMPTY: Screen = Screen([0; 16]);

    /// A word's bit within its length's entry.
    const fn bit(w: &[u8]) -> u64 {
        let (a, b) = (w[0] as u32, if w.len() > 1 { w[1] as u32 } else { 0 });
        1 << ((a * 7 + b) & 63)
    }

    /// The screen, passing `word` too.
    const fn with(mut self, word: &str) -> Screen {
        let w = word.as_bytes();
        self.0[w.len()] |= Screen::bit(w);
        self
    }

    /// The screen, passing every one of `words` too.
    const fn with_all(mut self, words: &[&str]) -> Screen {
        let mut i = 0;
        while i < words.len() {
            self = self.with(words[i]);
            i += 1;
        }
        self
    }

    /// Whether `token` may be one of the words (it is if it is one).
    #[inline]
    fn may_hold(&self, token: &str) -> bool {
        let w = token.as_bytes();
        !w.is_empty()
            && self
                .0
                .get(w.len())
                .is_some_and(|&m| m & Screen::bit(w) != 0)
    }
}

/// The month words' [`Screen`].
const MONTHS: Screen = Screen::EMPTY
    .with_all(&MONTH_WORDS)
    .with_all(&MORE_MONTH_WORDS);

/// A month's number from a normalised word. English and German write month names with a
/// capital (so the verb `may` and the noun `march` are not months, nor is `Mars` the planet
/// when lowercase French is meant); French and Spanish in lower case.
#[inline]
pub(crate) fn month(token: &str, capitalized: bool) -> Option<u8> {
    if !MONTHS.may_hold(token) {
        return None;
    }
    month_by_name(token, capitalized)
}

fn month_by_name(token: &str, capitalized: bool) -> Option<u8> {
    if capitalized {
        let m = match token {
            "january" | "jan" | "januar" | "jänner" => 1,
            "february" | "feb" | "februar" => 2,
            "march" | "mar" | "märz" | "maerz" => 3,
            "april" | "apr" => 4,
            "may" | "mai" => 5,
            "june" | "jun" | "juni" => 6,
            "july" | "jul" | "juli" => 7,
            "august" | "aug" => 8,
            "september" | "sep" | "sept" => 9,
            "october" | "oct" | "oktober" | "okt" => 10,
            "november" | "nov" => 11,
            "december" | "dec" | "dezember" | "dez" => 12,
            _ => return None,
        };
        return Some(m);
    }
    Some(match token {
        "janvier" | "enero" => 1,
        "février" | "fevrier" | "febrero" => 2,
        "mars" | "marzo" => 3,
        "avril" | "abril" => 4,
        "mai" | "mayo" => 5,
        "juin" | "junio" => 6,
        "juillet" | "julio" => 7,
        "août" | "aout" | "agosto" => 8,
        "septembre" | "septiembre" | "setiembre" => 9,
        "octobre" | "octubre" => 10,
        "novembre" | "noviembre" => 11,
        "décembre" | "decembre" | "diciembre" => 12,
        _ => return None,
    })
}

/// Weekday names: the word, whether it is read capitalised (English and German) or in lower
/// case (French and Spanish, so that `Domingo`, a name, is not Sunday), and the weekday, 0
/// for Monday to 6 for Sunday. Abbreviations are left out: `Sun`, `Sat` and `Wed` are papers
/// and words.
const WEEKDAY_WORDS: [(&str, bool, u8); 31] = [
    ("monday", true, 0),
    ("montag", true, 0),
    ("tuesday", true, 1),
    ("dienstag", true, 1),
    ("wednesday", true, 2),
    ("mittwoch", true, 2),
    ("thursday", true, 3),
    ("donnerstag", true, 3),
    ("friday", true, 4),
    ("freitag", true, 4),
    ("saturday", true, 5),
    ("samstag", true, 5),
    ("sonnabend", true, 5),
    ("sunday", true, 6),
    ("sonntag", true, 6),
    ("lundi", false, 0),
    ("lunes", false, 0),
    ("mardi", false, 1),
    ("martes", false, 1),
    ("mercredi", false, 2),
    ("miércoles", false, 2),
    ("miercoles", false, 2),
    ("jeudi", false, 3),
    ("jueves", false, 3),
    ("vendredi", false, 4),
    ("viernes", false, 4),
    ("samedi", false, 5),
    ("sábado", false, 5),
    ("sabado", false, 5),
    ("dimanche", false, 6),
    ("domingo", false, 6),
];

/// Days relative to publication: the word, whether only its lowercase form counts, and the
/// offset in days. (Spanish `mañana` is also "morning", and German `Morgen` capitalised is:
/// only lowercase `morgen` counts.)
const RELATIVE_WORDS: [(&str, bool, i8); 17] = [
    ("today", false, 0),
    ("tonight", false, 0),
    ("aujourd'hui", false, 0),
    ("aujourd", false, 0),
    ("heute", false, 0),
    ("hoy", false, 0),
    ("yesterday", false, -1),
    ("hier", false, -1),
    ("gestern", false, -1),
    ("ayer", false, -1),
    ("tomorrow", false, 1),
    ("demain", false, 1),
    ("morgen", true, 1),
    ("vorgestern", false, -2),
    ("anteayer", false, -2),
    ("avant-hier", false, -2),
    ("avanthier", false, -2),
];

/// The weekday and relative-day words' [`Screen`].
const DAYS: Screen = {
    let mut screen = Screen::EMPTY;
    let mut i = 0;
    while i < WEEKDAY_WORDS.len() {
        screen = screen.with(WEEKDAY_WORDS[i].0);
        i += 1;
    }
    let mut i = 0;
    while i < RELATIVE_WORDS.len() {
        screen = screen.with(RELATIVE_WORDS[i].0);
        i += 1;
    }
    screen
};

/// Whether `token` may be a weekday name or a relative day ([`DAYS`]).
#[inline]
pub(crate) fn may_name_a_day(token: &str) -> bool {
    DAYS.may_hold(token)
}

/// A weekday, 0 for Monday to 6 for Sunday, from a normalised word ([`WEEKDAY_WORDS`]).
pub(crate) fn weekday_name(token: &str, capitalized: bool) -> Option<u8> {
    WEEKDAY_WORDS
        .iter()
        .find(|w| w.0 == token && w.1 == capitalized)
        .map(|w| w.2)
}

/// A day relative to publication, in days, from a normalised word ([`RELATIVE_WORDS`]):
/// `today`, `yesterday`, `tomorrow` and their French, German and Spanish words.
pub(crate) fn relative_day(token: &str, capitalized: bool) -> Option<i8> {
    RELATIVE_WORDS
        .iter()
        .find(|w| w.0 == token && !(w.1 && capitalized))
        .map(|w| w.2)
}

/// Words that may stand between a day and its month: `4 de marzo`, `the 4th of March`.
pub(crate) fn joins_day_and_month(token: &str) -> bool {
    matches!(token, "de" | "of")
}

/// The code of an unresolved day of a month.
pub(crate) fn month_day(month: u8, day: u8) -> u16 {
    u16::from(month) * 32 + u16::from(day)
}

/// The code of a resolved day, if it is in range.
pub(crate) fn absolute(day: i64) -> Option<u16> {
    u16::try_from(day)
        .ok()
        .and_then(|d| d.checked_add(ABSOLUTE))
}

/// The day of a month `month`/`day`, without a year, resolved against the day of publication:
/// the nearest such date from about ten months before to about two after.
pub(crate) fn resolve_month_day(month: u8, day: u8, published: i64) -> Option<i64> {
    let (year, _, _) = civil_from_days(published);
    (year - 1..=year + 1)
        .filter(|&y| u32::from(day) <= crate::time::days_in_month(y, u32::from(month)))
        .map(|y| days_from_civil(y, u32::from(month), u32::from(day)))
        .filter(|&d| (-310..=62).contains(&(d - published)))
        .min_by_key(|&d| (d - published).abs())
}

/// The last day named `weekday` on or before the day of publication.
pub(crate) fn resolve_weekday(weekday_no: u8, published: i64) -> i64 {
    let back = (i64::from(weekday(published)) - i64::from(weekday_no)).rem_euclid(7);
    published - back
}

/// A code's day of a month, as `month · 32 + day`.
fn as_month_day(code: u16) -> u16 {
    if code < ABSOLUTE {
        return code;
    }
    let (_, m, d) = civil_from_days(i64::from(code - ABSOLUTE));
    month_day(m as u8, d as u8)
}

/// Two codes name the same day: both resolved and at most a day apart, or the same day of a
/// month.
pub(crate) fn same_day(a: u16, b: u16) -> bool {
    if a >= ABSOLUTE && b >= ABSOLUTE {
        return a.abs_diff(b) <= 1;
    }
    as_month_day(a) == as_month_day(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_passes_every_month_word() {
        for w in MONTH_WORDS.iter().chain(&MORE_MONTH_WORDS) {
            assert!(
                month(w, true).or(month(w, false)).is_some(),
                "{w} is read in one case or the other"
            );
            assert_eq!(month(w, true), month_by_name(w, true), "{w}");
            assert_eq!(month(w, false), month_by_name(w, false), "{w}");
        }
        assert_eq!(month("harbour", false), None);
        assert_eq!(month("é", false), None);
    }

    #[test]
    fn the_prefilter_passes_every_day_word() {
        for (w, capitalized, day) in WEEKDAY_WORDS {
            assert!(may_name_a_day(w), "{w}");
            assert_eq!(weekday_name(w, capitalized), Some(day), "{w}");
            assert_eq!(weekday_name(w, !capitalized), None, "{w}");
        }
        for (w, _, offset) in RELATIVE_WORDS {
            assert!(may_name_a_day(w), "{w}");
            assert_eq!(relative_day(w, false), Some(offset), "{w}");
        }
        assert_eq!(relative_day("morgen", true), None);
        assert_eq!(relative_day("Today", true), None, "normalised words only");
        assert_eq!(relative_day("today", true), Some(0));
        assert!(!may_name_a_day("harbour"));
        assert!(!may_name_a_day(""));
        assert!(!may_name_a_day("é"));
    }

    #[test]
    fn weekdays_resolve_to_the_last_one() {
        // Wednesday 7 January 2026.
        let wed = days_from_civil(2026, 1, 7);
        assert_eq!(civil_from_days(resolve_weekday(1, wed)), (2026, 1, 6));
        assert_eq!(resolve_weekday(2, wed), wed, "the day itself");
        assert_eq!(civil_from_days(resolve_weekday(3, wed)), (2026, 1, 1));
    }

    #[test]
    fn days_of_a_month_resolve_to_the_nearest() {
        let p = days_from_civil(2026, 1, 7);
        let at = |m, d| resolve_month_day(m, d, p).map(civil_from_days);
        assert_eq!(at(1, 6), Some((2026, 1, 6)));
        assert_eq!(at(12, 30), Some((2025, 12, 30)), "last year's December");
        assert_eq!(at(2, 20), Some((2026, 2, 20)), "ahead, within two months");
        assert_eq!(
            at(6, 1),
            Some((2025, 6, 1)),
            "further back rather than ahead"
        );
        assert_eq!(at(2, 30), None);
    }

    #[test]
    fn codes_name_the_same_day() {
        let day = days_from_civil(2026, 3, 4);
        let a = absolute(day).unwrap();
        assert!(same_day(a, absolute(day + 1).unwrap()));
        assert!(!same_day(a, absolute(day + 2).unwrap()));
        assert!(same_day(a, month_day(3, 4)));
        assert!(!same_day(a, month_day(3, 5)));
        assert!(same_day(month_day(3, 4), month_day(3, 4)));
        assert_eq!(absolute(-1), None);
    }
}
