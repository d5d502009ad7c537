//! Publication times as newsroom data writes them, read with `jiff`: ISO 8601 / RFC 3339
//! (with an offset, or without one and taken as UTC, or a date alone), RFC 2822 (RSS's
//! `pubDate`), Unix seconds (or milliseconds, from 12 digits on), and a few spelt-out forms
//! (`26-FEB-1987 15:01:01.79`, `January 6, 2026`, `6 January 2026`).

use copydesk::Timestamp;
use jiff::fmt::strtime;

/// The JSON fields a publication time is looked for in, in order, when `--time-field` does
/// not name one.
pub const TIME_FIELDS: [&str; 6] = [
    "published_at",
    "published",
    "date",
    "pubDate",
    "datePublished",
    "timestamp",
];

/// What [`parse`] accepts, for error messages.
pub const ACCEPTED: &str =
    "ISO 8601 (2026-01-06T14:30:00Z), RFC 2822 (Tue, 06 Jan 2026 14:30:00 +0000) or Unix seconds";

/// Spelt-out date and time forms (`26-FEB-1987 15:01:01.79`), tried in this order.
const SPELT_DATE_TIMES: [&str; 2] = ["%d-%b-%Y %H:%M:%S%.f", "%d-%b-%Y %H:%M:%S"];

/// Spelt-out date forms (`January 6, 2026`, `6 January 2026`), tried in this order, after
/// [`SPELT_DATE_TIMES`].
const SPELT_DATES: [&str; 5] = ["%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d"];

/// A publication time from text, or `None` when it reads as none of the accepted forms.
pub fn parse(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // The forms are tried in order, and each one that fails builds an error (allocated):
    // forms that cannot read a string of this shape are skipped. Unix seconds and ISO 8601
    // begin with a digit or a sign; a name (`Tue, 06 Jan`, `January 6`) begins RFC 2822 or a
    // spelt-out date; `26-FEB-1987` is read by none but its own.
    let letter_first = s.as_bytes()[0].is_ascii_alphabetic();
    let spelt_month = day_dash_month(s);
    let numeric = !letter_first && !spelt_month;
    let from = |t: jiff::Timestamp| Some(Timestamp::from_unix_seconds(t.as_second()));
    if numeric {
        if let Some(t) = unix(s) {
            return Some(t);
        }
        if let Ok(t) = s.parse::<jiff::Timestamp>() {
            return from(t);
        }
    }
    if !spelt_month {
        if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
            return from(z.timestamp());
        }
    }
    let utc =
        |dt: jiff::civil::DateTime| jiff::tz::Offset::UTC.to_timestamp(dt).ok().and_then(from);
    if numeric {
        if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
            return utc(dt);
        }
    }
    for format in SPELT_DATE_TIMES {
        if let Some(dt) = strtime::parse(format, s)
            .ok()
            .and_then(|t| t.to_datetime().ok())
        {
            return utc(dt);
        }
    }
    for format in SPELT_DATES {
        if let Some(date) = strtime::parse(format, s)
            .ok()
            .and_then(|t| t.to_date().ok())
        {
            return utc(date.to_datetime(jiff::civil::Time::midnight()));
        }
    }
    None
}

/// Whether `s` begins with a day of one or two digits, a dash and a letter (`26-FEB-1987`).
fn day_dash_month(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&digits)
        && b.get(digits) == Some(&b'-')
        && b.get(digits + 1).is_some_and(u8::is_ascii_alphabetic)
}

/// Whole Unix seconds (`1767709800`, `1767709800.25`), or milliseconds from 12 digits on.
fn unix(s: &str) -> Option<Timestamp> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let whole = digits.split_once('.').map_or(digits, |(w, _)| w);
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: f64 = s.parse().ok()?;
    let seconds = if whole.len() >= 12 {
        seconds / 1000.0
    } else {
        seconds
    };
    (seconds.abs() < 1e13).then(|| Timestamp::from_unix_seconds(seconds.floor() as i64))
}

/// A JSON value as a publication time: a string in an accepted form, or a number of Unix
/// seconds. `Ok(None)` for `null`.
pub fn from_json(v: &serde_json::Value) -> Result<Option<Timestamp>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(|f| unix(&f.to_string()))
            .map(Some)
            .ok_or_else(|| format!("{n} is not a time in Unix seconds")),
        serde_json::Value::String(s) => parse(s)
            .map(Some)
            .ok_or_else(|| format!("cannot read {s:?} as a time: use {ACCEPTED}")),
        other => Err(format!("{other} is not a time: use {ACCEPTED}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_newsrooms_write() {
        let t = 1_767_709_800; // 2026-01-06T14:30:00Z
        let midnight = 1_767_657_600;
        for (s, want) in [
            ("2026-01-06T14:30:00Z", t),
            ("2026-01-06T15:30:00+01:00", t),
            ("2026-01-06T14:30:00.250Z", t),
            ("2026-01-06 14:30:00", t),
            ("2026-01-06", midnight),
            ("Tue, 06 Jan 2026 14:30:00 +0000", t),
            ("Tue, 6 Jan 2026 09:30:00 -0500", t),
            ("1767709800", t),
            ("1767709800.9", t),
            ("1767709800000", t),
            ("06-JAN-2026 14:30:00.79", t),
            ("06-Jan-2026 14:30:00", t),
            ("January 6, 2026", midnight),
            ("6 January 2026", midnight),
            ("2026/01/06", midnight),
        ] {
            assert_eq!(parse(s).map(Timestamp::unix_seconds), Some(want), "{s}");
        }
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2023-02-29",
            "12:30",
            "1.2.3",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    /// Every form tried in order, none skipped: what [`parse`] must answer.
    fn parse_in_order(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let from = |t: jiff::Timestamp| Some(Timestamp::from_unix_seconds(t.as_second()));
        let utc =
            |dt: jiff::civil::DateTime| jiff::tz::Offset::UTC.to_timestamp(dt).ok().and_then(from);
        unix(s)
            .or_else(|| s.parse::<jiff::Timestamp>().ok().and_then(from))
            .or_else(|| {
                jiff::fmt::rfc2822::parse(s)
                    .ok()
                    .and_then(|z| from(z.timestamp()))
            })
            .or_else(|| s.parse::<jiff::civil::DateTime>().ok().and_then(utc))
            .or_else(|| {
                SPELT_DATE_TIMES
                    .iter()
                    .find_map(|f| strtime::parse(f, s).ok()?.to_datetime().ok())
                    .and_then(utc)
            })
            .or_else(|| {
                SPELT_DATES
                    .iter()
                    .find_map(|f| strtime::parse(f, s).ok()?.to_date().ok())
                    .and_then(|d| utc(d.to_datetime(jiff::civil::Time::midnight())))
            })
    }

    proptest::proptest! {
        /// Strings made of the pieces times are written with, shuffled: the forms skipped
        /// for a shape never read a string of that shape.
        #[test]
        fn skipping_forms_answers_as_trying_them_all(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "26", "6", "2026", "1987", "01", "14", "1767709800", "-", "+", ":", ".",
                    ",", " ", "/", "T", "Z", "FEB", "Jan", "January", "Tue", "+0000", "-0500",
                    "00", "30", "79", "GMT", "x",
                ]),
                0..12,
            ),
        ) {
            let s: String = pieces.concat();
            proptest::prop_assert_eq!(parse(&s), parse_in_order(&s), "{:?}", s);
        }
    }

    #[test]
    fn json_values() {
        use serde_json::json;
        assert_eq!(from_json(&json!(null)), Ok(None));
        assert_eq!(
            from_json(&json!(1_767_709_800))
                .unwrap()
                .unwrap()
                .unix_seconds(),
            1_767_709_800
        );
        assert!(from_json(&json!("soon")).unwrap_err().contains("ISO 8601"));
        assert!(from_json(&json!([1])).is_err());
    }
}
