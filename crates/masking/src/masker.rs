//! A tenant's rules, compiled: one pass over a result masks field paths and detector matches.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use crate::FIELD_KIND;
use crate::builtin::Summary;
use crate::detector::{Detector, first_and_stars};
use crate::field_path::{FieldPath, Step};
use crate::mode::Mode;
use crate::pseudonym::{MAX_VALUE, PseudonymKey};

/// What a value at a field path becomes in `redact` mode (and in `partial` and `pseudonym` modes
/// when it is not a string, or too long to seal).
pub const MASKED: &str = "[masked]";

/// One rule: these detectors and these field paths, hidden this way.
#[derive(Debug, Clone)]
pub struct Rule {
    pub detectors: Vec<Detector>,
    pub fields: Vec<FieldPath>,
    pub mode: Mode,
}

/// What a masking pass replaced: matches and field values, by detector name (`field` for field
/// paths). Counts only: never the values.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Masked {
    pub replaced: usize,
    pub by_detector: BTreeMap<String, usize>,
}

impl Masked {
    fn add(&mut self, name: &str) {
        self.replaced += 1;
        match self.by_detector.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.by_detector.insert(name.to_owned(), 1);
            }
        }
    }

    /// Adds another pass's counts (the text block and the structured content of one result).
    pub fn merge(&mut self, other: Masked) {
        self.replaced += other.replaced;
        for (name, n) in other.by_detector {
            *self.by_detector.entry(name).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.replaced == 0
    }
}

/// A tenant's masking rules for one class of caller, compiled. Built once; share it in an `Arc`.
#[derive(Debug, Default)]
pub struct Masker {
    /// Each detector once, with the mode of the first rule naming it, in overlap priority.
    detectors: Vec<(Detector, Mode)>,
    /// Field paths in rule order: the first path reaching a value decides its mode.
    fields: Vec<(FieldPath, Mode)>,
    key: Option<Arc<PseudonymKey>>,
    /// No detector can match a string shorter than this.
    min_len: usize,
}

/// What a member or element becomes.
#[derive(PartialEq, Eq)]
enum Action {
    Keep,
    Drop,
}

/// `(field index, steps matched)`: a field path partly matched on the way to a value.
type Cursor = (u16, u16);

struct Hit {
    range: Range<usize>,
    detector: usize,
}

impl Masker {
    /// Compiles `rules`. Refused: a rule naming no detector and no field, and `pseudonym` mode
    /// without a key. When two rules name the same detector, the first one's mode counts.
    pub fn new(rules: Vec<Rule>, key: Option<Arc<PseudonymKey>>) -> Result<Masker, String> {
        let mut detectors: Vec<(Detector, Mode)> = Vec::new();
        let mut fields = Vec::new();
        for (i, rule) in rules.into_iter().enumerate() {
            if rule.detectors.is_empty() && rule.fields.is_empty() {
                return Err(format!("rule {i} names no detector and no field"));
            }
            if rule.mode == Mode::Pseudonym && key.is_none() {
                return Err(format!(
                    "rule {i}: mode `pseudonym` needs the tenant's pseudonym key"
                ));
            }
            for detector in rule.detectors {
                if !detectors.iter().any(|(d, _)| d.name() == detector.name()) {
                    detectors.push((detector, rule.mode));
                }
            }
            fields.extend(rule.fields.into_iter().map(|f| (f, rule.mode)));
        }
        if fields.len() > usize::from(u16::MAX) {
            return Err("too many field paths".to_owned());
        }
        detectors.sort_by_key(|(d, _)| d.priority());
        let min_len = detectors
            .iter()
            .map(|(d, _)| d.min_len())
            .min()
            .unwrap_or(0);
        Ok(Masker {
            detectors,
            fields,
            key,
            min_len,
        })
    }

    /// No rule: masking is skipped outright.
    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty() && self.fields.is_empty()
    }

    /// Whether some rule issues pseudonyms (so the tool descriptions should explain them).
    pub fn uses_pseudonyms(&self) -> bool {
        self.detectors.iter().any(|(_, m)| *m == Mode::Pseudonym)
            || self.fields.iter().any(|(_, m)| *m == Mode::Pseudonym)
    }

    /// The detectors in force, with their modes, in the order overlaps are settled.
    pub fn detectors(&self) -> impl Iterator<Item = (&Detector, Mode)> {
        self.detectors.iter().map(|(d, m)| (d, *m))
    }

    /// The field paths in force, with their modes, in rule order.
    pub fn fields(&self) -> impl Iterator<Item = (&FieldPath, Mode)> {
        self.fields.iter().map(|(f, m)| (f, *m))
    }

    /// Masks a tool result's structured content in place: the value at a field path, whatever
    /// its type, then detectors over every string (values, not object keys). A string at a field
    /// path stays a string; any other value there goes (its type could not be kept, and output
    /// schemas are checked by clients), as everything does in `drop` mode; `null` stays `null`. A
    /// value a field path hid is not scanned again.
    pub fn mask_json(&self, value: &mut Value) -> Masked {
        let mut masked = Masked::default();
        if self.is_empty() {
            return masked;
        }
        let mut cursors: Vec<Cursor> = self.anchors().collect();
        if let Value::String(s) = value {
            // Nothing to drop a top-level string from: `drop` redacts it.
            if let Cow::Owned(new) = self.mask_str(s, &mut masked) {
                *s = new;
            }
            return masked;
        }
        self.walk(value, &mut cursors, 0, &mut masked);
        masked
    }

    /// Masks free text (the text block of a result, an error message) with the detectors. Field
    /// paths do not apply to text; `drop` redacts (there is no member to drop).
    pub fn mask_text<'t>(&self, text: &'t str) -> (Cow<'t, str>, Masked) {
        let mut masked = Masked::default();
        if self.detectors.is_empty() {
            return (Cow::Borrowed(text), masked);
        }
        let out = self.mask_str(text, &mut masked);
        (out, masked)
    }

    fn anchors(&self) -> impl Iterator<Item = Cursor> + '_ {
        (0..self.fields.len()).map(|f| (f as u16, 0))
    }

    /// `value`'s cursors are `stack[from..]`.
    fn walk(
        &self,
        value: &mut Value,
        stack: &mut Vec<Cursor>,
        from: usize,
        masked: &mut Masked,
    ) -> Action {
        match value {
            Value::String(s) => {
                let mut dropped = false;
                let out = self.scan(s, masked, &mut dropped);
                if dropped {
                    return Action::Drop;
                }
                if let Some(new) = out {
                    *s = new;
                }
                Action::Keep
            }
            Value::Array(items) => {
                // Drops are rare: mark them, then remove, rather than rebuild every array.
                let mut drop: Vec<usize> = Vec::new();
                for (index, item) in items.iter_mut().enumerate() {
                    let child = stack.len();
                    for i in from..child {
                        let (f, pos) = stack[i];
                        if self.step(f, pos) == Some(&Step::Each) {
                            stack.push((f, pos + 1));
                        }
                    }
                    // Every element of a list is a record a path may start from.
                    stack.extend(self.anchors());
                    if self.visit(item, stack, child, masked) == Action::Drop {
                        drop.push(index);
                    }
                    stack.truncate(child);
                }
                for index in drop.into_iter().rev() {
                    items.remove(index);
                }
                Action::Keep
            }
            Value::Object(members) => {
                let mut drop: Vec<String> = Vec::new();
                for (name, member) in members.iter_mut() {
                    let child = stack.len();
                    for i in from..child {
                        let (f, pos) = stack[i];
                        match self.step(f, pos) {
                            Some(Step::AnyKey) => stack.push((f, pos + 1)),
                            Some(Step::Key(k)) if k == name => stack.push((f, pos + 1)),
                            _ => {}
                        }
                    }
                    if self.visit(member, stack, child, masked) == Action::Drop {
                        drop.push(name.clone());
                    }
                    stack.truncate(child);
                }
                for name in &drop {
                    members.remove(name);
                }
                Action::Keep
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => Action::Keep,
        }
    }

    /// A child whose cursors have just been pushed: a field rule if a path ends here, else walk on.
    fn visit(
        &self,
        value: &mut Value,
        stack: &mut Vec<Cursor>,
        from: usize,
        masked: &mut Masked,
    ) -> Action {
        let ended = stack[from..]
            .iter()
            .filter(|(f, pos)| usize::from(*pos) == self.fields[usize::from(*f)].0.steps.len())
            .map(|(f, _)| *f)
            .min();
        match ended {
            Some(f) => self.hide_field(value, self.fields[usize::from(f)].1, masked),
            None => self.walk(value, stack, from, masked),
        }
    }

    fn step(&self, f: u16, pos: u16) -> Option<&Step> {
        self.fields[usize::from(f)].0.steps.get(usize::from(pos))
    }

    fn hide_field(&self, value: &mut Value, mode: Mode, masked: &mut Masked) -> Action {
        if value.is_null() {
            return Action::Keep;
        }
        masked.add(FIELD_KIND);
        let hidden = match (mode, &*value) {
            // An object, list, number or boolean cannot be hidden and keep its type, and a string
            // in its place would contradict the tool's output schema (which clients check): it
            // goes, as in `drop` (Auth0's fields are optional in those schemas).
            (Mode::Drop, _)
            | (_, Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::Bool(_)) => {
                return Action::Drop;
            }
            (Mode::Partial, Value::String(s)) => first_and_stars(s),
            (Mode::Pseudonym, Value::String(s)) if s.len() <= MAX_VALUE => match &self.key {
                Some(key) => key.seal(FIELD_KIND, s),
                None => MASKED.to_owned(),
            },
            _ => MASKED.to_owned(),
        };
        *value = Value::String(hidden);
        Action::Keep
    }

    /// Masks `text` with the detectors; `drop` matches are redacted.
    fn mask_str<'t>(&self, text: &'t str, masked: &mut Masked) -> Cow<'t, str> {
        let mut dropped = false;
        match self.scan(text, masked, &mut dropped) {
            Some(new) => Cow::Owned(new),
            None => Cow::Borrowed(text),
        }
    }

    /// The masked text, or `None` when nothing matched (no allocation then). Sets `dropped` when a
    /// match's mode is `drop`; the returned text redacts those matches.
    fn scan(&self, text: &str, masked: &mut Masked, dropped: &mut bool) -> Option<String> {
        if self.detectors.is_empty() || text.len() < self.min_len {
            return None;
        }
        // Hits sorted by start, none overlapping; earlier detectors (higher priority) go first.
        let mut hits: Vec<Hit> = Vec::new();
        let mut found = Vec::new();
        let whole = [(0, text)];
        let pieces: &[(usize, &str)] = if text.len() > SEGMENT_ABOVE {
            &segments(text)
        } else {
            &whole
        };
        let summaries: Vec<Summary> = pieces.iter().map(|(_, p)| Summary::of(p)).collect();
        for (index, (detector, _)) in self.detectors.iter().enumerate() {
            if matches!(detector, Detector::Custom { .. }) {
                // An operator's pattern may span anything: it sees the text whole.
                found.clear();
                detector.find_into(text, &mut found);
                add_hits(&mut hits, found.drain(..), index);
                continue;
            }
            for ((offset, piece), summary) in pieces.iter().zip(&summaries) {
                if piece.len() < detector.min_len() || !detector.may_hold(summary, piece) {
                    continue;
                }
                found.clear();
                detector.find_into(piece, &mut found);
                add_hits(
                    &mut hits,
                    found.drain(..).map(|r| r.start + offset..r.end + offset),
                    index,
                );
            }
        }
        if hits.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut last = 0;
        for hit in &hits {
            let (detector, mode) = &self.detectors[hit.detector];
            let found = &text[hit.range.clone()];
            out.push_str(&text[last..hit.range.start]);
            masked.add(detector.name());
            match mode {
                Mode::Partial => out.push_str(&detector.partial(found)),
                Mode::Pseudonym if found.len() <= MAX_VALUE && self.key.is_some() => {
                    if let Some(key) = &self.key {
                        out.push_str(&key.seal(detector.name(), found));
                    }
                }
                Mode::Drop => {
                    *dropped = true;
                    redacted(&mut out, detector.name());
                }
                Mode::Redact | Mode::Pseudonym => redacted(&mut out, detector.name()),
            }
            last = hit.range.end;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

/// Text longer than this (a result's whole text block) is looked at in pieces between quotes and
/// line breaks, which no built-in match spans: each piece gets its own byte summary, so the
/// detectors skip the pieces that cannot hold their kind, as they skip strings of a JSON value.
const SEGMENT_ABOVE: usize = 256;

fn segments(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'"' || b == b'\n' {
            if i > start {
                out.push((start, &text[start..i]));
            }
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, &text[start..]));
    }
    out
}

/// Adds the ranges that overlap no hit already taken, keeping `hits` sorted by start.
fn add_hits(hits: &mut Vec<Hit>, ranges: impl Iterator<Item = Range<usize>>, detector: usize) {
    for range in ranges {
        let at = hits.partition_point(|h| h.range.start < range.start);
        let clashes_before = at > 0 && hits[at - 1].range.end > range.start;
        let clashes_after = at < hits.len() && hits[at].range.start < range.end;
        if !clashes_before && !clashes_after {
            hits.insert(at, Hit { range, detector });
        }
    }
}

fn redacted(out: &mut String, name: &str) {
    out.push('[');
    out.push_str(name);
    out.push(']');
}
