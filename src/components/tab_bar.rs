use crate::i18n::{use_i18n, Strings};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::Role;

struct Tab {
    href: &'static str,
    icon: &'static str,
    label: fn(&Strings) -> &'static str,
    /// Whom the tab is for.
    shown: fn(&Role) -> bool,
}

fn everyone(_: &Role) -> bool {
    true
}

const TABS: [Tab; 7] = [
    Tab {
        href: "/help",
        icon: "🤝",
        label: |t| t.tab_help,
        shown: everyone,
    },
    Tab {
        href: "/deliberation",
        icon: "🗳",
        label: |t| t.tab_deliberation,
        shown: everyone,
    },
    Tab {
        href: "/points",
        icon: "⭐",
        label: |t| t.tab_points,
        shown: everyone,
    },
    Tab {
        href: "/patrol",
        icon: "🧭",
        label: |t| t.tab_patrol,
        shown: Role::sees_patrol,
    },
    Tab {
        href: "/patrol",
        icon: "📋",
        label: |t| t.ptl.tab_cases,
        shown: |r| *r == Role::Officer,
    },
    Tab {
        href: "/reports",
        icon: "📣",
        label: |t| t.ptl.report_title,
        shown: |r| *r == Role::Resident,
    },
    Tab {
        href: "/me",
        icon: "👤",
        label: |t| t.tab_me,
        shown: everyone,
    },
];

/// The bottom tab bar. Patrol shows to those who patrol or watch the grids, the case queue
/// to department officers, reporting a problem to residents.
#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();

    view! {
        <nav class="tab-bar" aria-label=move || i18n.t().tabs_label>
            {TABS
                .iter()
                .map(|tab| {
                    let label = tab.label;
                    let for_them = tab.shown;
                    let shown = move || {
                        session
                            .member
                            .with(|m| m.as_ref().is_some_and(|m| for_them(&m.role)))
                    };
                    view! {
                        <Show when=shown>
                            <A href=tab.href>
                                <span class="tab-icon" aria-hidden="true">{tab.icon}</span>
                                <span class="tab-label">{move || label(i18n.t())}</span>
                            </A>
                        </Show>
                    }
                })
                .collect_view()}
        </nav>
    }
}
