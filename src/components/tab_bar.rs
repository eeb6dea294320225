use crate::i18n::{use_i18n, Strings};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;

struct Tab {
    href: &'static str,
    icon: &'static str,
    label: fn(&Strings) -> &'static str,
    patrol: bool,
}

const TABS: [Tab; 5] = [
    Tab {
        href: "/help",
        icon: "🤝",
        label: |t| t.tab_help,
        patrol: false,
    },
    Tab {
        href: "/deliberation",
        icon: "🗳",
        label: |t| t.tab_deliberation,
        patrol: false,
    },
    Tab {
        href: "/points",
        icon: "⭐",
        label: |t| t.tab_points,
        patrol: false,
    },
    Tab {
        href: "/patrol",
        icon: "🧭",
        label: |t| t.tab_patrol,
        patrol: true,
    },
    Tab {
        href: "/me",
        icon: "👤",
        label: |t| t.tab_me,
        patrol: false,
    },
];

/// The bottom tab bar. Patrol shows only to those who patrol or watch the grids.
#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sees_patrol = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role.sees_patrol()))
    };
    view! {
        <nav class="tab-bar" aria-label=move || i18n.t().tabs_label>
            {TABS
                .iter()
                .map(|tab| {
                    let label = tab.label;
                    let shown = move || !tab.patrol || sees_patrol();
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
