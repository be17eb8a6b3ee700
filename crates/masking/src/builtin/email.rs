//! E-mail addresses: a dot-atom local part, `@`, and a domain whose last label is two or more
//! letters. `user@localhost` (no dot) and quoted or internationalised local parts are not
//! matched: Auth0 stores the addresses people sign up with, and those have a public domain.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Summary;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[A-Za-z0-9_%+\-][A-Za-z0-9_%+'\-]*(?:\.[A-Za-z0-9_%+'\-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    )
    .expect("the e-mail pattern compiles")
});

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.at && s.dots && s.len >= 6
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    out.extend(EMAIL.find_iter(text).map(|m| m.range()));
}

/// `j***@example.com`: the first character of the local part and the whole domain.
pub(crate) fn partial(found: &str) -> String {
    match found.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "[email]".to_owned(),
    }
}
