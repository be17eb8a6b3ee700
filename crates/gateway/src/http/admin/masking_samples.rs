//! Results the data-protection preview starts from, shaped as the tools return them (their
//! structured content): two users, two members, two log events (`masking_samples.json`), or one
//! of them for the tools that return one. Invented people, documentation addresses
//! (RFC 5737, RFC 3849) and reserved phone numbers, so a screenshot of the preview shows no one.

use std::sync::LazyLock;

use serde_json::{Value, json};

static SAMPLES: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("masking_samples.json")).expect("the samples are JSON")
});

/// A sample result of `tool`, pretty-printed; `None` for a tool without one (its results carry
/// little personal data: roles, permissions, applications, organizations).
pub(super) fn sample_for(tool: &str) -> Option<String> {
    let sample = match tool {
        "auth0_list_users" => SAMPLES["users"].clone(),
        "auth0_get_user" | "auth0_create_user" | "auth0_update_user" => {
            SAMPLES["users"]["items"][0].clone()
        }
        "auth0_find_users_by_email" => json!({ "users": [SAMPLES["users"]["items"][0]] }),
        "auth0_list_role_users" | "auth0_list_organization_members" => SAMPLES["members"].clone(),
        "auth0_list_logs" | "auth0_list_user_logs" => SAMPLES["logs"].clone(),
        "auth0_get_log" => SAMPLES["logs"]["items"][0].clone(),
        _ => return None,
    };
    serde_json::to_string_pretty(&sample).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_a_tool_of_the_catalog_and_holds_personal_data() {
        let with_samples: Vec<&str> = gw_mcp::catalog()
            .tools()
            .iter()
            .map(|tool| tool.name)
            .filter(|name| sample_for(name).is_some())
            .collect();
        assert_eq!(with_samples.len(), 10, "{with_samples:?}");
        for name in with_samples {
            let sample = sample_for(name).unwrap();
            assert!(sample.contains("jane.doe@example.com"), "{name}: {sample}");
        }
        assert_eq!(sample_for("auth0_list_roles"), None);
    }
}
