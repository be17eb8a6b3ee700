//! Every mode with every detector, in text and in JSON; `drop` in objects and arrays.

use std::sync::Arc;

use gw_masking::{Detector, FieldPath, Masker, Mode, PseudonymKey, Rule};
use serde_json::json;

const JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhdXRoMHxhbGljZSJ9.c2lnbmF0dXJl";

/// `(detector, value, redacted, partial)`.
fn cases() -> Vec<(Detector, &'static str, &'static str, &'static str)> {
    vec![
        (
            Detector::Email,
            "jane.doe@example.com",
            "[email]",
            "j***@example.com",
        ),
        (Detector::Phone, "+1 415 555 2612", "[phone]", "*********12"),
        (Detector::Ip, "203.0.113.42", "[ip]", "203.0.113.*"),
        (
            Detector::Ip,
            "2001:db8:85a3::8a2e:370:7334",
            "[ip]",
            "2001:db8:85a3:0:*",
        ),
        (
            Detector::CreditCard,
            "4111 1111 1111 1111",
            "[credit_card]",
            "**** 1111",
        ),
        (
            Detector::Iban,
            "DE89370400440532013000",
            "[iban]",
            "DE** … 3000",
        ),
        (Detector::UsSsn, "123-45-6789", "[us_ssn]", "***-**-6789"),
        (Detector::Jwt, JWT, "[jwt]", "[jwt]"),
        (
            Detector::custom("employee_id", r"EMP-\d{6}").expect("usable"),
            "EMP-123456",
            "[employee_id]",
            "E***",
        ),
    ]
}

fn key(byte: u8) -> Arc<PseudonymKey> {
    Arc::new(PseudonymKey::new([byte; 32]))
}

fn masker(detector: Detector, mode: Mode) -> Masker {
    Masker::new(
        vec![Rule {
            detectors: vec![detector],
            fields: vec![],
            mode,
        }],
        Some(key(7)),
    )
    .expect("a valid rule")
}

#[test]
fn redact_names_the_detector_in_text_and_json() {
    for (detector, value, redacted, _) in cases() {
        let name = detector.name().to_owned();
        let m = masker(detector, Mode::Redact);
        let input = format!("seen: {value}.");
        let (text, masked) = m.mask_text(&input);
        assert_eq!(text, format!("seen: {redacted}."), "{name}");
        assert_eq!(masked.replaced, 1, "{name}");
        assert_eq!(masked.by_detector.get(&name), Some(&1), "{name}");

        let mut doc = json!({"items": [{"note": format!("seen: {value}."), "n": 3}]});
        let masked = m.mask_json(&mut doc);
        assert_eq!(
            doc,
            json!({"items": [{"note": format!("seen: {redacted}."), "n": 3}]}),
            "{name}"
        );
        assert_eq!(masked.replaced, 1);
    }
}

#[test]
fn partial_keeps_a_hint() {
    for (detector, value, _, partial) in cases() {
        let name = detector.name().to_owned();
        let m = masker(detector, Mode::Partial);
        assert_eq!(m.mask_text(value).0, partial, "{name}");
        let mut doc = json!({"v": value});
        m.mask_json(&mut doc);
        assert_eq!(doc, json!({"v": partial}), "{name}");
    }
}

#[test]
fn pseudonym_seals_the_match_so_it_opens_again() {
    let k = key(7);
    for (detector, value, _, _) in cases() {
        let name = detector.name().to_owned();
        let m = masker(detector, Mode::Pseudonym);
        let input = format!("<{value}>");
        let (text, masked) = m.mask_text(&input);
        assert_eq!(masked.replaced, 1, "{name}");
        let inner = text.trim_start_matches('<').trim_end_matches('>');
        assert!(inner.starts_with(&format!("pii:{name}:")), "{name}: {text}");
        assert!(!text.contains(value), "{name}");
        let revealed = k.open(inner).expect("it opens");
        assert_eq!(
            (revealed.kind.as_str(), revealed.value.as_str()),
            (name.as_str(), value)
        );
        // The same value, the same pseudonym.
        assert_eq!(m.mask_text(&input).0, text, "{name}");
    }
}

#[test]
fn drop_removes_the_member_or_the_element_and_redacts_text() {
    for (detector, value, redacted, _) in cases() {
        let name = detector.name().to_owned();
        let m = masker(detector, Mode::Drop);
        let mut doc = json!({
            "user": {"contact": format!("reach me at {value}"), "plan": "pro"},
            "list": ["plain", value, "also plain"],
        });
        let masked = m.mask_json(&mut doc);
        assert_eq!(
            doc,
            json!({"user": {"plan": "pro"}, "list": ["plain", "also plain"]}),
            "{name}"
        );
        assert_eq!(masked.replaced, 2, "{name}");
        // Text has no member to drop: the match is redacted.
        assert_eq!(m.mask_text(value).0, redacted, "{name}");
    }
}

#[test]
fn a_top_level_string_is_masked_not_dropped() {
    let m = masker(Detector::Email, Mode::Drop);
    let mut doc = json!("mail jane.doe@example.com");
    m.mask_json(&mut doc);
    assert_eq!(doc, json!("mail [email]"));
}

#[test]
fn text_without_a_match_is_borrowed_not_copied() {
    let m = masker(Detector::Email, Mode::Redact);
    let (text, masked) = m.mask_text("nothing to see here, auth0|alice");
    assert!(matches!(text, std::borrow::Cow::Borrowed(_)));
    assert!(masked.is_empty());
}

#[test]
fn object_keys_are_not_scanned() {
    let m = masker(Detector::Email, Mode::Redact);
    let mut doc = json!({"jane.doe@example.com": "value"});
    m.mask_json(&mut doc);
    assert_eq!(doc, json!({"jane.doe@example.com": "value"}));
}

#[test]
fn several_detectors_in_one_string_each_get_their_own_mode() {
    let m = Masker::new(
        vec![
            Rule {
                detectors: vec![Detector::Email],
                fields: vec![],
                mode: Mode::Partial,
            },
            Rule {
                detectors: vec![Detector::Ip, Detector::Email],
                fields: vec![],
                mode: Mode::Redact,
            },
        ],
        None,
    )
    .expect("valid");
    let (text, masked) = m.mask_text("jane.doe@example.com from 203.0.113.5 and 198.51.100.1");
    // The first rule naming `email` decides its mode.
    assert_eq!(text, "j***@example.com from [ip] and [ip]");
    assert_eq!(masked.replaced, 3);
    assert_eq!(masked.by_detector.get("ip"), Some(&2));
}

#[test]
fn overlapping_matches_go_to_the_more_specific_detector() {
    let m = Masker::new(
        vec![Rule {
            detectors: vec![Detector::Phone, Detector::CreditCard, Detector::Ip],
            fields: vec![],
            mode: Mode::Redact,
        }],
        None,
    )
    .expect("valid");
    assert_eq!(
        m.mask_text("card 4111 1111 1111 1111").0,
        "card [credit_card]"
    );
}

#[test]
fn pseudonym_mode_needs_a_key_and_a_rule_needs_something_to_look_for() {
    let rule = |mode| Rule {
        detectors: vec![Detector::Email],
        fields: vec![],
        mode,
    };
    let err = Masker::new(vec![rule(Mode::Pseudonym)], None).unwrap_err();
    assert!(err.contains("pseudonym"), "{err}");
    assert!(Masker::new(vec![rule(Mode::Redact)], None).is_ok());
    let empty = Rule {
        detectors: vec![],
        fields: vec![],
        mode: Mode::Redact,
    };
    assert!(Masker::new(vec![empty], None).is_err());
}

#[test]
fn values_too_long_to_seal_are_redacted() {
    let m = Masker::new(
        vec![Rule {
            detectors: vec![Detector::custom("blob", r"B[a-z]+").expect("usable")],
            fields: vec![FieldPath::parse("bio").expect("a path")],
            mode: Mode::Pseudonym,
        }],
        Some(key(1)),
    )
    .expect("valid");
    let long = format!("B{}", "x".repeat(gw_masking::MAX_VALUE));
    assert_eq!(m.mask_text(&long).0, "[blob]");
    let mut doc = json!({"bio": long});
    m.mask_json(&mut doc);
    assert_eq!(doc, json!({"bio": "[masked]"}));
}

#[test]
fn modes_parse_from_their_names() {
    for name in Mode::NAMES {
        assert_eq!(name.parse::<Mode>().expect("known").as_str(), name);
    }
    let err = "hash".parse::<Mode>().unwrap_err();
    assert!(err.contains("pseudonym"), "{err}");
}

#[test]
fn an_empty_masker_changes_nothing() {
    let m = Masker::new(vec![], None).expect("no rules is fine");
    assert!(m.is_empty());
    let mut doc = json!({"email": "jane.doe@example.com", "last_ip": "203.0.113.5"});
    let before = doc.clone();
    assert!(m.mask_json(&mut doc).is_empty());
    assert_eq!(doc, before);
}

#[test]
fn a_results_text_block_is_masked_as_its_structured_content_is() {
    let items: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            json!({
                "user_id": format!("auth0|user{i}"),
                "email": format!("user.{i}@example.com"),
                "last_ip": format!("203.0.113.{i}"),
                "phone_number": format!("+1415555{:04}", 1000 + i),
                "created_at": "2024-01-08T09:00:00.000Z",
                "user_metadata": {"note": format!("card 4111 1111 1111 1111, ref ORD-2024-{i:06}")},
            })
        })
        .collect();
    let page = json!({"items": items, "has_more": false});
    let all: Vec<Detector> = gw_masking::BUILTIN_NAMES
        .iter()
        .map(|n| Detector::builtin(n).expect("built-in"))
        .collect();
    for mode in [Mode::Redact, Mode::Pseudonym, Mode::Partial] {
        let m = Masker::new(
            vec![Rule {
                detectors: all.clone(),
                fields: vec![],
                mode,
            }],
            Some(key(5)),
        )
        .expect("valid");
        let text = serde_json::to_string_pretty(&page).expect("serialisable");
        assert!(text.len() > 4096, "long enough to be looked at in pieces");
        let (masked_text, from_text) = m.mask_text(&text);
        let mut structured = page.clone();
        let from_json = m.mask_json(&mut structured);
        assert_eq!(
            masked_text,
            serde_json::to_string_pretty(&structured).expect("serialisable"),
            "{mode}"
        );
        assert_eq!(from_text, from_json, "{mode}");
        assert_eq!(from_json.replaced, 40 * 4, "{mode}");
    }
}
