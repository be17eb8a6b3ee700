//! What `tools/list` shows a caller: a tool the policy denies them outright is hidden, and one
//! that needs a confirmation, an approval or a step-up says so in its description, so the model
//! knows before it calls.

use crate::PolicySet;
use crate::call::{Caller, CallerKind};
use crate::rule::{Action, Rule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// No rule concerns this tool for this caller (or the first one allows it outright).
    Plain,
    /// Denied outright: the first rule about this tool and caller denies it, whatever the call.
    Hidden,
    /// Shown, with this sentence appended to its description.
    Noted(String),
}

impl PolicySet {
    /// How `tool` is listed for `caller`. Rules that depend on the arguments, the source address
    /// or the time cannot be judged before a call: they add a "depending on…" note and never hide.
    pub fn listing(&self, tool: &str, caller: &Caller<'_>) -> Listing {
        let mut notes = Vec::new();
        // An earlier rule that allows only some calls keeps a later denial from hiding the tool.
        let mut sometimes_allowed = false;
        for rule in self.rules.iter().filter(|r| r.covers(tool, caller)) {
            let note = note(rule, caller.kind);
            if rule.conditional() {
                match note {
                    Some(note) => notes.push(format!(
                        "depending on the arguments, source or time, {note}"
                    )),
                    None => sometimes_allowed = true,
                }
                continue;
            }
            match note {
                None => break,
                Some(_) if denies(rule, caller.kind) && notes.is_empty() && !sometimes_allowed => {
                    return Listing::Hidden;
                }
                Some(note) if sometimes_allowed || !notes.is_empty() => {
                    notes.push(format!("otherwise {note}"));
                    break;
                }
                Some(note) => {
                    notes.push(note);
                    break;
                }
            }
        }
        if notes.is_empty() {
            Listing::Plain
        } else {
            Listing::Noted(format!("Policy: {}", notes.join(" ")))
        }
    }
}

impl PolicySet {
    /// Whether every call of `tool`, by anyone, is refused: the first rule about it that could
    /// let a call through is an unconditional `deny` for every caller, with only narrower
    /// denials before it. What the portal leaves out when it counts a tenant's tools.
    pub fn denied_to_everyone(&self, tool: &str) -> bool {
        for rule in self.rules.iter().filter(|r| r.tools.contains(tool)) {
            let everyone = rule.who.is_everyone() && !rule.conditional();
            match rule.action {
                Action::Deny { .. } if everyone => return true,
                // Refuses some calls; the others go on to the next rule.
                Action::Deny { .. } => {}
                _ => return false,
            }
        }
        false
    }
}

fn denies(rule: &Rule, kind: CallerKind) -> bool {
    match rule.action {
        Action::Deny { .. } => true,
        Action::StepUp { agent_keys_allowed } => kind != CallerKind::User && !agent_keys_allowed,
        _ => false,
    }
}

/// The sentence for a rule's action, or `None` when it lets the call through as is.
fn note(rule: &Rule, kind: CallerKind) -> Option<String> {
    let name = &rule.name;
    Some(match &rule.action {
        Action::Allow => return None,
        Action::Deny { reason } => format!(
            "refused ({}; rule `{name}`).",
            reason
                .as_deref()
                .unwrap_or("the tenant's policy does not allow it")
        ),
        Action::Confirm { .. } => format!(
            "each call must be confirmed by the person using this client before it runs (rule `{name}`)."
        ),
        Action::Approve {
            approvers,
            required,
            ..
        } => {
            let who: Vec<String> = approvers.iter().map(ToString::to_string).collect();
            let count = if *required > 1 {
                format!("{required} approvals from")
            } else {
                "approval from".to_owned()
            };
            format!(
                "each call needs {count} {} before it runs; the first call returns a request id, repeat the same call once it is approved (rule `{name}`).",
                who.join(", ")
            )
        }
        Action::StepUp { .. } if kind == CallerKind::User => format!(
            "needs a fresh sign-in with multi-factor authentication before it runs (rule `{name}`)."
        ),
        Action::StepUp {
            agent_keys_allowed: true,
        } => return None,
        Action::StepUp { .. } => format!(
            "refused to callers without a person behind them: it needs a fresh MFA sign-in (rule `{name}`)."
        ),
    })
}
