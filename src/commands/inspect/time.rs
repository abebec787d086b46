//! Unix times as people read them: civil UTC dates (the `time` crate) and "in 1h 59m" / "3h ago".

use std::time::{SystemTime, UNIX_EPOCH};

/// The last second of year 9999; later "dates" are garbage, not times.
const MAX_UNIX: i64 = 253_402_300_799;

/// Whole Unix seconds (negative before 1970).
pub(super) fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Unix milliseconds (negative before 1970).
pub(super) fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// (year, month, day, hour, minute, second) in UTC, for 1970 to 9999.
fn civil(unix: i64) -> Option<(i64, i64, i64, i64, i64, i64)> {
    if !(0..=MAX_UNIX).contains(&unix) {
        return None;
    }
    let at = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let (hour, minute, second) = at.to_hms();
    Some((at.year().into(), u8::from(at.month()).into(), at.day().into(), hour.into(), minute.into(), second.into()))
}

/// "2023-11-14 22:13:20 UTC", or a plain word for times no calendar date fits.
pub(super) fn date(unix: i64) -> String {
    match civil(unix) {
        Some((y, mo, d, h, mi, s)) => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC"),
        None if unix < 0 => "before 1970".into(),
        None => "after the year 9999".into(),
    }
}

/// RFC 3339 ("2023-11-14T22:13:20Z"), for JSON; `None` outside 1970..9999.
pub(super) fn rfc3339(unix: i64) -> Option<String> {
    civil(unix).map(|(y, mo, d, h, mi, s)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
}

/// A duration in its two largest units: "1h 59m", "3h", "2d 4h", "45s".
pub(super) fn span(seconds: u64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    let (major, major_unit, minor, minor_unit) = match (d, h, m) {
        (0, 0, 0) => return format!("{s}s"),
        (0, 0, _) => (m, "m", s, "s"),
        (0, _, _) => (h, "h", m, "m"),
        _ => (d, "d", h, "h"),
    };
    if minor == 0 { format!("{major}{major_unit}") } else { format!("{major}{major_unit} {minor}{minor_unit}") }
}

/// "in 1h 59m", "3h ago" or "now", for `then` seen from `now` (both Unix seconds).
pub(super) fn relative(then: i64, now: i64) -> String {
    let difference = i128::from(then) - i128::from(now);
    let magnitude = u64::try_from(difference.unsigned_abs()).unwrap_or(u64::MAX);
    match difference {
        0 => "now".into(),
        d if d > 0 => format!("in {}", span(magnitude)),
        _ => format!("{} ago", span(magnitude)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(date(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(date(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(date(4_107_542_399), "2100-02-28 23:59:59 UTC");
        assert_eq!(date(MAX_UNIX), "9999-12-31 23:59:59 UTC");
        assert_eq!(date(MAX_UNIX + 1), "after the year 9999");
        assert_eq!(date(-1), "before 1970");
        assert_eq!(rfc3339(1_600_000_000).as_deref(), Some("2020-09-13T12:26:40Z"));
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(100 + 7170, 100), "in 1h 59m");
        assert_eq!(relative(100, 100 + 3 * 3600), "3h ago");
        assert_eq!(relative(0, 45), "45s ago");
        assert_eq!(relative(5, 5), "now");
        assert_eq!(relative(200_000, 0), "in 2d 7h");
        assert_eq!(span(90), "1m 30s");
    }
}
