//! Which product scopes each MCP tool needs. The MCP crate declares the tools; this table is the
//! single place that says what each one requires, so a security review reads one file.
//!
//! Where `auth0-api.md` and the tool catalog disagree the API facts win:
//! - `auth0_list_user_roles`: Auth0's 403 text asks for *all of* read:users and read:roles.
//! - `auth0_assign_user_roles` / `auth0_remove_user_roles`: Auth0 accepts update:users for
//!   `POST|DELETE /users/{id}/roles`, so that is what the tools need.
//! - `auth0_add_organization_members` / `..._remove_...`: manage:organization_members is the
//!   product's name for create:organization_members + delete:organization_members.

use crate::scopes::{Scope, Scope::*, ScopeSet};

/// `(tool name, scopes it needs)`, one row per tool, in catalog order.
pub const TOOL_SCOPES: &[(&str, &[Scope])] = &[
    ("auth0_whoami", &[Openid]),
    ("auth0_list_users", &[ReadUsers]),
    ("auth0_get_user", &[ReadUsers]),
    ("auth0_find_users_by_email", &[ReadUsers]),
    ("auth0_create_user", &[CreateUsers]),
    ("auth0_update_user", &[UpdateUsers]),
    ("auth0_delete_user", &[DeleteUsers]),
    ("auth0_get_user_idp_tokens", &[ReadUsers, ReadUserIdpTokens]),
    ("auth0_list_user_roles", &[ReadUsers, ReadRoles]),
    ("auth0_assign_user_roles", &[UpdateUsers]),
    ("auth0_remove_user_roles", &[UpdateUsers]),
    ("auth0_list_user_permissions", &[ReadUsers]),
    (
        "auth0_list_user_organizations",
        &[ReadUsers, ReadOrganizations],
    ),
    ("auth0_list_user_logs", &[ReadLogs]),
    ("auth0_list_organizations", &[ReadOrganizations]),
    ("auth0_get_organization", &[ReadOrganizations]),
    ("auth0_create_organization", &[CreateOrganizations]),
    ("auth0_update_organization", &[UpdateOrganizations]),
    ("auth0_delete_organization", &[DeleteOrganizations]),
    (
        "auth0_list_organization_members",
        &[ReadOrganizationMembers],
    ),
    (
        "auth0_add_organization_members",
        &[ManageOrganizationMembers],
    ),
    (
        "auth0_remove_organization_members",
        &[ManageOrganizationMembers],
    ),
    ("auth0_list_roles", &[ReadRoles]),
    ("auth0_get_role", &[ReadRoles]),
    ("auth0_list_role_users", &[ReadRoles, ReadUsers]),
    ("auth0_list_role_permissions", &[ReadRoles]),
    ("auth0_create_role", &[CreateRoles]),
    ("auth0_update_role", &[UpdateRoles]),
    ("auth0_assign_role_users", &[UpdateRoles]),
    ("auth0_add_role_permissions", &[UpdateRoles]),
    ("auth0_remove_role_permissions", &[UpdateRoles]),
    ("auth0_delete_role", &[DeleteRoles]),
    ("auth0_list_logs", &[ReadLogs]),
    ("auth0_get_log", &[ReadLogs]),
    ("auth0_list_clients", &[ReadClients]),
    ("auth0_get_client", &[ReadClients]),
    ("auth0_update_client", &[UpdateClients]),
];

/// The scopes `tool` needs, or `None` for a name that is not a tool.
pub fn required_scopes(tool: &str) -> Option<ScopeSet> {
    TOOL_SCOPES
        .iter()
        .find(|(name, _)| *name == tool)
        .map(|(_, scopes)| ScopeSet::from_slice(scopes))
}

/// The tools whose needs `granted` covers, in catalog order.
pub fn tools_unlocked_by(granted: ScopeSet) -> impl Iterator<Item = &'static str> {
    TOOL_SCOPES
        .iter()
        .filter(move |(_, scopes)| granted.covers(ScopeSet::from_slice(scopes)))
        .map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_thirty_seven_tools_each_named_once() {
        assert_eq!(TOOL_SCOPES.len(), 37);
        let mut names: Vec<_> = TOOL_SCOPES.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 37);
    }

    #[test]
    fn read_users_alone_unlocks_exactly_the_read_users_tools() {
        let tools: Vec<_> = tools_unlocked_by(ScopeSet::from_slice(&[ReadUsers])).collect();
        assert_eq!(
            tools,
            [
                "auth0_list_users",
                "auth0_get_user",
                "auth0_find_users_by_email",
                "auth0_list_user_permissions"
            ]
        );
    }

    #[test]
    fn idp_tokens_need_both_scopes() {
        let needs = required_scopes("auth0_get_user_idp_tokens").unwrap();
        assert!(!ScopeSet::from_slice(&[ReadUsers]).covers(needs));
        assert!(ScopeSet::from_slice(&[ReadUsers, ReadUserIdpTokens]).covers(needs));
    }

    #[test]
    fn every_tool_needs_at_least_one_scope() {
        assert!(TOOL_SCOPES.iter().all(|(_, scopes)| !scopes.is_empty()));
        assert_eq!(required_scopes("auth0_drop_tenant"), None);
    }
}
