//! A checked rule in words, for people reading what the gateway enforces (the portal): the tools
//! it resolved to, each condition, and the action — from the compiled rule, not the text written,
//! so what is shown is what runs.

use crate::rule::{Action, Rule, Test};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSummary {
    pub name: String,
    /// `deny: "roles are managed in Terraform"`, `approve: 2 of sec@example.com, @ops.example.com`, …
    pub action: String,
    /// The tools it applies to, sorted.
    pub tools: Vec<String>,
    /// One line per condition beyond the tools; empty when it applies to every caller and call.
    pub conditions: Vec<String>,
}

impl Rule {
    pub fn summary(&self) -> RuleSummary {
        let mut tools: Vec<String> = self.tools.iter().cloned().collect();
        tools.sort();
        let mut conditions = Vec::new();
        let people: Vec<String> = self.who.people.iter().map(|p| p.as_written()).collect();
        if !people.is_empty() {
            conditions.push(format!("users: {}", people.join(", ")));
        }
        if !self.who.agent_keys.is_empty() {
            conditions.push(format!("agent keys: {}", self.who.agent_keys.join(", ")));
        }
        if !self.who.oauth_clients.is_empty() {
            conditions.push(format!(
                "OAuth clients: {}",
                self.who.oauth_clients.join(", ")
            ));
        }
        if !self.who.client_names.is_empty() {
            let names: Vec<&str> = self
                .who
                .client_names
                .iter()
                .map(|g| g.glob().glob())
                .collect();
            conditions.push(format!("client names: {}", names.join(", ")));
        }
        for argument in &self.arguments {
            let test = match &argument.test {
                Test::Equals(value) => format!("equals {value}"),
                Test::OneOf(values) => format!(
                    "is one of {}",
                    values
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Test::Matches(regex) => format!("matches /{}/", regex.as_str()),
                Test::StartsWith(prefix) => format!("starts with {prefix:?}"),
                Test::Contains(item) => format!("contains {item}"),
                Test::Range { min, max } => match (min, max) {
                    (Some(min), Some(max)) => format!("is between {min} and {max}"),
                    (Some(min), None) => format!("is at least {min}"),
                    (None, Some(max)) => format!("is at most {max}"),
                    (None, None) => "is a number".to_owned(),
                },
            };
            conditions.push(format!("argument {} {test}", argument.pointer));
        }
        if !self.sources.is_empty() {
            let nets: Vec<String> = self.sources.iter().map(ToString::to_string).collect();
            conditions.push(format!("from {}", nets.join(", ")));
        }
        if let Some(hours) = &self.hours {
            conditions.push(hours.to_string());
        }
        RuleSummary {
            name: self.name.clone(),
            action: action_text(&self.action),
            tools,
            conditions,
        }
    }
}

fn action_text(action: &Action) -> String {
    match action {
        Action::Allow => "allow".to_owned(),
        Action::Deny { reason: None } => "deny".to_owned(),
        Action::Deny {
            reason: Some(reason),
        } => format!("deny: {reason:?}"),
        Action::Confirm { expires_minutes } => {
            format!("confirm by the person at the client (within {expires_minutes} min)")
        }
        Action::Approve {
            approvers,
            required,
            expires_minutes,
        } => {
            let who: Vec<String> = approvers.iter().map(|p| p.as_written()).collect();
            format!(
                "approve: {required} of {} (within {expires_minutes} min)",
                who.join(", ")
            )
        }
        Action::StepUp {
            agent_keys_allowed: false,
        } => "step up with MFA (agent keys denied)".to_owned(),
        Action::StepUp {
            agent_keys_allowed: true,
        } => "step up with MFA (agent keys allowed)".to_owned(),
    }
}
