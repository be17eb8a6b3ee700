//! Phone numbers: international (`+` then 8–15 digits, separated by spaces, dots, dashes or
//! brackets as people write them) and national numbers with separators in the groupings North
//! American and European numbers use (`(415) 555-2671`, `415-555-2671`, `020 7946 0958`,
//! `06 12 34 56 78`: 10–12 digits, 3-3-4 or starting with the trunk `0`). A run of digits without separators and
//! without `+` is not taken for a phone number: it is as likely an order number, a Unix time or an
//! id. Dates, dotted quads (IP addresses, versions) and numbers glued to letters, `|`, `-` or `#`
//! (`ORD-2024-000123`, `auth0|…`) are refused.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{
    Summary, after, before, continues_after, digits, glues_before, inside_grouped_code, scan,
};

static INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+\d(?:[ .\-()]{0,2}\d){7,14}").expect("the phone pattern compiles")
});
static NATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:1[ .\-])?(?:\(\d{2,4}\)[ .\-]?|\d{2,4}[ .\-])\d{2,4}(?:[ .\-]\d{2,4}){1,3}")
        .expect("the phone pattern compiles")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:19|20)\d\d[\-./ ](?:0?[1-9]|1[0-2])[\-./ ](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[\-./ ](?:0?[1-9]|1[0-2])[\-./ ](?:19|20)\d\d",
    )
    .expect("the date pattern compiles")
});

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.run >= 10 || (s.plus && s.run >= 8)
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    let mut found = Vec::new();
    scan(&INTERNATIONAL, text, &mut found, |t, r| {
        international(t, r.clone()).then_some(r)
    });
    let mut national = Vec::new();
    scan(&NATIONAL, text, &mut national, |t, r| {
        (!found.iter().any(|f| f.start < r.end && r.start < f.end) && national_ok(t, r.clone()))
            .then_some(r)
    });
    out.extend(found);
    out.extend(national);
}

fn international(text: &str, r: Range<usize>) -> bool {
    let found = &text[r.clone()];
    let n = digits(found).len();
    if !(8..=15).contains(&n) {
        return false;
    }
    if before(text, r.start).is_some_and(glues_before) {
        return false;
    }
    let (next, then) = after(text, r.end);
    if continues_after(next, then) {
        return false;
    }
    balanced(found)
}

fn national_ok(text: &str, r: Range<usize>) -> bool {
    let found = &text[r.clone()];
    let n = digits(found).len();
    if !(10..=12).contains(&n) {
        return false;
    }
    match before(text, r.start) {
        Some(c) if glues_before(c) => return false,
        // `12:30 415…` is fine, `10:415-…` (a time or a port) is not.
        Some(':')
            if text[..r.start - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit()) =>
        {
            return false;
        }
        // `4111 1111 1111 …`: the tail of a longer number.
        Some(' ' | '-' | '.' | '/')
            if text[..r.start - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit()) =>
        {
            return false;
        }
        _ => {}
    }
    if inside_grouped_code(text, r.start) {
        return false;
    }
    let (next, then) = after(text, r.end);
    if continues_after(next, then) || !balanced(found) {
        return false;
    }
    let dots = found.contains('.');
    if dots && found.contains('-') {
        return false;
    }
    if dots && found.split('.').count() == 4 && found.split('.').all(|g| g.len() <= 3) {
        return false; // a dotted quad: an address or a version
    }
    !DATE.is_match(found) && national_grouping(found)
}

/// A national number either starts with the trunk `0` (`020 7946 0958`, `06 12 34 56 78`) or is
/// grouped the North American way, 3-3-4 (`(415) 555-2671`, `1-800-555-0199`). Other groupings
/// of small numbers (`12 34 56 78 90`, `2024 2025 2026`) are lists, not phone numbers, and a
/// trunk-`0` number ends in a group of 3 or 4 unless it is written in pairs.
fn national_grouping(found: &str) -> bool {
    let groups: Vec<&str> = found
        .split([' ', '.', '-', '(', ')'])
        .filter(|g| !g.is_empty())
        .collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    match lengths.as_slice() {
        [3, 3, 4] => true,
        [1, 3, 3, 4] => groups[0] == "1",
        // A short last group only in the French pairs (`06 12 34 56 78`); `0371-5502-63` is a lot number.
        [.., last] if *last < 3 && lengths.iter().any(|&l| l != 2) => false,
        _ => groups.first().is_some_and(|g| g.starts_with('0')),
    }
}

fn balanced(found: &str) -> bool {
    let open = found.matches('(').count();
    open == found.matches(')').count() && open <= 1
}

/// `*********12`: a star for each digit but the last two.
pub(crate) fn partial(found: &str) -> String {
    let d = digits(found);
    let keep = d.len().saturating_sub(2);
    let mut out = "*".repeat(keep);
    for x in &d[keep..] {
        out.push(char::from(b'0' + x));
    }
    out
}
