//! Datetime normalisation. Rules compare datetimes as instants; both the
//! evaluator and the SQL compiler bring every datetime to one canonical text
//! form, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, always six fraction digits), whose
//! text order is time order.

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Parses an RFC 3339 / ISO 8601 datetime and returns its canonical form
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or `None` if the text is not a datetime.
///
/// Accepted: `2024-01-31` (midnight UTC); `2024-01-31T12:00`,
/// `2024-01-31T12:00:05`, `2024-01-31 12:00:05.123`; an optional `Z`/`z` or
/// `±HH:MM` / `±HHMM` / `±HH` offset (none means UTC); `t` for `T`. Fractions
/// beyond microseconds are truncated. The instant, in UTC, must lie in years
/// 0001–9999.
pub fn canonical_datetime(text: &str) -> Option<String> {
    parse_micros(text.trim()).map(format_micros)
}

/// The length of a JavaScript date text without its zone name:
/// `Thu Jan 01 1970 00:00:00 GMT+0000`.
pub(crate) const JS_DATE_CHARS: usize = 33;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Whether `text` starts with a weekday and a month name, as a JavaScript
/// date text does (`Thu Jan `).
pub(crate) fn starts_like_js_date(text: &str) -> bool {
    let (Some(weekday), Some(month)) = (text.get(0..3), text.get(4..7)) else {
        return false;
    };
    WEEKDAYS.contains(&weekday)
        && MONTHS.contains(&month)
        && text.get(3..4) == Some(" ")
        && text.get(7..8) == Some(" ")
}

/// Parses the text JavaScript's `Date.prototype.toString` gives without the
/// zone name, `Thu Jan 01 1970 00:00:00 GMT+0000`, and returns the canonical
/// form of the instant it names: the local time minus the `GMT±hhmm` offset.
/// The weekday is not checked against the date.
pub(crate) fn canonical_js_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if !text.is_ascii() || b.len() != JS_DATE_CHARS || !starts_like_js_date(text) {
        return None;
    }
    let month = MONTHS.iter().position(|m| text.get(4..7) == Some(*m))? + 1;
    let shape_ok = [(10, b' '), (15, b' '), (18, b':'), (21, b':'), (24, b' ')]
        .iter()
        .all(|&(i, c)| b[i] == c)
        && &b[25..28] == b"GMT"
        && matches!(b[28], b'+' | b'-');
    if !shape_ok {
        return None;
    }
    let (day, year, time, offset) = (&text[8..10], &text[11..15], &text[16..24], &text[28..33]);
    // Everything but the month is digits in place, which the RFC 3339
    // parser checks (with the ranges) on the equivalent text.
    canonical_datetime(&format!("{year}-{month:02}-{day}T{time}{offset}"))
}

/// Microseconds since 1970-01-01T00:00:00Z.
fn parse_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() > 64 || b.len() < 10 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
    let mut offset_seconds = 0;
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        hour = digits(b, i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        minute = digits(b, i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            second = digits(b, i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start < 6 {
                        micros = micros * 10 + i64::from(b[i] - b'0');
                    }
                    i += 1;
                }
                let used = (i - start).min(6);
                if used == 0 {
                    return None;
                }
                for _ in used..6 {
                    micros *= 10;
                }
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        offset_seconds = parse_offset(&b[i..])?;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset_seconds;
    let total = seconds * MICROS_PER_SECOND + micros;
    (MIN_MICROS..=MAX_MICROS).contains(&total).then_some(total)
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
const MIN_MICROS: i64 = -62_135_596_800 * MICROS_PER_SECOND;
const MAX_MICROS: i64 = 253_402_300_800 * MICROS_PER_SECOND - 1;

fn parse_offset(b: &[u8]) -> Option<i64> {
    match b {
        [] => Some(0),
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest.len() {
                2 => (digits(rest, 0, 2)?, 0),
                4 => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
                5 if rest[2] == b':' => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = h * 3600 + m * 60;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let slice = b.get(at..at + len)?;
    slice.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn format_micros(total: i64) -> String {
    let seconds = total.div_euclid(MICROS_PER_SECOND);
    let micros = total.rem_euclid(MICROS_PER_SECOND);
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let secs_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::canonical_datetime as canon;

    #[test]
    fn accepted_forms() {
        let cases = [
            ("2024-01-31", "2024-01-31T00:00:00.000000Z"),
            ("2024-01-31T12:00", "2024-01-31T12:00:00.000000Z"),
            ("2024-01-31T12:00:05Z", "2024-01-31T12:00:05.000000Z"),
            ("2024-01-31 12:00:05.5", "2024-01-31T12:00:05.500000Z"),
            (
                "2024-01-31t12:00:05.1234567z",
                "2024-01-31T12:00:05.123456Z",
            ),
            ("2024-01-31T01:00:00+02:00", "2024-01-30T23:00:00.000000Z"),
            ("2024-12-31T23:30:00-0100", "2025-01-01T00:30:00.000000Z"),
            ("2024-02-29T00:00:00+05", "2024-02-28T19:00:00.000000Z"),
            ("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
            ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
            ("  2000-03-01T00:00:00Z ", "2000-03-01T00:00:00.000000Z"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn rejected_forms() {
        for input in [
            "",
            "2024",
            "2024-13-01",
            "2023-02-29",
            "2024-01-32",
            "2024-01-31T24:00:00Z",
            "2024-01-31T12:60:00Z",
            "2024-01-31T12:00:61Z",
            "2024-01-31T12:00:00.Z",
            "2024-01-31T12:00:00+2400",
            "2024-01-31T12:00:00 UTC",
            "2024-01-31X12:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "２０２４-01-01",
            "2024-01-31T12:00:00Z'; DROP TABLE x; --",
        ] {
            assert_eq!(canon(input), None, "{input}");
        }
    }

    #[test]
    fn javascript_dates() {
        use super::canonical_js_date as js;
        let cases = [
            (
                "Thu Jan 01 1970 00:00:00 GMT+0000",
                "1970-01-01T00:00:00.000000Z",
            ),
            (
                "Mon Jan 01 2024 01:00:00 GMT+0100",
                "2024-01-01T00:00:00.000000Z",
            ),
            (
                "Sat Jun 15 2024 07:30:00 GMT-0500",
                "2024-06-15T12:30:00.000000Z",
            ),
            (
                "Fri Dec 31 9999 23:59:59 GMT+0000",
                "9999-12-31T23:59:59.000000Z",
            ),
            (
                "Mon Jan 01 0001 05:30:00 GMT+0530",
                "0001-01-01T00:00:00.000000Z",
            ),
            // The weekday is not checked.
            (
                "Sun Feb 29 2024 12:00:00 GMT+1400",
                "2024-02-28T22:00:00.000000Z",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(js(input).as_deref(), Some(want), "{input}");
        }
        for input in [
            "",
            "Thu Jan 01 1970 00:00:00",
            "Thu Jan 01 1970 00:00:00 GMT+000",
            "Thu Jan 01 1970 00:00:00 UTC+0000",
            "Thu Jan 01 1970 00:00:00 GMT 0000",
            "Thu Jan 32 1970 00:00:00 GMT+0000",
            "Thu Feb 30 1970 00:00:00 GMT+0000",
            "Thu Jan 01 1970 24:00:00 GMT+0000",
            "Thu Jan 01 1970 00:00 00 GMT+0000",
            "Thu Jan  1 1970 00:00:00 GMT+0000",
            "Thu Jan 01 1970 00:00:00 GMT+2400",
            "Thu Jan 01 197x 00:00:00 GMT+0000",
            "thu Jan 01 1970 00:00:00 GMT+0000",
            "Thu JAN 01 1970 00:00:00 GMT+0000",
            "Mon Jan 01 0001 00:00:00 GMT+0100",
            "Thu Jan 01 1970 00:00:00 GMT+0000 ",
            "Thu Jan é1 1970 00:00:00 GMT+000",
        ] {
            assert_eq!(js(input), None, "{input}");
        }
    }

    #[test]
    fn canonical_text_orders_like_time() {
        let a = canon("2024-01-01T10:00:00+05:00").expect("valid");
        let b = canon("2024-01-01T06:00:00Z").expect("valid");
        assert!(a < b);
    }
}
