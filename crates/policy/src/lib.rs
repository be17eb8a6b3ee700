//! Tool policies: a tenant's ordered rules in, a decision out. The first rule that matches a call
//! decides it; no match leaves the call to the caller's scopes alone (a policy never grants what
//! scopes do not). Pure: no I/O, no clock (the time is part of the call), so the gateway, the
//! portal and `check` judge alike and tests need no server.

use std::sync::Arc;

mod call;
mod canonical;
mod compile;
mod hours;
mod limits;
mod listing;
mod masking;
mod named_callers;
mod rule;
mod spec;
mod summary;
mod who;

pub use call::{Call, Caller, CallerKind, Effect};
pub use canonical::{call_hash, canonical_json};
pub use compile::{KnownTools, Problem, compile};
pub use limits::{Limit, LimitSpec, Limits, Per, compile_limits};
pub use listing::Listing;
pub use masking::{Masking, MaskingRule, MaskingSpec, compile_masking};
pub use named_callers::NamedCaller;
pub use rule::{Action, Person, Rule};
pub use spec::{ArgumentSpec, HoursSpec, RuleSpec};
pub use summary::RuleSummary;

/// A tenant's checked rules, in order, its data-protection rules and its limits. No rules means
/// no policy: every call goes by scopes.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    rules: Vec<Rule>,
    masking: Arc<Masking>,
    limits: Arc<Limits>,
}

/// What the first matching rule says about a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<'r> {
    Allow {
        rule: &'r Rule,
    },
    Deny {
        rule: &'r Rule,
        reason: String,
    },
    Confirm {
        rule: &'r Rule,
        expires_minutes: u32,
    },
    Approve {
        rule: &'r Rule,
        approvers: &'r [Person],
        required: u32,
        expires_minutes: u32,
    },
    StepUp {
        rule: &'r Rule,
    },
}

impl Decision<'_> {
    pub fn rule(&self) -> &Rule {
        match self {
            Decision::Allow { rule }
            | Decision::Deny { rule, .. }
            | Decision::Confirm { rule, .. }
            | Decision::Approve { rule, .. }
            | Decision::StepUp { rule } => rule,
        }
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl PolicySet {
    /// Whether there are no tool policies (data-protection rules aside).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// These tool policies with `masking` as the data-protection rules.
    pub fn with_masking(mut self, masking: Masking) -> PolicySet {
        self.masking = Arc::new(masking);
        self
    }

    pub fn masking(&self) -> &Masking {
        &self.masking
    }

    /// These tool policies with `limits` as the tenant's limits on calls.
    pub fn with_limits(mut self, limits: Limits) -> PolicySet {
        self.limits = Arc::new(limits);
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The decision of the first rule matching `call`; `None` when no rule does.
    pub fn evaluate(&self, call: &Call<'_>) -> Option<Decision<'_>> {
        let rule = self.rules.iter().find(|rule| rule.matches(call))?;
        let person_behind = call.caller.kind == CallerKind::User;
        Some(match &rule.action {
            Action::Allow => Decision::Allow { rule },
            Action::Deny { reason } => Decision::Deny {
                rule,
                reason: reason.clone().unwrap_or_else(|| {
                    format!("the tenant's policy `{}` does not allow it", rule.name)
                }),
            },
            Action::Confirm { expires_minutes } => Decision::Confirm {
                rule,
                expires_minutes: *expires_minutes,
            },
            Action::Approve {
                approvers,
                required,
                expires_minutes,
            } => Decision::Approve {
                rule,
                approvers,
                required: *required,
                expires_minutes: *expires_minutes,
            },
            Action::StepUp { .. } if person_behind => Decision::StepUp { rule },
            Action::StepUp {
                agent_keys_allowed: true,
            } => Decision::Allow { rule },
            Action::StepUp {
                agent_keys_allowed: false,
            } => Decision::Deny {
                rule,
                reason: format!(
                    "the tenant's policy `{}` needs a person to sign in again with MFA first, and this caller ({}) has no person behind it; a connected user can make this call",
                    rule.name,
                    match call.caller.kind {
                        CallerKind::AgentKey => "an agent key",
                        _ => "the local operator",
                    }
                ),
            },
        })
    }
}

impl Rule {
    /// Whether the rule is about this tool and this caller, whatever the arguments, source and
    /// time.
    fn covers(&self, tool: &str, caller: &Caller<'_>) -> bool {
        self.tools.contains(tool) && self.who.includes(caller)
    }

    /// Whether the rule depends on more than the tool and the caller.
    fn conditional(&self) -> bool {
        !self.arguments.is_empty() || !self.sources.is_empty() || self.hours.is_some()
    }

    fn matches(&self, call: &Call<'_>) -> bool {
        self.covers(call.tool, &call.caller)
            && self.arguments.iter().all(|test| test.holds(call.arguments))
            && (self.sources.is_empty()
                || call
                    .source
                    .is_some_and(|ip| self.sources.iter().any(|net| net.contains(&ip))))
            && self
                .hours
                .as_ref()
                .is_none_or(|hours| hours.contains(call.now))
    }
}

#[cfg(test)]
mod tests;
