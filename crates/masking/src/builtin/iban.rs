//! IBANs: a country that issues them, its exact length, and a valid mod-97 check; upper case,
//! compact or in groups of four (`DE89 3704 0044 0532 0130 00`).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Summary, after, before, scan};

static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}").expect("the IBAN pattern compiles")
});

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.iban_start && s.len >= 15
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    scan(&IBAN, text, out, iban);
}

fn iban(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    if before(text, r.start).is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let found = &text[r.clone()];
    let want = length(&found[..2])?;
    // Take exactly the country's length of characters; the pattern may have run on.
    let mut taken = 0;
    let mut end = r.start;
    for (i, c) in found.char_indices() {
        if c != ' ' {
            taken += 1;
            if taken == want {
                end = r.start + i + 1;
                break;
            }
        }
    }
    if taken < want {
        return None;
    }
    if let (Some(c), _) = after(text, end)
        && (c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    let compact: Vec<u8> = text[r.start..end].bytes().filter(|&b| b != b' ').collect();
    (bban_ok(&found[..2], &compact[4..]) && mod97(&compact)).then_some(r.start..end)
}

fn mod97(iban: &[u8]) -> bool {
    let (head, tail) = iban.split_at(4);
    let mut rem: u32 = 0;
    for &b in tail.iter().chain(head) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// The account part's letters-and-digits layout where it is fixed and simple: all digits, or a
/// four-letter bank code then digits. Other countries are checked by length and mod-97 only.
fn bban_ok(country: &str, bban: &[u8]) -> bool {
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let letters = |b: &[u8]| b.iter().all(u8::is_ascii_uppercase);
    match country {
        "GB" | "IE" | "NL" => bban.len() > 4 && letters(&bban[..4]) && digits(&bban[4..]),
        "AT" | "BA" | "BE" | "CZ" | "DE" | "DK" | "EE" | "ES" | "FI" | "FO" | "GL" | "HR"
        | "HU" | "LT" | "ME" | "NO" | "PL" | "PT" | "RS" | "SE" | "SI" | "SK" | "TN" => {
            digits(bban)
        }
        _ => true,
    }
}

/// The length of an IBAN from `country` (ISO 13616 registry), or `None` when it issues none.
fn length(country: &str) -> Option<usize> {
    Some(match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" | "VA" => 22,
        "AE" | "GI" | "IL" | "IQ" | "TL" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "FR" | "GR" | "IT" | "MC" | "MR" | "SM" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HU" | "LB" | "PL" | "SV" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        _ => return None,
    })
}

/// `DE** … 3000`: the country and the last four characters.
pub(crate) fn partial(found: &str) -> String {
    let compact: String = found.chars().filter(|c| *c != ' ').collect();
    let last = &compact[compact.len().saturating_sub(4)..];
    format!("{}** … {last}", &compact[..2.min(compact.len())])
}
