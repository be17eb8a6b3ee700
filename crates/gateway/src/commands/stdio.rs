//! `mcp-gateway stdio`: one tenant's tools over stdin/stdout for a local MCP client.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use gw_mcp::{GatewayServer, Principal, TenantRuntime};
use gw_oauth::GrantMode;
use rmcp::ServiceExt;

use crate::config::Config;
use crate::stdio_transport::JsonLinesTransport;

pub(super) async fn execute(config: &Path, tenant: &str) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    let config = Config::load(config)?;
    let Some(settings) = config.tenant(tenant) else {
        let names: Vec<_> = config.tenants.iter().map(|t| t.name.as_str()).collect();
        bail!(
            "no tenant named `{tenant}` in the configuration (it has: {})",
            names.join(", ")
        );
    };
    if settings.grant == GrantMode::AuthorizationCode {
        bail!(
            "tenant `{tenant}` uses grant = \"authorization_code\", which acts for a connected user; over stdio the gateway acts for the local operator, so use grant = \"client_credentials\""
        );
    }
    let runtime = crate::runtime::tenant_runtime(settings.clone())?;
    serve(runtime).await
}

/// Serves the tenant's tools on this process's stdin/stdout until the client closes them.
pub(crate) async fn serve(runtime: Arc<TenantRuntime>) -> anyhow::Result<ExitCode> {
    let principal = Principal::local_operator(&runtime.settings);
    tracing::info!(tenant = %runtime.settings.name, "serving MCP over stdio");
    let service = GatewayServer::new(runtime, principal)
        .serve(JsonLinesTransport::new(
            tokio::io::stdin(),
            tokio::io::stdout(),
        ))
        .await
        .context("the MCP client did not complete the handshake")?;
    let reason = service.waiting().await?;
    tracing::info!(?reason, "stdio session ended");
    Ok(ExitCode::SUCCESS)
}
