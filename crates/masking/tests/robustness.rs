//! Whatever the input, masking and opening never panic, and pseudonyms round-trip.

use std::sync::Arc;

use gw_masking::{
    BUILTIN_NAMES, Detector, MAX_VALUE, Masker, Mode, PseudonymKey, Rule, resolve_pseudonyms,
};
use proptest::prelude::*;
use serde_json::json;

fn all(mode: Mode) -> Masker {
    let mut detectors: Vec<Detector> = BUILTIN_NAMES
        .iter()
        .map(|n| Detector::builtin(n).expect("built-in"))
        .collect();
    detectors.push(Detector::custom("ticket", r"TCK-\d+").expect("usable"));
    Masker::new(
        vec![Rule {
            detectors,
            fields: vec![],
            mode,
        }],
        Some(Arc::new(PseudonymKey::new([9; 32]))),
    )
    .expect("valid")
}

/// Text made of the characters detectors care about, plus some multi-byte ones.
fn texty() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[0-9a-fA-F .:\-+()@|/_#eyJé€😀\n\x22]{0,80}")
        .expect("a strategy")
}

proptest! {
    #[test]
    fn masking_any_text_in_any_mode_does_not_panic(text in texty(), mode in 0usize..4) {
        let mode = [Mode::Redact, Mode::Partial, Mode::Drop, Mode::Pseudonym][mode];
        let m = all(mode);
        let (out, masked) = m.mask_text(&text);
        prop_assert_eq!(masked.replaced == 0, out == text);
        let mut doc = json!({"a": [text.clone(), {"b": text}]});
        m.mask_json(&mut doc);
    }

    #[test]
    fn opening_any_text_does_not_panic(text in any::<String>(), token in "[A-Za-z0-9_\\-]{0,120}") {
        let key = PseudonymKey::new([1; 32]);
        let _ = key.open(&text);
        let made_up = format!("pii:email:{token}");
        prop_assert!(key.open(&made_up).is_err());
    }

    #[test]
    fn any_value_round_trips(value in any::<String>().prop_filter("sealable", |v| v.len() <= MAX_VALUE)) {
        let key = PseudonymKey::new([2; 32]);
        let sealed = key.seal("field", &value);
        let opened = key.open(&sealed).expect("it opens");
        prop_assert_eq!(opened.value, value.clone());
        let query = format!("name:\"{sealed}\"");
        let mut args = json!({ "q": query });
        resolve_pseudonyms(&mut args, &key).expect("ours");
        // Inside a query the value is one phrase: its `"` and `\` are escaped.
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        let want = format!("name:\"{escaped}\"");
        prop_assert_eq!(args, json!({ "q": want }));
    }
}
