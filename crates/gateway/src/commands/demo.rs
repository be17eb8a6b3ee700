//! `mcp-gateway demo --stdio`: a seeded fake Auth0 tenant in this process, and the gateway over
//! stdio against it. Nothing to configure; nothing leaves the machine.

use std::process::ExitCode;

use anyhow::{Context, bail};
use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, Seed};
use gw_oauth::{ClientSecret, GrantMode, ScopeSet, TenantSettings};
use rand::distr::{Alphanumeric, SampleString};

pub(super) async fn execute(stdio: bool, scopes: Option<Vec<String>>) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    if !stdio {
        bail!("the demo over HTTP is not available yet; run `mcp-gateway demo --stdio`");
    }
    let scopes = match scopes {
        None => ScopeSet::all(),
        Some(names) => {
            let mut set = ScopeSet::parse_list(&names.join(",")).context("--scopes")?;
            set.insert(gw_oauth::Scope::Openid);
            set
        }
    };

    // A fresh secret per run: the demo tenant is private to this process.
    let client_secret = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let client_id = "mcp-gateway-demo".to_owned();
    let fake_config = FakeConfig {
        seed: Seed::Demo,
        clients: vec![RegisteredClient {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            name: "MCP Gateway (demo)".to_owned(),
            callbacks: vec![],
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        ..FakeConfig::default()
    };
    let domain = fake_config.domain.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1 for the demo tenant")?;
    let fake = FakeAuth0::new(fake_config).serve(listener).await.context("cannot start the demo tenant")?;
    tracing::info!(base_url = %fake.base_url, "demo tenant running");

    let settings = TenantSettings {
        name: "demo".to_owned(),
        domain,
        base_url: fake.base_url.parse()?,
        client_id,
        client_secret: ClientSecret::new(client_secret),
        grant: GrantMode::ClientCredentials,
        scopes,
        read_only: false,
        allow: None,
        deny: vec![],
    };
    let runtime = crate::runtime::tenant_runtime(settings)?;
    let code = super::stdio::serve(runtime).await;
    fake.shutdown().await;
    code
}
