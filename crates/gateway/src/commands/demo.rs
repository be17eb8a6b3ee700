//! `mcp-gateway demo`: a seeded fake Auth0 tenant in this process, and the gateway against it,
//! over stdio (`--stdio`) or HTTP. Nothing to configure; nothing leaves the machine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, Seed};
use gw_mcp::{Principal, Tenants};
use gw_oauth::{
    ClientSecret, GrantMode, ScopeSet, TenantSettings, TokenCipher, UserGrant, UserMatch,
};
use gw_store::{NewKey, Store};
use rand::distr::{Alphanumeric, SampleString};

use crate::cli::DemoGrant;
use crate::http::admin::Portal;
use crate::http::{AppState, Inbound, SessionBindings, SseSessions};
use crate::tenant_directory::{TenantDirectory, Upstream};

pub(crate) struct DemoOptions {
    pub stdio: bool,
    pub grant: DemoGrant,
    pub scopes: Option<Vec<String>>,
    pub listen: SocketAddr,
    pub data_dir: Option<PathBuf>,
    pub insecure_no_auth: bool,
    pub policies: bool,
    /// Mask personal data in results (`DEMO_MASKING`).
    pub data_protection: bool,
    /// Trust metadata documents on this machine signed by this PEM file's certificates.
    pub client_metadata_ca: Option<PathBuf>,
}

/// `demo --policies`: one rule of each kind a newcomer can try in a minute.
const DEMO_POLICIES: &str = r#"
[[policies]]
name = "organizations stay"
tools = ["auth0_delete_organization"]
action = "deny"
reason = "organizations are managed by the platform team"

[[policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["admin@example.com"]

[[policies]]
name = "user changes are confirmed"
tools = ["auth0_update_user"]
action = "confirm"

[[policies]]
name = "application changes need MFA"
tools = ["auth0_update_client"]
action = "step_up"
"#;

/// `demo --data-protection`: emails and phone numbers given as pseudonyms the model can pass
/// back, addresses redacted, metadata left out — for every caller.
const DEMO_MASKING: &str = r#"
[[masking]]
name = "contact details as pseudonyms"
detectors = ["email", "phone"]
mode = "pseudonym"

[[masking]]
name = "no addresses"
detectors = ["ip"]
fields = ["last_ip", "location_info"]
mode = "redact"

[[masking]]
name = "no metadata"
fields = ["user_metadata"]
mode = "drop"
"#;

fn demo_policies(options: &DemoOptions) -> Arc<gw_policy::PolicySet> {
    let mut text = String::new();
    if options.policies {
        text.push_str(DEMO_POLICIES);
    }
    if options.data_protection {
        text.push_str(DEMO_MASKING);
    }
    // Read as the portal's editor reads a tenant's rules.
    Arc::new(crate::tenant_policies::parse(&text).expect("the demo's policies are valid"))
}

pub(super) async fn execute(options: DemoOptions) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    if options.insecure_no_auth && !options.listen.ip().is_loopback() {
        bail!(
            "--insecure-no-auth serves the tenant to anyone who can reach it; it is refused unless --listen is a loopback address"
        );
    }
    let scopes = match &options.scopes {
        None => ScopeSet::all(),
        Some(names) => {
            let mut set = ScopeSet::parse_list(&names.join(",")).context("--scopes")?;
            set.insert(gw_oauth::Scope::Openid);
            set
        }
    };
    if options.stdio && options.data_protection {
        bail!(
            "--data-protection seals pseudonyms with the store's key, which the stdio demo does not keep; serve it over HTTP (drop --stdio)"
        );
    }
    if options.stdio && options.grant == DemoGrant::AuthorizationCode {
        bail!(
            "--grant authorization_code acts for users who connect in a browser; serve it over HTTP (drop --stdio)"
        );
    }
    let (fake, settings) = start_demo_tenant(scopes, options.grant).await?;
    let code = if options.stdio {
        let runtime = crate::runtime::tenant_runtime(settings, demo_policies(&options), None)?;
        let principal = Principal::local_operator(&runtime.settings);
        super::stdio::serve(runtime, principal).await
    } else {
        serve_http(&options, &fake, settings).await
    };
    fake.shutdown().await;
    code
}

/// Starts the seeded fake tenant on a free loopback port, with an application for the gateway.
async fn start_demo_tenant(
    scopes: ScopeSet,
    grant: DemoGrant,
) -> anyhow::Result<(RunningFake, TenantSettings)> {
    // A fresh secret per run: the demo tenant is private to this process.
    let client_secret = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let client_id = "mcp-gateway-demo".to_owned();
    let fake_config = FakeConfig {
        seed: Seed::Demo,
        clients: vec![RegisteredClient {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            name: "MCP Gateway (demo)".to_owned(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        ..FakeConfig::default()
    };
    let domain = fake_config.domain.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1 for the demo tenant")?;
    let fake = FakeAuth0::new(fake_config)
        .serve(listener)
        .await
        .context("cannot start the demo tenant")?;
    tracing::info!(base_url = %fake.base_url, "demo tenant running");
    // The demo signs everyone in as its admin, enrolled in MFA so a `step_up` rule can be passed.
    fake.fake.set_user_mfa(fake_auth0::DEFAULT_LOGIN_USER, true);
    let settings = TenantSettings {
        name: "demo".to_owned(),
        domain,
        base_url: fake.base_url.parse()?,
        client_id,
        client_secret: ClientSecret::new(client_secret),
        grant: match grant {
            DemoGrant::ClientCredentials => GrantMode::ClientCredentials,
            DemoGrant::AuthorizationCode => GrantMode::AuthorizationCode,
        },
        scopes,
        read_only: false,
        allow: None,
        deny: vec![],
        // The fake signs everyone in as its login user; the demo's policy lets that user do
        // everything the tenant allows.
        user_policy: match grant {
            DemoGrant::ClientCredentials => vec![UserGrant {
                matches: UserMatch::UserId(fake_auth0::DEFAULT_LOGIN_USER.to_owned()),
                scopes,
            }],
            DemoGrant::AuthorizationCode => vec![],
        },
    };
    Ok((fake, settings))
}

async fn serve_http(
    options: &DemoOptions,
    fake: &RunningFake,
    settings: TenantSettings,
) -> anyhow::Result<ExitCode> {
    let temporary;
    let data_dir = match &options.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temporary = tempfile::tempdir().context("cannot create a temporary data directory")?;
            temporary.path().to_owned()
        }
    };
    let cipher = TokenCipher::from_base64(&demo_key(&data_dir)?)?;
    let store = Store::open_with_key(
        &format!("sqlite://{}", data_dir.join("gateway.db").display()),
        cipher,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    let public_url: url::Url = format!("http://{address}/").parse()?;

    let (_, key) = store
        .create_key(NewKey {
            tenant: settings.name.clone(),
            name: "demo".to_owned(),
            scopes: settings.scopes,
            expires_at: None,
            connection_id: None,
        })
        .await?;
    let connect_url = format!("http://{address}/connect/{}", settings.name);
    let inbound = if options.insecure_no_auth {
        Inbound::InsecureNoAuth(Arc::new(Principal::local_operator(&settings)))
    } else {
        Inbound::AccessKeys
    };
    let domain = settings.domain.clone();
    let client_id = settings.client_id.clone();
    let client_secret = settings.client_secret.clone();
    let runtime = crate::runtime::tenant_runtime(
        settings,
        demo_policies(options),
        Some((&public_url, &store)),
    )?;
    let tenants = Arc::new(Tenants::of([runtime]));
    // Tenants added in the portal with the demo tenant's domain reach the fake; any other domain
    // is a real Auth0 tenant.
    let directory = Arc::new(TenantDirectory::new(
        tenants.clone(),
        public_url.clone(),
        store.clone(),
        Upstream::Mapped(HashMap::from([(domain.clone(), fake.base_url.parse()?)])),
    ));
    directory.sync().await?;
    let (_, admin_key) = store.create_admin_key("demo operator").await?;

    let endpoint = format!("http://{address}/mcp");
    println!("MCP endpoint: {endpoint}");
    if options.insecure_no_auth {
        println!("Access key: none needed (--insecure-no-auth)");
    } else if options.grant == DemoGrant::AuthorizationCode {
        println!("Access key: connect a user first (below); the success page shows their key");
        println!(
            "  Note: like real Auth0, the demo tenant gives a user's own token only current-user scopes of the Management API, so a connected user gets auth0_whoami and no other tool. The default (--grant client_credentials) is what works on a real tenant."
        );
    } else {
        println!("Access key: {}", key.expose_secret());
    }
    println!("Connect a user: {connect_url}");
    println!("Operator portal: http://{address}/admin");
    println!("Admin key: {}", admin_key.expose_secret());
    println!(
        "  To add a tenant in the portal, use the demo tenant's application: domain {domain}, client ID {client_id}, client secret {}",
        client_secret.expose_secret()
    );
    println!("Demo tenant: {}", fake.base_url);
    println!("Data directory: {}", data_dir.display());
    println!();
    println!("Connect an MCP client over streamable HTTP to the endpoint with the header");
    println!("  Authorization: Bearer <access key>");
    println!("e.g. the MCP Inspector:");
    println!(
        "  npx @modelcontextprotocol/inspector --cli {endpoint} --transport http --header \"Authorization: Bearer <access key>\" --method tools/list"
    );
    if options.policies {
        // The CLI finds the demo's store (and its key) through this file.
        let config = data_dir.join("gateway.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\npublic_url = \"{public_url}\"\n\n[store]\nurl = \"sqlite://gateway.db\"\nencryption_key_file = \"store.key\"\n"
            ),
        )
        .with_context(|| format!("cannot write {}", config.display()))?;
        println!();
        println!("Policies are on (--policies):");
        println!("  - auth0_delete_organization is refused;");
        println!(
            "  - other deletes wait for an approval: the first call answers with a request id (preq_…);"
        );
        println!(
            "    approve it at the link the call shows (the demo tenant signs you in as admin@example.com)"
        );
        println!("    or in a terminal, then repeat the same call, which runs once:");
        println!(
            "      mcp-gateway approvals approve <preq_…> --config {}",
            config.display()
        );
        println!(
            "  - auth0_update_user asks you to confirm (in clients with MCP elicitation, e.g. the Inspector; others get a link);"
        );
        println!(
            "  - auth0_update_client asks you to sign in again with MFA at the link it shows (the demo tenant passes you)."
        );
    }
    println!("Press Ctrl-C to stop.");

    let policy_requests = Arc::new(crate::approvals::StoredRequests {
        store: store.clone(),
        public_url: public_url.clone(),
        webhook: None,
        wait: std::time::Duration::ZERO,
        step_up_lasts: crate::config::ApprovalsConfig::default().step_up_lasts,
    });
    let state = AppState {
        store,
        tenants,
        public_url,
        inbound,
        sessions: SessionBindings::default(),
        sse: SseSessions::default(),
        oauth_http: gw_oauth::OAuthHttp::new(std::time::Duration::from_secs(30)),
        audit: None,
        policy_requests: Some(policy_requests),
        approval_webhook: None,
        credentials: Default::default(),
        user_checks: Default::default(),
        portal: Some(Arc::new(Portal {
            directory: directory.clone(),
            demo: true,
        })),
        registrations: Default::default(),
        client_metadata: Arc::new(
            crate::client_metadata::ClientMetadata::new(metadata_settings(
                options.client_metadata_ca.as_deref(),
            )?)
            .map_err(anyhow::Error::msg)
            .context("--client-metadata-ca")?,
        ),
        retention: Default::default(),
        store_probe: Default::default(),
        audit_journal: None,
        limit_counters: Arc::new(gw_mcp::MemoryCounters::default()),
    };
    super::serve::run(
        listener,
        state,
        Some(directory),
        false,
        vec![],
        crate::http::listener::Limits::default(),
        &crate::audit::JournalSettings {
            dir: data_dir.join("audit-journal"),
            max_bytes: 64 * 1024 * 1024,
        },
    )
    .await
}

/// The demo store's encryption key: made on first use in the data directory, readable only by
/// its owner, and reused so a `--data-dir` demo keeps its connections across restarts.
fn demo_key(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("store.key");
    if path.exists() {
        return std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()));
    }
    let key = TokenCipher::generate_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut file, key.as_bytes())?;
    Ok(key)
}

/// Which metadata documents the demo accepts: public ones, and with `--client-metadata-ca` also
/// those served on this machine with a certificate from that file.
fn metadata_settings(
    ca: Option<&std::path::Path>,
) -> anyhow::Result<crate::client_metadata::MetadataSettings> {
    let Some(ca) = ca else {
        return Ok(Default::default());
    };
    let pem = std::fs::read(ca)
        .with_context(|| format!("--client-metadata-ca: cannot read {}", ca.display()))?;
    Ok(crate::client_metadata::MetadataSettings {
        private_hosts: vec!["127.0.0.1".into(), "localhost".into(), "[::1]".into()],
        extra_roots_pem: Some(pem),
        ..Default::default()
    })
}
