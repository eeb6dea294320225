//! What a member tells about themselves when they join.

use crate::error::{check_text, Field};
use crate::Result;

pub const DISPLAY_NAME_MAX: usize = 20;

/// A display name: trimmed, not blank, at most 20 characters.
pub fn check_display_name(name: &str) -> Result<String> {
    check_text(Field::DisplayName, name, DISPLAY_NAME_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_display_name(" 王阿姨 ").unwrap(), "王阿姨");
        assert!(check_display_name("").is_err());
        assert!(check_display_name(&"王".repeat(21)).is_err());
    }
}
