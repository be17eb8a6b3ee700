//! Pseudonyms that round-trip: `pii:<kind>:<token>`, where the token is the value encrypted with
//! AES-SIV (RFC 5297, AES-SIV-CMAC-256) under the tenant's key, the kind as associated data, in
//! base64url without padding. SIV is deterministic — the same value of the same kind always gets
//! the same token, so the model can correlate records and every replica agrees without a shared
//! table — and authenticated: a token from another tenant's key, an altered token or a token
//! moved to another kind does not open.

use std::fmt;
use std::sync::LazyLock;

use aes_siv::KeyInit;
use aes_siv::siv::Aes128Siv;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use regex::Regex;
use serde_json::Value;

/// The longest value (bytes) a pseudonym carries; longer values are redacted instead, so a
/// pseudonym stays short enough to pass around (a 512-byte value makes a 700-character token).
pub const MAX_VALUE: usize = 512;
/// The SIV tag in front of every ciphertext.
const TAG: usize = 16;
/// The longest token `open` decodes.
const MAX_TOKEN: usize = (MAX_VALUE + TAG).div_ceil(3) * 4;
/// How much of a bad pseudonym an error repeats.
const SHOWN: usize = 80;

static PSEUDONYM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"pii:([a-z][a-z0-9_]{0,31}):([A-Za-z0-9_\-]*)")
        .expect("the pseudonym pattern compiles")
});

/// The per-tenant key pseudonyms are sealed with.
#[derive(Clone)]
pub struct PseudonymKey {
    key: [u8; 32],
}

/// What a pseudonym stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    pub kind: String,
    pub value: String,
}

/// Why a pseudonym was refused. It names the pseudonym (never a value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PseudonymError {
    #[error(
        "`{pseudonym}` is not a pseudonym: they look like pii:<kind>:<token>, as the tool results give them"
    )]
    Malformed { pseudonym: String },
    #[error("`{pseudonym}` is too long to be a pseudonym")]
    TooLong { pseudonym: String },
    #[error(
        "`{pseudonym}` is not a pseudonym this tenant issued (unknown, altered, or from another tenant); pass pseudonyms exactly as the tool results give them"
    )]
    NotIssued { pseudonym: String },
}

impl PseudonymKey {
    /// `secret`: 32 bytes the gateway derives per tenant (the store key, HKDF'd with the tenant
    /// name). Half keys the CMAC, half the CTR encryption.
    pub fn new(secret: [u8; 32]) -> PseudonymKey {
        PseudonymKey { key: secret }
    }

    fn cipher(&self) -> Aes128Siv {
        Aes128Siv::new(&self.key.into())
    }

    /// `pii:<kind>:<token>`: the same `(kind, value)` gives the same pseudonym under one key.
    /// `kind` is a detector name or `field`; `value` should be at most [`MAX_VALUE`] bytes (the
    /// masker redacts longer ones), else [`open`](Self::open) refuses the result as too long.
    pub fn seal(&self, kind: &str, value: &str) -> String {
        let sealed = self
            .cipher()
            .encrypt([kind.as_bytes()], value.as_bytes())
            .unwrap_or_default();
        format!("pii:{kind}:{}", URL_SAFE_NO_PAD.encode(sealed))
    }

    /// The kind and value behind `pseudonym`. Never panics, whatever the input.
    pub fn open(&self, pseudonym: &str) -> Result<Revealed, PseudonymError> {
        let malformed = || PseudonymError::Malformed {
            pseudonym: shown(pseudonym),
        };
        let caps = PSEUDONYM.captures(pseudonym).ok_or_else(malformed)?;
        let whole = caps.get(0).ok_or_else(malformed)?;
        if whole.start() != 0 || whole.end() != pseudonym.len() {
            return Err(malformed());
        }
        let kind = &caps[1];
        let token = &caps[2];
        if token.len() > MAX_TOKEN {
            return Err(PseudonymError::TooLong {
                pseudonym: shown(pseudonym),
            });
        }
        let not_issued = || PseudonymError::NotIssued {
            pseudonym: shown(pseudonym),
        };
        let sealed = URL_SAFE_NO_PAD.decode(token).map_err(|_| not_issued())?;
        if sealed.len() < TAG {
            return Err(not_issued());
        }
        let plain = self
            .cipher()
            .decrypt([kind.as_bytes()], &sealed)
            .map_err(|_| not_issued())?;
        let value = String::from_utf8(plain).map_err(|_| not_issued())?;
        Ok(Revealed {
            kind: kind.to_owned(),
            value,
        })
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey([REDACTED])")
    }
}

fn shown(pseudonym: &str) -> String {
    if pseudonym.len() <= SHOWN {
        return pseudonym.to_owned();
    }
    let mut end = SHOWN;
    while !pseudonym.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &pseudonym[..end])
}

/// Replaces every `pii:…` pseudonym in any string of `arguments` — a whole string, or inside one,
/// as in a Lucene query `email:"pii:email:…"` — by its value (inside one, with `"` and `\`
/// escaped, so the value stays one phrase of the query). Object keys are left alone. On an
/// unknown, altered or foreign pseudonym nothing is replaced and the error names it. Anything
/// shaped like `pii:<kind>:` counts, so text that merely looks like a pseudonym is refused too.
/// Returns how many it replaced.
pub fn resolve_pseudonyms(
    arguments: &mut Value,
    key: &PseudonymKey,
) -> Result<usize, PseudonymError> {
    // Arguments are small; resolving a copy leaves them untouched when one pseudonym is refused.
    let mut resolved = arguments.clone();
    let count = resolve_in(&mut resolved, key)?;
    if count > 0 {
        *arguments = resolved;
    }
    Ok(count)
}

fn resolve_in(value: &mut Value, key: &PseudonymKey) -> Result<usize, PseudonymError> {
    match value {
        Value::String(s) => {
            if !s.contains("pii:") {
                return Ok(0);
            }
            let mut resolved = String::with_capacity(s.len());
            let mut last = 0;
            let mut count = 0;
            for m in PSEUDONYM.find_iter(s) {
                let revealed = key.open(m.as_str())?;
                resolved.push_str(&s[last..m.start()]);
                if m.as_str() == s.as_str() {
                    resolved.push_str(&revealed.value);
                } else {
                    // Inside a longer text — a Lucene query such as `email:"pii:email:…"` — the
                    // value must stay one term: a value a stranger chose (a `field` one, say
                    // `x" OR blocked:false`) must not rewrite the query around it.
                    escape_in_phrase(&revealed.value, &mut resolved);
                }
                last = m.end();
                count += 1;
            }
            if count > 0 {
                resolved.push_str(&s[last..]);
                *s = resolved;
            }
            Ok(count)
        }
        Value::Array(items) => items
            .iter_mut()
            .try_fold(0, |n, v| Ok(n + resolve_in(v, key)?)),
        Value::Object(members) => members
            .values_mut()
            .try_fold(0, |n, v| Ok(n + resolve_in(v, key)?)),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(0),
    }
}

/// `value` escaped for a quoted Lucene phrase: `"` and `\` take a backslash. Values of the
/// built-in kinds (emails, phone numbers, addresses) hold neither, so they read the same.
fn escape_in_phrase(value: &str, out: &mut String) {
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Whether any string in `value` holds something shaped like a pseudonym: the gateway refuses
/// such arguments from callers whose rules do not allow the round trip.
pub fn contains_pseudonym(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("pii:") && PSEUDONYM.is_match(s),
        Value::Array(items) => items.iter().any(contains_pseudonym),
        Value::Object(members) => members.values().any(contains_pseudonym),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}
