//! Per-caller limits (`[[tenants.limits]]` in gateway.toml, `[[limits]]` on the portal's Policies
//! page): how many calls of which tools a tenant, or each of its callers, may make per window.
//! Like data-protection rules and unlike tool policies, every limit that applies to a call counts
//! it, and all must allow it. Checking limits and choosing them per call is here; the counting
//! is the gateway's (`gw-mcp`), in memory or in Redis.

use std::collections::HashSet;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compile::{Checker, KnownTools, Problem};

/// Most limits a tenant may have: each costs a counter round trip on the calls it covers.
const MAX_LIMITS: usize = 50;
/// Most calls a limit may allow per window (the counters' resolution is a microsecond).
const MAX_CALLS: i64 = 1_000_000;
/// The longest window: a limit is a brake on runaway callers, not a monthly quota.
const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// One limit as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// A short name, unique in the tenant's list, told to the model when the limit is reached
    /// (default: the limit described, e.g. `30 calls per 1m per caller`).
    pub name: Option<String>,
    /// Calls allowed per window (1 to 1000000).
    pub max: Option<i64>,
    /// The window: a whole number of seconds, minutes, hours or days, e.g. `"30s"`, `"1m"`,
    /// `"1h"`, `"1d"` (at most 7 days).
    pub window: Option<String>,
    /// `caller`: each caller (agent key, connection, OAuth client of a connection) has its own
    /// count; `tenant`: one count for all the tenant's callers.
    pub per: Option<String>,
    /// Tools counted, by name or glob (default: every tool, or those of `effects`).
    pub tools: Option<Vec<String>>,
    /// Only tools with these effects are counted: `read`, `write`, `destructive`.
    pub effects: Option<Vec<String>>,
}

/// Whose calls one counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// All the tenant's callers share one count.
    Tenant,
    /// Each caller has its own count.
    Caller,
}

/// A checked limit.
#[derive(Debug, Clone)]
pub struct Limit {
    pub name: String,
    pub max: u32,
    pub window: Duration,
    pub per: Per,
    tools: HashSet<String>,
    /// The window as written (`1m`), for telling it.
    window_text: String,
}

impl Limit {
    /// Whether calls of `tool` count against this limit.
    pub fn counts(&self, tool: &str) -> bool {
        self.tools.contains(tool)
    }

    /// The limit in words: `30 calls per 1m per caller`.
    pub fn describe(&self) -> String {
        describe(self.max, &self.window_text, self.per)
    }
}

fn describe(max: u32, window: &str, per: Per) -> String {
    let per = match per {
        Per::Tenant => "for the tenant",
        Per::Caller => "per caller",
    };
    format!("{max} calls per {window} {per}")
}

/// A tenant's limits. Empty: calls are not counted.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    limits: Vec<Limit>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    pub fn limits(&self) -> &[Limit] {
        &self.limits
    }

    /// The limits that count a call of `tool`, in the order written.
    pub fn applying<'a>(&'a self, tool: &'a str) -> impl Iterator<Item = &'a Limit> + 'a {
        self.limits.iter().filter(move |limit| limit.counts(tool))
    }
}

/// Checks and compiles a tenant's limits; every problem is named by its key (`[1].window`).
pub fn compile_limits(specs: &[LimitSpec], tools: KnownTools<'_>) -> Result<Limits, Vec<Problem>> {
    let mut checker = Checker::new(tools);
    if specs.len() > MAX_LIMITS {
        checker.problem(
            String::new(),
            format!("{} limits; at most {MAX_LIMITS} are accepted", specs.len()),
        );
        return Err(checker.into_problems());
    }
    let mut names = HashSet::new();
    let mut limits = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let key = format!("[{i}]");
        if let Some(limit) = limit(&mut checker, &key, spec) {
            if !names.insert(limit.name.clone()) {
                checker.problem(
                    format!("{key}.name"),
                    format!(
                        "`{}` is used by an earlier limit; names must be unique (each has its own count)",
                        limit.name
                    ),
                );
            }
            limits.push(limit);
        }
    }
    let problems = checker.into_problems();
    if problems.is_empty() {
        Ok(Limits { limits })
    } else {
        Err(problems)
    }
}

fn limit(checker: &mut Checker<'_>, key: &str, spec: &LimitSpec) -> Option<Limit> {
    let before = checker.problem_count();
    let max = match spec.max {
        None => {
            checker.problem(
                format!("{key}.max"),
                "is required: the calls allowed per window",
            );
            None
        }
        Some(max) if !(1..=MAX_CALLS).contains(&max) => {
            checker.problem(
                format!("{key}.max"),
                format!("{max} is not from 1 to {MAX_CALLS}"),
            );
            None
        }
        Some(max) => u32::try_from(max).ok(),
    };
    let window = match spec.window.as_deref() {
        None => {
            checker.problem(
                format!("{key}.window"),
                "is required: e.g. \"30s\", \"1m\", \"1h\" or \"1d\"",
            );
            None
        }
        Some(text) => match parse_window(text) {
            Ok(window) => Some(window),
            Err(why) => {
                checker.problem(format!("{key}.window"), why);
                None
            }
        },
    };
    let per = match spec.per.as_deref() {
        None => {
            checker.problem(
                format!("{key}.per"),
                "is required: `caller` (each caller counted alone) or `tenant` (all callers together)",
            );
            None
        }
        Some("caller") => Some(Per::Caller),
        Some("tenant") => Some(Per::Tenant),
        Some(other) => {
            checker.problem(
                format!("{key}.per"),
                format!("`{other}` is neither `caller` nor `tenant`"),
            );
            None
        }
    };
    let tools = checker.tools_and_effects(key, spec.tools.as_deref(), spec.effects.as_deref());
    let name = match spec.name.as_deref() {
        Some(_) => checker.rule_name(key, spec.name.as_deref()),
        None => match (max, &spec.window, per) {
            (Some(max), Some(window), Some(per)) => Some(describe(max, window, per)),
            _ => None,
        },
    };
    if checker.problem_count() > before {
        return None;
    }
    Some(Limit {
        name: name?,
        max: max?,
        window: window?,
        per: per?,
        tools,
        window_text: spec.window.clone()?,
    })
}

/// `30s`, `1m`, `1h`, `1d`: a whole, positive number and a unit, at most [`MAX_WINDOW`].
fn parse_window(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "`{text}` is not a window: a whole number and s, m, h or d, e.g. \"30s\", \"1m\", \"1h\", \"1d\""
        )
    };
    let split = text.len().saturating_sub(1);
    let (number, unit) = (text.get(..split).ok_or_else(bad)?, &text[split..]);
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let count: u64 = number.parse().map_err(|_| bad())?;
    let window = Duration::from_secs(count.saturating_mul(seconds_per));
    if count == 0 {
        return Err(format!(
            "`{text}` is no time at all: a window is at least 1s"
        ));
    }
    if window > MAX_WINDOW {
        return Err(format!("`{text}` is longer than 7 days"));
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Effect;

    const TOOLS: KnownTools<'static> = &[
        ("auth0_list_users", Effect::Read),
        ("auth0_update_user", Effect::Write),
        ("auth0_delete_user", Effect::Destructive),
    ];

    fn spec(max: i64, window: &str, per: &str) -> LimitSpec {
        LimitSpec {
            max: Some(max),
            window: Some(window.to_owned()),
            per: Some(per.to_owned()),
            ..LimitSpec::default()
        }
    }

    #[test]
    fn windows_are_whole_numbers_of_a_unit() {
        assert_eq!(parse_window("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_window("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_window("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_window("7d"), Ok(MAX_WINDOW));
        for bad in [
            "",
            "s",
            "1",
            "1.5m",
            "-1m",
            "1 m",
            "1w",
            "0s",
            "8d",
            "99999999999999999999d",
            "1é",
        ] {
            assert!(parse_window(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_limit_counts_the_tools_and_effects_it_names() {
        let destructive = LimitSpec {
            effects: Some(vec!["destructive".to_owned()]),
            ..spec(10, "1h", "caller")
        };
        let users = LimitSpec {
            name: Some("user tools".to_owned()),
            tools: Some(vec!["auth0_*_user*".to_owned()]),
            ..spec(100, "1m", "tenant")
        };
        let limits = compile_limits(&[destructive, users, spec(5, "1s", "tenant")], TOOLS).unwrap();
        let names =
            |tool| -> Vec<String> { limits.applying(tool).map(|l| l.name.clone()).collect() };
        assert_eq!(
            names("auth0_delete_user"),
            [
                "10 calls per 1h per caller",
                "user tools",
                "5 calls per 1s for the tenant"
            ]
        );
        assert_eq!(
            names("auth0_list_users"),
            ["user tools", "5 calls per 1s for the tenant"]
        );
        assert_eq!(limits.limits()[1].per, Per::Tenant);
    }

    #[test]
    fn every_problem_is_named_by_its_key() {
        let cases = [
            (
                "no max",
                LimitSpec {
                    max: None,
                    ..spec(1, "1m", "caller")
                },
                "[0].max: is required",
            ),
            (
                "max zero",
                spec(0, "1m", "caller"),
                "[0].max: 0 is not from 1",
            ),
            (
                "bad window",
                spec(1, "1 minute", "caller"),
                "[0].window: `1 minute` is not a window",
            ),
            (
                "no window",
                LimitSpec {
                    window: None,
                    ..spec(1, "1m", "caller")
                },
                "[0].window: is required",
            ),
            (
                "bad per",
                spec(1, "1m", "user"),
                "[0].per: `user` is neither",
            ),
            (
                "no per",
                LimitSpec {
                    per: None,
                    ..spec(1, "1m", "caller")
                },
                "[0].per: is required",
            ),
            (
                "unknown tool",
                LimitSpec {
                    tools: Some(vec!["auth0_delet_user".to_owned()]),
                    ..spec(1, "1m", "caller")
                },
                "[0].tools[0]: `auth0_delet_user` is not a tool",
            ),
            (
                "unknown effect",
                LimitSpec {
                    effects: Some(vec!["dangerous".to_owned()]),
                    ..spec(1, "1m", "caller")
                },
                "[0].effects[0]: `dangerous` is not",
            ),
        ];
        for (what, spec, expected) in cases {
            let found: Vec<String> = compile_limits(&[spec], TOOLS)
                .expect_err(what)
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(
                found.iter().any(|p| p.starts_with(expected)),
                "{what}: expected {expected:?} in {found:?}"
            );
        }
        let twice = compile_limits(&[spec(1, "1m", "caller"), spec(1, "1m", "caller")], TOOLS)
            .expect_err("two limits with one name");
        assert!(
            twice[0]
                .to_string()
                .starts_with("[1].name: `1 calls per 1m per caller` is used"),
            "{twice:?}"
        );
    }
}
