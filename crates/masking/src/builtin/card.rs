//! Payment card numbers: 13–19 digits, optionally grouped by spaces or by dashes (one kind per
//! number), with a known issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
//! Maestro) and a valid Luhn check digit. The prefix check is what keeps millisecond timestamps
//! (`1746057600000`, 13 digits, Luhn-valid one time in ten) out.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{
    Summary, after, before, continues_after, digits, glues_before, inside_grouped_code, scan,
};

static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d(?:[ \-]?\d){12,18}").expect("the card pattern compiles"));

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.run >= 13
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    scan(&CARD, text, out, |t, r| card(t, r.clone()).then_some(r));
}

fn card(text: &str, r: Range<usize>) -> bool {
    let found = &text[r.clone()];
    if found.contains(' ') && found.contains('-') {
        return false;
    }
    if before(text, r.start).is_some_and(glues_before) || inside_grouped_code(text, r.start) {
        return false;
    }
    if !card_grouping(found) {
        return false;
    }
    let (next, then) = after(text, r.end);
    if continues_after(next, then)
        || (next == Some(' ') && then.is_some_and(|c| c.is_ascii_digit()))
    {
        return false;
    }
    let d = digits(found);
    known_issuer(&d) && luhn(&d)
}

/// Separated numbers are grouped as cards print them: fours (the last group shorter), or
/// 4-6-5 / 4-6-4 (Amex, Diners). `353-5582102-4567915` is an order id.
fn card_grouping(found: &str) -> bool {
    let groups: Vec<usize> = found.split([' ', '-']).map(str::len).collect();
    match groups.as_slice() {
        [_] | [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|&g| g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

pub(crate) fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn known_issuer(d: &[u8]) -> bool {
    let len = d.len();
    let prefix = |n: usize| d.iter().take(n).fold(0u32, |a, &x| a * 10 + u32::from(x));
    let (p1, p2, p3, p4) = (prefix(1), prefix(2), prefix(3), prefix(4));
    let visa = p1 == 4 && matches!(len, 13 | 16 | 19);
    let amex = matches!(p2, 34 | 37) && len == 15;
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let discover =
        (p4 == 6011 || p2 == 65 || (644..=649).contains(&p3)) && (16..=19).contains(&len);
    let jcb = (3528..=3589).contains(&p4) && (16..=19).contains(&len);
    let diners =
        ((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len);
    let unionpay = p2 == 62 && (16..=19).contains(&len);
    let maestro = matches!(p2, 50 | 56 | 57 | 58 | 63 | 67) && (13..=19).contains(&len);
    visa || amex || mastercard || discover || jcb || diners || unionpay || maestro
}

/// `**** 1234`.
pub(crate) fn partial(found: &str) -> String {
    let d = digits(found);
    let last: String = d[d.len().saturating_sub(4)..]
        .iter()
        .map(|x| char::from(b'0' + x))
        .collect();
    format!("**** {last}")
}
