use super::detail::Page;
use crate::i18n::{use_i18n, Delib};
use leptos::prelude::*;
use linli_core::deliberation::{Decision, Tally};

/// How a stored choice reads: for/against/abstain in words, an option by its text.
pub(super) fn choice_label(decision: &Decision, token: &str, d: &Delib) -> String {
    match decision {
        Decision::ForAgainst => match token {
            "for" => d.choice_for,
            "against" => d.choice_against,
            _ => d.choice_abstain,
        }
        .to_owned(),
        Decision::One(o) | Decision::Several { options: o, .. } => token
            .parse::<usize>()
            .ok()
            .and_then(|i| o.get(i).cloned())
            .unwrap_or_else(|| token.to_owned()),
        Decision::Unknown(_) => token.to_owned(),
    }
}

/// Counts, turnout against the quorum, pass or fail, and a bar per choice; hidden until the
/// member has voted or the vote has closed (a courtesy the page explains).
#[component]
pub(super) fn Results(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let started = move || {
        page.proposal
            .with(|p| p.as_ref().is_some_and(|p| p.opens_at.is_some()))
    };
    view! {
        <Show when=started>
            <h2>{move || i18n.t().delib.results}</h2>
            <Show
                when=move || page.acts.with(|a| a.see_results)
                fallback=move || view! {
                    <p class="muted" data-testid="results-hidden">{move || i18n.t().delib.results_hidden}</p>
                    <p data-testid="turnout">{move || (i18n.t().delib.turnout)(page.tally.with(|t| t.turnout()))}</p>
                }
            >
                <Shown page=page/>
            </Show>
        </Show>
    }
}

#[component]
fn Shown(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let p = page.proposal.get()?;
        let d = i18n.t().delib;
        let t: Tally = page.tally.get();
        let turnout = t.turnout();
        let bars = chart(&p.decision, &t, d);
        Some(view! {
            <div class="results" data-testid="results">
                <p class=if t.provisional { "notice" } else { "notice ok" } data-testid="results-kind">
                    {if t.provisional { d.provisional } else { d.certified }}
                </p>
                {bars}
                <ul class="counts">
                    {t.counts.iter().map(|(token, n)| {
                        let label = choice_label(&p.decision, token, d);
                        view! { <li data-testid="count">{format!("{label}: {n}")}</li> }
                    }).collect_view()}
                </ul>
                <p data-testid="turnout">{match t.members {
                    Some(m) => (d.turnout_of)(turnout, m, p.quorum_pct),
                    None => (d.turnout)(turnout),
                }}</p>
                {t.quorum_met.map(|q| view! { <p>{if q { d.quorum_met } else { d.quorum_missed }}</p> })}
                {t.passed.map(|ok| view! {
                    <p class=if ok { "chip chip-ok" } else { "chip" } data-testid="results-passed">{if ok { d.passed } else { d.failed }}</p>
                })}
            </div>
        })
    }
}

/// One horizontal bar per choice, as plain SVG (no chart library): its length the choice's
/// share of the counted ballots.
fn chart(decision: &Decision, t: &Tally, d: &'static Delib) -> impl IntoView {
    const ROW: usize = 28;
    const LABEL: usize = 96;
    const WIDTH: usize = 320;
    let total = t.counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let height = ROW * t.counts.len().max(1);
    let rows = t
        .counts
        .iter()
        .enumerate()
        .map(|(i, (token, n))| {
            let y = i * ROW;
            let w = (WIDTH - LABEL - 40) * n / total;
            let label = choice_label(decision, token, d);
            view! {
                <g>
                    <text x="0" y=(y + 18).to_string() class="chart-label">{label}</text>
                    <rect x=LABEL.to_string() y=(y + 6).to_string() width=w.to_string() height="16" rx="3" class="chart-bar"/>
                    <text x=(LABEL + w + 6).to_string() y=(y + 18).to_string() class="chart-value">{n.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" role="img" aria-label=d.chart viewBox=format!("0 0 {WIDTH} {height}") width="100%" data-testid="results-chart">
            {rows}
        </svg>
    }
}
