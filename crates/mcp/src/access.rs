//! Who is calling, and which tools they may see and call.
//!
//! A caller's effective scopes are the intersection of three things: what the principal holds
//! (an agent key's scopes, a user's grant), what the operator selected for the tenant, and what
//! Auth0 actually granted the token the gateway calls with. Identity scopes (openid, profile,
//! email, offline_access) describe the principal's login, not the Management token, so they are
//! not cut by the Management grant.

use gw_oauth::{ScopeSet, TenantSettings};

use crate::catalog::ToolDef;
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
    /// The operator running `mcp-gateway stdio`: everything the tenant allows.
    pub fn local_operator(tenant: &TenantSettings) -> Principal {
        Principal {
            tenant: tenant.name.clone(),
            subject: "local operator (stdio)".to_owned(),
            kind: PrincipalKind::LocalOperator,
            scopes: tenant.scopes,
            connection: None,
            oauth_client: None,
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

/// Whether `scopes` cover the tool, with the missing scopes named when they do not.
pub fn scopes_allow(tool: &ToolDef, scopes: ScopeSet) -> Result<(), ToolError> {
    if scopes.covers(tool.needs) {
        Ok(())
    } else {
        Err(ToolError::MissingScopes {
            tool: tool.name.to_owned(),
            missing: tool.needs.difference(scopes),
            consent_url: None,
        })
    }
}
