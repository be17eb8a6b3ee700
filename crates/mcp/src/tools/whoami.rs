//! Who the gateway is acting for, on which tenant, with which scopes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{self, PrincipalKind};
use crate::call::CallContext;
use crate::catalog::{Effect, ToolDef};
use crate::error::ToolError;
use crate::render::Summary;

pub(super) fn tools() -> Vec<ToolDef> {
    vec![ToolDef::new(
        "auth0_whoami",
        "Who am I",
        "Say which tenant this connection manages, on whose behalf, and which scopes (and so which tools) it has.",
        Effect::Read,
        whoami,
    )]
}

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArgs {}

/// The caller's identity and reach.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct WhoAmI {
    /// The tenant's name in the gateway.
    tenant: String,
    /// The tenant's Auth0 domain.
    domain: String,
    /// Who the calls are made for.
    principal: String,
    /// `local_operator`, `agent_key` or `user`.
    principal_kind: &'static str,
    /// How the gateway authenticates to Auth0 for this tenant.
    grant: String,
    /// The gateway scopes in effect for this caller.
    scopes: Vec<&'static str>,
    /// The tools this caller can use: those scopes' tools that the operator's settings offer
    /// (what `tools/list` shows).
    tools: Vec<&'static str>,
}

impl Summary for WhoAmI {
    fn summary(&self) -> String {
        format!(
            "{} on tenant {} ({}) with {} scopes.",
            self.principal,
            self.tenant,
            self.domain,
            self.scopes.len()
        )
    }
}

async fn whoami(ctx: CallContext, _: NoArgs) -> Result<WhoAmI, ToolError> {
    Ok(WhoAmI {
        tenant: ctx.tenant.name.clone(),
        domain: ctx.tenant.domain.clone(),
        principal: ctx.principal.subject.clone(),
        principal_kind: match ctx.principal.kind {
            PrincipalKind::LocalOperator => "local_operator",
            PrincipalKind::AgentKey => "agent_key",
            PrincipalKind::User => "user",
        },
        grant: ctx.tenant.grant.to_string(),
        scopes: ctx.scopes.names(),
        // `ctx.scopes` is already cut by what Auth0 granted, so it stands in for the grant; the
        // tools the tenant's policy denies this caller outright are hidden, as in `tools/list`.
        tools: access::visible_tools(&ctx.principal, &ctx.tenant, ctx.scopes)
            .into_iter()
            .filter(|tool| {
                !crate::policy_gate::hidden_by_policy(
                    &ctx.policies,
                    &ctx.principal,
                    ctx.client_name.as_deref(),
                    tool.name,
                )
            })
            .map(|tool| tool.name)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gw_auth0::{Auth0Client, ClientOptions};
    use gw_oauth::{AccessToken, ClientSecret, GrantMode, Scope, ScopeSet, TenantSettings};

    use super::*;
    use crate::access::Principal;

    #[tokio::test]
    async fn the_tools_are_the_ones_the_caller_sees_not_all_their_scopes_unlock() {
        let tenant = TenantSettings {
            name: "demo".into(),
            domain: "demo.us.auth0.com".into(),
            base_url: "https://demo.us.auth0.com".parse().unwrap(),
            client_id: "id".into(),
            client_secret: ClientSecret::new("secret"),
            grant: GrantMode::ClientCredentials,
            scopes: ScopeSet::from_slice(&[Scope::Openid, Scope::ReadUsers, Scope::DeleteUsers]),
            read_only: true,
            allow: None,
            deny: vec!["auth0_list_users".into()],
            user_policy: vec![],
        };
        let principal = Principal::local_operator(&tenant);
        let context = CallContext::new(
            Auth0Client::new(tenant.base_url.clone(), ClientOptions::default()).unwrap(),
            Arc::new(tenant),
            Arc::new(principal),
            ScopeSet::from_slice(&[Scope::Openid, Scope::ReadUsers, Scope::DeleteUsers]),
            AccessToken::new("token".to_owned()),
        );
        let me = whoami(context, NoArgs {}).await.unwrap();
        // delete:users is held, but read_only hides auth0_delete_user; deny hides auth0_list_users.
        assert_eq!(
            me.tools,
            [
                "auth0_whoami",
                "auth0_get_user",
                "auth0_find_users_by_email",
                "auth0_list_user_permissions"
            ]
        );
    }
}
