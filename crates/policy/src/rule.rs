//! A checked rule: everything parsed and compiled once, so matching a call allocates nothing
//! and cannot fail.

use std::collections::HashSet;

use crate::who::Who;
use ipnet::IpNet;
use regex::Regex;
use serde_json::Value;

use crate::hours::Hours;

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// The known tools its `tools` and `effects` select, worked out once at compile: a lookup
    /// per call instead of a glob match per pattern.
    pub(crate) tools: HashSet<String>,
    pub(crate) who: Who,
    pub(crate) arguments: Vec<ArgumentTest>,
    pub(crate) sources: Vec<IpNet>,
    pub(crate) hours: Option<Hours>,
    pub action: Action,
}

/// What a rule does to the calls it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Allow,
    /// Refused; `reason` is told to the model.
    Deny {
        reason: Option<String>,
    },
    /// The person at the client confirms this exact call.
    Confirm {
        expires_minutes: u32,
    },
    /// `required` different approvers say yes first.
    Approve {
        approvers: Vec<Person>,
        required: u32,
        expires_minutes: u32,
    },
    /// The user re-authenticates with MFA first. An agent key has no person behind it:
    /// `agent_keys_allowed` says whether it may call anyway.
    StepUp {
        agent_keys_allowed: bool,
    },
}

impl Action {
    /// The name an action is written (and stored) as, back as the same `&'static str`.
    pub fn name_from_text(text: &str) -> Option<&'static str> {
        ["allow", "deny", "confirm", "approve", "step_up"]
            .into_iter()
            .find(|name| *name == text)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny { .. } => "deny",
            Action::Confirm { .. } => "confirm",
            Action::Approve { .. } => "approve",
            Action::StepUp { .. } => "step_up",
        }
    }
}

/// A person by verified email, or everyone at a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Email(String),
    Domain(String),
}

impl Person {
    /// `alice@example.com` or `@example.com`, lowercased; `None` when it is neither.
    pub fn parse(text: &str) -> Option<Person> {
        let text = text.trim().to_ascii_lowercase();
        match text.split_once('@') {
            Some(("", domain)) if valid_domain(domain) => Some(Person::Domain(domain.to_owned())),
            Some((local, domain)) if !local.is_empty() && valid_domain(domain) => {
                Some(Person::Email(text))
            }
            _ => None,
        }
    }

    /// As written in a rule: `alice@example.com` or `@example.com`.
    pub fn as_written(&self) -> String {
        match self {
            Person::Email(email) => email.clone(),
            Person::Domain(domain) => format!("@{domain}"),
        }
    }

    /// Whether `email` (verified, any case) is this person or at this domain.
    pub fn includes(&self, email: &str) -> bool {
        match self {
            Person::Email(expected) => email.eq_ignore_ascii_case(expected),
            Person::Domain(domain) => email
                .rsplit_once('@')
                .is_some_and(|(_, at)| at.eq_ignore_ascii_case(domain)),
        }
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Person::Email(email) => f.write_str(email),
            Person::Domain(domain) => write!(f, "anyone @{domain}"),
        }
    }
}

fn valid_domain(domain: &str) -> bool {
    domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// One condition on the arguments.
#[derive(Debug, Clone)]
pub(crate) struct ArgumentTest {
    pub pointer: String,
    pub test: Test,
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Equals(Value),
    OneOf(Vec<Value>),
    Matches(Regex),
    StartsWith(String),
    Contains(Value),
    Range { min: Option<f64>, max: Option<f64> },
}

impl ArgumentTest {
    pub(crate) fn holds(&self, arguments: &Value) -> bool {
        let Some(value) = arguments.pointer(&self.pointer) else {
            return false;
        };
        match &self.test {
            Test::Equals(expected) => value == expected,
            Test::OneOf(values) => values.contains(value),
            Test::Matches(regex) => value.as_str().is_some_and(|s| regex.is_match(s)),
            Test::StartsWith(prefix) => value.as_str().is_some_and(|s| s.starts_with(prefix)),
            Test::Contains(item) => value.as_array().is_some_and(|items| items.contains(item)),
            Test::Range { min, max } => value
                .as_f64()
                .is_some_and(|n| min.is_none_or(|min| n >= min) && max.is_none_or(|max| n <= max)),
        }
    }
}
