//! What to look for in free text: the built-in detectors and operators' own regexes.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

use crate::builtin::{self, Summary};

/// Compiled size bound for custom patterns, so a rule cannot make the matcher huge (the same
/// bound as policy `matches` patterns).
const REGEX_SIZE_LIMIT: usize = 64 * 1024;
/// Longest custom detector name: it becomes part of every pseudonym (`pii:<name>:…`).
const MAX_NAME: usize = 32;

/// The names of the built-in detectors, in the order they win an overlap after custom ones.
pub const BUILTIN_NAMES: [&str; 7] = [
    "jwt",
    "email",
    "iban",
    "credit_card",
    "us_ssn",
    "ip",
    "phone",
];

/// A kind of personal data found inside strings. The built-ins' patterns are compiled once per
/// process; a custom detector holds its own.
#[derive(Debug, Clone)]
pub enum Detector {
    Email,
    Phone,
    Ip,
    CreditCard,
    Iban,
    UsSsn,
    Jwt,
    Custom { name: String, regex: Regex },
}

impl Detector {
    /// "email", "phone", "ip", "credit_card", "iban", "us_ssn", "jwt"; a custom detector's name.
    pub fn name(&self) -> &str {
        match self {
            Detector::Email => "email",
            Detector::Phone => "phone",
            Detector::Ip => "ip",
            Detector::CreditCard => "credit_card",
            Detector::Iban => "iban",
            Detector::UsSsn => "us_ssn",
            Detector::Jwt => "jwt",
            Detector::Custom { name, .. } => name,
        }
    }

    /// Parses a built-in name; the error names the known ones.
    pub fn builtin(name: &str) -> Result<Detector, String> {
        Ok(match name {
            "email" => Detector::Email,
            "phone" => Detector::Phone,
            "ip" => Detector::Ip,
            "credit_card" => Detector::CreditCard,
            "iban" => Detector::Iban,
            "us_ssn" => Detector::UsSsn,
            "jwt" => Detector::Jwt,
            other => {
                return Err(format!(
                    "`{other}` is not a detector; the built-in ones are {}",
                    BUILTIN_NAMES.join(", ")
                ));
            }
        })
    }

    /// A custom detector. `name` is `[a-z][a-z0-9_]*` (at most 32), not a built-in's name nor
    /// `field`; the pattern must compile within the size bound and must not be able to match
    /// the empty string (it would "find" something between every two characters).
    pub fn custom(name: &str, pattern: &str) -> Result<Detector, String> {
        let well_formed = !name.is_empty()
            && name.len() <= MAX_NAME
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            return Err(format!(
                "`{name}` is not a usable detector name: lower-case letters, digits and `_`, starting with a letter, at most {MAX_NAME}"
            ));
        }
        if BUILTIN_NAMES.contains(&name) || name == crate::FIELD_KIND {
            return Err(format!("`{name}` is already taken by a built-in"));
        }
        let regex = RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => format!(
                    "the pattern is too big (over {REGEX_SIZE_LIMIT} bytes compiled); make it simpler"
                ),
                other => format!("the pattern is not a regular expression: {other}"),
            })?;
        match minimum_len(pattern) {
            Some(0) => return Err("the pattern can match the empty string".to_owned()),
            None => return Err("the pattern can never match anything".to_owned()),
            Some(_) => {}
        }
        Ok(Detector::Custom {
            name: name.to_owned(),
            regex,
        })
    }

    /// Where this detector finds something in `text`, in order and not overlapping.
    pub fn find_all(&self, text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        if self.may_hold(&Summary::of(text), text) {
            self.find_into(text, &mut out);
        }
        out.sort_by_key(|r| r.start);
        out
    }

    pub(crate) fn may_hold(&self, s: &Summary, text: &str) -> bool {
        match self {
            Detector::Email => builtin::email::may_hold(s),
            Detector::Phone => builtin::phone::may_hold(s),
            Detector::Ip => builtin::ip::may_hold(s),
            Detector::CreditCard => builtin::card::may_hold(s),
            Detector::Iban => builtin::iban::may_hold(s),
            Detector::UsSsn => builtin::ssn::may_hold(s),
            Detector::Jwt => builtin::jwt::may_hold(s, text),
            Detector::Custom { .. } => true,
        }
    }

    pub(crate) fn find_into(&self, text: &str, out: &mut Vec<Range<usize>>) {
        match self {
            Detector::Email => builtin::email::find(text, out),
            Detector::Phone => builtin::phone::find(text, out),
            Detector::Ip => builtin::ip::find(text, out),
            Detector::CreditCard => builtin::card::find(text, out),
            Detector::Iban => builtin::iban::find(text, out),
            Detector::UsSsn => builtin::ssn::find(text, out),
            Detector::Jwt => builtin::jwt::find(text, out),
            Detector::Custom { regex, .. } => {
                out.extend(
                    regex
                        .find_iter(text)
                        .map(|m| m.range())
                        .filter(|r| !r.is_empty()),
                );
            }
        }
    }

    /// The shortest text this detector can find: strings shorter than every active detector's
    /// minimum are not looked at.
    pub(crate) fn min_len(&self) -> usize {
        match self {
            Detector::Email => 6,
            Detector::Phone => 9,
            Detector::Ip => 3,
            Detector::CreditCard => 13,
            Detector::Iban => 15,
            Detector::UsSsn => 11,
            Detector::Jwt => 12,
            Detector::Custom { regex, .. } => minimum_len(regex.as_str()).unwrap_or(1),
        }
    }

    /// What `partial` mode shows of a match.
    pub(crate) fn partial(&self, found: &str) -> String {
        match self {
            Detector::Email => builtin::email::partial(found),
            Detector::Phone => builtin::phone::partial(found),
            Detector::Ip => builtin::ip::partial(found),
            Detector::CreditCard => builtin::card::partial(found),
            Detector::Iban => builtin::iban::partial(found),
            Detector::UsSsn => builtin::ssn::partial(found),
            Detector::Jwt => "[jwt]".to_owned(),
            Detector::Custom { .. } => first_and_stars(found),
        }
    }

    /// The order in which overlapping matches are settled: custom detectors first (an operator
    /// named that shape on purpose), then the more specific built-ins.
    pub(crate) fn priority(&self) -> usize {
        match self {
            Detector::Custom { .. } => 0,
            other => {
                1 + BUILTIN_NAMES
                    .iter()
                    .position(|n| *n == other.name())
                    .unwrap_or(BUILTIN_NAMES.len())
            }
        }
    }
}

/// `j***`: the first character, then stars.
pub(crate) fn first_and_stars(found: &str) -> String {
    let first: String = found.chars().take(1).collect();
    format!("{first}***")
}

/// The fewest bytes `pattern` can match; `None` when it can match nothing at all (or does not
/// parse, which cannot happen for a pattern `regex` compiled).
fn minimum_len(pattern: &str) -> Option<usize> {
    regex_syntax::Parser::new()
        .parse(pattern)
        .ok()
        .and_then(|hir| hir.properties().minimum_len())
}
