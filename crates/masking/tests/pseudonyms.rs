//! The pseudonym codec: it round-trips, it is stable, and it refuses anything it did not issue.

use gw_masking::{PseudonymError, PseudonymKey, contains_pseudonym, resolve_pseudonyms};
use serde_json::json;

fn key() -> PseudonymKey {
    PseudonymKey::new([0x42; 32])
}

#[test]
fn a_pseudonym_opens_to_its_kind_and_value() {
    let k = key();
    let p = k.seal("email", "jane.doe@example.com");
    assert!(p.starts_with("pii:email:"), "{p}");
    assert!(!p.contains("jane"));
    let r = k.open(&p).expect("it opens");
    assert_eq!(
        (r.kind.as_str(), r.value.as_str()),
        ("email", "jane.doe@example.com")
    );
}

#[test]
fn the_same_value_gets_the_same_pseudonym_and_another_value_another() {
    let k = key();
    assert_eq!(
        k.seal("email", "a@example.com"),
        k.seal("email", "a@example.com")
    );
    assert_eq!(
        PseudonymKey::new([0x42; 32]).seal("email", "a@example.com"),
        k.seal("email", "a@example.com"),
        "another replica with the same key agrees"
    );
    assert_ne!(
        k.seal("email", "a@example.com"),
        k.seal("email", "b@example.com")
    );
    // The kind is bound in: the same text under another kind is another pseudonym.
    let as_field = k.seal("field", "a@example.com");
    assert_ne!(
        as_field["pii:field:".len()..],
        k.seal("email", "a@example.com")["pii:email:".len()..]
    );
}

#[test]
fn another_tenants_pseudonym_does_not_open() {
    let theirs = PseudonymKey::new([0x43; 32]).seal("email", "a@example.com");
    assert!(matches!(
        key().open(&theirs),
        Err(PseudonymError::NotIssued { .. })
    ));
}

#[test]
fn an_altered_pseudonym_does_not_open() {
    let k = key();
    let p = k.seal("email", "a@example.com");
    // Every single-character change of the token.
    let start = "pii:email:".len();
    for i in start..p.len() {
        let mut bytes = p.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).expect("ascii");
        assert!(k.open(&altered).is_err(), "{altered}");
    }
    // The token moved to another kind.
    let moved = p.replacen("pii:email:", "pii:phone:", 1);
    assert!(matches!(
        k.open(&moved),
        Err(PseudonymError::NotIssued { .. })
    ));
    // Truncated.
    assert!(k.open(&p[..p.len() - 3]).is_err());
}

#[test]
fn garbage_is_refused_without_panicking() {
    let k = key();
    let long = format!("pii:email:{}", "A".repeat(5000));
    let cases = [
        "",
        "pii:",
        "pii:email:",
        "pii:email:!!!",
        "pii:EMAIL:abc",
        "pii::abc",
        "pii:email:abc:def",
        "xpii:email:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "pii:email:AAAAAAAAAAAAAAAAAAAAAA",
        "pii:email:A",
        "pii:email:AB",
        "pii:email:ABC",
        "pii:é:abc",
        "jane.doe@example.com",
        long.as_str(),
    ];
    for case in cases {
        assert!(k.open(case).is_err(), "{case:?}");
    }
    assert!(matches!(k.open(&long), Err(PseudonymError::TooLong { .. })));
    // A valid tag over bytes that are not UTF-8 does not open as text either: sealing is only
    // ever done on strings, so this is a token nobody issued.
}

#[test]
fn errors_name_the_pseudonym_never_a_value() {
    let k = key();
    let theirs = PseudonymKey::new([9; 32]).seal("email", "secret.person@example.com");
    let err = k.open(&theirs).unwrap_err().to_string();
    assert!(err.contains(&theirs[..40]), "{err}");
    assert!(!err.contains("secret.person"), "{err}");
}

#[test]
fn resolving_arguments_replaces_whole_strings_and_pseudonyms_inside_queries() {
    let k = key();
    let email = k.seal("email", "jane.doe@example.com");
    let other = k.seal("email", "bob@example.com");
    let mut args = json!({
        "email": email,
        "q": format!("email:\"{email}\" OR email:\"{other}\""),
        "ids": [email, "auth0|plain"],
        "per_page": 5,
    });
    let n = resolve_pseudonyms(&mut args, &k).expect("all ours");
    assert_eq!(n, 4);
    assert_eq!(
        args,
        json!({
            "email": "jane.doe@example.com",
            "q": "email:\"jane.doe@example.com\" OR email:\"bob@example.com\"",
            "ids": ["jane.doe@example.com", "auth0|plain"],
            "per_page": 5,
        })
    );
}

#[test]
fn a_value_resolved_inside_a_query_stays_one_phrase_and_a_whole_one_stays_as_it_was() {
    let k = key();
    // A field value a stranger chose (their own name, say) that would rewrite the query.
    let hostile = k.seal("field", r#"x" OR blocked:false OR name:"\"#);
    let mut args = json!({"q": format!("name:\"{hostile}\""), "name": hostile});
    resolve_pseudonyms(&mut args, &k).expect("ours");
    assert_eq!(args["q"], r#"name:"x\" OR blocked:false OR name:\"\\""#);
    assert_eq!(args["name"], r#"x" OR blocked:false OR name:"\"#);
}

#[test]
fn one_foreign_pseudonym_refuses_the_whole_call_and_changes_nothing() {
    let k = key();
    let ours = k.seal("email", "jane.doe@example.com");
    let theirs = PseudonymKey::new([1; 32]).seal("email", "x@example.com");
    let mut args = json!({"email": ours, "q": format!("email:\"{theirs}\"")});
    let before = args.clone();
    let err = resolve_pseudonyms(&mut args, &k).unwrap_err();
    assert!(err.to_string().contains(&theirs[..30]), "{err}");
    assert_eq!(args, before);
}

#[test]
fn arguments_without_pseudonyms_are_left_alone() {
    let k = key();
    let mut args = json!({"q": "email:\"jane@example.com\"", "page": 0});
    let before = args.clone();
    assert_eq!(resolve_pseudonyms(&mut args, &k).expect("nothing to do"), 0);
    assert_eq!(args, before);
    assert!(!contains_pseudonym(&args));
}

#[test]
fn contains_pseudonym_finds_them_anywhere_in_values() {
    let p = key().seal("phone", "+14155552671");
    assert!(contains_pseudonym(
        &json!({"a": {"b": [1, format!("x {p} y")]}})
    ));
    assert!(contains_pseudonym(&json!(p)));
    assert!(!contains_pseudonym(
        &json!({ p.clone(): "keys do not count" })
    ));
}

#[test]
fn the_key_does_not_show_in_debug() {
    let shown = format!("{:?}", PseudonymKey::new([0xAB; 32]));
    assert!(
        !shown.contains("171") && !shown.to_lowercase().contains("ab, "),
        "{shown}"
    );
    assert!(shown.contains("REDACTED"));
}
