//! The built-in detectors. Each finds candidates with a bounded regular expression and keeps only
//! those that pass a check a near-miss fails: a checksum (card, IBAN), a range (IP octets, SSN
//! areas), a decodable header (JWT) or the shape and surroundings of the text (phone). Rejecting on
//! context is what keeps order numbers, versions, dates and ids out.

pub(crate) mod card;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ip;
pub(crate) mod jwt;
pub(crate) mod phone;
pub(crate) mod ssn;

use std::ops::Range;

use regex::Regex;

/// What one pass over a string's bytes tells every detector before any regex runs: most strings
/// of an Auth0 record (ids, names, flags, dates, URLs) are ruled out here.
#[derive(Clone, Copy, Default)]
pub(crate) struct Summary {
    pub(crate) len: usize,
    pub(crate) digits: usize,
    /// The most digits in one run that separators (` .-()+`, at most two in a row) hold together:
    /// what a phone or card number needs. An ISO date-time has at most 8.
    pub(crate) run: usize,
    pub(crate) at: bool,
    pub(crate) plus: bool,
    pub(crate) colons: usize,
    pub(crate) double_colon: bool,
    pub(crate) dots: bool,
    /// `digit.digit` places: a dotted quad has three.
    pub(crate) dotted_digits: usize,
    pub(crate) dashes: bool,
    /// Two capitals then two digits somewhere: where an IBAN starts.
    pub(crate) iban_start: bool,
}

impl Summary {
    pub(crate) fn of(text: &str) -> Summary {
        let mut s = Summary {
            len: text.len(),
            ..Summary::default()
        };
        let (mut run, mut seps) = (0usize, 0usize);
        let mut last = [0u8; 3];
        for &b in text.as_bytes() {
            match b {
                b'0'..=b'9' => {
                    s.digits += 1;
                    run = if seps <= 2 { run + 1 } else { 1 };
                    seps = 0;
                    s.run = s.run.max(run);
                    if last[2] == b'.' && last[1].is_ascii_digit() {
                        s.dotted_digits += 1;
                    }
                    if last[2].is_ascii_digit()
                        && last[1].is_ascii_uppercase()
                        && last[0].is_ascii_uppercase()
                    {
                        s.iban_start = true;
                    }
                }
                b' ' | b'.' | b'-' | b'(' | b')' | b'+' => {
                    seps += 1;
                    match b {
                        b'.' => s.dots = true,
                        b'-' => s.dashes = true,
                        b'+' => s.plus = true,
                        _ => {}
                    }
                }
                _ => {
                    run = 0;
                    seps = 3;
                    match b {
                        b'@' => s.at = true,
                        b':' => {
                            s.colons += 1;
                            s.double_colon |= last[2] == b':';
                        }
                        _ => {}
                    }
                }
            }
            last = [last[1], last[2], b];
        }
        s
    }
}

/// The character just before `at`, if any.
pub(crate) fn before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// The character at `at` and the one after it.
pub(crate) fn after(text: &str, at: usize) -> (Option<char>, Option<char>) {
    let mut rest = text[at..].chars();
    (rest.next(), rest.next())
}

/// Runs `regex` over `text`, keeping what `check` accepts (it may narrow the match). A rejected
/// candidate restarts the search after the word or number it starts in — not after the whole
/// candidate, so `2025-05-01 415-555-2671` still finds the phone number behind the date; and not
/// one character later, which would try every position of a 60-digit id. (Every check refuses a
/// match glued to a letter or digit before it, so nothing inside that word could be accepted.)
pub(crate) fn scan(
    regex: &Regex,
    text: &str,
    out: &mut Vec<Range<usize>>,
    mut check: impl FnMut(&str, Range<usize>) -> Option<Range<usize>>,
) {
    let mut at = 0;
    while at < text.len() {
        let Some(m) = regex.find_at(text, at) else {
            return;
        };
        match check(text, m.range()) {
            Some(found) => {
                at = found.end.max(m.start() + 1);
                out.push(found);
            }
            None => at = end_of_word(text, m.start()),
        }
        while at < text.len() && !text.is_char_boundary(at) {
            at += 1;
        }
    }
}

/// The end of the run of ASCII letters and digits at `at`; at least one character on.
fn end_of_word(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut next = at + 1;
    while next < bytes.len() && bytes[next].is_ascii_alphanumeric() {
        next += 1;
    }
    while next < text.len() && !text.is_char_boundary(next) {
        next += 1;
    }
    next
}

/// The ASCII digits of `text`, as numbers.
pub(crate) fn digits(text: &str) -> Vec<u8> {
    text.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// Characters that glue a number to the text before it into one token (`ORD-2024…`,
/// `auth0|123…`, `v1.2…`, `/124.0…`).
pub(crate) fn glues_before(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '_' | '-' | '.' | '|' | '/' | '#' | '+' | '$' | '€' | '£' | '='
        )
}

/// Whether the text after a number continues it (`…-0001`, `….5`, `…:30`, letters).
pub(crate) fn continues_after(next: Option<char>, then: Option<char>) -> bool {
    match next {
        None => false,
        Some(c) if c.is_alphanumeric() || c == '_' => true,
        Some('-' | '.' | '/' | ':' | ',' | '|') => then.is_some_and(|t| t.is_alphanumeric()),
        Some(_) => false,
    }
}

/// Whether `start` follows two blocks of four capitals or digits (`NL91 ABNA 0417…`,
/// `PL06 1447 2718 …`): the tail of an IBAN or of another grouped code, not a number of its own.
pub(crate) fn inside_grouped_code(text: &str, start: usize) -> bool {
    let head = &text[..start];
    if !head.ends_with(' ') {
        return false;
    }
    let block = |t: &str| {
        t.len() == 4
            && t.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let mut tokens = head.split(' ').rev().skip(1);
    matches!((tokens.next(), tokens.next()), (Some(a), Some(b)) if block(a) && block(b))
}
