//! The member's balance at each month's end over the last year, as bars in an SVG: drawn
//! from numbers core derived, with each bar's month and balance in words for readers.

use crate::i18n::use_i18n;
use leptos::prelude::*;

const W: f64 = 320.0;
const H: f64 = 120.0;
const LABELS: f64 = 16.0;

#[component]
pub(super) fn Chart(months: Signal<Vec<(String, i64)>>) -> impl IntoView {
    let i18n = use_i18n();
    let bars = move || {
        let months = months.get();
        let top = months.iter().map(|(_, b)| *b).max().unwrap_or(0).max(1) as f64;
        let bottom = months.iter().map(|(_, b)| *b).min().unwrap_or(0).min(0) as f64;
        let span = top - bottom;
        let plot = H - LABELS;
        let zero = plot * top / span;
        let step = W / months.len().max(1) as f64;
        months
            .into_iter()
            .enumerate()
            .map(|(i, (month, balance))| {
                let h = plot * (balance as f64).abs() / span;
                let y = if balance >= 0 { zero - h } else { zero };
                let x = i as f64 * step + step * 0.15;
                let label = (i18n.t().pts.chart_label)(&month, balance);
                let short = month.get(5..).unwrap_or_default().to_owned();
                view! {
                    <g data-testid="chart-bar" data-month=month.clone() data-balance=balance.to_string()>
                        <title>{label}</title>
                        <rect x=x y=y width=step * 0.7 height=h.max(1.0) class=if balance < 0 { "bar negative" } else { "bar" }/>
                        <text x=x + step * 0.35 y=H - 3.0 text-anchor="middle" class="bar-label">{short}</text>
                    </g>
                }
            })
            .collect_view()
    };
    view! {
        <figure class="points-chart">
            <figcaption>{move || i18n.t().pts.chart}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=move || i18n.t().pts.chart data-testid="points-chart">
                {bars}
            </svg>
        </figure>
    }
}
