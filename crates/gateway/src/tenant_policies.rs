//! Checking a tenant's tool policies, data-protection rules and limits wherever they are written
//! — `[[tenants.policies]]`, `[[tenants.masking]]` and `[[tenants.limits]]` in gateway.toml, or
//! the portal's Policies page (TOML `[[policies]]`, `[[masking]]` and `[[limits]]` tables, kept
//! in the store as typed) — so a rule one refuses the other refuses too.

use gw_policy::{LimitSpec, MaskingSpec, PolicySet, Problem, RuleSpec};
use serde::Deserialize;

/// What the portal's editor holds: `[[policies]]` tables with the keys of `[[tenants.policies]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyText {
    #[serde(default)]
    policies: Vec<RuleSpec>,
    #[serde(default)]
    masking: Vec<MaskingSpec>,
    #[serde(default)]
    limits: Vec<LimitSpec>,
}

/// Shown in the portal's editor when a tenant has no policies yet.
pub const EXAMPLE: &str = r#"[[policies]]
name = "organizations stay"
tools = ["auth0_delete_organization"]
action = "deny"
reason = "organizations are managed by the platform team"

[[policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["security@example.com"]

[[policies]]
name = "changes are confirmed"
effects = ["write"]
action = "confirm"
"#;

/// Checks `rules`, `masking` and `limits` against this gateway's tools. Problems are keyed from
/// the lists (`policies[2].approvers`, `masking[0].mode`, `limits[1].window`); the caller puts
/// where they are in front.
pub fn check(
    rules: &[RuleSpec],
    masking: &[MaskingSpec],
    limits: &[LimitSpec],
) -> Result<PolicySet, Vec<Problem>> {
    let tools = gw_mcp::catalog().policy_tools();
    let prefixed = |list: &str, problems: Vec<Problem>| -> Vec<Problem> {
        problems
            .into_iter()
            .map(|p| Problem {
                key: format!("{list}{}", p.key),
                why: p.why,
            })
            .collect()
    };
    let policies = gw_policy::compile(rules, &tools).map_err(|p| prefixed("policies", p));
    let masking = gw_policy::compile_masking(masking, &tools).map_err(|p| prefixed("masking", p));
    let limits = gw_policy::compile_limits(limits, &tools).map_err(|p| prefixed("limits", p));
    match (policies, masking, limits) {
        (Ok(policies), Ok(masking), Ok(limits)) => {
            Ok(policies.with_masking(masking).with_limits(limits))
        }
        (policies, masking, limits) => Err(policies
            .err()
            .into_iter()
            .chain(masking.err())
            .chain(limits.err())
            .flatten()
            .collect()),
    }
}

/// Reads and checks the portal's policy text. Every problem is named by its key
/// (`policies[2].approvers`, `masking[0].detectors[1]`), or by its line when the text is not TOML
/// of this shape.
pub fn parse(text: &str) -> Result<PolicySet, Vec<Problem>> {
    let parsed: PolicyText = toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        vec![Problem {
            key: line.map_or_else(|| "policies".to_owned(), |line| format!("line {line}")),
            why: error.message().trim().to_owned(),
        }]
    })?;
    check(&parsed.policies, &parsed.masking, &parsed.limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_example_and_an_empty_text_are_accepted() {
        assert_eq!(parse(EXAMPLE).unwrap().rules().len(), 3);
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# nothing yet\n").unwrap().is_empty());
    }

    #[test]
    fn each_problem_is_named_by_its_key_or_line() {
        let cases = [
            (
                "approve without approvers",
                "[[policies]]\nname = \"a\"\ntools = [\"auth0_delete_user\"]\naction = \"approve\"\n",
                "policies[0].approvers: is required for `approve`",
            ),
            (
                "a tool that does not exist, in the second rule",
                "[[policies]]\nname = \"a\"\ntools = [\"auth0_list_users\"]\naction = \"allow\"\n\n[[policies]]\nname = \"b\"\ntools = [\"auth0_delet_user\"]\naction = \"deny\"\n",
                "policies[1].tools[0]: `auth0_delet_user` is not a tool",
            ),
            (
                "step_up with a bad choice for agent keys",
                "[[policies]]\nname = \"a\"\ntools = [\"auth0_delete_user\"]\naction = \"step_up\"\nagent_keys_step_up = \"sometimes\"\n",
                "policies[0].agent_keys_step_up: ",
            ),
            (
                "a misspelt key",
                "[[policies]]\nname = \"a\"\ntool = [\"auth0_delete_user\"]\naction = \"deny\"\n",
                "line 3: unknown field `tool`",
            ),
            (
                "a table other than [[policies]]",
                "[[policy]]\nname = \"a\"\n",
                "line 1: unknown field `policy`",
            ),
            ("not TOML", "[[policies]\n", "line 1: "),
        ];
        for (what, text, expected) in cases {
            let found = problems(text);
            assert!(
                found.iter().any(|p| p.starts_with(expected)),
                "{what}: expected {expected:?} in {found:?}"
            );
        }
    }

    #[test]
    fn bad_masking_rules_are_named_by_their_key() {
        let rule = |body: &str| format!("[[masking]]\nname = \"m\"\n{body}\n");
        let cases = [
            (
                "an unknown detector",
                rule("detectors = [\"email\", \"passport\"]\nmode = \"redact\""),
                "masking[0].detectors[1]: ",
            ),
            (
                "an invalid regex",
                rule(
                    "detectors = [\"employee\"]\npatterns = { employee = \"E[0-9\" }\nmode = \"redact\"",
                ),
                "masking[0].patterns.employee: ",
            ),
            (
                "a regex that matches the empty string",
                rule(
                    "detectors = [\"anything\"]\npatterns = { anything = \"x*\" }\nmode = \"redact\"",
                ),
                "masking[0].patterns.anything: ",
            ),
            (
                "a mode that does not exist",
                rule("detectors = [\"email\"]\nmode = \"scramble\""),
                "masking[0].mode: `scramble` is not a mode",
            ),
            (
                "nothing to mask",
                rule("mode = \"redact\""),
                "masking[0].detectors: is required",
            ),
            (
                "a bad field path",
                rule("fields = [\"user_metadata..x\"]\nmode = \"drop\""),
                "masking[0].fields[0]: ",
            ),
            (
                "round_trip outside pseudonym mode",
                rule("detectors = [\"email\"]\nmode = \"partial\"\nround_trip = false"),
                "masking[0].round_trip: applies only to",
            ),
            (
                "a tool that does not exist",
                rule("detectors = [\"email\"]\nmode = \"redact\"\ntools = [\"auth0_list_usres\"]"),
                "masking[0].tools[0]: `auth0_list_usres` is not a tool",
            ),
        ];
        for (what, text, expected) in cases {
            let found = problems(&text);
            assert!(
                found.iter().any(|p| p.starts_with(expected)),
                "{what}: expected {expected:?} in {found:?}"
            );
        }
        let good = rule(
            "detectors = [\"email\", \"employee\"]\npatterns = { employee = \"E[0-9]{6}\" }\nfields = [\"last_ip\", \"user_metadata.*\"]\nmode = \"pseudonym\"\nagent_keys = [\"support\"]",
        );
        let set = parse(&good).unwrap();
        assert_eq!(set.masking().rules().len(), 1);
        assert!(set.masking().uses_pseudonyms());
    }

    #[test]
    fn bad_limits_are_named_by_their_key_and_good_ones_ride_along() {
        let cases = [
            (
                "a window without a unit",
                "[[limits]]\nmax = 5\nwindow = \"60\"\nper = \"caller\"\n",
                "limits[0].window: `60` is not a window",
            ),
            (
                "per something else, in the second limit",
                "[[limits]]\nmax = 5\nwindow = \"1m\"\nper = \"caller\"\n\n[[limits]]\nmax = 5\nwindow = \"1m\"\nper = \"user\"\n",
                "limits[1].per: `user` is neither",
            ),
            (
                "no max",
                "[[limits]]\nwindow = \"1m\"\nper = \"tenant\"\n",
                "limits[0].max: is required",
            ),
            (
                "a tool that does not exist",
                "[[limits]]\nmax = 5\nwindow = \"1m\"\nper = \"tenant\"\ntools = [\"auth0_delet_user\"]\n",
                "limits[0].tools[0]: `auth0_delet_user` is not a tool",
            ),
            (
                "an effect that does not exist",
                "[[limits]]\nmax = 5\nwindow = \"1m\"\nper = \"tenant\"\neffects = [\"dangerous\"]\n",
                "limits[0].effects[0]: ",
            ),
            (
                "a misspelt key",
                "[[limits]]\nmax = 5\nwindow = \"1m\"\nper = \"tenant\"\neffect = [\"write\"]\n",
                "line 5: unknown field `effect`",
            ),
        ];
        for (what, text, expected) in cases {
            let found = problems(text);
            assert!(
                found.iter().any(|p| p.starts_with(expected)),
                "{what}: expected {expected:?} in {found:?}"
            );
        }
        let set = parse(
            "[[policies]]\nname = \"a\"\ntools = [\"auth0_list_users\"]\naction = \"allow\"\n\n[[limits]]\nname = \"deletes\"\nmax = 10\nwindow = \"1h\"\nper = \"caller\"\neffects = [\"destructive\"]\n",
        )
        .unwrap();
        let limits: Vec<&str> = set
            .limits()
            .applying("auth0_delete_user")
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(limits, ["deletes"]);
        assert_eq!(set.limits().applying("auth0_list_users").count(), 0);
    }
}
