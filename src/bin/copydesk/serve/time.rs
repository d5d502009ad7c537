//! Timestamps: RFC 3339 text or Unix seconds in, Unix seconds and RFC 3339 out.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Parses RFC 3339 text (see [`copydesk::Timestamp::parse_rfc3339`]) into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    copydesk::Timestamp::parse_rfc3339(s).map(copydesk::Timestamp::unix_seconds)
}

/// Unix seconds as `2026-01-06T14:30:00Z`.
pub fn format_rfc3339(t: i64) -> String {
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = copydesk::Timestamp::from_unix_seconds(t).date();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-01-06T14:30:00Z"), Some(1_767_709_800));
        assert_eq!(
            parse_rfc3339("2026-01-06T15:30:00+01:00"),
            Some(1_767_709_800)
        );
        assert_eq!(
            parse_rfc3339("2026-01-06T14:30:00.999Z"),
            Some(1_767_709_800)
        );
        assert_eq!(
            parse_rfc3339("2026-01-06 09:30:00-05:00"),
            Some(1_767_709_800)
        );
        assert_eq!(parse_rfc3339("2026-01-06"), Some(1_767_657_600));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2023-02-29",
            "2026-01-06T25:00:00Z",
            "2026-01-06T14:30:00",
            "2026-01-06T14:30:00+0100",
            "2026-01-06T14:30:00.Z",
            "yesterday",
            "2026-01-06Tx",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn formatting_round_trips() {
        for t in [0, 1_767_709_800, 951_782_400, 4_102_444_799, -86_400] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t), "{t}");
        }
        assert_eq!(format_rfc3339(1_767_709_800), "2026-01-06T14:30:00Z");
    }
}
