//! The staff's views (the community's 数字驾驶舱): the share solved on the spot, and the
//! day's observations and escalations as CSV for daily dispatch.

use super::escalation::Case;
use super::model::{Outcome, Patrol, Position};
use crate::{Lang, Millis};

/// Observations in a span: how many were solved on the spot, how many escalated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OnSpot {
    pub resolved: usize,
    pub escalated: usize,
}

impl OnSpot {
    /// The share solved on the spot, in whole per cent (`None` with nothing observed).
    pub fn percent(&self) -> Option<u32> {
        let total = self.resolved + self.escalated;
        (total > 0).then(|| ((self.resolved * 100 + total / 2) / total) as u32)
    }
}

/// Observations logged in `[from, to)` across these patrols.
pub fn solved_on_spot<'a>(
    patrols: impl IntoIterator<Item = &'a Patrol>,
    from: Millis,
    to: Millis,
) -> OnSpot {
    let mut out = OnSpot::default();
    for o in patrols
        .into_iter()
        .flat_map(|p| &p.observations)
        .filter(|o| o.at >= from && o.at < to)
    {
        match o.outcome {
            Outcome::Resolved => out.resolved += 1,
            Outcome::Escalated => out.escalated += 1,
            Outcome::Unknown(_) => {}
        }
    }
    out
}

/// A CSV field, quoted when it must be (RFC 4180), and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` is escaped with a quote mark).
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `YYYY-MM-DD HH:MM` in China's time, as dispatch reads it.
fn when(at: Millis) -> String {
    let (y, m, d) = at.civil_date_china();
    let minutes = (at.0 + 8 * Millis::HOUR).rem_euclid(Millis::DAY) / 60_000;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

fn place(p: &Position) -> String {
    match p {
        Position::Fix {
            lat_e6,
            lon_e6,
            accuracy_m,
        } => format!(
            "{:.6} {:.6} ±{accuracy_m}m",
            f64::from(*lat_e6) / 1e6,
            f64::from(*lon_e6) / 1e6
        ),
        Position::Denied => "denied".into(),
        Position::Unavailable => "unavailable".into(),
    }
}

/// The day's observations (patrols by grid) and the escalations opened that day, one row
/// each, for daily dispatch (日调度).
pub fn csv_of_day(patrols: &[(String, Patrol)], cases: &[Case], day: Millis, lang: Lang) -> String {
    let (from, to) = (day, Millis(day.0 + Millis::DAY));
    let header = lang.pick(
        "类型,网格,时间,职责,类别,描述,结果,处置或部门,位置,状态",
        "type,grid,time,duty,category,description,outcome,action or department,position,status",
    );
    let mut out = String::from(header);
    out.push_str("\r\n");
    let mut rows: Vec<(Millis, String)> = Vec::new();
    for (grid, p) in patrols {
        for o in p.observations.iter().filter(|o| o.at >= from && o.at < to) {
            let what = match o.outcome {
                Outcome::Escalated => o.department.clone().unwrap_or_default(),
                _ => o.action.clone(),
            };
            let cols = [
                lang.pick("巡查发现", "observation").to_owned(),
                grid.clone(),
                when(o.at),
                o.duty.label(lang).to_owned(),
                o.category.label(lang).to_owned(),
                o.description.clone(),
                o.outcome.label(lang).to_owned(),
                what,
                place(&o.position),
                String::new(),
            ];
            rows.push((
                o.at,
                cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","),
            ));
        }
    }
    for c in cases
        .iter()
        .filter(|c| c.reported_at >= from && c.reported_at < to)
    {
        let cols = [
            lang.pick("上报事项", "escalation").to_owned(),
            c.grid.clone(),
            when(c.reported_at),
            String::new(),
            c.category.label(lang).to_owned(),
            c.description.clone(),
            String::new(),
            c.department.clone(),
            place(&c.position),
            c.status.label(lang).to_owned(),
        ];
        rows.push((
            c.reported_at,
            cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","),
        ));
    }
    crate::sort::by(&mut rows, Ord::cmp);
    for (_, r) in rows {
        out.push_str(&r);
        out.push_str("\r\n");
    }
    out
}
