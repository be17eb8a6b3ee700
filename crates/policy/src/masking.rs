//! Data-protection rules (`[[tenants.masking]]` in gateway.toml, `[[masking]]` on the portal's
//! Policies page): which personal data in which tools' results is masked, for which callers, and
//! how. Unlike tool policies, every rule that applies to a call is applied — one may give emails
//! as pseudonyms while another redacts IP addresses. Checking rules and choosing them per call is
//! here; the masking itself is `gw-masking`'s.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use gw_masking::{Detector, FieldPath, Masker, Mode, PseudonymKey};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::call::Caller;
use crate::compile::{Checker, KnownTools, Problem};
use crate::who::Who;

/// Most rules a tenant may have: the rules that apply to a call are a bit set of this size.
const MAX_RULES: usize = 64;
const MAX_PATTERN_LEN: usize = 500;

/// One rule as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaskingSpec {
    /// A short name, unique in the tenant's list (shown in the portal and in `check`).
    pub name: Option<String>,
    /// What to find in any text of a result: `email`, `phone`, `ip`, `credit_card`, `iban`,
    /// `us_ssn`, `jwt`, or the name of one of `patterns`.
    pub detectors: Option<Vec<String>>,
    /// Detectors of your own: name → regular expression, e.g. `employee_id = "E[0-9]{6}"`.
    pub patterns: Option<BTreeMap<String, String>>,
    /// Auth0 fields masked whatever they hold: `last_ip`, `location_info`, `user_metadata.*`,
    /// `identities[].profileData` (`*` every member, `[]` every element).
    pub fields: Option<Vec<String>>,
    /// `redact` (`[email]`), `partial` (`j***@example.com`), `drop` (the field goes), or
    /// `pseudonym` (`pii:email:…`, the same for the same value, which the model may pass back).
    pub mode: Option<String>,
    /// Tools whose results are masked, by name or glob (default: every tool).
    pub tools: Option<Vec<String>>,
    /// Connected users by verified email or `@domain` (default: every caller).
    pub users: Option<Vec<String>>,
    /// Agent keys by name.
    pub agent_keys: Option<Vec<String>>,
    /// MCP clients of the gateway's authorization server, by client id.
    pub oauth_clients: Option<Vec<String>>,
    /// The MCP client's own name (`clientInfo.name`); globs allowed. Self-declared.
    pub client_names: Option<Vec<String>>,
    /// `pseudonym` only: whether these callers may pass pseudonyms back in arguments, which the
    /// gateway then resolves before calling Auth0 (default true).
    pub round_trip: Option<bool>,
}

/// A checked rule.
#[derive(Debug)]
pub struct MaskingRule {
    pub name: String,
    tools: HashSet<String>,
    pub(crate) who: Who,
    pub mode: Mode,
    round_trip: bool,
    /// Detector names (built-in and custom) and the custom patterns, as checked.
    pub(crate) detectors: Vec<String>,
    patterns: BTreeMap<String, String>,
    pub(crate) fields: Vec<String>,
}

impl MaskingRule {
    /// The engine's form of the rule. Everything in it was checked at compile.
    fn engine_rule(&self) -> gw_masking::Rule {
        let detectors = self
            .detectors
            .iter()
            .map(|name| match self.patterns.get(name) {
                Some(pattern) => Detector::custom(name, pattern),
                None => Detector::builtin(name),
            })
            .map(|checked| checked.expect("detectors are checked at compile"))
            .collect();
        let fields = self
            .fields
            .iter()
            .map(|path| FieldPath::parse(path).expect("field paths are checked at compile"))
            .collect();
        gw_masking::Rule {
            detectors,
            fields,
            mode: self.mode,
        }
    }
}

/// A tenant's data-protection rules. Empty: results leave as Auth0 gave them.
#[derive(Debug, Default)]
pub struct Masking {
    rules: Vec<MaskingRule>,
    /// Maskers already built, by the set of rules they apply (bit i: rule i).
    built: RwLock<HashMap<u64, Arc<Masker>>>,
}

impl Masking {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> &[MaskingRule] {
        &self.rules
    }

    /// Whether any rule gives pseudonyms (the store's key is then needed).
    pub fn uses_pseudonyms(&self) -> bool {
        self.rules.iter().any(|r| r.mode == Mode::Pseudonym)
    }

    pub(crate) fn applying(&self, tool: &str, caller: &Caller<'_>) -> u64 {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.tools.contains(tool) && rule.who.includes(caller))
            .fold(0, |set, (i, _)| set | (1 << i))
    }

    /// The masker for `caller`'s results of `tool`; `None` when no rule applies (nothing to do).
    /// Fails when a rule gives pseudonyms and there is no `key` (no store key): the caller must
    /// then refuse the call rather than let the data out unmasked.
    pub fn masker(
        &self,
        tool: &str,
        caller: &Caller<'_>,
        key: Option<&Arc<PseudonymKey>>,
    ) -> Result<Option<Arc<Masker>>, String> {
        let set = self.applying(tool, caller);
        if set == 0 {
            return Ok(None);
        }
        if let Some(masker) = self.built.read().ok().and_then(|b| b.get(&set).cloned()) {
            return Ok(Some(masker));
        }
        let rules = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| set & (1 << i) != 0)
            .map(|(_, rule)| rule.engine_rule())
            .collect();
        let masker = Arc::new(Masker::new(rules, key.cloned())?);
        if let Ok(mut built) = self.built.write() {
            built.insert(set, masker.clone());
        }
        Ok(Some(masker))
    }

    /// Whether `caller` may hand pseudonyms back: some `pseudonym` rule with the round trip
    /// applies to it (for any tool: pseudonyms come from reads and go back into writes).
    pub fn may_round_trip(&self, caller: &Caller<'_>) -> bool {
        self.rules
            .iter()
            .any(|r| r.mode == Mode::Pseudonym && r.round_trip && r.who.includes(caller))
    }

    /// What the model is told, in the tool's description, about how its results are masked for
    /// `caller`; `None` when nothing is (so `tools/list` stays as small as without rules).
    pub fn note(&self, tool: &str, caller: &Caller<'_>) -> Option<String> {
        let set = self.applying(tool, caller);
        if set == 0 {
            return None;
        }
        let mut parts = Vec::new();
        for (_, rule) in self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| set & (1 << i) != 0)
        {
            let mut what: Vec<&str> = rule.detectors.iter().map(String::as_str).collect();
            what.extend(rule.fields.iter().map(String::as_str));
            let how = match rule.mode {
                Mode::Redact => "replaced by a label such as `[email]`".to_owned(),
                Mode::Partial => "partly hidden (e.g. `j***@example.com`)".to_owned(),
                Mode::Drop => "left out".to_owned(),
                Mode::Pseudonym if rule.round_trip && rule.who.includes(caller) => {
                    "given as pseudonyms `pii:<kind>:<token>`, the same for the same value; pass them back unchanged in any argument to act on the real value".to_owned()
                }
                Mode::Pseudonym => "given as pseudonyms `pii:<kind>:<token>` (the same for the same value)".to_owned(),
            };
            parts.push(format!("{} {how}", what.join(", ")));
        }
        Some(format!(
            "Personal data in its results is masked: {}.",
            parts.join("; ")
        ))
    }
}

/// Checks and compiles a tenant's rules, in order; every problem is named by its key (`[1].mode`).
pub fn compile_masking(
    specs: &[MaskingSpec],
    tools: KnownTools<'_>,
) -> Result<Masking, Vec<Problem>> {
    let mut checker = Checker::new(tools);
    if specs.len() > MAX_RULES {
        checker.problem(
            String::new(),
            format!("{} rules; at most {MAX_RULES} are accepted", specs.len()),
        );
        return Err(checker.into_problems());
    }
    let mut names = HashSet::new();
    let mut rules = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let key = format!("[{i}]");
        if let Some(rule) = masking_rule(&mut checker, &key, spec) {
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
    let problems = checker.into_problems();
    if problems.is_empty() {
        Ok(Masking {
            rules,
            built: RwLock::default(),
        })
    } else {
        Err(problems)
    }
}

fn masking_rule(checker: &mut Checker<'_>, key: &str, spec: &MaskingSpec) -> Option<MaskingRule> {
    let before = checker.problem_count();
    let name = checker.rule_name(key, spec.name.as_deref());
    let mode = match spec.mode.as_deref() {
        None => {
            checker.problem(
                format!("{key}.mode"),
                "is required: redact, partial, drop or pseudonym",
            );
            None
        }
        Some("redact") => Some(Mode::Redact),
        Some("partial") => Some(Mode::Partial),
        Some("drop") => Some(Mode::Drop),
        Some("pseudonym") => Some(Mode::Pseudonym),
        Some(other) => {
            checker.problem(
                format!("{key}.mode"),
                format!("`{other}` is not a mode: redact, partial, drop or pseudonym"),
            );
            None
        }
    };
    let patterns = spec.patterns.clone().unwrap_or_default();
    for (name, pattern) in &patterns {
        if pattern.len() > MAX_PATTERN_LEN {
            checker.problem(
                format!("{key}.patterns.{name}"),
                format!("is longer than {MAX_PATTERN_LEN} characters"),
            );
        } else if let Err(why) = Detector::custom(name, pattern) {
            checker.problem(format!("{key}.patterns.{name}"), why);
        }
        if Detector::builtin(name).is_ok() {
            checker.problem(
                format!("{key}.patterns.{name}"),
                format!("`{name}` is a built-in detector; give your pattern another name"),
            );
        }
    }
    let detectors = spec.detectors.clone().unwrap_or_default();
    for (i, name) in detectors.iter().enumerate() {
        if !patterns.contains_key(name)
            && let Err(why) = Detector::builtin(name)
        {
            checker.problem(
                format!("{key}.detectors[{i}]"),
                format!("{why}, or the name of one of this rule's `patterns`"),
            );
        }
    }
    for name in patterns.keys() {
        if !detectors.contains(name) {
            checker.problem(
                format!("{key}.patterns.{name}"),
                format!("is not used: add `{name}` to `detectors`"),
            );
        }
    }
    let fields = spec.fields.clone().unwrap_or_default();
    for (i, path) in fields.iter().enumerate() {
        if let Err(why) = FieldPath::parse(path) {
            checker.problem(format!("{key}.fields[{i}]"), why);
        }
    }
    if detectors.is_empty() && fields.is_empty() {
        checker.problem(
            format!("{key}.detectors"),
            "is required (or `fields`): a rule says what to mask",
        );
    }
    if spec.round_trip.is_some() && mode != Some(Mode::Pseudonym) {
        checker.problem(
            format!("{key}.round_trip"),
            "applies only to `mode = \"pseudonym\"`",
        );
    }
    let tools = match &spec.tools {
        None => checker.all_tools(),
        Some(patterns) => checker.selected_tools(key, patterns),
    };
    let who = checker.who(
        key,
        spec.users.as_deref(),
        spec.agent_keys.as_deref(),
        spec.oauth_clients.as_deref(),
        spec.client_names.as_deref(),
    );
    if checker.problem_count() > before {
        return None;
    }
    Some(MaskingRule {
        name: name?,
        tools,
        who,
        mode: mode?,
        round_trip: spec.round_trip.unwrap_or(true),
        detectors,
        patterns,
        fields,
    })
}
