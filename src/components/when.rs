use linli_core::{Lang, Millis};

/// A moment in the city's time (China, UTC+8), as people read it; `with_year` for dates
/// that may be long ago.
pub fn when(at: Millis, lang: Lang, with_year: bool) -> String {
    let (y, m, d) = at.civil_date_china();
    let mins = (at.0 + 8 * 3_600_000).div_euclid(60_000);
    let (h, min) = (mins.div_euclid(60).rem_euclid(24), mins.rem_euclid(60));
    match (lang, with_year) {
        (Lang::Zh, true) => format!("{y}年{m}月{d}日 {h:02}:{min:02}"),
        (Lang::Zh, false) => format!("{m}月{d}日 {h:02}:{min:02}"),
        (Lang::En, true) => format!("{y}-{m:02}-{d:02} {h:02}:{min:02}"),
        (Lang::En, false) => format!("{d}/{m} {h:02}:{min:02}"),
    }
}

/// "YYYY-MM-DDTHH:MM" from a datetime-local input, read in the device's time zone.
pub fn parse_local(value: &str) -> Option<Millis> {
    if value.is_empty() {
        return None;
    }
    let t = js_sys::Date::new(&value.into()).get_time();
    (!t.is_nan()).then_some(Millis(t as i64))
}
