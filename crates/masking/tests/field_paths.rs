//! Field paths hide whole values wherever a record has them: at the top of a result or in any
//! list inside it.

use std::sync::Arc;

use gw_masking::{Detector, FieldPath, Masker, Mode, PseudonymKey, Rule};
use serde_json::{Value, json};

fn masker(paths: &[&str], mode: Mode) -> Masker {
    Masker::new(
        vec![Rule {
            detectors: vec![],
            fields: paths
                .iter()
                .map(|p| FieldPath::parse(p).expect("a path"))
                .collect(),
            mode,
        }],
        Some(Arc::new(PseudonymKey::new([3; 32]))),
    )
    .expect("valid")
}

fn user() -> Value {
    json!({
        "user_id": "auth0|alice",
        "last_ip": "203.0.113.10",
        "location_info": {"city_name": "Lisbon", "country_code": "PT"},
        "user_metadata": {"locale": "en-US", "theme": "dark", "shoe": 42},
        "app_metadata": {"plan": "pro", "is_staff": true},
        "identities": [
            {"provider": "auth0", "profileData": {"nickname": "al"}},
            {"provider": "google-oauth2", "profileData": {"nickname": "ally"}},
        ],
        "logins_count": 7,
        "last_login": null,
    })
}

#[test]
fn a_path_reaches_a_get_result_and_every_list_item() {
    let m = masker(&["last_ip"], Mode::Redact);
    let mut single = user();
    m.mask_json(&mut single);
    assert_eq!(single["last_ip"], json!("[masked]"));
    let mut list = json!({"items": [user(), user()], "has_more": false});
    let masked = m.mask_json(&mut list);
    assert_eq!(list["items"][0]["last_ip"], json!("[masked]"));
    assert_eq!(list["items"][1]["last_ip"], json!("[masked]"));
    assert_eq!(masked.replaced, 2);
    assert_eq!(masked.by_detector.get("field"), Some(&2));
    // Nothing else moved.
    assert_eq!(list["items"][0]["user_id"], json!("auth0|alice"));
}

#[test]
fn star_hides_every_member_and_keeps_the_object_leaving_out_non_strings() {
    let m = masker(&["user_metadata.*"], Mode::Redact);
    let mut doc = user();
    m.mask_json(&mut doc);
    assert_eq!(
        doc["user_metadata"],
        json!({"locale": "[masked]", "theme": "[masked]"})
    );
}

#[test]
fn brackets_walk_every_element() {
    let m = masker(&["identities[].profileData"], Mode::Redact);
    let mut doc = json!({"items": [user()]});
    let masked = m.mask_json(&mut doc);
    let ids = &doc["items"][0]["identities"];
    // `profileData` is an object: it goes, whatever the mode.
    assert_eq!(ids[0], json!({"provider": "auth0"}));
    assert!(ids[1].get("profileData").is_none());
    assert_eq!(masked.replaced, 2);
}

#[test]
fn a_non_string_goes_so_the_output_schema_stays_true_and_null_stays_null() {
    let m = masker(
        &["location_info", "logins_count", "last_login"],
        Mode::Partial,
    );
    let mut doc = user();
    m.mask_json(&mut doc);
    assert!(doc.get("location_info").is_none(), "{doc}");
    assert!(doc.get("logins_count").is_none(), "{doc}");
    assert_eq!(doc["last_login"], Value::Null);
}

#[test]
fn partial_keeps_a_string_fields_first_character() {
    let m = masker(&["app_metadata.plan"], Mode::Partial);
    let mut doc = user();
    m.mask_json(&mut doc);
    assert_eq!(
        doc["app_metadata"],
        json!({"plan": "p***", "is_staff": true})
    );
}

#[test]
fn drop_removes_the_member_or_the_elements() {
    let m = masker(&["location_info", "identities[]"], Mode::Drop);
    let mut doc = user();
    m.mask_json(&mut doc);
    assert!(doc.get("location_info").is_none());
    assert_eq!(doc["identities"], json!([]));
}

#[test]
fn pseudonym_seals_string_fields_under_the_field_kind() {
    let m = masker(&["last_ip", "location_info"], Mode::Pseudonym);
    let mut doc = user();
    m.mask_json(&mut doc);
    let sealed = doc["last_ip"].as_str().expect("still a string");
    let revealed = PseudonymKey::new([3; 32]).open(sealed).expect("it opens");
    assert_eq!(
        (revealed.kind.as_str(), revealed.value.as_str()),
        ("field", "203.0.113.10")
    );
    // An object cannot be sealed as a string: it goes.
    assert!(doc.get("location_info").is_none(), "{doc}");
}

#[test]
fn missing_paths_change_nothing() {
    let m = masker(
        &["phone_number", "user_metadata.address.street", "nope[].x"],
        Mode::Redact,
    );
    let mut doc = json!({"items": [user()]});
    let before = doc.clone();
    assert!(m.mask_json(&mut doc).is_empty());
    assert_eq!(doc, before);
}

#[test]
fn a_path_does_not_match_a_prefix_or_a_deeper_namesake() {
    let m = masker(&["plan"], Mode::Redact);
    let mut doc = user();
    m.mask_json(&mut doc);
    // `plan` is `app_metadata.plan`, not a top-level field of the record.
    assert_eq!(doc["app_metadata"]["plan"], json!("pro"));
}

#[test]
fn log_event_paths() {
    let m = masker(&["details.request.ip", "location_info"], Mode::Redact);
    let mut doc = json!({"items": [
        {"type": "sapi", "ip": "203.0.113.7", "details": {"request": {"ip": "198.51.100.3", "method": "patch"}},
         "location_info": {"city_name": "Paris"}},
    ]});
    m.mask_json(&mut doc);
    let event = &doc["items"][0];
    assert_eq!(
        event["details"]["request"],
        json!({"ip": "[masked]", "method": "patch"})
    );
    assert!(
        event.get("location_info").is_none(),
        "an object goes: {event}"
    );
    assert_eq!(event["ip"], json!("203.0.113.7"));
}

#[test]
fn a_value_a_path_hid_is_not_scanned_again_and_the_rest_is() {
    let m = Masker::new(
        vec![
            Rule {
                detectors: vec![],
                fields: vec![FieldPath::parse("last_ip").expect("a path")],
                mode: Mode::Partial,
            },
            Rule {
                detectors: vec![Detector::Ip],
                fields: vec![],
                mode: Mode::Redact,
            },
        ],
        None,
    )
    .expect("valid");
    let mut doc = json!({"last_ip": "203.0.113.10", "note": "was 198.51.100.3"});
    let masked = m.mask_json(&mut doc);
    assert_eq!(doc, json!({"last_ip": "2***", "note": "was [ip]"}));
    assert_eq!(masked.replaced, 2);
}

#[test]
fn the_first_rule_reaching_a_value_decides() {
    let m = Masker::new(
        vec![
            Rule {
                detectors: vec![],
                fields: vec![FieldPath::parse("user_metadata.theme").expect("a path")],
                mode: Mode::Partial,
            },
            Rule {
                detectors: vec![],
                fields: vec![FieldPath::parse("user_metadata.*").expect("a path")],
                mode: Mode::Drop,
            },
        ],
        None,
    )
    .expect("valid");
    let mut doc = user();
    m.mask_json(&mut doc);
    assert_eq!(doc["user_metadata"], json!({"theme": "d***"}));
}

#[test]
fn paths_parse_or_say_why_not() {
    for good in [
        "last_ip",
        "user_metadata.*",
        "identities[].profileData",
        "a[][]",
        "details.request.ip",
        "[].x",
    ] {
        assert_eq!(FieldPath::parse(good).expect(good).as_str(), good);
    }
    for bad in ["", "a..b", ".a", "a.", "a[0]", "a*", "x.[]", "a]b"] {
        assert!(FieldPath::parse(bad).is_err(), "{bad:?}");
    }
}
