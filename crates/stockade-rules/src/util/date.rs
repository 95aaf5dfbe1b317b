//! Calendar dates without a dependency: enough for end-of-life tables and
//! image ages.

use std::fmt;

/// A civil date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

impl Date {
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Date {
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date(era * 146097 + doe - 719468)
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// Parses `YYYY-MM-DD` (a longer RFC 3339 timestamp is cut at the date).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y: i64 = s[0..4].parse().ok()?;
        let m: u32 = s[5..7].parse().ok()?;
        let d: u32 = s[8..10].parse().ok()?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let date = Date::from_ymd(y, m, d);
        (date.ymd() == (y, m, d)).then_some(date)
    }

    /// Today (UTC), or `STOCKADE_TODAY=YYYY-MM-DD` when set (reproducible runs and tests).
    pub fn today() -> Date {
        if let Some(d) = std::env::var("STOCKADE_TODAY")
            .ok()
            .and_then(|s| Date::parse(&s))
        {
            return d;
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date(secs.div_euclid(86_400))
    }

    pub fn days_until(self, other: Date) -> i64 {
        other.0 - self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(Date::from_ymd(1970, 1, 1), Date(0));
        assert_eq!(Date::parse("2026-11-28").unwrap().to_string(), "2026-11-28");
        assert_eq!(
            Date::parse("2024-02-29T10:00:00Z").unwrap().ymd(),
            (2024, 2, 29)
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("junk").is_none());
        assert_eq!(
            Date::parse("2026-01-01")
                .unwrap()
                .days_until(Date::parse("2026-01-08").unwrap()),
            7
        );
    }
}
