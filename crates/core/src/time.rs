//! Time as milliseconds since the Unix epoch. A device's clock is a claim, not a fact
//! (DESIGN.md): core takes "now" as an argument and never reads a clock itself.

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Millis(pub i64);

impl Millis {
    pub const HOUR: i64 = 3_600_000;
    pub const DAY: i64 = 24 * Self::HOUR;

    /// Local changes that have waited longer than this to leave the device are at risk:
    /// browsers may evict the data of sites not installed to the home screen.
    pub const SYNC_WARN_AFTER: i64 = Self::DAY;

    /// Whether changes waiting since `since` have waited too long by `now`.
    pub fn sync_overdue(since: Option<Millis>, now: Millis) -> bool {
        since.is_some_and(|s| now.0 - s.0 > Self::SYNC_WARN_AFTER)
    }

    /// The calendar month (UTC+8, the city's time) this instant falls in, as `YYYY-MM`:
    /// the period of month-scoped documents such as help.
    pub fn month(self) -> String {
        let (y, m, _) = self.civil_date_china();
        format!("{y:04}-{m:02}")
    }

    /// The first instant of the calendar month (the city's time) this instant falls in.
    pub fn month_start(self) -> Millis {
        let (y, m, _) = self.civil_date_china();
        Millis::china_month_start(y, m)
    }

    /// The first instant of month `m` (1 to 12, or beyond: 13 is January of the next year)
    /// of year `y`, the city's time.
    pub fn china_month_start(y: i64, m: u32) -> Millis {
        let (y, m) = (
            y + (m as i64 - 1).div_euclid(12),
            (m as i64 - 1).rem_euclid(12) + 1,
        );
        Millis(days_from_civil(y, m as u32) * Self::DAY - 8 * Self::HOUR)
    }

    /// Year, month and day in China Standard Time.
    pub fn civil_date_china(self) -> (i64, u32, u32) {
        let days = (self.0 + 8 * 3_600_000).div_euclid(Self::DAY);
        civil_from_days(days)
    }
}

/// Howard Hinnant's civil-to-days algorithm, for the first day of a month.
fn days_from_civil(y: i64, m: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm: exact for every day of the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_more_than_a_day_is_overdue() {
        let t = Millis(1_000_000_000_000);
        assert!(!Millis::sync_overdue(None, t));
        assert!(!Millis::sync_overdue(Some(t), Millis(t.0 + Millis::DAY)));
        assert!(Millis::sync_overdue(Some(t), Millis(t.0 + Millis::DAY + 1)));
    }

    #[test]
    fn months_follow_china_time() {
        assert_eq!(Millis(0).month(), "1970-01");
        // 2026-11-30T16:00:00Z is already 1 December in Longgang.
        assert_eq!(Millis(1_796_054_400_000).month(), "2026-12");
        assert_eq!(Millis(1_796_054_399_999).month(), "2026-11");
        assert_eq!(Millis(951_782_400_000).civil_date_china(), (2000, 2, 29));
    }

    #[test]
    fn a_month_starts_at_midnight_in_the_city() {
        let december = Millis(1_796_054_400_000);
        assert_eq!(
            Millis(december.0 + 9 * Millis::DAY + 5).month_start(),
            december
        );
        assert_eq!(december.month_start(), december);
        assert_eq!(Millis(december.0 - 1).month_start().month(), "2026-11");
        assert_eq!(Millis::china_month_start(2026, 13).month(), "2027-01");
        assert_eq!(
            Millis::china_month_start(2027, 1),
            Millis::china_month_start(2026, 13)
        );
        assert_eq!(
            Millis::china_month_start(2000, 3).0 - Millis::china_month_start(2000, 2).0,
            29 * Millis::DAY
        );
    }
}
