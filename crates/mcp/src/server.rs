//! The MCP server handler: lists the tools a principal may use and guards every call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use gw_auth0::Auth0Error;
use gw_oauth::ScopeSet;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::access::{self, Principal};
use crate::call::CallContext;
use crate::catalog::{ToolDef, catalog};
use crate::error::ToolError;
use crate::tenant_runtime::TenantRuntime;

/// The tenants a gateway serves, by name.
pub type Tenants = HashMap<String, Arc<TenantRuntime>>;

/// The MCP server handler. Over stdio it acts for one fixed principal; over HTTP each request
/// carries its own (put in the request's extensions by the HTTP layer after checking the
/// bearer credential), so one handler serves every caller and every tenant.
#[derive(Clone)]
pub struct GatewayServer {
    tenants: Arc<Tenants>,
    fixed: Option<Arc<Principal>>,
}

/// What one request runs as: the tenant and the principal.
struct Caller {
    tenant: Arc<TenantRuntime>,
    principal: Arc<Principal>,
}

impl GatewayServer {
    /// A server acting for `principal` on `tenant` (stdio).
    pub fn new(tenant: Arc<TenantRuntime>, principal: Principal) -> Self {
        let tenants = Tenants::from([(tenant.settings.name.clone(), tenant)]);
        GatewayServer {
            tenants: Arc::new(tenants),
            fixed: Some(Arc::new(principal)),
        }
    }

    /// A server whose requests say who they are for (HTTP).
    pub fn per_request(tenants: Arc<Tenants>) -> Self {
        GatewayServer {
            tenants,
            fixed: None,
        }
    }

    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
        let principal = match &self.fixed {
            Some(principal) => principal.clone(),
            None => context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Arc<Principal>>())
                .cloned()
                .ok_or_else(|| {
                    ErrorData::invalid_request(
                        "the request carries no authenticated principal",
                        None,
                    )
                })?,
        };
        let tenant = self
            .tenants
            .get(&principal.tenant)
            .cloned()
            .ok_or_else(|| {
                ErrorData::invalid_request(
                    format!("tenant `{}` is not served here", principal.tenant),
                    None,
                )
            })?;
        Ok(Caller { tenant, principal })
    }
}

impl Caller {
    /// The principal's effective scopes, which needs the upstream token's grant.
    async fn scopes(&self) -> Result<(ScopeSet, gw_oauth::AccessToken), ToolError> {
        let token = self.tenant.machine.token().await?;
        let scopes =
            access::effective_scopes(&self.principal, &self.tenant.settings, token.granted);
        Ok((scopes, token.access_token.clone()))
    }

    /// The tools this principal sees, in catalog order.
    async fn visible_tools(&self) -> Result<Vec<&'static ToolDef>, ToolError> {
        let (scopes, _) = self.scopes().await?;
        Ok(catalog()
            .tools()
            .iter()
            .filter(|tool| access::operator_allows(tool, &self.tenant.settings).is_ok())
            .filter(|tool| access::scopes_allow(tool, scopes).is_ok())
            .collect())
    }

    async fn call(
        &self,
        tool: &'static ToolDef,
        mut arguments: Value,
    ) -> Result<crate::render::Rendered, ToolError> {
        access::operator_allows(tool, &self.tenant.settings)?;
        tool.validate(&mut arguments)?;
        let (scopes, token) = self.scopes().await?;
        access::scopes_allow(tool, scopes)?;
        let context = |token| {
            CallContext::new(
                self.tenant.auth0.clone(),
                self.tenant.settings.clone(),
                self.principal.clone(),
                scopes,
                token,
            )
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
        // Empty resource and prompt lists are declared so generic clients that list them get an
        // answer (an empty one) instead of "method not found".
        let mut info = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        );
        info.server_info = Implementation::new("mcp-gateway-auth0", env!("CARGO_PKG_VERSION"));
        let tenant = self
            .fixed
            .as_ref()
            .and_then(|principal| self.tenants.get(&principal.tenant))
            .map(|t| {
                format!(
                    "the Auth0 tenant `{}` ({})",
                    t.settings.name, t.settings.domain
                )
            });
        info.instructions = Some(format!(
            "Tools that manage {}: users, organizations and their members, roles, log events and applications. \
             List tools return `next_cursor` when more results exist: pass it back as `cursor` to get the next page.",
            tenant.as_deref().unwrap_or("an Auth0 tenant")
        ));
        info
    }

    async fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CustomResult, ErrorData> {
        Err(ErrorData::new(
            rmcp::model::ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {}", request.method),
            None,
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self
            .caller(&context)?
            .visible_tools()
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok(ListToolsResult::with_all_items(
            tools.into_iter().map(ToolDef::to_mcp).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.caller(&context)?;
        let Some(tool) = catalog().get(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("Unknown tool: {}", request.name),
                None,
            ));
        };
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let started = Instant::now();
        let outcome = caller.call(tool, arguments).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let result = match outcome {
            Ok(rendered) => {
                tracing::info!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, "tool call succeeded");
                rendered.into_result()
            }
            Err(error) => {
                tracing::warn!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, kind = error.kind(), %error, "tool call failed");
                error.into_result()
            }
        };
        Ok(result.into())
    }
}
