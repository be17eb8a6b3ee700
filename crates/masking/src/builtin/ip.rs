//! IP addresses. IPv4: four decimal octets of at most 255 without leading zeros (`1.2.3` is not an
//! address); refused when it reads as a version: after `v`, `version `, or a product token
//! (`Chrome/124.0.0.0`), before a `-suffix` (`1.2.3.4-beta`) or inside a longer dotted run.
//! IPv6: what the standard library parses, standing alone (not inside `Vec::new` or a time).

use std::net::Ipv6Addr;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Summary, after, before, scan};

static V4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}").expect("the IPv4 pattern compiles")
});
static V6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}").expect("the IPv6 pattern compiles")
});

pub(crate) fn may_hold(s: &Summary) -> bool {
    (s.dots && s.digits >= 4) || s.colons >= 2
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    let summary = Summary::of(text);
    let mut found = Vec::new();
    if summary.dots && summary.digits >= 4 {
        scan(&V4, text, &mut found, |t, r| v4(t, r.clone()).then_some(r));
    }
    if summary.colons >= 2 {
        let mut six = Vec::new();
        scan(&V6, text, &mut six, |t, r| {
            v6(t, r).filter(|r| !found.iter().any(|f| f.start < r.end && r.start < f.end))
        });
        found.extend(six);
    }
    out.extend(found);
}

fn v4(text: &str, r: Range<usize>) -> bool {
    let found = &text[r.clone()];
    if !found
        .split('.')
        .all(|o| o.parse::<u8>().is_ok() && (o.len() == 1 || !o.starts_with('0')))
    {
        return false;
    }
    let head = &text[..r.start];
    match head.chars().next_back() {
        Some(c) if c.is_alphanumeric() || matches!(c, '.' | '_') => return false,
        Some('/') => {
            // `Chrome/124.0.0.0` is a version; `http://203.0.113.5` is not.
            let before_slash = head[..head.len() - 1].chars().next_back();
            if before_slash.is_some_and(|c| c.is_alphanumeric()) {
                return false;
            }
        }
        _ => {}
    }
    let lower_tail: String = head
        .chars()
        .rev()
        .take(8)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .to_lowercase();
    if lower_tail.ends_with("version ") || lower_tail.ends_with(" v") || lower_tail == "v" {
        return false;
    }
    match after(text, r.end) {
        (Some(c), _) if c.is_alphanumeric() || c == '_' => false,
        (Some('.'), Some(d)) if d.is_ascii_digit() => false,
        (Some('-'), Some(d)) if d.is_alphanumeric() => false,
        _ => true,
    }
}

fn v6(text: &str, mut r: Range<usize>) -> Option<Range<usize>> {
    if before(text, r.start).is_some_and(|c| c.is_alphanumeric() || matches!(c, ':' | '.' | '_')) {
        return None;
    }
    // A sentence may end the address with a colon: `… from 2001:db8::1: denied`.
    let end = r.end;
    if text[r.clone()].ends_with(':') && !text[r.clone()].ends_with("::") {
        r.end -= 1;
    }
    let found = &text[r.clone()];
    found.parse::<Ipv6Addr>().ok()?;
    match after(text, end) {
        (Some(c), _) if c.is_alphanumeric() || c == '_' => return None,
        (Some(':' | '.'), Some(c)) if c.is_alphanumeric() => return None,
        _ => {}
    }
    let groups: Vec<&str> = found.split(':').filter(|g| !g.is_empty()).collect();
    // `12:30::` parses, but only a full address or one with a few real groups reads as one.
    let short_decimal = groups
        .iter()
        .all(|g| g.len() <= 2 && g.bytes().all(|b| b.is_ascii_digit()));
    if groups.len() < 8 && short_decimal && groups.len() > 1 {
        return None;
    }
    if groups.is_empty() {
        return None; // `::` alone
    }
    Some(r)
}

/// IPv4 keeps its network (`203.0.113.*`); IPv6 its first four groups (`2001:db8:85a3:0:*`).
pub(crate) fn partial(found: &str) -> String {
    if let Ok(v6) = found.parse::<Ipv6Addr>() {
        let s = v6.segments();
        return format!("{:x}:{:x}:{:x}:{:x}:*", s[0], s[1], s[2], s[3]);
    }
    match found.rsplit_once('.') {
        Some((network, _)) => format!("{network}.*"),
        None => "[ip]".to_owned(),
    }
}
