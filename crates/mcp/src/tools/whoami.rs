//! Who the gateway is acting for, on which tenant, with which scopes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::PrincipalKind;
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
    /// The tools those scopes unlock (before the operator's allow/deny lists).
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
        tools: gw_oauth::tools_unlocked_by(ctx.scopes).collect(),
    })
}
