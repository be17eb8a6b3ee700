//! `mcp-gateway connect`: connect a user from the terminal, for stdio use. The callback is taken
//! by a temporary listener on the configured address or, when a gateway already runs there, by
//! that gateway (sharing the store); either way this command waits for the connection to appear
//! in the store.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use gw_mcp::Tenants;
use gw_store::{ConnectionStatus, unix_now};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::http::McpSettings;
use crate::sign_in::{Purpose, SignIns, callback_url};

/// How long to wait for the user: as long as the sign-in's state lives.
const WAIT: Duration = Duration::from_secs(600);

pub(super) async fn execute(config_path: &Path, tenant: &str) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    let config = Config::load(config_path)?;
    let settings = config
        .tenant(tenant)
        .with_context(|| format!("no tenant named `{tenant}` in the configuration"))?;
    let store = super::open_store(&config.store).await?;
    if !store.can_hold_tokens() {
        bail!(gw_store::StoreError::NoKey);
    }
    let runtime = crate::runtime::tenant_runtime(
        settings.clone(),
        Arc::default(),
        Some((&config.server.public_url, &store)),
    )?;
    let sign_ins = SignIns {
        store: store.clone(),
        tenants: Arc::new(Tenants::of([runtime])),
        oauth_http: gw_oauth::OAuthHttp::new(Duration::from_secs(30)),
        callback_url: callback_url(&config.server.public_url),
    };
    let stop = CancellationToken::new();
    match tokio::net::TcpListener::bind(config.server.listen).await {
        Ok(listener) => {
            let app = crate::http::sign_in_app(
                &sign_ins,
                config.server.public_url.clone(),
                McpSettings {
                    stateless: true,
                    allowed_hosts: config.server.allowed_hosts.clone(),
                    shutdown: stop.clone(),
                },
            );
            let stopped = stop.clone();
            tokio::spawn(async move {
                let _ = crate::http::listener::serve(
                    listener,
                    app,
                    crate::http::listener::Limits::default(),
                    stopped.cancelled_owned(),
                )
                .await;
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "{} is in use: assuming the gateway running there (on the same store) takes the callback.",
                config.server.listen
            );
        }
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "cannot listen on {} for Auth0's callback",
                    config.server.listen
                )
            });
        }
    }
    let started_at = unix_now();
    // Started here, not in a browser: the state was shown only on this terminal.
    let url = sign_ins
        .begin(settings, settings.scopes, false, Purpose::Connect)
        .await?
        .url;
    println!("Open this URL in a browser to connect tenant `{tenant}`:");
    println!("  {url}");
    let outcome = tokio::time::timeout(WAIT, async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let found = store
                .list_connections(Some(tenant))
                .await?
                .into_iter()
                .find(|c| c.updated_at >= started_at && c.status == ConnectionStatus::Active);
            if let Some(connection) = found {
                return anyhow::Ok(connection);
            }
        }
    })
    .await;
    // Let the browser's page finish loading before the listener goes away.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.cancel();
    let connection = match outcome {
        Ok(found) => found?,
        Err(_) => bail!("no connection arrived within ten minutes; run the command again"),
    };
    println!(
        "Connected {} as connection {} (granted: {}).",
        connection.display_name(),
        connection.id,
        connection.granted_scopes()
    );
    println!(
        "Serve it over stdio: mcp-gateway stdio --config {} --connection {}",
        config_path.display(),
        connection.id
    );
    Ok(ExitCode::SUCCESS)
}
