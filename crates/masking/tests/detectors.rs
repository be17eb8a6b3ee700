//! Each built-in detector finds what it should and leaves the near-misses alone.

use gw_masking::Detector;

fn found(detector: &str, text: &str) -> Vec<String> {
    let d = Detector::builtin(detector).expect("a built-in");
    d.find_all(text)
        .into_iter()
        .map(|r| text[r].to_owned())
        .collect()
}

fn finds(detector: &str, cases: &[(&str, &str)]) {
    for (text, want) in cases {
        assert_eq!(
            found(detector, text),
            vec![(*want).to_owned()],
            "{detector} in {text:?}"
        );
    }
}

fn ignores(detector: &str, cases: &[&str]) {
    for text in cases {
        assert_eq!(
            found(detector, text),
            Vec::<String>::new(),
            "{detector} in {text:?}"
        );
    }
}

#[test]
fn email() {
    finds(
        "email",
        &[
            ("alice.johnson@example.com", "alice.johnson@example.com"),
            (
                "Wrong password for j.o'brien+test@mail.example.co.uk.",
                "j.o'brien+test@mail.example.co.uk",
            ),
            ("user_name=bob@example.org", "bob@example.org"),
        ],
    );
    ignores(
        "email",
        &[
            "user@localhost",
            "@handle",
            "auth0|alice",
            "a@b",
            "alice at example dot com",
        ],
    );
}

#[test]
fn phone() {
    finds(
        "phone",
        &[
            ("+14155552671", "+14155552671"),
            ("call +1 (415) 555-2671 now", "+1 (415) 555-2671"),
            ("+44 20 7946 0958", "+44 20 7946 0958"),
            ("+49 30 12345678", "+49 30 12345678"),
            ("(415) 555-2671", "(415) 555-2671"),
            ("415-555-2671", "415-555-2671"),
            ("415.555.2671", "415.555.2671"),
            ("020 7946 0958", "020 7946 0958"),
            ("tel: 06 12 34 56 78", "06 12 34 56 78"),
            ("1-800-555-0199", "1-800-555-0199"),
        ],
    );
    ignores(
        "phone",
        &[
            "4155552671",
            "ORD-2024-000123",
            "order #100234567",
            "2025-05-01T07:30:00.000Z",
            "2025-05-01 07:30:00",
            "01.05.2025 10:30",
            "1746057600000",
            "550e8400-e29b-41d4-a716-446655440000",
            "auth0|65f1c2a3b4c5d6e7f8a9b0c1",
            "google-oauth2|100000000000000000001",
            "90020250501073000123456789012345678901234567890",
            "Chrome 124.0.6367.207 / Mac OS X 10.15.7",
            "203.10.113.100",
            "version 2.10.3",
            "1,234,567.89",
            "logins_count 1234",
            "123-45-6789",
            "4111 1111 1111 1111",
            "NL91 ABNA 0417 1643 00",
            "scores 12 34 56 78 90",
            "seasons 2024 2025 2026",
            "ids 1234-5678-90",
            "Lot 0371-5502-63",
        ],
    );
}

#[test]
fn ip() {
    finds(
        "ip",
        &[
            ("203.0.113.10", "203.0.113.10"),
            ("login from 198.51.100.7, blocked", "198.51.100.7"),
            ("http://192.0.2.1/path", "192.0.2.1"),
            (
                "2001:db8:85a3::8a2e:370:7334",
                "2001:db8:85a3::8a2e:370:7334",
            ),
            ("from ::1", "::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("denied 2001:db8::1: not allowed", "2001:db8::1"),
            ("from 2001:db8::a48:37850 (port)", "2001:db8::a48"),
            (
                "from 2001:db8:1:2:3:4:5:6:41783 (port)",
                "2001:db8:1:2:3:4:5:6",
            ),
            ("mapped ::ffff:198.51.100.7", "::ffff:198.51.100.7"),
            ("203.0.113.9:443", "203.0.113.9"),
        ],
    );
    ignores(
        "ip",
        &[
            "1.2.3",
            "1.2.3.4-beta",
            "v1.2.3.4",
            "version 10.0.0.1",
            "Chrome/124.0.0.0 Safari/537.36",
            "256.1.1.1",
            "10.0.0.01",
            "1.2.3.4.5",
            "07:30:00",
            "12:30::",
            "std::fmt::Debug",
            "00:1A:2B:3C:4D:5E",
        ],
    );
}

#[test]
fn credit_card() {
    finds(
        "credit_card",
        &[
            ("4111111111111111", "4111111111111111"),
            ("card 4111 1111 1111 1111 on file", "4111 1111 1111 1111"),
            ("5555-5555-5555-4444", "5555-5555-5555-4444"),
            ("378282246310005", "378282246310005"),
        ],
    );
    ignores(
        "credit_card",
        &[
            "4111111111111112",
            "1746057600000",
            "google-oauth2|100000000000000000001",
            "4111 1111-1111 1111",
            "ORD-4111111111111111",
            "12345678901234567890",
            // Luhn-valid with a JCB prefix, but grouped like an order id.
            "353-5582102-4567915",
            // The tail of a spaced IBAN.
            "PL06 1447 2718 3969 9120 4424 8473",
        ],
    );
}

#[test]
fn iban() {
    finds(
        "iban",
        &[
            ("DE89370400440532013000", "DE89370400440532013000"),
            (
                "pay to DE89 3704 0044 0532 0130 00 EUR",
                "DE89 3704 0044 0532 0130 00",
            ),
            ("GB82WEST12345698765432", "GB82WEST12345698765432"),
            ("NO9386011117947", "NO9386011117947"),
        ],
    );
    ignores(
        "iban",
        &[
            "DE89370400440532013001",
            "de89370400440532013000",
            "XX89370400440532013000",
            "AcmeDashboardRegularWeb000000001",
            "ABDE89370400440532013000",
            // Length and mod-97 fit, but a British account starts with four letters.
            "GB31X2A54B008YD7AX9960",
        ],
    );
}

#[test]
fn us_ssn() {
    finds(
        "us_ssn",
        &[
            ("123-45-6789", "123-45-6789"),
            ("SSN: 078-05-1120.", "078-05-1120"),
        ],
    );
    ignores(
        "us_ssn",
        &[
            "000-12-3456",
            "666-12-3456",
            "912-34-5678",
            "123-00-4567",
            "123-45-0000",
            "123456789",
            "2025-05-01",
            "ORD-123-45-6789",
            "123-45-6789-01",
        ],
    );
}

#[test]
fn jwt() {
    let token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhdXRoMHxhbGljZSJ9.c2lnbmF0dXJl";
    finds(
        "jwt",
        &[(token, token), (&format!("Bearer {token}"), token)],
    );
    ignores(
        "jwt",
        &[
            // The header decodes but names no `alg`.
            "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln",
            "eyJnotbase64!.abc.def",
            "a.b.c",
            "1.2.3",
        ],
    );
}

#[test]
fn a_custom_detector_finds_its_pattern() {
    let d = Detector::custom("employee_id", r"EMP-\d{6}").expect("a usable pattern");
    assert_eq!(d.name(), "employee_id");
    assert_eq!(d.find_all("badge EMP-123456 and EMP-12"), vec![6..16]);
}

#[test]
fn unusable_custom_detectors_are_refused_with_the_reason() {
    let cases: &[(&str, &str, &str)] = &[
        ("bad syntax", "ok_name", "EMP-(\\d"),
        ("matches the empty string", "ok_name", "\\d*"),
        ("matches the empty string", "ok_name", "a|"),
        ("matches nothing", "ok_name", "[a&&b]"),
        ("too big", "ok_name", "\\w{1000}\\w{1000}\\w{1000}"),
        ("a built-in's name", "email", "x"),
        ("the field kind", "field", "x"),
        ("upper case", "Employee", "x"),
        ("a colon would break pseudonyms", "a:b", "x"),
    ];
    for (why, name, pattern) in cases {
        assert!(
            Detector::custom(name, pattern).is_err(),
            "{why}: {name} {pattern}"
        );
    }
    let err = Detector::custom("ok_name", "\\d*").unwrap_err();
    assert!(err.contains("empty string"), "{err}");
    let err = Detector::custom("ok_name", "\\w{1000}\\w{1000}\\w{1000}").unwrap_err();
    assert!(err.contains("too big"), "{err}");
}

#[test]
fn unknown_built_ins_are_refused_naming_the_known_ones() {
    let err = Detector::builtin("ssn").unwrap_err();
    for name in gw_masking::BUILTIN_NAMES {
        assert!(err.contains(name), "{err}");
    }
    for name in gw_masking::BUILTIN_NAMES {
        assert_eq!(Detector::builtin(name).expect("known").name(), name);
    }
}
