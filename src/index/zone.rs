//! The user's time zone: which calendar day an instant falls on, and when a day starts.
//!
//! In: an IANA zone name (`Asia/Shanghai`, `America/New_York`; the `tz` filter, `--tz`,
//! `VERBATIM_TZ`), or none for UTC. Out: a [`Zone`] that turns Unix seconds into local
//! day numbers (days since 1970-01-01 on the local calendar, daylight saving included) and
//! a local day back into the instant it starts. Zones come from the system's tz database
//! (`/usr/share/zoneinfo`), with a bundled copy when the system has none. An unknown name
//! is an [`Error::User`] naming `tz`.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::{Error, Result};

const SECS_PER_DAY: i64 = 86_400;

/// A time zone; UTC unless named.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    /// `None` is UTC (the fast path: no lookups per comment).
    tz: Option<TimeZone>,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone::default()
    }

    /// The zone named exactly `name` (absent: UTC). An unknown name, or one spelled in
    /// another case, is an error naming `tz`.
    pub fn parse(name: Option<&str>) -> Result<Zone> {
        let Some(name) = name else {
            return Ok(Zone::utc());
        };
        if name.trim().is_empty() {
            return Err(Error::User(
                "filter `tz`: empty (leave it out for UTC, or give an IANA time zone such as \
                 Asia/Shanghai)"
                    .into(),
            ));
        }
        if name == "UTC" {
            return Ok(Zone::utc());
        }
        if name.len() > 64 || name.chars().any(char::is_control) {
            return Err(unknown(name, None));
        }
        match TimeZone::get(name) {
            Ok(tz) if tz.iana_name() == Some(name) => Ok(Zone { tz: Some(tz) }),
            Ok(tz) => Err(unknown(name, tz.iana_name())),
            Err(_) => Err(unknown(name, None)),
        }
    }

    /// Every zone name [`Zone::parse`] accepts, sorted.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| n == "UTC" || Zone::parse(Some(n)).is_ok())
            .collect();
        names.push("UTC".into());
        names.sort();
        names.dedup();
        names
    }

    /// The local day number (days since 1970-01-01) of the instant `secs` (Unix seconds).
    pub fn day(&self, secs: i64) -> i32 {
        let offset = match (&self.tz, Timestamp::from_second(secs)) {
            (Some(tz), Ok(t)) => i64::from(tz.to_offset(t).seconds()),
            _ => 0,
        };
        (secs + offset).div_euclid(SECS_PER_DAY) as i32
    }

    /// The instant (Unix seconds) local day `day` starts: its first moment, which is
    /// midnight unless daylight saving skips it.
    pub fn day_start(&self, day: i64) -> i64 {
        let utc = day.saturating_mul(SECS_PER_DAY);
        let Some(tz) = &self.tz else {
            return utc;
        };
        let local = Timestamp::from_second(utc)
            .map(|t| t.to_zoned_datetime(TimeZone::UTC).date())
            .and_then(|d: Date| d.to_zoned_datetime(tz.clone()))
            .and_then(|z| z.start_of_day());
        local.map_or(utc, |z| z.timestamp().as_second())
    }

    /// Today's local day number.
    pub fn today(&self) -> i32 {
        self.day(Timestamp::now().as_second())
    }
}

fn unknown(name: &str, canonical: Option<&str>) -> Error {
    let shown: String = name.chars().take(64).collect();
    match canonical {
        Some(c) => Error::User(format!(
            "filter `tz`: `{shown}` is not a known IANA time zone (did you mean `{c}`?)"
        )),
        None => Error::User(format!(
            "filter `tz`: `{shown}` is not a known IANA time zone (such as UTC, Asia/Shanghai, \
             America/New_York)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_their_starts_follow_the_zone() {
        // 2026-10-31T17:00Z is 2026-11-01 01:00 in Shanghai.
        let t = 1_793_466_000;
        let utc = Zone::utc();
        let sh = Zone::parse(Some("Asia/Shanghai")).unwrap();
        assert_eq!(sh.day(t), utc.day(t) + 1);
        assert_eq!(sh.day_start(i64::from(sh.day(t))), t - 3_600);
        // New York's 2026-03-08 has 23 hours (DST starts at 02:00 local).
        let ny = Zone::parse(Some("America/New_York")).unwrap();
        let d = i64::from(utc.day(1_772_928_000)); // 2026-03-08T00:00Z
        assert_eq!(ny.day_start(d + 1) - ny.day_start(d), 23 * 3_600);
        assert!(Zone::parse(Some("Mars/Olympus")).is_err());
        assert!(Zone::parse(Some(" ")).is_err());
        let err = Zone::parse(Some("asia/shanghai")).unwrap_err().to_string();
        assert!(err.contains("`Asia/Shanghai`"), "{err}");
        let names = Zone::names();
        assert!(names.iter().any(|n| n == "America/New_York") && names.contains(&"UTC".into()));
    }
}
