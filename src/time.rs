//! Publication times: [`Timestamp`], an instant in Unix seconds, and the calendar arithmetic
//! the detector needs to read dates in an article's text against it (days, weekdays).
//!
//! Parsing text into a timestamp (ISO 8601, RFC 2822 and the like) is the application's
//! business; the CLI and the service use the `jiff` crate for it. The library only needs the
//! instant.

/// An instant, in whole seconds since 1970-01-01T00:00:00Z (negative before).
///
/// ```
/// use copydesk::Timestamp;
///
/// let t = Timestamp::from_date(2026, 1, 6).unwrap();
/// assert_eq!(t.unix_seconds(), 1_767_657_600);
/// assert_eq!(t.date(), (2026, 1, 6));
/// assert_eq!(Timestamp::from_unix_seconds(1_767_709_800).day(), t.day());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(i64);

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

impl Timestamp {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub const fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    /// Midnight UTC of a proleptic Gregorian date; `None` for a month or day out of range.
    pub fn from_date(year: i32, month: u32, day: u32) -> Option<Timestamp> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Timestamp(days_from_civil(year, month, day) * DAY))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The day (UTC), counted from 1970-01-01 as day 0.
    pub const fn day(self) -> i64 {
        self.0.div_euclid(DAY)
    }

    /// The date (UTC): year, month 1 to 12, day 1 to 31.
    pub fn date(self) -> (i32, u32, u32) {
        civil_from_days(self.day())
    }

    /// Reads RFC 3339 text: `2026-01-06T14:30:00Z`, `2026-01-06T14:30:00.250+01:00`,
    /// `2026-01-06 14:30:00Z`, or a plain date `2026-01-06` (midnight UTC). `None` for
    /// anything else (an application reading other forms parses them itself).
    ///
    /// ```
    /// use copydesk::Timestamp;
    /// let t = Timestamp::parse_rfc3339("2026-01-06T15:30:00+01:00").unwrap();
    /// assert_eq!(t.unix_seconds(), 1_767_709_800);
    /// assert_eq!(Timestamp::parse_rfc3339("6 Jan 2026"), None);
    /// ```
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = b.get(r)?;
            t.iter()
                .all(u8::is_ascii_digit)
                .then(|| t.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&m) {
            return None;
        }
        let days_in_month = days_in_month(y as i32, m);
        if !(1..=days_in_month).contains(&d) {
            return None;
        }
        let days = days_from_civil(y as i32, m, d);
        if b.len() == 10 {
            return Some(Timestamp(days * DAY));
        }
        if !matches!(b.get(10), Some(b'T' | b't' | b' '))
            || b.get(13) != Some(&b':')
            || b.get(16) != Some(&b':')
        {
            return None;
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        let offset = match b.get(i)? {
            b'Z' | b'z' if i + 1 == b.len() => 0,
            sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
                let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = i64::from(oh * 3600 + om * 60);
                if *sign == b'+' {
                    o
                } else {
                    -o
                }
            }
            _ => return None,
        };
        Some(Timestamp(
            days * DAY + i64::from(h * 3600 + mi * 60 + se) - offset,
        ))
    }
}

impl From<std::time::SystemTime> for Timestamp {
    /// Whole seconds, rounded down.
    fn from(t: std::time::SystemTime) -> Timestamp {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            Err(e) => {
                let d = e.duration();
                let s = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                Timestamp(-s - i64::from(d.subsec_nanos() > 0))
            }
        }
    }
}

/// Days in `month` of `year`.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((yoe + era * 400 + i64::from(m <= 2)) as i32, m, d)
}

/// The weekday of a day counted from 1970-01-01: 0 for Monday to 6 for Sunday.
pub(crate) fn weekday(day: i64) -> u8 {
    // 1970-01-01 was a Thursday.
    (day + 3).rem_euclid(7) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 1, 6), 20_459);
        assert_eq!(civil_from_days(20_459), (2026, 1, 6));
        assert_eq!(weekday(20_459), 1, "6 January 2026 is a Tuesday");
        assert_eq!(weekday(0), 3, "1 January 1970 was a Thursday");
        assert_eq!(Timestamp::from_date(2023, 2, 29), None);
        assert_eq!(
            Timestamp::from_date(2024, 2, 29).unwrap().date(),
            (2024, 2, 29)
        );
        assert_eq!(Timestamp::from_unix_seconds(-1).day(), -1);
    }

    #[test]
    fn system_times_round_down() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = |s: u64, n: u32| Duration::new(s, n);
        assert_eq!(Timestamp::from(UNIX_EPOCH + t(5, 900)).unix_seconds(), 5);
        assert_eq!(Timestamp::from(UNIX_EPOCH - t(5, 0)).unix_seconds(), -5);
        assert_eq!(Timestamp::from(UNIX_EPOCH - t(5, 1)).unix_seconds(), -6);
    }

    proptest::proptest! {
        #[test]
        fn days_round_trip(day in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(day);
            proptest::prop_assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            proptest::prop_assert_eq!(days_from_civil(y, m, d), day);
            proptest::prop_assert_eq!(weekday(day + 7), weekday(day));
            proptest::prop_assert_eq!((weekday(day) + 1) % 7, weekday(day + 1));
        }
    }
}
