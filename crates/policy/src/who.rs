//! Which callers a rule is about — the same for tool policies and for data-protection rules:
//! connected users by email or domain, agent keys by name, OAuth clients by id, MCP clients by
//! their self-declared name. Empty lists mean everyone.

use globset::GlobMatcher;

use crate::call::{Caller, CallerKind};
use crate::rule::Person;

#[derive(Debug, Clone, Default)]
pub(crate) struct Who {
    pub people: Vec<Person>,
    pub agent_keys: Vec<String>,
    pub oauth_clients: Vec<String>,
    pub client_names: Vec<GlobMatcher>,
}

impl Who {
    /// Whether the rule names no caller at all.
    pub(crate) fn is_everyone(&self) -> bool {
        self.people.is_empty()
            && self.agent_keys.is_empty()
            && self.oauth_clients.is_empty()
            && self.client_names.is_empty()
    }

    /// Whether `caller` is among them.
    pub(crate) fn includes(&self, caller: &Caller<'_>) -> bool {
        self.names_caller(caller)
            && (self.oauth_clients.is_empty()
                || caller
                    .oauth_client
                    .is_some_and(|id| self.oauth_clients.iter().any(|c| c == id)))
            && (self.client_names.is_empty()
                || caller
                    .client_name
                    .is_some_and(|name| self.client_names.iter().any(|g| g.is_match(name))))
    }

    fn names_caller(&self, caller: &Caller<'_>) -> bool {
        if self.people.is_empty() && self.agent_keys.is_empty() {
            return true;
        }
        match caller.kind {
            CallerKind::User => caller
                .email
                .is_some_and(|email| self.people.iter().any(|p| p.includes(email))),
            CallerKind::AgentKey => caller
                .key_name
                .is_some_and(|name| self.agent_keys.iter().any(|k| k == name)),
            CallerKind::LocalOperator => false,
        }
    }
}
