//! `mcp-gateway stdio`: one tenant's tools over stdin/stdout for a local MCP client, as the local
//! operator or, with `--connection`, as a connected user.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use gw_mcp::{GatewayServer, Principal, TenantRuntime};
use gw_oauth::GrantMode;
use gw_store::ConnectionStatus;
use rmcp::ServiceExt;
use rmcp::service::ServerInitializeError;

use crate::config::Config;
use crate::stdio_transport::JsonLinesTransport;

pub(super) async fn execute(
    config: &Path,
    tenant: Option<&str>,
    connection: Option<&str>,
) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    // As the local operator the store is never opened, so its settings (a key variable the MCP
    // client's environment does not carry) must not stop the client's server from starting.
    let config = if connection.is_some() {
        Config::load(config)?
    } else {
        Config::load_ignoring_store(config)?
    };
    let Some(connection) = connection else {
        let Some(tenant) = tenant else {
            bail!(
                "give --tenant NAME (act as the local operator) or --connection ID (act as a connected user)"
            );
        };
        let settings = config
            .tenant(tenant)
            .with_context(|| no_tenant(&config, tenant))?;
        if settings.grant == GrantMode::AuthorizationCode {
            bail!(
                "tenant `{tenant}` uses grant = \"authorization_code\", which acts with a connected user's own token: connect with `mcp-gateway connect --tenant {tenant}` and serve with `mcp-gateway stdio --connection <id>`"
            );
        }
        let runtime = crate::runtime::tenant_runtime(
            settings.clone(),
            config.policies_of(&settings.name),
            None,
        )?;
        let principal = Principal::local_operator(&runtime.settings);
        return serve(runtime, principal).await;
    };
    tracing::info!(store = %config.store.location(), "opening the store");
    let store = config.store.open().await?;
    let record = store.connection(connection).await?.with_context(|| {
        format!(
            "no connection `{connection}` in the store (`mcp-gateway connections list` shows them)"
        )
    })?;
    if record.status == ConnectionStatus::Revoked {
        bail!(
            "connection `{connection}` was revoked; connect again with `mcp-gateway connect --tenant {}`",
            record.tenant
        );
    }
    if let ConnectionStatus::Suspended(reason) = &record.status {
        bail!("connection `{connection}` is suspended: {reason}");
    }
    if let Some(tenant) = tenant
        && tenant != record.tenant
    {
        bail!(
            "connection `{connection}` belongs to tenant `{}`, not `{tenant}`",
            record.tenant
        );
    }
    let settings = config
        .tenant(&record.tenant)
        .with_context(|| no_tenant(&config, &record.tenant))?;
    let runtime = crate::runtime::tenant_runtime(
        settings.clone(),
        config.policies_of(&settings.name),
        Some((&config.server.public_url, &store)),
    )?;
    let principal = crate::runtime::connection_principal(settings, &record);
    serve(runtime, principal).await
}

fn no_tenant(config: &Config, tenant: &str) -> String {
    let names: Vec<_> = config.tenants.iter().map(|t| t.name.as_str()).collect();
    format!(
        "no tenant named `{tenant}` in the configuration (it has: {})",
        names.join(", ")
    )
}

/// Serves the tenant's tools on this process's stdin/stdout until the client closes them.
pub(crate) async fn serve(
    runtime: Arc<TenantRuntime>,
    principal: Principal,
) -> anyhow::Result<ExitCode> {
    tracing::info!(tenant = %runtime.settings.name, principal = %principal.subject, "serving MCP over stdio");
    let service = match GatewayServer::new(runtime, principal)
        .serve(JsonLinesTransport::new(
            tokio::io::stdin(),
            tokio::io::stdout(),
        ))
        .await
    {
        Ok(service) => service,
        // Input ended before `initialize` (Ctrl-D in a terminal, a client that changed its mind):
        // nothing was asked, so nothing failed.
        Err(ServerInitializeError::ConnectionClosed(_)) => {
            tracing::info!("the input ended before an MCP handshake; nothing to serve");
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => {
            return Err(error).context("the MCP client did not complete the handshake");
        }
    };
    let reason = service.waiting().await?;
    tracing::info!(?reason, "stdio session ended");
    Ok(ExitCode::SUCCESS)
}
