//! The subset of Lucene query syntax the fake understands for `q` on users (search_engine
//! v3) and logs: `field:value`, `field:"exact phrase"`, wildcards (`jo*`, `*son` with at
//! least three literal characters), ranges (`[a TO b]`, `{a TO *}`), `_exists_:field`,
//! `AND`/`OR`/`NOT` (and `&&`, `||`, `-`), parentheses, and bare terms. Adjacent terms
//! without an operator are OR-ed, Lucene's default. Anything else (fuzzy `~`, boosts `^`,
//! regular expressions, field groups) is refused, as an unsupported query would be by Auth0.
//!
//! Queries run against the JSON Auth0 would return, so any rendered field is searchable;
//! dotted paths reach into objects and across arrays (`identities.connection`).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    All,
    Term { field: Option<String>, term: Term },
    Exists(String),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Term {
    Phrase(String),
    /// May contain `*` and `?` wildcards.
    Word(String),
    Range {
        lo: Option<String>,
        lo_incl: bool,
        hi: Option<String>,
        hi_incl: bool,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub(crate) struct SearchError(String);

fn err<T>(msg: impl Into<String>) -> Result<T, SearchError> {
    Err(SearchError(msg.into()))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Leaf(Query),
}

/// How a collection's fields behave in a search.
pub(crate) struct Fields<'a> {
    /// Searched by a bare term.
    pub(crate) default: &'a [&'a str],
    /// Compared case-insensitively (Auth0 normalises email and name).
    pub(crate) case_insensitive: &'a [&'a str],
    /// Also matched word by word by an unquoted term.
    pub(crate) words: &'a [&'a str],
}

pub(crate) fn parse(q: &str) -> Result<Query, SearchError> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(Query::All);
    }
    let mut p = Parser { toks, pos: 0 };
    let query = p.or()?;
    if p.pos != p.toks.len() {
        return err("unexpected ')'");
    }
    Ok(query)
}

fn lex(q: &str) -> Result<Vec<Tok>, SearchError> {
    let chars: Vec<char> = q.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
                continue;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
                continue;
            }
            '-' | '!' if chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) => {
                toks.push(Tok::Not);
                i += 1;
                continue;
            }
            '+' => {
                i += 1;
                continue;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                toks.push(Tok::And);
                i += 2;
                continue;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                toks.push(Tok::Or);
                i += 2;
                continue;
            }
            '"' => {
                let (phrase, next) = read_phrase(&chars, i)?;
                toks.push(Tok::Leaf(Query::Term {
                    field: None,
                    term: Term::Phrase(phrase),
                }));
                i = next;
                continue;
            }
            '/' => return err("regular expressions are not supported"),
            _ => {}
        }
        // A word, possibly `field:value`.
        let mut word = String::new();
        let mut field = None;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() || c == '(' || c == ')' {
                break;
            }
            if c == '\\' {
                let Some(n) = chars.get(i + 1) else {
                    return err("dangling escape");
                };
                word.push(*n);
                i += 2;
                continue;
            }
            if c == ':' && field.is_none() {
                if word.is_empty() {
                    return err("missing field name before ':'");
                }
                field = Some(std::mem::take(&mut word));
                i += 1;
                match chars.get(i) {
                    Some('"') => {
                        let (phrase, next) = read_phrase(&chars, i)?;
                        i = next;
                        toks.push(leaf(field.take(), Term::Phrase(phrase))?);
                        break;
                    }
                    Some('[' | '{') => {
                        let (range, next) = read_range(&chars, i)?;
                        i = next;
                        toks.push(leaf(field.take(), range)?);
                        break;
                    }
                    Some('(') => return err("field groups are not supported"),
                    None => return err("missing value after ':'"),
                    Some(c) if c.is_whitespace() => return err("missing value after ':'"),
                    _ => continue,
                }
            }
            if matches!(c, '~' | '^' | '"' | '[' | ']' | '{' | '}' | '/') {
                return err(format!("unsupported character '{c}'"));
            }
            word.push(c);
            i += 1;
        }
        if word.is_empty() && field.is_none() {
            continue;
        }
        match (field.is_none(), word.as_str()) {
            (true, "AND") => toks.push(Tok::And),
            (true, "OR") => toks.push(Tok::Or),
            (true, "NOT") => toks.push(Tok::Not),
            _ if !word.is_empty() || field.is_some() => toks.push(leaf(field, Term::Word(word))?),
            _ => {}
        }
    }
    Ok(toks)
}

fn leaf(field: Option<String>, term: Term) -> Result<Tok, SearchError> {
    if let Some(f) = &field
        && !f
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return err(format!("invalid field name '{f}'"));
    }
    if let Term::Word(w) = &term {
        if w.is_empty() {
            return err("missing value after ':'");
        }
        if w.starts_with(['*', '?']) && w.chars().filter(|c| !matches!(c, '*' | '?')).count() < 3 {
            return err("a leading wildcard needs at least 3 other characters");
        }
    }
    if field.as_deref() == Some("_exists_") {
        return match term {
            Term::Word(w) | Term::Phrase(w) => Ok(Tok::Leaf(Query::Exists(w))),
            Term::Range { .. } => err("_exists_ takes a field name"),
        };
    }
    Ok(Tok::Leaf(Query::Term { field, term }))
}

fn read_phrase(chars: &[char], start: usize) -> Result<(String, usize), SearchError> {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    err("unterminated quoted string")
}

fn read_range(chars: &[char], start: usize) -> Result<(Term, usize), SearchError> {
    let lo_incl = chars[start] == '[';
    let close = chars[start + 1..]
        .iter()
        .position(|c| matches!(c, ']' | '}'))
        .map(|p| p + start + 1)
        .ok_or(SearchError("unterminated range".into()))?;
    let hi_incl = chars[close] == ']';
    let inner: String = chars[start + 1..close].iter().collect();
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [lo, "TO", hi] = parts.as_slice() else {
        return err("a range reads [low TO high]");
    };
    let bound = |s: &str| (s != "*").then(|| s.trim_matches('"').to_owned());
    Ok((
        Term::Range {
            lo: bound(lo),
            lo_incl,
            hi: bound(hi),
            hi_incl,
        },
        close + 1,
    ))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Query, SearchError> {
        let mut items = vec![self.and()?];
        loop {
            match self.peek() {
                None | Some(Tok::RParen) => break,
                Some(Tok::Or) => {
                    self.pos += 1;
                    items.push(self.and()?);
                }
                Some(_) => items.push(self.and()?),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::Or(items)
        })
    }

    fn and(&mut self) -> Result<Query, SearchError> {
        let mut items = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Query::And(items)
        })
    }

    fn unary(&mut self) -> Result<Query, SearchError> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Not) => Ok(Query::Not(Box::new(self.unary()?))),
            Some(Tok::LParen) => {
                let inner = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return err("missing ')'");
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Leaf(q)) => Ok(q),
            Some(Tok::And | Tok::Or) => err("an operator needs a term on each side"),
            Some(Tok::RParen) => err("unexpected ')'"),
            None => err("the query ends where a term was expected"),
        }
    }
}

impl Query {
    pub(crate) fn matches(&self, doc: &Value, fields: &Fields<'_>) -> bool {
        match self {
            Query::All => true,
            Query::And(qs) => qs.iter().all(|q| q.matches(doc, fields)),
            Query::Or(qs) => qs.iter().any(|q| q.matches(doc, fields)),
            Query::Not(q) => !q.matches(doc, fields),
            Query::Exists(f) => !leaves(doc, f).is_empty(),
            Query::Term {
                field: Some(f),
                term,
            } => term_matches(doc, f, term, fields),
            Query::Term { field: None, term } => fields
                .default
                .iter()
                .any(|f| term_matches(doc, f, term, fields)),
        }
    }
}

fn term_matches(doc: &Value, field: &str, term: &Term, fields: &Fields<'_>) -> bool {
    let ci = fields.case_insensitive.contains(&field);
    let by_word = fields.words.contains(&field);
    leaves(doc, field).iter().any(|s| match term {
        Term::Phrase(p) => eq(s, p, ci),
        Term::Word(w) if w.contains(['*', '?']) => {
            glob(s, w, ci) || (by_word && s.split_whitespace().any(|t| glob(t, w, ci)))
        }
        Term::Word(w) => eq(s, w, ci) || (by_word && s.split_whitespace().any(|t| eq(t, w, ci))),
        Term::Range {
            lo,
            lo_incl,
            hi,
            hi_incl,
        } => {
            let above = lo.as_deref().is_none_or(|l| match compare(s, l) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Equal => *lo_incl,
                std::cmp::Ordering::Less => false,
            });
            let below = hi.as_deref().is_none_or(|h| match compare(s, h) {
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Equal => *hi_incl,
                std::cmp::Ordering::Greater => false,
            });
            above && below
        }
    })
}

fn eq(a: &str, b: &str, ci: bool) -> bool {
    if ci {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn glob(s: &str, pattern: &str, ci: bool) -> bool {
    let (s, pattern) = if ci {
        (s.to_lowercase(), pattern.to_lowercase())
    } else {
        (s.to_owned(), pattern.to_owned())
    };
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // Classic two-pointer wildcard match with backtracking on the last '*'.
    let (mut si, mut pi, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Scalar values at `path` as strings, flattening arrays on the way.
pub(crate) fn leaves(doc: &Value, path: &str) -> Vec<String> {
    let mut current = vec![doc];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            let v = match v {
                Value::Object(m) => m.get(part),
                _ => None,
            };
            match v {
                Some(Value::Array(items)) => next.extend(items.iter()),
                Some(v) => next.push(v),
                None => {}
            }
        }
        current = next;
    }
    current
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const F: Fields<'static> = Fields {
        default: &["email", "name"],
        case_insensitive: &["email", "name"],
        words: &["name"],
    };

    fn hits(q: &str, doc: &Value) -> bool {
        parse(q)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .matches(doc, &F)
    }

    #[test]
    fn matches_the_supported_syntax() {
        let doc = json!({
            "email": "alice@example.com", "name": "Alice Johnson", "blocked": false, "logins_count": 12,
            "identities": [{"connection": "Username-Password-Authentication"}],
            "app_metadata": {"plan": "pro"}, "created_at": "2024-03-01T08:00:00.000Z"
        });
        for q in [
            "email:alice@example.com",
            "email:\"ALICE@example.com\"",
            "email:ali*",
            "name:alice",
            "name:\"Alice Johnson\"",
            "identities.connection:\"Username-Password-Authentication\"",
            "app_metadata.plan:pro AND blocked:false",
            "app_metadata.plan:free OR logins_count:[10 TO 20]",
            "created_at:[2024-01-01 TO *]",
            "_exists_:app_metadata.plan",
            "NOT blocked:true",
            "-email:bob*",
            "(name:bob OR name:alice) AND email:*example.com",
            "alice@example.com",
        ] {
            assert!(hits(q, &doc), "{q} should match");
        }
        for q in [
            "email:bob@example.com",
            "blocked:true",
            "logins_count:{12 TO 20]",
            "app_metadata.plan:pro AND blocked:true",
        ] {
            assert!(!hits(q, &doc), "{q} should not match");
        }
    }

    #[test]
    fn refuses_unsupported_syntax() {
        for q in [
            "name:alice~",
            "name:/al.*/",
            "name:(a b)",
            "email:\"open",
            "(name:a",
            "name:a^2",
            "AND name:a",
            "email:*x",
        ] {
            assert!(parse(q).is_err(), "{q} should be refused");
        }
    }
}
