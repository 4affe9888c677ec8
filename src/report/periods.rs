//! The periods of a trend series: days, weeks (from Monday) or months, numbered so that
//! consecutive periods have consecutive numbers, and the window of periods a report shows.
//!
//! In: the day numbers (days since 1970-01-01 on the calendar of the request's `tz`, default
//! UTC: [`super::rows::Rows::day`]) of the dated comments and an interval.
//! Out: a [`Window`] of at most [`MAX_PERIODS`] consecutive periods and each comment's slot
//! in it. When the comments span more periods than that, the window is the run of
//! [`MAX_PERIODS`] periods that holds the most comments (the latest such run on a tie), so
//! one far-off date can neither disable a trend nor stretch it: the comments outside are
//! counted as left out.

use tantivy::time::Date;

use super::Interval;

/// The most periods a series shows.
pub const MAX_PERIODS: usize = 5000;

/// The periods shown: `len` consecutive period numbers from `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub interval: Interval,
    pub first: i64,
    pub len: usize,
}

impl Window {
    /// The window over the days of the dated comments (`None` when there are none).
    pub fn choose(days: impl Iterator<Item = i32>, interval: Interval) -> Option<Window> {
        let mut numbers: Vec<i64> = days.map(|d| number(d, interval)).collect();
        numbers.sort_unstable();
        let (first, last) = densest_run(&numbers, MAX_PERIODS as i64)?;
        Some(Window {
            interval,
            first,
            len: (last - first + 1) as usize,
        })
    }

    /// The slot of the period holding `day`, if it is in the window.
    pub fn slot(&self, day: i32) -> Option<usize> {
        let k = number(day, self.interval) - self.first;
        (0..self.len as i64).contains(&k).then_some(k as usize)
    }

    /// The first day of each period, in order.
    pub fn starts(&self) -> Vec<i32> {
        (0..self.len as i64)
            .map(|k| start(self.first + k, self.interval))
            .collect()
    }
}

/// The first and last number of the run of at most `max` consecutive numbers that holds the
/// most of `sorted` (the latest on a tie), trimmed to the numbers present.
fn densest_run(sorted: &[i64], max: i64) -> Option<(i64, i64)> {
    let mut best: Option<(usize, usize)> = None;
    let mut left = 0;
    for right in 0..sorted.len() {
        while sorted[right] - sorted[left] >= max {
            left += 1;
        }
        if best.is_none_or(|(l, r)| right - left >= r - l) {
            best = Some((left, right));
        }
    }
    best.map(|(l, r)| (sorted[l], sorted[r]))
}

/// The number of the period holding `day`: consecutive periods, consecutive numbers.
pub(super) fn number(day: i32, interval: Interval) -> i64 {
    let day = i64::from(day);
    match interval {
        Interval::Day => day,
        // 1970-01-01 was a Thursday: the week from Monday 1969-12-29 is number 0.
        Interval::Week => (day + 3).div_euclid(7),
        Interval::Month => {
            let date = to_date(day);
            i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1
        }
    }
}

/// The first day of period `number`.
pub(super) fn start(number: i64, interval: Interval) -> i32 {
    let day = match interval {
        Interval::Day => number,
        Interval::Week => number * 7 - 3,
        Interval::Month => {
            let (year, month) = (number.div_euclid(12), number.rem_euclid(12) + 1);
            let month = tantivy::time::Month::try_from(month as u8)
                .unwrap_or(tantivy::time::Month::January);
            Date::from_calendar_date(year as i32, month, 1)
                .map_or(0, |d| i64::from(d.to_julian_day()) - JULIAN_1970)
        }
    };
    day as i32
}

/// The Julian day number of 1970-01-01.
const JULIAN_1970: i64 = 2_440_588;

fn to_date(day: i64) -> Date {
    Date::from_julian_day((JULIAN_1970 + day) as i32).unwrap_or(Date::MIN)
}

/// `YYYY-MM-DD` of a day number.
pub fn date_string(day: i32) -> String {
    let d = to_date(i64::from(day));
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(day: i32, interval: Interval) -> String {
        date_string(start(number(day, interval), interval))
    }

    #[test]
    fn periods_start_on_mondays_and_first_days() {
        // 2026-09-23 is a Wednesday: day 20719.
        let day = 20_719;
        assert_eq!(date_string(day), "2026-09-23");
        assert_eq!(period(day, Interval::Week), "2026-09-21");
        assert_eq!(period(day, Interval::Month), "2026-09-01");
        assert_eq!(period(day, Interval::Day), "2026-09-23");
        let next = start(number(day, Interval::Month) + 1, Interval::Month);
        assert_eq!(date_string(next), "2026-10-01");
        assert_eq!(period(-1, Interval::Week), "1969-12-29");
        assert_eq!(period(-1, Interval::Month), "1969-12-01");
    }

    #[test]
    fn a_far_off_day_is_left_out_not_stretching_the_window() {
        // A year of daily comments and one dated 2500-01-01.
        let days: Vec<i32> = (20_000..20_365).chain([193_000]).collect();
        let w = Window::choose(days.iter().copied(), Interval::Day).unwrap();
        assert_eq!((w.first, w.len), (20_000, 365));
        assert_eq!(w.slot(193_000), None);
        assert_eq!(w.slot(20_364), Some(364));
        // Two dates far apart with one comment each: the later wins.
        let w = Window::choose([0, 100_000].into_iter(), Interval::Day).unwrap();
        assert_eq!((w.first, w.len), (100_000, 1));
        let w = Window::choose([0, 10, 20].into_iter(), Interval::Month).unwrap();
        assert_eq!(w.len, 1);
        assert!(Window::choose(std::iter::empty(), Interval::Week).is_none());
    }
}
