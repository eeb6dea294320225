//! Widgets shared by several pages.

pub mod act;
pub mod draft_field;
pub mod lang_toggle;
pub mod lazy;
pub mod member_form;
pub mod notices;
pub mod sync_badge;
pub mod sync_page;
pub mod tab_bar;
pub mod when;
