//! Every string the UI shows, in one typed table per language. A missing translation is a
//! compile error, not a blank on screen.
//!
//! Words that belong to the domain (role names, the errors core's commands return) live in
//! `linli-core` beside the rules that produce them, so the server speaks them too; views
//! get them through `Role::label(lang)` and `LinliError::message(lang)`.

mod deliberation;
mod en;
mod patrol;
mod points;
mod zh;

pub use deliberation::Delib;
pub use patrol::Ptl;
pub use points::Pts;

use leptos::prelude::*;
use linli_core::Lang;

pub struct Strings {
    /// Deliberation's words, in a table of their own.
    pub delib: &'static Delib,
    /// Points' words, in a table of their own.
    pub pts: &'static Pts,
    /// Patrol's words, in a table of their own.
    pub ptl: &'static Ptl,
    pub app_name: &'static str,
    pub loading: &'static str,
    /// A module's code could not be fetched (offline before it was ever kept).
    pub module_unreachable: &'static str,
    pub try_again: &'static str,
    pub tab_help: &'static str,
    pub tab_deliberation: &'static str,
    pub tab_points: &'static str,
    pub tab_patrol: &'static str,
    pub tab_me: &'static str,
    pub tabs_label: &'static str,
    pub patrol_not_for_role: &'static str,
    pub page_not_found: &'static str,
    pub go_home: &'static str,
    pub badge_device_only: &'static str,
    pub badge_saving: &'static str,
    pub badge_not_saved: &'static str,
    pub sandbox_label: &'static str,
    pub dismiss: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub saving: &'static str,
    pub storage_failed: fn(&str) -> String,
    pub damaged_records: fn(usize) -> String,
    pub damaged_snapshot: &'static str,
    pub waiting_for_missing: fn(usize) -> String,
    pub write_failed: fn(&str) -> String,
    pub welcome_title: &'static str,
    pub welcome_intro: &'static str,
    pub language: &'static str,
    pub your_name: &'static str,
    pub your_name_hint: &'static str,
    pub your_role: &'static str,
    pub your_community: &'static str,
    pub sandbox_note: &'static str,
    pub get_started: &'static str,
    pub settings: &'static str,
    pub save_settings: &'static str,
    pub settings_saved: &'static str,
    pub about_me: &'static str,
    pub about_me_hint: &'static str,
    pub skills: &'static str,
    pub skills_empty: &'static str,
    pub skill_placeholder: &'static str,
    pub add: &'static str,
    pub remove: &'static str,
    pub confirm_remove: fn(&str) -> String,
    pub storage_title: &'static str,
    pub storage_persisted: &'static str,
    pub storage_not_persisted: &'static str,
    pub set_aside: fn(usize) -> String,
    pub draft_kept: &'static str,
    pub update_ready: &'static str,
    pub update_after_draft: &'static str,
    pub update_now: &'static str,
    pub install_title: &'static str,
    pub install_done: &'static str,
    pub install_why: &'static str,
    pub install_button: &'static str,
    pub install_ios: &'static str,
    pub install_menu: &'static str,
    pub newer_schema: &'static str,
    pub version: fn(&str) -> String,
    pub overdue_sync: &'static str,
    pub overdue_sandbox: &'static str,
    pub storage_not_ready: &'static str,
    pub reload_blocked: &'static str,
    pub settings_not_saved: &'static str,
    pub badge_offline: &'static str,
    pub badge_connecting: &'static str,
    pub badge_syncing: &'static str,
    pub badge_waiting: fn(usize) -> String,
    pub badge_in_step: &'static str,
    pub badge_refused: &'static str,
    pub badge_signed_out: &'static str,
    pub badge_other_tab: &'static str,
    pub sync_refused: fn(&str) -> String,
    pub changes_refused: fn(&str) -> String,
    pub compaction_failed: fn(&str) -> String,
    pub draft_unreadable: &'static str,
    pub wrong_kind: &'static str,
    pub refused_text_label: &'static str,
    pub sync_refused_title: &'static str,
    pub sync_refused_intro: &'static str,
    pub sync_title: &'static str,
    pub sync_intro: &'static str,
    pub sync_never: &'static str,
    pub sync_last: fn(&str) -> String,
    pub sync_doc_waiting: fn(usize) -> String,
    pub sync_unavailable: &'static str,
    pub sync_sandbox: &'static str,
    pub doc_directory: &'static str,
    pub doc_proposals: &'static str,
    pub doc_proposal: &'static str,
    pub doc_points: &'static str,
    pub doc_unknown: &'static str,
    pub doc_my_profile: &'static str,
    pub doc_profile_of: fn(&str) -> String,
    pub signed_out: fn(&str) -> String,
    pub join_title: &'static str,
    pub join_intro: &'static str,
    pub join_code: &'static str,
    pub join_code_hint: &'static str,
    pub join_submit: &'static str,
    pub joining: &'static str,
    pub join_offline: &'static str,
    pub join_code_empty: &'static str,
    pub try_sandbox: &'static str,
    pub joined_as: fn(&str, &str) -> String,
    pub neighbours: &'static str,
    pub neighbours_intro: &'static str,
    pub neighbours_empty: &'static str,
    pub neighbours_sandbox: &'static str,
    pub you: &'static str,
    pub no_profile_yet: &'static str,
    pub help_intro: &'static str,
    pub help_new: &'static str,
    pub help_all: &'static str,
    pub help_mine: &'static str,
    pub help_my_offers: &'static str,
    pub help_filter_status: &'static str,
    pub help_filter_category: &'static str,
    pub help_any: &'static str,
    pub help_empty: &'static str,
    pub help_empty_mine: &'static str,
    pub help_empty_offers: &'static str,
    /// The button under a long list: how many requests it has not shown yet.
    pub help_more: fn(usize) -> String,
    pub help_offers_count: fn(usize) -> String,
    pub help_waiting_sync: fn(usize) -> String,
    pub help_category: &'static str,
    pub help_title: &'static str,
    pub help_title_hint: &'static str,
    pub help_details: &'static str,
    pub help_details_hint: &'static str,
    pub help_urgency: &'static str,
    pub help_place: &'static str,
    pub help_place_hint: &'static str,
    pub help_needed_by: &'static str,
    pub help_expires: &'static str,
    pub help_days: fn(i64) -> String,
    pub help_post: &'static str,
    pub help_posted_by: fn(&str) -> String,
    pub help_expires_at: fn(&str) -> String,
    pub help_needed_at: fn(&str) -> String,
    pub help_offers: &'static str,
    pub help_no_offers: &'static str,
    pub help_chosen: &'static str,
    pub help_not_chosen: &'static str,
    pub help_set_aside: &'static str,
    pub help_withdrawn: &'static str,
    pub help_offer_note: &'static str,
    pub help_offer: &'static str,
    pub help_withdraw: &'static str,
    pub help_accept: &'static str,
    pub help_mark_done: &'static str,
    pub help_confirm: &'static str,
    pub help_cancel: &'static str,
    pub help_confirm_cancel: &'static str,
    pub help_still_needed: &'static str,
    pub help_extend: &'static str,
    pub help_report: &'static str,
    pub help_report_reason: &'static str,
    pub help_report_send: &'static str,
    pub help_report_queued: &'static str,
    pub help_report_sent: &'static str,
    pub help_hide: &'static str,
    pub help_hide_reason: &'static str,
    pub help_hidden: fn(&str) -> String,
    pub help_not_found: &'static str,
    pub help_back: &'static str,
    pub help_private: &'static str,
    pub help_contact: &'static str,
    pub help_contact_hint: &'static str,
    pub help_their_contact: fn(&str, &str) -> String,
    pub help_no_contact: fn(&str) -> String,
    pub help_messages: &'static str,
    pub help_message_send: &'static str,
    pub help_reports: &'static str,
    pub help_reports_empty: &'static str,
    pub help_report_by: fn(&str, &str) -> String,
    pub help_mark_handled: &'static str,
    pub help_handled: &'static str,
    pub help_open_request: &'static str,
}

pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Zh => &zh::ZH,
        Lang::En => &en::EN,
    }
}

/// The language of the whole app, shared through context.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    /// Reads (and tracks) the current table.
    pub fn t(self) -> &'static Strings {
        strings(self.0.get())
    }

    pub fn lang(self) -> Lang {
        self.0.get()
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plain_string_differs_between_languages() {
        // Catches a table where an English string was pasted into the Chinese one.
        let (zh, en) = (strings(Lang::Zh), strings(Lang::En));
        let pairs = [
            (zh.tab_help, en.tab_help),
            (zh.tab_me, en.tab_me),
            (zh.welcome_title, en.welcome_title),
            (zh.badge_device_only, en.badge_device_only),
            (zh.skills_empty, en.skills_empty),
            (zh.ptl.worker_title, en.ptl.worker_title),
        ];
        for (z, e) in pairs {
            assert_ne!(z, e);
            assert!(z.chars().any(|c| c as u32 > 0x2E80), "{z}");
            assert!(
                e.is_ascii() || e.chars().all(|c| (c as u32) < 0x2E80 || "“”’".contains(c)),
                "{e}"
            );
        }
        assert!((zh.damaged_records)(2).contains('2'));
        assert!((en.damaged_records)(2).contains('2'));
    }
}
