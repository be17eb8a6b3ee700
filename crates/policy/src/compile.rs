//! Checking rules as written: every problem is reported with the key it is at and why, and a
//! list with any problem is refused whole (a half-applied policy is worse than none).

use std::collections::HashSet;

use globset::{Glob, GlobMatcher};
use ipnet::IpNet;
use jiff::tz::TimeZone;
use regex::RegexBuilder;

use crate::PolicySet;
use crate::call::Effect;
use crate::hours::{Hours, parse_day, parse_time};
use crate::rule::{Action, ArgumentTest, Person, Rule, Test};
use crate::spec::{ArgumentSpec, HoursSpec, RuleSpec};
use crate::who::Who;

/// A problem with one key of a rule list, e.g. `[2].approvers`: "`approve` needs approvers".
/// Keys are relative to the list; the caller puts its own prefix (`tenants[0].policies`) in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub why: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.why)
    }
}

/// The tools rules may name, with what each does.
pub type KnownTools<'a> = &'a [(&'a str, Effect)];

const MAX_RULES: usize = 200;
const MAX_LIST: usize = 100;
const MAX_TEXT: usize = 500;
/// Compiled size bound for `matches` patterns, so a rule cannot make the matcher huge.
const REGEX_SIZE_LIMIT: usize = 64 * 1024;
const DEFAULT_APPROVE_MINUTES: u32 = 60;
const DEFAULT_CONFIRM_MINUTES: u32 = 10;
/// A request waits at most a week: approvals are for calls someone is waiting on.
const MAX_EXPIRES_MINUTES: u32 = 7 * 24 * 60;

/// Checks and compiles `specs`, in order.
pub fn compile(specs: &[RuleSpec], tools: KnownTools<'_>) -> Result<PolicySet, Vec<Problem>> {
    let mut checker = Checker::new(tools);
    if specs.len() > MAX_RULES {
        checker.problem(
            String::new(),
            format!("{} rules; at most {MAX_RULES} are accepted", specs.len()),
        );
    }
    let mut names = HashSet::new();
    let mut rules = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let key = format!("[{i}]");
        if let Some(rule) = checker.rule(&key, spec) {
            if !names.insert(rule.name.clone()) {
                checker.problem(
                    format!("{key}.name"),
                    format!(
                        "`{}` is used by an earlier rule; names must be unique",
                        rule.name
                    ),
                );
            }
            rules.push(rule);
        }
    }
    if checker.problems.is_empty() {
        Ok(PolicySet {
            rules,
            masking: Default::default(),
            limits: Default::default(),
        })
    } else {
        Err(checker.problems)
    }
}

/// Collects every problem of a rule list (tool policies and data-protection rules alike).
pub(crate) struct Checker<'a> {
    problems: Vec<Problem>,
    tools: KnownTools<'a>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(tools: KnownTools<'a>) -> Checker<'a> {
        Checker {
            problems: Vec::new(),
            tools,
        }
    }
}

impl Checker<'_> {
    pub(crate) fn problem(&mut self, key: String, why: impl Into<String>) {
        self.problems.push(Problem {
            key,
            why: why.into(),
        });
    }

    pub(crate) fn problem_count(&self) -> usize {
        self.problems.len()
    }

    pub(crate) fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    /// A rule's `name`: required, at most 100 characters.
    pub(crate) fn rule_name(&mut self, key: &str, name: Option<&str>) -> Option<String> {
        match name.map(str::trim) {
            None | Some("") => {
                self.problem(format!("{key}.name"), "is required: every rule has a name");
                None
            }
            Some(name) if name.chars().count() > 100 => {
                self.problem(format!("{key}.name"), "is longer than 100 characters");
                None
            }
            Some(name) => Some(name.to_owned()),
        }
    }

    /// Every tool this gateway has.
    pub(crate) fn all_tools(&self) -> HashSet<String> {
        self.tools
            .iter()
            .map(|(tool, _)| (*tool).to_owned())
            .collect()
    }

    /// The tools `patterns` (names or globs) select; each must select one.
    pub(crate) fn selected_tools(&mut self, key: &str, patterns: &[String]) -> HashSet<String> {
        let matchers = self.tools_list(key, patterns);
        self.tools
            .iter()
            .filter(|(tool, _)| matchers.iter().any(|glob| glob.is_match(tool)))
            .map(|(tool, _)| (*tool).to_owned())
            .collect()
    }

    fn rule(&mut self, key: &str, spec: &RuleSpec) -> Option<Rule> {
        let before = self.problems.len();
        let name = self.rule_name(key, spec.name.as_deref());
        if spec.tools.is_none() && spec.effects.is_none() {
            self.problem(
                format!("{key}.tools"),
                "is required (or `effects`): a rule says which tools it is about",
            );
        }
        let selected = self.tools_and_effects(key, spec.tools.as_deref(), spec.effects.as_deref());
        let who = self.who(
            key,
            spec.users.as_deref(),
            spec.agent_keys.as_deref(),
            spec.oauth_clients.as_deref(),
            spec.client_names.as_deref(),
        );
        let arguments = self.arguments(key, spec.arguments.as_deref().unwrap_or_default());
        let sources = self.sources(key, spec.sources.as_deref().unwrap_or_default());
        let hours = spec.hours.as_ref().and_then(|h| self.hours(key, h));
        let action = self.action(key, spec);
        if self.problems.len() > before {
            return None;
        }
        Some(Rule {
            name: name?,
            tools: selected,
            who,
            arguments,
            sources,
            hours,
            action: action?,
        })
    }

    /// The tools that `tools` (names or globs) and `effects` select together; neither selects
    /// every tool.
    pub(crate) fn tools_and_effects(
        &mut self,
        key: &str,
        tools: Option<&[String]>,
        effects: Option<&[String]>,
    ) -> HashSet<String> {
        let matchers = self.tools_list(key, tools.unwrap_or_default());
        let effects_named = self.effects(key, effects.unwrap_or_default());
        if tools.is_some() && effects.is_some() {
            self.tools_and_effects_overlap(key, &matchers, &effects_named);
        }
        self.tools
            .iter()
            .filter(|(tool, effect)| {
                (matchers.is_empty() || matchers.iter().any(|glob| glob.is_match(tool)))
                    && (effects_named.is_empty() || effects_named.contains(effect))
            })
            .map(|(tool, _)| (*tool).to_owned())
            .collect()
    }

    fn bounded<'s>(&mut self, key: &str, list: &'s [String]) -> &'s [String] {
        if list.is_empty() {
            self.problem(
                key.to_owned(),
                "is an empty list: leave it out to match everyone",
            );
        }
        if list.len() > MAX_LIST {
            self.problem(
                key.to_owned(),
                format!("has {} entries; at most {MAX_LIST}", list.len()),
            );
            return &list[..0];
        }
        list
    }

    fn tools_list(&mut self, key: &str, patterns: &[String]) -> Vec<GlobMatcher> {
        let mut matchers = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let key = format!("{key}.tools[{i}]");
            match Glob::new(pattern) {
                Err(error) => self.problem(key, format!("`{pattern}` is not a glob: {error}")),
                Ok(glob) => {
                    let matcher = glob.compile_matcher();
                    if self.tools.iter().any(|(tool, _)| matcher.is_match(tool)) {
                        matchers.push(matcher);
                    } else if pattern.contains(['*', '?', '[', '{']) {
                        self.problem(key, format!("`{pattern}` matches no tool"));
                    } else {
                        self.problem(key, format!("`{pattern}` is not a tool"));
                    }
                }
            }
        }
        if patterns.len() > MAX_LIST {
            self.problem(
                format!("{key}.tools"),
                format!("at most {MAX_LIST} entries"),
            );
        }
        matchers
    }

    fn effects(&mut self, key: &str, names: &[String]) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match Effect::parse(name) {
                Some(effect) => effects.push(effect),
                None => self.problem(
                    format!("{key}.effects[{i}]"),
                    format!("`{name}` is not `read`, `write` or `destructive`"),
                ),
            }
        }
        effects
    }

    /// A rule whose tools all have other effects than it names could never match.
    fn tools_and_effects_overlap(&mut self, key: &str, tools: &[GlobMatcher], effects: &[Effect]) {
        let overlaps = self.tools.iter().any(|(tool, effect)| {
            tools.iter().any(|m| m.is_match(tool)) && effects.contains(effect)
        });
        if !tools.is_empty() && !effects.is_empty() && !overlaps {
            self.problem(
                format!("{key}.effects"),
                "no tool named in `tools` has these effects, so the rule matches nothing",
            );
        }
    }

    /// The callers a rule names (`users`, `agent_keys`, `oauth_clients`, `client_names`).
    pub(crate) fn who(
        &mut self,
        key: &str,
        users: Option<&[String]>,
        agent_keys: Option<&[String]>,
        oauth_clients: Option<&[String]>,
        client_names: Option<&[String]>,
    ) -> Who {
        Who {
            people: self.people(&format!("{key}.users"), users),
            agent_keys: self.names(&format!("{key}.agent_keys"), agent_keys),
            oauth_clients: self.names(&format!("{key}.oauth_clients"), oauth_clients),
            client_names: self.client_names(key, client_names),
        }
    }

    fn people(&mut self, key: &str, list: Option<&[String]>) -> Vec<Person> {
        let Some(list) = list else { return Vec::new() };
        let list = self.bounded(key, list);
        let mut people = Vec::new();
        for (i, text) in list.iter().enumerate() {
            match Person::parse(text) {
                Some(person) => people.push(person),
                None => self.problem(
                    format!("{key}[{i}]"),
                    format!("`{text}` is neither an email address nor `@domain`"),
                ),
            }
        }
        people
    }

    fn names(&mut self, key: &str, list: Option<&[String]>) -> Vec<String> {
        let Some(list) = list else { return Vec::new() };
        let list = self.bounded(key, list);
        for (i, name) in list.iter().enumerate() {
            if name.trim().is_empty() || name.len() > MAX_TEXT {
                self.problem(format!("{key}[{i}]"), "must be 1 to 500 characters");
            }
        }
        list.to_vec()
    }

    fn client_names(&mut self, key: &str, list: Option<&[String]>) -> Vec<GlobMatcher> {
        let key = format!("{key}.client_names");
        let Some(list) = list else { return Vec::new() };
        let list = self.bounded(&key, list);
        let mut matchers = Vec::new();
        for (i, pattern) in list.iter().enumerate() {
            match Glob::new(pattern) {
                Ok(glob) => matchers.push(glob.compile_matcher()),
                Err(error) => self.problem(
                    format!("{key}[{i}]"),
                    format!("`{pattern}` is not a glob: {error}"),
                ),
            }
        }
        matchers
    }

    fn arguments(&mut self, key: &str, specs: &[ArgumentSpec]) -> Vec<ArgumentTest> {
        if specs.len() > MAX_LIST {
            self.problem(
                format!("{key}.arguments"),
                format!("at most {MAX_LIST} conditions"),
            );
            return Vec::new();
        }
        let mut tests = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let key = format!("{key}.arguments[{i}]");
            if let Some(test) = self.argument(&key, spec) {
                tests.push(test);
            }
        }
        tests
    }

    fn argument(&mut self, key: &str, spec: &ArgumentSpec) -> Option<ArgumentTest> {
        let pointer = match spec.pointer.as_deref() {
            None => {
                self.problem(format!("{key}.pointer"), "is required, e.g. `/connection`");
                None
            }
            Some(p) if !p.starts_with('/') => {
                self.problem(
                    format!("{key}.pointer"),
                    format!("`{p}` is not a JSON pointer: it starts with `/`, e.g. `/{p}`"),
                );
                None
            }
            Some(p) => Some(p.to_owned()),
        };
        let mut given = Vec::new();
        if let Some(value) = &spec.equals {
            given.push(("equals", Test::Equals(value.clone())));
        }
        if let Some(values) = &spec.one_of {
            if values.is_empty() || values.len() > MAX_LIST {
                self.problem(format!("{key}.in"), "must list 1 to 100 values");
            }
            given.push(("in", Test::OneOf(values.clone())));
        }
        if let Some(pattern) = &spec.matches {
            match RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(regex) => given.push(("matches", Test::Matches(regex))),
                Err(error) => {
                    self.problem(
                        format!("{key}.matches"),
                        format!("is not a regular expression: {error}"),
                    );
                    given.push(("matches", Test::StartsWith(String::new())));
                }
            }
        }
        if let Some(prefix) = &spec.starts_with {
            given.push(("starts_with", Test::StartsWith(prefix.clone())));
        }
        if let Some(item) = &spec.contains {
            given.push(("contains", Test::Contains(item.clone())));
        }
        if spec.min.is_some() || spec.max.is_some() {
            if let (Some(min), Some(max)) = (spec.min, spec.max)
                && min > max
            {
                self.problem(format!("{key}.min"), format!("{min} is above max {max}"));
            }
            given.push((
                "min/max",
                Test::Range {
                    min: spec.min,
                    max: spec.max,
                },
            ));
        }
        match given.len() {
            0 => {
                self.problem(
                    key.to_owned(),
                    "needs one test: equals, in, matches, starts_with, contains, or min/max",
                );
                None
            }
            1 => Some(ArgumentTest {
                pointer: pointer?,
                test: given.pop()?.1,
            }),
            _ => {
                let names: Vec<_> = given.iter().map(|(name, _)| *name).collect();
                self.problem(
                    key.to_owned(),
                    format!(
                        "has {}: one test per condition (add another condition for another test)",
                        names.join(" and ")
                    ),
                );
                None
            }
        }
    }

    fn sources(&mut self, key: &str, list: &[String]) -> Vec<IpNet> {
        let mut nets = Vec::new();
        for (i, text) in list.iter().enumerate() {
            let parsed = text
                .parse::<IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from));
            match parsed {
                Ok(net) => nets.push(net),
                Err(_) => self.problem(
                    format!("{key}.sources[{i}]"),
                    format!("`{text}` is neither a CIDR range (`10.0.0.0/8`) nor an address"),
                ),
            }
        }
        if list.len() > MAX_LIST {
            self.problem(
                format!("{key}.sources"),
                format!("at most {MAX_LIST} entries"),
            );
        }
        nets
    }

    fn hours(&mut self, key: &str, spec: &HoursSpec) -> Option<Hours> {
        let key = format!("{key}.hours");
        let before = self.problems.len();
        let days = match &spec.days {
            None => ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .filter_map(|d| parse_day(d))
                .collect(),
            Some(days) => {
                let mut parsed = Vec::new();
                for (i, day) in days.iter().enumerate() {
                    match parse_day(day) {
                        Some(day) => parsed.push(day),
                        None => self.problem(
                            format!("{key}.days[{i}]"),
                            format!("`{day}` is not one of mon, tue, wed, thu, fri, sat, sun"),
                        ),
                    }
                }
                if days.is_empty() {
                    self.problem(
                        format!("{key}.days"),
                        "is empty: the window would never open",
                    );
                }
                parsed
            }
        };
        let mut time = |name: &str, value: &Option<String>| match value {
            None => {
                self.problem(format!("{key}.{name}"), "is required (`HH:MM`)");
                None
            }
            Some(text) => {
                let time = parse_time(text);
                if time.is_none() {
                    self.problem(
                        format!("{key}.{name}"),
                        format!("`{text}` is not a time of day as `HH:MM` (00:00 to 24:00)"),
                    );
                }
                time
            }
        };
        let from = time("from", &spec.from);
        let to = time("to", &spec.to);
        if let (Some(from), Some(to)) = (from, to)
            && from == to
        {
            self.problem(
                format!("{key}.to"),
                "equals `from`: the window would be empty",
            );
        }
        let zone_name = spec.time_zone.as_deref().unwrap_or("UTC");
        let time_zone = match TimeZone::get(zone_name) {
            Ok(zone) => Some(zone),
            Err(_) => {
                self.problem(
                    format!("{key}.time_zone"),
                    format!("`{zone_name}` is not an IANA time zone (e.g. `Europe/Berlin`)"),
                );
                None
            }
        };
        if self.problems.len() > before {
            return None;
        }
        Some(Hours {
            days,
            from: from?,
            to: to?,
            time_zone: time_zone?,
        })
    }

    fn action(&mut self, key: &str, spec: &RuleSpec) -> Option<Action> {
        let action = spec.action.as_deref();
        let only = |this: &mut Self, field: &str, given: bool, for_action: &str| {
            if given && action != Some(for_action) {
                this.problem(
                    format!("{key}.{field}"),
                    format!("applies only to `action = \"{for_action}\"`"),
                );
            }
        };
        only(self, "reason", spec.reason.is_some(), "deny");
        only(self, "approvers", spec.approvers.is_some(), "approve");
        only(
            self,
            "approvals_required",
            spec.approvals_required.is_some(),
            "approve",
        );
        only(
            self,
            "agent_keys_step_up",
            spec.agent_keys_step_up.is_some(),
            "step_up",
        );
        if spec.expires_minutes.is_some() && !matches!(action, Some("approve" | "confirm")) {
            self.problem(
                format!("{key}.expires_minutes"),
                "applies only to `approve` and `confirm` rules",
            );
        }
        let expires = |this: &mut Self, default: u32| match spec.expires_minutes {
            None => Some(default),
            Some(m) if (1..=MAX_EXPIRES_MINUTES).contains(&m) => Some(m),
            Some(m) => {
                this.problem(
                    format!("{key}.expires_minutes"),
                    format!("{m} is outside 1 to {MAX_EXPIRES_MINUTES} (a week)"),
                );
                None
            }
        };
        match action {
            None => {
                self.problem(
                    format!("{key}.action"),
                    "is required: allow, deny, confirm, approve or step_up",
                );
                None
            }
            Some("allow") => Some(Action::Allow),
            Some("deny") => {
                if let Some(reason) = &spec.reason
                    && (reason.trim().is_empty() || reason.chars().count() > MAX_TEXT)
                {
                    self.problem(format!("{key}.reason"), "must be 1 to 500 characters");
                }
                Some(Action::Deny {
                    reason: spec.reason.clone(),
                })
            }
            Some("confirm") => Some(Action::Confirm {
                expires_minutes: expires(self, DEFAULT_CONFIRM_MINUTES)?,
            }),
            Some("approve") => {
                let key_approvers = format!("{key}.approvers");
                let Some(list) = &spec.approvers else {
                    self.problem(
                        key_approvers,
                        "is required for `approve`: who may approve (emails or `@domain`s)",
                    );
                    return None;
                };
                let approvers = self.people(&key_approvers, Some(list));
                let required = spec.approvals_required.unwrap_or(1);
                let emails = approvers
                    .iter()
                    .filter(|p| matches!(p, Person::Email(_)))
                    .count();
                let has_domain = approvers.iter().any(|p| matches!(p, Person::Domain(_)));
                if required == 0 || required > 10 {
                    self.problem(
                        format!("{key}.approvals_required"),
                        format!("{required} is outside 1 to 10"),
                    );
                } else if !has_domain && required as usize > emails {
                    self.problem(
                        format!("{key}.approvals_required"),
                        format!("{required} approvals are required but only {emails} approvers are listed"),
                    );
                }
                Some(Action::Approve {
                    approvers,
                    required,
                    expires_minutes: expires(self, DEFAULT_APPROVE_MINUTES)?,
                })
            }
            Some("step_up") => {
                let agent_keys_allowed = match spec.agent_keys_step_up.as_deref() {
                    None | Some("deny") => false,
                    Some("allow") => true,
                    Some(other) => {
                        self.problem(
                            format!("{key}.agent_keys_step_up"),
                            format!("`{other}` is neither `deny` nor `allow`"),
                        );
                        false
                    }
                };
                Some(Action::StepUp { agent_keys_allowed })
            }
            Some(other) => {
                self.problem(
                    format!("{key}.action"),
                    format!("`{other}` is not allow, deny, confirm, approve or step_up"),
                );
                None
            }
        }
    }
}
