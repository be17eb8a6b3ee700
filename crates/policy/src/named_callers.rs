//! The callers a tenant's data-protection rules tell apart, for the portal's preview ("what would
//! each caller get"): one stand-in caller per combination a rule names — a user or everyone at a
//! domain, or an agent key; through an OAuth client; with a client name — so the preview judges
//! each with the very test the call path uses (`Who::includes`) rather than a second reading of
//! the rules. Callers no rule names all get the same: [`NamedCaller::anyone_else`].

use std::collections::HashSet;
use std::fmt;

use globset::GlobMatcher;

use crate::call::{Caller, CallerKind};
use crate::masking::{Masking, MaskingRule};
use crate::rule::Person;

/// A caller some rule names, as the rule writes it, with what it presents on a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NamedCaller {
    /// A user's email or `@domain`, as written in the rule.
    pub user: Option<String>,
    /// An agent key's name.
    pub agent_key: Option<String>,
    /// An OAuth client's id.
    pub oauth_client: Option<String>,
    /// A client-name glob, as written.
    pub client_name: Option<String>,
    /// The verified email the stand-in presents (for `@domain`, someone at the domain).
    email: Option<String>,
    /// A client name the glob matches.
    client_name_example: Option<String>,
}

impl NamedCaller {
    /// A caller no rule names: every rule that names nobody applies to it, and no other.
    pub fn anyone_else() -> NamedCaller {
        NamedCaller::default()
    }

    /// Whether this is [`NamedCaller::anyone_else`].
    pub fn is_anyone_else(&self) -> bool {
        self == &NamedCaller::anyone_else()
    }

    /// The caller as a call would present it.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            kind: if self.agent_key.is_some() {
                CallerKind::AgentKey
            } else {
                CallerKind::User
            },
            email: self.email.as_deref(),
            key_name: self.agent_key.as_deref(),
            oauth_client: self.oauth_client.as_deref(),
            client_name: self.client_name_example.as_deref(),
        }
    }
}

impl fmt::Display for NamedCaller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.user, &self.agent_key) {
            (Some(domain), _) if domain.starts_with('@') => write!(f, "users {domain}")?,
            (Some(email), _) => write!(f, "user {email}")?,
            (None, Some(key)) => write!(f, "agent key {key}")?,
            (None, None) if self.is_anyone_else() => return f.write_str("any other caller"),
            (None, None) => f.write_str("any caller")?,
        }
        if let Some(client) = &self.oauth_client {
            write!(f, " through OAuth client {client}")?;
        }
        if let Some(name) = &self.client_name {
            write!(f, " with client name {name}")?;
        }
        Ok(())
    }
}

impl Masking {
    /// Every caller the rules name, each once, in the order the rules name them: for a rule,
    /// each of its users and agent keys (or any caller) through each of its OAuth clients (or
    /// any) with each of its client names (or any). A client-name glob that no name can be
    /// made up for is left out. Lazy: a preview takes what it can show.
    pub fn named_callers(&self) -> impl Iterator<Item = NamedCaller> + '_ {
        let mut seen = HashSet::new();
        self.rules()
            .iter()
            .filter(|rule| !rule.who.is_everyone())
            .flat_map(callers_of)
            .filter(move |caller| seen.insert(caller.clone()))
    }

    /// The rules applied to `caller`'s results of `tool`, in order.
    pub fn rules_applying(
        &self,
        tool: &str,
        caller: &Caller<'_>,
    ) -> impl Iterator<Item = &MaskingRule> {
        let set = self.applying(tool, caller);
        self.rules()
            .iter()
            .enumerate()
            .filter(move |(i, _)| set & (1 << i) != 0)
            .map(|(_, rule)| rule)
    }
}

impl MaskingRule {
    /// What the rule masks: its detectors, then its field paths, as written.
    pub fn masks(&self) -> impl Iterator<Item = &str> {
        self.detectors
            .iter()
            .chain(&self.fields)
            .map(String::as_str)
    }
}

fn callers_of(rule: &MaskingRule) -> impl Iterator<Item = NamedCaller> + '_ {
    let who = &rule.who;
    let people = who.people.iter().map(|person| NamedCaller {
        user: Some(person.as_written()),
        email: Some(match person {
            Person::Email(email) => email.clone(),
            Person::Domain(domain) => format!("someone@{domain}"),
        }),
        ..NamedCaller::default()
    });
    let keys = who.agent_keys.iter().map(|key| NamedCaller {
        agent_key: Some(key.clone()),
        ..NamedCaller::default()
    });
    let mut principals: Vec<NamedCaller> = people.chain(keys).collect();
    if principals.is_empty() {
        principals.push(NamedCaller::default());
    }
    let clients = or_any(who.oauth_clients.iter().cloned().map(Some).collect());
    let names = if who.client_names.is_empty() {
        vec![None]
    } else {
        who.client_names
            .iter()
            .filter_map(|glob| Some((glob.glob().glob().to_owned(), example_name(glob)?)))
            .map(Some)
            .collect()
    };
    principals.into_iter().flat_map(move |principal| {
        let names = names.clone();
        clients.clone().into_iter().flat_map(move |client| {
            let principal = principal.clone();
            names.clone().into_iter().map(move |name| {
                let (client_name, client_name_example) = name.unzip();
                NamedCaller {
                    oauth_client: client.clone(),
                    client_name,
                    client_name_example,
                    ..principal.clone()
                }
            })
        })
    })
}

/// `list`, or one "any" when it is empty.
fn or_any(list: Vec<Option<String>>) -> Vec<Option<String>> {
    if list.is_empty() { vec![None] } else { list }
}

/// A client name `glob` matches: the pattern itself when it matches itself (`Claude*` does),
/// else the pattern with `*` left out, `?` as `x`, a `[…]` class as its first member and a
/// `{a,b}` choice as its first; `None` when that does not match either.
fn example_name(glob: &GlobMatcher) -> Option<String> {
    let pattern = glob.glob().glob();
    if glob.is_match(pattern) {
        return Some(pattern.to_owned());
    }
    let mut name = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => {}
            '?' => name.push('x'),
            '\\' => name.extend(chars.next()),
            '[' => {
                let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                match class.chars().next() {
                    Some('!' | '^') | None => name.push('x'),
                    Some(first) => name.push(first),
                }
            }
            '{' => {
                let choices: String = chars.by_ref().take_while(|&c| c != '}').collect();
                name.push_str(choices.split(',').next().unwrap_or_default());
            }
            c => name.push(c),
        }
    }
    glob.is_match(&name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Effect;
    use crate::masking::{MaskingSpec, compile_masking};

    const TOOLS: &[(&str, Effect)] = &[
        ("auth0_list_users", Effect::Read),
        ("auth0_list_logs", Effect::Read),
    ];

    fn masking(toml_text: &str) -> Masking {
        #[derive(serde::Deserialize)]
        struct File {
            masking: Vec<MaskingSpec>,
        }
        let specs = toml::from_str::<File>(toml_text).unwrap().masking;
        compile_masking(&specs, TOOLS).unwrap_or_else(|p| panic!("{p:?}"))
    }

    fn applied(masking: &Masking, tool: &str, caller: &NamedCaller) -> Vec<String> {
        masking
            .rules_applying(tool, &caller.caller())
            .map(|rule| rule.name.clone())
            .collect()
    }

    const RULES: &str = r#"
        [[masking]]
        name = "everyone: no addresses"
        detectors = ["ip"]
        mode = "redact"

        [[masking]]
        name = "support on pseudonyms"
        detectors = ["email"]
        mode = "pseudonym"
        agent_keys = ["support"]
        users = ["alice@example.com", "@acme.com"]

        [[masking]]
        name = "claude through one client"
        detectors = ["phone"]
        fields = ["user_metadata.*"]
        mode = "partial"
        tools = ["auth0_list_logs"]
        oauth_clients = ["mcpc_1"]
        client_names = ["Claude*", "[cC]ursor"]

        [[masking]]
        name = "support again"
        detectors = ["jwt"]
        mode = "drop"
        agent_keys = ["support"]
    "#;

    #[test]
    fn every_caller_a_rule_names_is_listed_once_and_gets_exactly_the_rules_that_name_it() {
        let masking = masking(RULES);
        let named: Vec<NamedCaller> = masking.named_callers().collect();
        let labels: Vec<String> = named.iter().map(ToString::to_string).collect();
        assert_eq!(
            labels,
            [
                "user alice@example.com",
                "users @acme.com",
                "agent key support",
                "any caller through OAuth client mcpc_1 with client name Claude*",
                "any caller through OAuth client mcpc_1 with client name [cC]ursor",
            ]
        );
        let rules = |label: &str, tool: &str| {
            let caller = named.iter().find(|c| c.to_string() == label).unwrap();
            applied(&masking, tool, caller)
        };
        assert_eq!(
            rules("users @acme.com", "auth0_list_users"),
            ["everyone: no addresses", "support on pseudonyms"]
        );
        assert_eq!(
            rules("agent key support", "auth0_list_users"),
            [
                "everyone: no addresses",
                "support on pseudonyms",
                "support again"
            ]
        );
        let claude = "any caller through OAuth client mcpc_1 with client name Claude*";
        assert_eq!(
            rules(claude, "auth0_list_users"),
            ["everyone: no addresses"]
        );
        assert_eq!(
            rules(claude, "auth0_list_logs"),
            ["everyone: no addresses", "claude through one client"]
        );
        assert_eq!(
            rules(
                "any caller through OAuth client mcpc_1 with client name [cC]ursor",
                "auth0_list_logs"
            ),
            ["everyone: no addresses", "claude through one client"],
            "a name is made up for a glob that does not match itself"
        );
        let other = NamedCaller::anyone_else();
        assert_eq!(other.to_string(), "any other caller");
        assert_eq!(
            applied(&masking, "auth0_list_logs", &other),
            ["everyone: no addresses"]
        );
        let rule = &masking.rules()[2];
        assert_eq!(
            rule.masks().collect::<Vec<_>>(),
            ["phone", "user_metadata.*"]
        );
    }

    #[test]
    fn rules_naming_nobody_name_no_caller() {
        let masking = masking(
            r#"
            [[masking]]
            name = "no emails"
            detectors = ["email"]
            mode = "redact"
            "#,
        );
        assert_eq!(masking.named_callers().count(), 0);
        assert_eq!(Masking::default().named_callers().count(), 0);
    }

    #[test]
    fn a_caller_must_meet_every_list_of_a_rule_so_each_combination_is_its_own_caller() {
        let masking = masking(
            r#"
            [[masking]]
            name = "bots through two clients"
            detectors = ["email"]
            mode = "redact"
            agent_keys = ["bot-a", "bot-b"]
            oauth_clients = ["mcpc_1", "mcpc_2"]
            "#,
        );
        let labels: Vec<String> = masking.named_callers().map(|c| c.to_string()).collect();
        assert_eq!(
            labels,
            [
                "agent key bot-a through OAuth client mcpc_1",
                "agent key bot-a through OAuth client mcpc_2",
                "agent key bot-b through OAuth client mcpc_1",
                "agent key bot-b through OAuth client mcpc_2",
            ]
        );
        for caller in masking.named_callers() {
            assert_eq!(
                applied(&masking, "auth0_list_users", &caller),
                ["bots through two clients"],
                "{caller}"
            );
        }
    }
}
