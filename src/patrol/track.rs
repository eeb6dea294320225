//! A patrol's track and findings drawn as an SVG plot (no map tiles): each stretch the
//! phone sampled is its own line, so a gap (a locked screen) shows as a gap; findings are
//! dots, escalated ones marked.

use leptos::prelude::*;
use linli_core::patrol::{segments, Outcome, Patrol, Position};

const W: f64 = 320.0;
const H: f64 = 200.0;
const PAD: f64 = 10.0;

#[component]
pub fn TrackPlot(patrol: Patrol) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let fixes = patrol.fixes();
    let mut points: Vec<(i32, i32)> = fixes.iter().map(|f| (f.lat_e6, f.lon_e6)).collect();
    let found: Vec<(i32, i32, bool)> = patrol
        .observations
        .iter()
        .filter_map(|o| match o.position {
            Position::Fix { lat_e6, lon_e6, .. } => {
                Some((lat_e6, lon_e6, o.outcome == Outcome::Escalated))
            }
            _ => None,
        })
        .collect();
    points.extend(found.iter().map(|(a, o, _)| (*a, *o)));
    if points.is_empty() {
        return view! { <p class="empty">{move || i18n.t().ptl.no_track}</p> }.into_any();
    }
    let (min_lat, max_lat) = (
        points.iter().map(|p| p.0).min().unwrap_or(0),
        points.iter().map(|p| p.0).max().unwrap_or(0),
    );
    let (min_lon, max_lon) = (
        points.iter().map(|p| p.1).min().unwrap_or(0),
        points.iter().map(|p| p.1).max().unwrap_or(0),
    );
    let span = f64::from((max_lat - min_lat).max(max_lon - min_lon).max(1));
    let xy = move |lat: i32, lon: i32| {
        let x = PAD + f64::from(lon - min_lon) / span * (W - 2.0 * PAD);
        let y = H - PAD - f64::from(lat - min_lat) / span * (H - 2.0 * PAD);
        (x, y)
    };
    let lines: Vec<String> = segments(&fixes)
        .iter()
        .map(|seg| {
            seg.iter()
                .map(|f| {
                    let (x, y) = xy(f.lat_e6, f.lon_e6);
                    format!("{x:.1},{y:.1}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let label = format!(
        "{}: {} / {}",
        i18n.t().ptl.track,
        fixes.len(),
        patrol.observations.len()
    );
    view! {
        <svg class="track" viewBox=format!("0 0 {W} {H}") role="img" aria-label=label data-testid="track">
            {lines.into_iter().map(|pts| view! { <polyline points=pts fill="none" class="track-line"/> }).collect_view()}
            {found.into_iter().map(|(lat, lon, up)| {
                let (x, y) = xy(lat, lon);
                view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="4" class=if up { "found escalated" } else { "found" }/> }
            }).collect_view()}
        </svg>
    }
    .into_any()
}
