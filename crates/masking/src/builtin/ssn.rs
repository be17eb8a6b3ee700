//! US Social Security numbers, dashed only (`078-05-1120`): nine bare digits are as likely an
//! id. Numbers the SSA never issues are refused: area 000, 666 or 900–999, group 00, serial 0000.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Summary, after, before, continues_after, glues_before, scan};

static SSN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{3}-\d{2}-\d{4}").expect("the SSN pattern compiles"));

pub(crate) fn may_hold(s: &Summary) -> bool {
    s.run >= 9 && s.dashes
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    scan(&SSN, text, out, |t, r| ssn(t, r.clone()).then_some(r));
}

fn ssn(text: &str, r: Range<usize>) -> bool {
    if before(text, r.start).is_some_and(glues_before) {
        return false;
    }
    let (next, then) = after(text, r.end);
    if continues_after(next, then) {
        return false;
    }
    let found = &text[r];
    let area = &found[0..3];
    let group = &found[4..6];
    let serial = &found[7..11];
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

/// `***-**-6789`.
pub(crate) fn partial(found: &str) -> String {
    format!("***-**-{}", &found[found.len().saturating_sub(4)..])
}
