//! The MCP server handler: lists the tools a principal may use and guards every call.

use std::sync::Arc;
use std::time::Instant;

use gw_auth0::Auth0Error;
use gw_oauth::ScopeSet;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::access::{self, Principal};
use crate::call::CallContext;
use crate::catalog::{ToolDef, catalog};
use crate::error::ToolError;
use crate::tenant_runtime::TenantRuntime;

/// One MCP session's server: a tenant and the principal the session acts for.
#[derive(Clone)]
pub struct GatewayServer {
    tenant: Arc<TenantRuntime>,
    principal: Arc<Principal>,
}

impl GatewayServer {
    pub fn new(tenant: Arc<TenantRuntime>, principal: Principal) -> Self {
        GatewayServer { tenant, principal: Arc::new(principal) }
    }

    /// The principal's effective scopes, which needs the upstream token's grant.
    async fn scopes(&self) -> Result<(ScopeSet, gw_oauth::AccessToken), ToolError> {
        let token = self.tenant.machine.token().await?;
        let scopes = access::effective_scopes(&self.principal, &self.tenant.settings, token.granted);
        Ok((scopes, token.access_token.clone()))
    }

    /// The tools this principal sees, in catalog order.
    pub async fn visible_tools(&self) -> Result<Vec<&'static ToolDef>, ToolError> {
        let (scopes, _) = self.scopes().await?;
        Ok(catalog()
            .tools()
            .iter()
            .filter(|tool| access::operator_allows(tool, &self.tenant.settings).is_ok())
            .filter(|tool| access::scopes_allow(tool, scopes).is_ok())
            .collect())
    }

    async fn call(&self, tool: &'static ToolDef, arguments: Value) -> Result<crate::render::Rendered, ToolError> {
        access::operator_allows(tool, &self.tenant.settings)?;
        tool.validate(&arguments)?;
        let (scopes, token) = self.scopes().await?;
        access::scopes_allow(tool, scopes)?;
        let context = |token| {
            CallContext::new(self.tenant.auth0.clone(), self.tenant.settings.clone(), self.principal.clone(), scopes, token)
        };
        match tool.run(context(token), arguments.clone()).await {
            // Auth0 processed nothing on a 401, so after a fresh token one retry is safe even for writes.
            Err(ToolError::Upstream(Auth0Error::Api { status: 401, .. })) => {
                self.tenant.machine.invalidate();
                let (_, token) = self.scopes().await?;
                tool.run(context(token), arguments).await
            }
            outcome => outcome,
        }
    }
}

impl ServerHandler for GatewayServer {
    fn get_info(&self) -> ServerConfig {
        let settings = &self.tenant.settings;
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new("mcp-gateway-auth0", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(format!(
            "Tools that manage the Auth0 tenant `{}` ({}): users, organizations and their members, roles, log events and applications. \
             List tools return `next_cursor` when more results exist: pass it back as `cursor` to get the next page.",
            settings.name, settings.domain
        ));
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.visible_tools().await.map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok(ListToolsResult::with_all_items(tools.into_iter().map(ToolDef::to_mcp).collect()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = catalog().get(&request.name) else {
            return Err(ErrorData::invalid_params(format!("Unknown tool: {}", request.name), None));
        };
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let started = Instant::now();
        let outcome = self.call(tool, arguments).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let result = match outcome {
            Ok(rendered) => {
                tracing::info!(tool = tool.name, tenant = %self.principal.tenant, principal = %self.principal.subject, latency_ms, "tool call succeeded");
                rendered.into_result()
            }
            Err(error) => {
                tracing::warn!(tool = tool.name, tenant = %self.principal.tenant, principal = %self.principal.subject, latency_ms, kind = error.kind(), %error, "tool call failed");
                error.into_result()
            }
        };
        Ok(result.into())
    }
}
