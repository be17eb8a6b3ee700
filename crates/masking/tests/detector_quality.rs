//! Detector quality on the labelled corpus in `tests/corpus/` (written by `corpus/generate.py`):
//! Auth0 users, log events and support notes with planted personal data and near-misses (order
//! numbers, versions, dates, timestamps, UUIDs, Auth0 and log ids, user agents, hashes, amounts).
//!
//! For each built-in detector, over every string value of every record:
//! - **recall**: planted occurrences that a match of that detector covers, over all planted
//!   occurrences of its kind;
//! - **false positives**: matches that cover no planted value of its kind, per 1000 strings.
//!
//! Thresholds (the test fails below them, per detector): recall ≥ 0.98; at most 1 false
//! positive per 1000 strings. Run with `--nocapture` to see the table.

use std::collections::BTreeMap;
use std::ops::Range;

use gw_masking::{BUILTIN_NAMES, Detector};
use serde_json::Value;

const MIN_RECALL: f64 = 0.98;
const MAX_FALSE_POSITIVES_PER_1000_STRINGS: f64 = 1.0;
const FILES: [&str; 3] = ["users.json", "log_events.json", "near_misses.json"];

struct Corpus {
    strings: Vec<String>,
    planted: BTreeMap<String, Vec<String>>,
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(members) => members.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn load() -> Corpus {
    let mut corpus = Corpus {
        strings: Vec::new(),
        planted: BTreeMap::new(),
    };
    for file in FILES {
        let path = format!("{}/tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        strings(&doc["records"], &mut corpus.strings);
        for (kind, values) in doc["planted"].as_object().expect("planted is an object") {
            let list = corpus.planted.entry(kind.clone()).or_default();
            list.extend(
                values
                    .as_array()
                    .expect("a list")
                    .iter()
                    .map(|v| v.as_str().expect("a string").to_owned()),
            );
        }
    }
    corpus
}

/// Every place a planted value of `kind` occurs in `text`.
fn occurrences(text: &str, planted: &[String]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for value in planted {
        let mut from = 0;
        while let Some(at) = text[from..].find(value.as_str()) {
            out.push(from + at..from + at + value.len());
            from += at + 1;
            while !text.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out
}

#[derive(Default)]
struct Score {
    planted: usize,
    found: usize,
    false_positives: Vec<String>,
}

#[test]
fn every_detector_meets_its_thresholds_on_the_corpus() {
    let corpus = load();
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for name in BUILTIN_NAMES {
        let detector = Detector::builtin(name).expect("built-in");
        let planted = corpus.planted.get(name).cloned().unwrap_or_default();
        assert!(!planted.is_empty(), "the corpus plants no {name}");
        let mut score = Score::default();
        let mut missed = Vec::new();
        for text in &corpus.strings {
            let want = occurrences(text, &planted);
            let got = detector.find_all(text);
            let covered =
                |w: &Range<usize>| got.iter().any(|g| g.start <= w.start && w.end <= g.end);
            score.planted += want.len();
            for w in &want {
                if covered(w) {
                    score.found += 1;
                } else {
                    missed.push(format!("{:?} in {text:?}", &text[w.clone()]));
                }
            }
            for g in &got {
                if !want.iter().any(|w| g.start <= w.start && w.end <= g.end) {
                    score
                        .false_positives
                        .push(format!("{:?} in {text:?}", &text[g.clone()]));
                }
            }
        }
        let recall = score.found as f64 / score.planted as f64;
        let fp_rate = score.false_positives.len() as f64 * 1000.0 / corpus.strings.len() as f64;
        table.push(format!(
            "| {name} | {} | {} | {recall:.3} | {} | {fp_rate:.2} |",
            score.planted,
            score.found,
            score.false_positives.len()
        ));
        if recall < MIN_RECALL {
            failures.push(format!("{name}: recall {recall:.3} < {MIN_RECALL}"));
        }
        if fp_rate > MAX_FALSE_POSITIVES_PER_1000_STRINGS {
            failures.push(format!(
                "{name}: {fp_rate:.2} false positives per 1000 strings > {MAX_FALSE_POSITIVES_PER_1000_STRINGS}: {:#?}",
                score.false_positives
            ));
        }
        for fp in score.false_positives.iter().take(5) {
            println!("false positive ({name}): {fp}");
        }
        for m in missed.iter().take(5) {
            println!("missed ({name}): {m}");
        }
    }
    println!(
        "\nDetector quality over {} strings ({}):\n",
        corpus.strings.len(),
        FILES.join(", ")
    );
    println!("| detector | planted | found | recall | false positives | per 1000 strings |");
    println!("|---|---:|---:|---:|---:|---:|");
    for row in &table {
        println!("{row}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
