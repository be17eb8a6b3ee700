//! JWT-like tokens: three base64url segments whose first decodes to a JSON object naming an
//! `alg` — a signed or unsecured JWT, or the first three parts of an encrypted one.

use std::ops::Range;
use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use regex::Regex;

use super::{Summary, after, before};

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
        .expect("the JWT pattern compiles")
});

/// Headers are short; a longer first segment is not worth decoding.
const MAX_HEADER: usize = 4096;

pub(crate) fn may_hold(s: &Summary, text: &str) -> bool {
    s.dots && s.len >= 12 && text.contains("eyJ")
}

pub(crate) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    for m in JWT.find_iter(text) {
        if jwt(text, m.range()) {
            out.push(m.range());
        }
    }
}

fn jwt(text: &str, r: Range<usize>) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    if before(text, r.start).is_some_and(|c| b64(c) || c == '.') {
        return false;
    }
    if let (Some('.'), Some(c)) = after(text, r.end)
        && b64(c)
    {
        return false;
    }
    let found = &text[r];
    let header = found.split('.').next().unwrap_or("");
    if header.len() > MAX_HEADER {
        return false;
    }
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
        .is_ok_and(|h| h.get("alg").is_some_and(serde_json::Value::is_string))
}
