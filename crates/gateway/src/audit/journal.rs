//! The audit journal: an append-only log of audit records in a local directory, written (and
//! `fsync`ed) before a record is handed to the store, so that neither a store outage nor a crash
//! loses one. It is a directory of segment files (`{seq}.jsonl`, one JSON record per line) and a
//! `LOCK` file that one process holds. A segment is deleted once every record in it is in the
//! store; the journal refuses to grow past its bound.
//!
//! A call's *intent* (outcome `interrupted`, written before the call leaves for Auth0) and its
//! final record share an id. On opening, the journal reads what an earlier process left: per id
//! the last line counts, so a call that ended is its final record and one that did not is its
//! intent — and both go to the store, which keeps one row per id.
//!
//! Everything here is blocking file I/O, run on the journal's own thread.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use gw_mcp::{AuditRecord, Outcome, PolicyNote};
use serde::{Deserialize, Serialize};

/// A segment is closed and a new one started past this size.
const SEGMENT_BYTES: u64 = 4 * 1024 * 1024;
/// A current segment whose records are all in the store is closed (and deleted) past this size,
/// so a restart does not hand the store much it has already.
const RETIRE_BYTES: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the audit journal at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the audit journal at {0} is in use by another gateway process; give each process its own [audit] journal_dir"
    )]
    Locked(PathBuf),
    #[error(
        "the audit journal is full ({max_bytes} bytes, [audit] journal_max_mb): the store has not taken its records"
    )]
    Full { max_bytes: u64 },
}

/// A record as a journal line.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    id: String,
    at_ms: i64,
    tenant: String,
    principal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth_client: Option<String>,
    tool: String,
    outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream_request_id: Option<String>,
    latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy_rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy_request: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    approved_by: Vec<String>,
}

impl From<&AuditRecord> for Line {
    fn from(r: &AuditRecord) -> Line {
        Line {
            id: r.id.clone(),
            at_ms: r.at_ms,
            tenant: r.tenant.clone(),
            principal: r.principal.clone(),
            connection_id: r.connection_id.clone(),
            oauth_client: r.oauth_client.clone(),
            tool: r.tool.clone(),
            outcome: r.outcome.as_str().to_owned(),
            upstream_status: r.upstream_status,
            upstream_request_id: r.upstream_request_id.clone(),
            latency_ms: r.latency_ms,
            policy_rule: r.policy.rule.clone(),
            policy_action: r.policy.action.map(str::to_owned),
            policy_request: r.policy.request_id.clone(),
            approved_by: r.policy.approvers.clone(),
        }
    }
}

impl Line {
    /// The record this line holds; `None` for a line this version cannot read.
    fn record(self) -> Option<AuditRecord> {
        Some(AuditRecord {
            outcome: Outcome::from_text(&self.outcome)?,
            id: self.id,
            at_ms: self.at_ms,
            tenant: self.tenant,
            principal: self.principal,
            connection_id: self.connection_id,
            oauth_client: self.oauth_client,
            tool: self.tool,
            upstream_status: self.upstream_status,
            upstream_request_id: self.upstream_request_id,
            latency_ms: self.latency_ms,
            policy: PolicyNote {
                rule: self.policy_rule,
                action: self
                    .policy_action
                    .as_deref()
                    .and_then(gw_policy::Action::name_from_text),
                request_id: self.policy_request,
                approvers: self.approved_by,
            },
        })
    }
}

/// An open journal. Records are *owed* to the store from the moment they are appended until
/// [`Journal::stored`] is told they are in it.
pub struct Journal {
    dir: PathBuf,
    /// Held for the journal's life: the OS releases it if the process dies.
    _lock: File,
    current: File,
    current_seq: u64,
    current_bytes: u64,
    /// Bytes of every segment on disk, the current one included.
    total_bytes: u64,
    max_bytes: u64,
    /// The current segment may end in a line cut short by a failed write: the next append
    /// starts on a new line, so the cut line cannot swallow it.
    torn: bool,
    /// Per segment: its size, and how many records appended to it the store does not have yet.
    segments: BTreeMap<u64, Segment>,
    /// Per record id owed to the store: the segments holding a line of it.
    owed: HashMap<String, Vec<u64>>,
}

#[derive(Debug, Default)]
struct Segment {
    bytes: u64,
    owed: usize,
}

impl Journal {
    /// Opens (creating) the journal in `dir`, bounded to `max_bytes`, and returns it with what
    /// an earlier process left owed to the store, oldest first (per id, its last line).
    pub fn open(dir: &Path, max_bytes: u64) -> Result<(Journal, Vec<AuditRecord>), JournalError> {
        let io = |source| JournalError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("LOCK"))
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JournalError::Locked(dir.to_owned()));
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(io(error)),
        }
        let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                let seq = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".jsonl")?
                    .parse()
                    .ok()?;
                Some((seq, path))
            })
            .collect();
        found.sort();
        // Per id, its last line, in the order ids first appeared.
        let mut order: Vec<String> = Vec::new();
        let mut last: HashMap<String, (u64, AuditRecord)> = HashMap::new();
        let mut segments = BTreeMap::new();
        for (seq, path) in &found {
            let file = File::open(path).map_err(io)?;
            let bytes = file.metadata().map_err(io)?.len();
            segments.insert(*seq, Segment { bytes, owed: 0 });
            for line in BufReader::new(file).lines() {
                let Ok(line) = line else { break };
                // A line cut short by a crash, or one a later version wrote, is skipped.
                let Some(record) = serde_json::from_str::<Line>(&line)
                    .ok()
                    .and_then(Line::record)
                else {
                    tracing::warn!(segment = %path.display(), "skipped an unreadable audit journal line");
                    continue;
                };
                if !last.contains_key(&record.id) {
                    order.push(record.id.clone());
                }
                last.insert(record.id.clone(), (*seq, record));
            }
        }
        let mut owed: HashMap<String, Vec<u64>> = HashMap::new();
        let mut left = Vec::with_capacity(order.len());
        for id in order {
            let (seq, record) = last.remove(&id).expect("every id has a last line");
            segments.get_mut(&seq).expect("read above").owed += 1;
            owed.insert(id, vec![seq]);
            left.push(record);
        }
        let next = found.last().map_or(1, |(seq, _)| seq + 1);
        let total_bytes = segments.values().map(|s| s.bytes).sum();
        let current = Journal::create_segment(dir, next).map_err(io)?;
        segments.insert(next, Segment::default());
        let mut journal = Journal {
            dir: dir.to_owned(),
            _lock: lock,
            current,
            current_seq: next,
            current_bytes: 0,
            total_bytes,
            max_bytes,
            torn: false,
            segments,
            owed,
        };
        journal.drop_finished();
        Ok((journal, left))
    }

    fn create_segment(dir: &Path, seq: u64) -> std::io::Result<File> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{seq:016}.jsonl")))?;
        // The new file's name must survive a crash too.
        File::open(dir)?.sync_all()?;
        Ok(file)
    }

    /// Appends `records` and waits until they are on disk (one `fsync` for all of them). On
    /// `Err` none of them counts as kept.
    pub fn append(&mut self, records: &[&AuditRecord]) -> Result<(), JournalError> {
        let mut text = Vec::with_capacity(records.len() * 320 + 1);
        if self.torn {
            text.push(b'\n');
        }
        for record in records {
            serde_json::to_writer(&mut text, &Line::from(*record)).expect("plain data serialises");
            text.push(b'\n');
        }
        let size = text.len() as u64;
        if self.total_bytes + size > self.max_bytes {
            // The current segment may hold only records the store has: its space is free.
            if self.current_bytes > 0 && self.segments[&self.current_seq].owed == 0 {
                self.rotate()?;
            }
            if self.total_bytes + size > self.max_bytes {
                return Err(JournalError::Full {
                    max_bytes: self.max_bytes,
                });
            }
        }
        if self.current_bytes > 0 && self.current_bytes + size > SEGMENT_BYTES {
            self.rotate()?;
        }
        let written = self
            .current
            .write_all(&text)
            .and_then(|()| self.current.sync_data());
        // Even a failed write may have put part of it on disk: count it, and start afresh.
        self.current_bytes += size;
        self.total_bytes += size;
        self.segments.entry(self.current_seq).or_default().bytes += size;
        if let Err(source) = written {
            self.torn = self.rotate().is_err();
            return Err(JournalError::Io {
                path: self.dir.clone(),
                source,
            });
        }
        self.torn = false;
        let segment = self.segments.entry(self.current_seq).or_default();
        for record in records {
            segment.owed += 1;
            self.owed
                .entry(record.id.clone())
                .or_default()
                .push(self.current_seq);
        }
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), JournalError> {
        let next = self.current_seq + 1;
        self.current =
            Journal::create_segment(&self.dir, next).map_err(|source| JournalError::Io {
                path: self.dir.clone(),
                source,
            })?;
        self.current_seq = next;
        self.current_bytes = 0;
        self.torn = false;
        self.segments.insert(next, Segment::default());
        self.drop_finished();
        Ok(())
    }

    /// The store holds the records with these ids now: every line of them is done with, and the
    /// segments left with nothing owed are deleted.
    pub fn stored<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        for id in ids {
            for seq in self.owed.remove(id).unwrap_or_default() {
                if let Some(segment) = self.segments.get_mut(&seq) {
                    segment.owed = segment.owed.saturating_sub(1);
                }
            }
        }
        if self.current_bytes >= RETIRE_BYTES && self.segments[&self.current_seq].owed == 0 {
            // A failure here leaves the segment for later; the store has its records anyway.
            if let Err(error) = self.rotate() {
                tracing::warn!(%error, "cannot start a new audit journal segment");
            }
        }
        self.drop_finished();
    }

    /// Forgets a call's intent without storing it: the call did not leave for Auth0 after all.
    pub fn forget(&mut self, id: &str) {
        self.stored([id]);
    }

    fn drop_finished(&mut self) {
        let done: Vec<u64> = self
            .segments
            .iter()
            .filter(|(seq, s)| **seq != self.current_seq && s.owed == 0)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in done {
            let path = self.dir.join(format!("{seq:016}.jsonl"));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::warn!(segment = %path.display(), %error, "cannot delete a finished audit journal segment");
                    continue;
                }
            }
            if let Some(segment) = self.segments.remove(&seq) {
                self.total_bytes = self.total_bytes.saturating_sub(segment.bytes);
            }
        }
    }

    /// Bytes on disk now.
    pub fn bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Records owed to the store.
    pub fn owed(&self) -> usize {
        self.owed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            id: id.to_owned(),
            at_ms: 1,
            tenant: "acme".into(),
            principal: "ops".into(),
            connection_id: None,
            oauth_client: None,
            tool: "auth0_delete_user".into(),
            outcome,
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 3,
            policy: PolicyNote::default(),
        }
    }

    fn segments(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "jsonl")
            })
            .count()
    }

    #[test]
    fn what_a_dead_process_left_comes_back_once_per_id_its_last_line_counting() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut journal, left) = Journal::open(dir.path(), 1 << 20).unwrap();
            assert!(left.is_empty());
            journal
                .append(&[
                    &record("a", Outcome::Interrupted),
                    &record("b", Outcome::Interrupted),
                ])
                .unwrap();
            journal.append(&[&record("a", Outcome::Ok)]).unwrap();
            journal.append(&[&record("c", Outcome::Ok)]).unwrap();
            journal.stored(["c"]);
            // Dropped without storing a and b: as a killed process leaves it.
        }
        let (journal, left) = Journal::open(dir.path(), 1 << 20).unwrap();
        let got: Vec<(&str, Outcome)> = left.iter().map(|r| (r.id.as_str(), r.outcome)).collect();
        // a ended, b did not. c was stored, but it shares the segment being written with them,
        // so it comes back too: the store keeps one row per id and skips it.
        assert_eq!(
            got,
            [
                ("a", Outcome::Ok),
                ("b", Outcome::Interrupted),
                ("c", Outcome::Ok)
            ],
        );
        assert_eq!(journal.owed(), 3);
    }

    #[test]
    fn a_line_cut_short_by_a_crash_is_skipped_and_the_rest_read() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut journal, _) = Journal::open(dir.path(), 1 << 20).unwrap();
            journal.append(&[&record("a", Outcome::Ok)]).unwrap();
        }
        let segment = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.extension().is_some_and(|x| x == "jsonl")
                    && std::fs::metadata(p).unwrap().len() > 0
            })
            .unwrap();
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(br#"{"id":"b","at_ms":1,"ten"#).unwrap();
        let (_, left) = Journal::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, "a");
    }

    #[test]
    fn segments_go_once_the_store_has_everything_in_them() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path(), 1 << 30).unwrap();
        let big = "x".repeat(1000);
        let mut ids = Vec::new();
        for i in 0..5000 {
            let mut r = record(&format!("r{i}"), Outcome::Ok);
            r.principal = big.clone();
            journal.append(&[&r]).unwrap();
            ids.push(r.id);
        }
        assert!(segments(dir.path()) > 1, "it rotated");
        journal.stored(ids.iter().map(String::as_str));
        assert_eq!(segments(dir.path()), 1, "only the current segment is left");
        assert_eq!(journal.owed(), 0);
        assert!(journal.bytes() <= SEGMENT_BYTES);
    }

    #[test]
    fn a_full_journal_refuses_and_keeps_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        // Room for one record's line (about 110 bytes), not two.
        let (mut journal, _) = Journal::open(dir.path(), 150).unwrap();
        journal.append(&[&record("a", Outcome::Ok)]).unwrap();
        assert!(matches!(
            journal.append(&[&record("b", Outcome::Ok)]),
            Err(JournalError::Full { max_bytes: 150 })
        ));
        journal.stored(["a"]);
        journal
            .append(&[&record("c", Outcome::Ok)])
            .expect("the store took a: its room is free again");
    }

    /// A real disk running out of room (a 64 KiB tmpfs; mounting needs root, which CI has — the
    /// test says so and ends where it has not): the append fails with the disk's error rather
    /// than pretending, what was kept stays readable, and room freed by the store is used again.
    #[test]
    fn a_disk_that_runs_out_of_room_refuses_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("cannot mount a tmpfs here (not root?): the disk-full case is not exercised");
            return;
        }
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(self.0).status();
            }
        }
        let _unmount = Unmount(dir.path());
        let journal_dir = dir.path().join("journal");
        let (mut journal, _) = Journal::open(&journal_dir, 1 << 30).unwrap();
        let mut kept = Vec::new();
        let failure = loop {
            let mut r = record(&format!("r{}", kept.len()), Outcome::Ok);
            r.principal = "p".repeat(2000);
            match journal.append(&[&r]) {
                Ok(()) => kept.push(r.id),
                Err(error) => break error,
            }
            assert!(kept.len() < 1000, "a 64 KiB disk cannot take this much");
        };
        assert!(matches!(failure, JournalError::Io { .. }), "{failure}");
        assert!(!kept.is_empty());

        // The store takes what was kept: the room comes back and appends work again.
        journal.stored(kept.iter().map(String::as_str));
        journal
            .append(&[&record("after", Outcome::Ok)])
            .expect("room again once the store has the records");
        drop(journal);
        let (_, left) = Journal::open(&journal_dir, 1 << 30).unwrap();
        assert!(left.iter().any(|r| r.id == "after"), "{left:?}");
    }

    #[test]
    fn one_process_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let _held = Journal::open(dir.path(), 1 << 20).unwrap();
        assert!(matches!(
            Journal::open(dir.path(), 1 << 20),
            Err(JournalError::Locked(_))
        ));
    }
}
