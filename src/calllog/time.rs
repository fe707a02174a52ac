//! Calendar dates and ISO-8601 timestamps from Unix milliseconds: no clock, no time-zone
//! database, just the arithmetic (the caller passes the user's UTC offset).

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction, so the casts cannot truncate.
    (year, month as u32, day as u32)
}

const MS_PER_DAY: i64 = 86_400_000;

/// The local calendar date (`YYYY-MM-DD`) of `unix_ms` for a user `utc_offset_minutes` ahead
/// of UTC (JST is +540). This is what `ActivityDate` wants: a date, not a shifted instant.
pub fn civil_date(unix_ms: i64, utc_offset_minutes: i32) -> String {
    let local = unix_ms.saturating_add(i64::from(utc_offset_minutes) * 60_000);
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The instant as Salesforce writes datetimes: `2026-11-26T05:04:03.000Z`, always UTC.
pub fn iso_utc(unix_ms: i64) -> String {
    let (y, m, d) = civil_from_days(unix_ms.div_euclid(MS_PER_DAY));
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z")
}
