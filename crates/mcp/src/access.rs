//! Who is calling, and which tools they may see and call.
//!
//! A caller's effective scopes are the intersection of three things: what the principal holds
//! (an agent key's scopes, a user's grant), what the operator selected for the tenant, and what
//! Auth0 actually granted the token the gateway calls with. Identity scopes (openid, profile,
//! email, offline_access) describe the principal's login, not the Management token, so they are
//! not cut by the Management grant.

use gw_oauth::{Scope, ScopeSet, TenantSettings};

use crate::catalog::{ToolDef, catalog};
use crate::error::ToolError;

/// The caller a request runs on behalf of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: String,
    /// Who this is, for logs and `auth0_whoami`: a user id, an agent key's name, or the local operator.
    pub subject: String,
    pub kind: PrincipalKind,
    /// The most this principal may use, before the tenant's and Auth0's limits.
    pub scopes: ScopeSet,
    /// The connection (`con_…`) a user principal acts through.
    pub connection: Option<String>,
    /// The MCP client (`mcpc_…`) whose OAuth token, issued by the gateway's authorization
    /// server, the request presented; `None` for access keys and stdio.
    pub oauth_client: Option<String>,
    /// A connected user's Auth0 user id and email (only when Auth0 says it is verified): what
    /// policies name users by, and who may not approve their own calls.
    pub user_id: Option<String>,
    pub email: Option<String>,
    /// An agent key's name, which policies name keys by.
    pub key_name: Option<String>,
    /// For an MCP client's OAuth token: what its grant holds and what the connection behind it
    /// holds (`scopes` is what both hold), so that a call the connection covers but the grant
    /// does not can be answered with a scope challenge ([`wider_grant`]).
    pub grant: Option<GrantScopes>,
}

/// The two sets an OAuth principal's scopes are cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantScopes {
    /// What the MCP client's grant holds (what it asked for, within the tenant's scopes).
    pub granted: ScopeSet,
    /// What the connection the grant acts for holds.
    pub connection: ScopeSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// Whoever runs the gateway over stdio: the operator's own process.
    LocalOperator,
    /// An agent holding an access key.
    AgentKey,
    /// A user who connected through the authorization-code flow.
    User,
}

impl Principal {
    /// Who this is for limits counted per caller: stable across its requests and sessions, and
    /// different for every agent key, connection, and OAuth client of a connection.
    pub fn limit_identity(&self) -> String {
        match (self.kind, &self.oauth_client, &self.connection) {
            (_, Some(client), Some(connection)) => format!("oauth:{client}:{connection}"),
            (_, Some(client), None) => format!("oauth:{client}"),
            (_, None, Some(connection)) => format!("connection:{connection}"),
            // The subject names the key by its id too: two keys may share a name.
            (PrincipalKind::AgentKey, None, None) => format!("key:{}", self.subject),
            (PrincipalKind::LocalOperator, None, None) => "local".to_owned(),
            (PrincipalKind::User, None, None) => {
                format!("user:{}", self.user_id.as_deref().unwrap_or(&self.subject))
            }
        }
    }

    /// The operator running `mcp-gateway stdio`: everything the tenant allows.
    pub fn local_operator(tenant: &TenantSettings) -> Principal {
        Principal {
            tenant: tenant.name.clone(),
            subject: "local operator (stdio)".to_owned(),
            kind: PrincipalKind::LocalOperator,
            scopes: tenant.scopes,
            connection: None,
            oauth_client: None,
            user_id: None,
            email: None,
            key_name: None,
            grant: None,
        }
    }
}

/// The scopes a principal can use right now on a tenant whose upstream token granted `upstream`.
pub fn effective_scopes(
    principal: &Principal,
    tenant: &TenantSettings,
    upstream: ScopeSet,
) -> ScopeSet {
    principal
        .scopes
        .intersection(tenant.scopes)
        .intersection(upstream.union(ScopeSet::IDENTITY))
}

/// The scopes an MCP client should ask a new grant for so that `tool` can run (the MCP
/// "step-up authorization flow"): its grant's scopes and the tool's, when its grant lacks some of
/// the tool's and a new grant is all it takes — the tenant allows the tool and its scopes, and
/// the connection behind the grant holds them. `None` for everyone else: no new grant would help.
/// Never `offline_access`: it is how the client gets refresh tokens, not something a tool needs.
pub fn wider_grant(
    principal: &Principal,
    tenant: &TenantSettings,
    tool: &ToolDef,
) -> Option<ScopeSet> {
    let grant = principal.grant?;
    let helps = !grant.granted.covers(tool.needs)
        && grant.connection.covers(tool.needs)
        && tenant.scopes.covers(tool.needs)
        && operator_allows(tool, tenant).is_ok();
    helps.then(|| {
        grant
            .granted
            .union(tool.needs)
            .difference(ScopeSet::from_slice(&[Scope::OfflineAccess]))
    })
}

/// Whether the operator's settings for the tenant let `tool` be offered at all.
pub fn operator_allows(tool: &ToolDef, tenant: &TenantSettings) -> Result<(), ToolError> {
    let refuse = |reason| {
        Err(ToolError::NotAllowed {
            tool: tool.name.to_owned(),
            tenant: tenant.name.clone(),
            reason,
        })
    };
    if tenant.read_only && tool.effect.changes_tenant() {
        return refuse("the tenant is configured read-only");
    }
    if tenant.deny.iter().any(|name| name == tool.name) {
        return refuse("the operator's deny list names it");
    }
    if let Some(allow) = &tenant.allow
        && !allow.iter().any(|name| name == tool.name)
    {
        return refuse("the operator's allow list does not name it");
    }
    Ok(())
}

/// The tools `principal` sees on `tenant` when Auth0 granted `upstream`, in catalog order: those
/// the operator's settings offer and the principal's effective scopes cover. `tools/list`, the
/// connect page, the portal's counts and `auth0_whoami` all answer from here, so they agree.
pub fn visible_tools(
    principal: &Principal,
    tenant: &TenantSettings,
    upstream: ScopeSet,
) -> Vec<&'static ToolDef> {
    let scopes = effective_scopes(principal, tenant, upstream);
    catalog()
        .tools()
        .iter()
        .filter(|tool| operator_allows(tool, tenant).is_ok())
        .filter(|tool| scopes.covers(tool.needs))
        .collect()
}

#[cfg(test)]
mod tests {
    use gw_oauth::{ClientSecret, GrantMode, Scope};

    use super::*;

    fn tenant(scopes: &[Scope]) -> TenantSettings {
        TenantSettings {
            name: "demo".into(),
            domain: "demo.us.auth0.com".into(),
            base_url: "https://demo.us.auth0.com".parse().unwrap(),
            client_id: "id".into(),
            client_secret: ClientSecret::new("secret"),
            grant: GrantMode::ClientCredentials,
            scopes: ScopeSet::from_slice(scopes),
            read_only: false,
            allow: None,
            deny: vec![],
            user_policy: vec![],
        }
    }

    fn holding(tenant: &TenantSettings, scopes: &[Scope]) -> Principal {
        Principal {
            scopes: ScopeSet::from_slice(scopes),
            ..Principal::local_operator(tenant)
        }
    }

    fn names(tools: Vec<&'static ToolDef>) -> Vec<&'static str> {
        tools.into_iter().map(|tool| tool.name).collect()
    }

    const READ_USERS_TOOLS: [&str; 5] = [
        "auth0_whoami",
        "auth0_list_users",
        "auth0_get_user",
        "auth0_find_users_by_email",
        "auth0_list_user_permissions",
    ];

    #[test]
    fn with_everything_allowed_and_granted_the_whole_catalog_is_visible() {
        let tenant = tenant(Scope::ALL);
        let operator = Principal::local_operator(&tenant);
        let visible = visible_tools(&operator, &tenant, ScopeSet::all());
        assert_eq!(visible.len(), catalog().tools().len());
    }

    #[test]
    fn the_operators_settings_hide_tools() {
        type Case = (&'static str, fn(&mut TenantSettings), fn(&ToolDef) -> bool);
        let cases: [Case; 4] = [
            (
                "read_only hides every tool that changes the tenant",
                |t| t.read_only = true,
                |tool| !tool.effect.changes_tenant(),
            ),
            (
                "deny hides the tools it names",
                |t| t.deny = vec!["auth0_list_users".into(), "auth0_delete_user".into()],
                |tool| !matches!(tool.name, "auth0_list_users" | "auth0_delete_user"),
            ),
            (
                "allow shows only the tools it names",
                |t| t.allow = Some(vec!["auth0_whoami".into(), "auth0_get_user".into()]),
                |tool| matches!(tool.name, "auth0_whoami" | "auth0_get_user"),
            ),
            (
                "deny wins over allow",
                |t| {
                    t.allow = Some(vec!["auth0_whoami".into(), "auth0_get_user".into()]);
                    t.deny = vec!["auth0_get_user".into()];
                },
                |tool| tool.name == "auth0_whoami",
            ),
        ];
        for (name, configure, expected) in cases {
            let mut tenant = tenant(Scope::ALL);
            configure(&mut tenant);
            let operator = Principal::local_operator(&tenant);
            let want: Vec<&str> = catalog()
                .tools()
                .iter()
                .filter(|tool| expected(tool))
                .map(|tool| tool.name)
                .collect();
            assert!(
                !want.is_empty() && want.len() < catalog().tools().len(),
                "case {name}"
            );
            assert_eq!(
                names(visible_tools(&operator, &tenant, ScopeSet::all())),
                want,
                "case {name}"
            );
        }
    }

    #[test]
    fn the_grant_cuts_management_scopes_but_not_identity_scopes() {
        let tenant = tenant(Scope::ALL);
        let operator = Principal::local_operator(&tenant);
        // auth0_whoami needs only openid: the principal's login, which no Management grant names.
        assert_eq!(
            names(visible_tools(&operator, &tenant, ScopeSet::EMPTY)),
            ["auth0_whoami"]
        );
        assert_eq!(
            names(visible_tools(
                &operator,
                &tenant,
                ScopeSet::from_slice(&[Scope::ReadUsers])
            )),
            READ_USERS_TOOLS
        );
    }

    #[test]
    fn the_principal_and_the_tenant_each_cap_the_scopes() {
        let tenant = tenant(&[Scope::Openid, Scope::ReadUsers, Scope::ReadRoles]);
        // The principal holds more than the tenant offers (delete:users) and less (read:roles).
        let user = holding(
            &tenant,
            &[Scope::Openid, Scope::ReadUsers, Scope::DeleteUsers],
        );
        assert_eq!(
            names(visible_tools(&user, &tenant, ScopeSet::all())),
            READ_USERS_TOOLS
        );
        // Without openid even auth0_whoami is hidden: identity scopes are the principal's too.
        let key = holding(&tenant, &[Scope::ReadUsers]);
        assert_eq!(
            names(visible_tools(&key, &tenant, ScopeSet::all())),
            &READ_USERS_TOOLS[1..]
        );
    }

    #[test]
    fn a_scope_challenge_is_made_only_where_a_wider_grant_would_let_the_tool_run() {
        use Scope::*;
        let list_roles = catalog().get("auth0_list_roles").unwrap();
        let oauth = |tenant: &TenantSettings, granted: &[Scope], connection: &[Scope]| {
            let (granted, connection) = (
                ScopeSet::from_slice(granted),
                ScopeSet::from_slice(connection),
            );
            Principal {
                scopes: granted.intersection(connection),
                grant: Some(GrantScopes {
                    granted,
                    connection,
                }),
                ..Principal::local_operator(tenant)
            }
        };
        let all = tenant(Scope::ALL);
        let mut denied = tenant(Scope::ALL);
        denied.deny = vec!["auth0_list_roles".into()];
        let narrow = tenant(&[Openid, OfflineAccess, ReadUsers]);
        type Case<'a> = (
            &'static str,
            Principal,
            &'a TenantSettings,
            Option<&'static [Scope]>,
        );
        let cases: [Case; 6] = [
            (
                "the grant lacks the tool's scope and the connection holds it: the grant plus the tool's, without offline_access",
                oauth(
                    &all,
                    &[Openid, OfflineAccess, ReadUsers],
                    &[Openid, OfflineAccess, ReadUsers, ReadRoles],
                ),
                &all,
                Some(&[Openid, ReadUsers, ReadRoles]),
            ),
            (
                "the grant holds it: nothing to ask for",
                oauth(&all, &[Openid, ReadRoles], &[Openid, ReadRoles]),
                &all,
                None,
            ),
            (
                "the connection lacks it too: a new grant would not help (consent does)",
                oauth(&all, &[Openid], &[Openid, ReadUsers]),
                &all,
                None,
            ),
            (
                "the tenant does not allow it",
                oauth(&narrow, &[Openid], &[Openid, ReadRoles]),
                &narrow,
                None,
            ),
            (
                "the operator denies the tool",
                oauth(&denied, &[Openid], &[Openid, ReadRoles]),
                &denied,
                None,
            ),
            (
                "not an OAuth client: no grant to widen",
                holding(&all, &[Openid]),
                &all,
                None,
            ),
        ];
        for (name, principal, tenant, want) in cases {
            assert_eq!(
                wider_grant(&principal, tenant, list_roles),
                want.map(ScopeSet::from_slice),
                "case {name}"
            );
        }
    }
}
