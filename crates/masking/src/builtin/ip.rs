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
    // An IPv4-mapped tail (`::ffff:198.51.100.7`) first, else hex groups only.
    Regex::new(r"(?:[0-9A-Fa-f]{0,4}:){2,6}\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}")
        .expect("the IPv6 pattern compiles")
});

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.dotted_digits >= 3 || may_hold_v6(s)
}

/// An IPv6 address has `::` or all eight groups; a time (`09:30:00`) has neither.
fn may_hold_v6(s: &Summary) -> bool {
    s.double_colon || s.colons >= 7
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    let summary = Summary::of(text);
    let mut found = Vec::new();
    if may_hold_v6(&summary) {
        scan(&V6, text, &mut found, v6);
    }
    if summary.dotted_digits >= 3 {
        let mut four = Vec::new();
        scan(&V4, text, &mut four, |t, r| {
            (v4(t, r.clone()) && !found.iter().any(|f| f.start < r.end && r.start < f.end))
                .then_some(r)
        });
        found.extend(four);
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

fn v6(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    if before(text, r.start).is_some_and(|c| c.is_alphanumeric() || matches!(c, ':' | '.' | '_')) {
        return None;
    }
    // The whole token: the pattern stops after four hex digits, so a port (`…::a48:37850`) or a
    // word may run on.
    let mut end = r.end;
    while let (Some(c), _) = after(text, end)
        && c.is_ascii_alphanumeric()
    {
        end += 1;
    }
    let token = &text[r.start..end];
    let found = if token.parse::<Ipv6Addr>().is_ok() {
        r.start..end
    } else if let Some((address, port)) = token.rsplit_once(':')
        && (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && (!address.ends_with(':') || address.ends_with("::"))
        && address.parse::<Ipv6Addr>().is_ok()
    {
        // `2001:db8::a48:37850`: an address and a port, unbracketed.
        r.start..r.start + address.len()
    } else if let Some(address) = token.strip_suffix(':')
        && !address.ends_with(':')
        && address.parse::<Ipv6Addr>().is_ok()
    {
        // A sentence may end the address with a colon: `… from 2001:db8::1: denied`.
        r.start..r.start + address.len()
    } else {
        return None;
    };
    let rest = r.start + token.len();
    match after(text, rest) {
        (Some(c), _) if c.is_alphanumeric() || c == '_' => return None,
        (Some(':'), Some(_)) if found.end == rest && is_port(&text[rest + 1..]) => {}
        (Some(':' | '.'), Some(c)) if c.is_alphanumeric() => return None,
        _ => {}
    }
    let groups: Vec<&str> = text[found.clone()]
        .split(':')
        .filter(|g| !g.is_empty() && !g.contains('.'))
        .collect();
    // `12:30::` parses, but only a full address or one with a few real groups reads as one.
    let short_decimal = groups
        .iter()
        .all(|g| g.len() <= 2 && g.bytes().all(|b| b.is_ascii_digit()));
    if groups.is_empty() || (groups.len() < 8 && short_decimal && groups.len() > 1) {
        return None;
    }
    Some(found)
}

/// Whether `rest` starts with a port number standing alone (`41783)`, `443 `).
fn is_port(rest: &str) -> bool {
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    (1..=5).contains(&n) && !rest[n..].starts_with(|c: char| c.is_alphanumeric() || c == '.')
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
