//! A client names itself at registration, and the consent page shows that name to a user deciding
//! whether to trust it. Characters that are not drawn but change how the rest is drawn —
//! bidirectional overrides, embeddings and isolates (after `U+202E` the rest of a name is drawn
//! right to left, so `Evil`, `U+202E`, `lanigirO` reads "EvilOriginal"), zero-width characters,
//! controls — would let a name read as something it is not. They are stripped at registration, and
//! any left in a name stored before that are shown as `[U+XXXX]` on the page.

/// Whether `c` changes how text is drawn without being drawn itself.
pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'              // soft hyphen
            | '\u{061C}'            // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{180E}'            // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, (non-)joiner, LRM, RLM
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{206A}'..='\u{206F}' // deprecated format characters
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}'            // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// The name without hidden characters, trimmed; `None` when nothing visible is left.
pub(crate) fn clean(name: &str) -> Option<String> {
    let cleaned: String = name.chars().filter(|c| !is_hidden(*c)).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// The name with any hidden character written out as `[U+XXXX]`, for display.
pub(crate) fn visible(name: &str) -> String {
    let mut shown = String::with_capacity(name.len());
    for c in name.chars() {
        if is_hidden(c) {
            shown.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_and_invisible_characters_are_stripped() {
        assert_eq!(
            clean("Evil\u{202E}lanigirO\u{202C} App").as_deref(),
            Some("EvillanigirO App")
        );
        assert_eq!(
            clean("a\u{200B}b\u{2066}c\u{2069}\u{FEFF}").as_deref(),
            Some("abc")
        );
        assert_eq!(clean("\u{202E}\u{200F} "), None);
        assert_eq!(clean("Claude Desktop").as_deref(), Some("Claude Desktop"));
        assert_eq!(clean("Приложение 应用").as_deref(), Some("Приложение 应用"));
    }

    #[test]
    fn hidden_characters_left_in_old_names_are_shown() {
        assert_eq!(visible("Evil\u{202E}App"), "Evil[U+202E]App");
        assert_eq!(visible("plain"), "plain");
    }
}
