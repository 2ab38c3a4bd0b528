//! The name a room message (a cheer) is signed with, and its check: shared by the
//! server that refuses a bad one and the page that says why before sending.

use super::ProtocolError;

/// The longest name a room message may be signed with, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// Checks the name a room message is signed with: 1 to [`MAX_NAME_CHARS`] characters,
/// not only spaces, and no control characters (line breaks, tabs) or text-direction
/// overrides (which could make a name read as someone else's). The error says which.
pub fn check_name(name: &str) -> Result<(), ProtocolError> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        return Err(ProtocolError::BadMessage(
            "a cheer's name cannot be empty".into(),
        ));
    }
    if chars > MAX_NAME_CHARS {
        return Err(ProtocolError::TooLarge(format!(
            "a cheer's name is at most {MAX_NAME_CHARS} characters; this one has {chars}"
        )));
    }
    let overrides = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if name.chars().any(|c| c.is_control() || overrides(c)) {
        return Err(ProtocolError::BadMessage(
            "a cheer's name cannot contain control characters (line breaks, tabs, direction marks)"
                .into(),
        ));
    }
    Ok(())
}
