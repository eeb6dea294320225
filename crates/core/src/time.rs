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

    /// Year, month and day in China Standard Time.
    pub fn civil_date_china(self) -> (i64, u32, u32) {
        let days = (self.0 + 8 * 3_600_000).div_euclid(Self::DAY);
        civil_from_days(days)
    }
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
}
