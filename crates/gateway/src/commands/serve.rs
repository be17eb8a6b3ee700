//! `mcp-gateway serve`: every configured tenant over HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gw_mcp::Tenants;
use gw_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::http::admin::Portal;
use crate::http::listener::Limits;
use crate::http::{AppState, Inbound, McpSettings, SessionBindings, SseSessions};
use crate::tenant_directory::{TenantDirectory, Upstream};

pub(super) async fn execute(config: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let export = crate::telemetry::Export::start(&config.telemetry)
        .context("telemetry.otlp_endpoint: cannot start the OpenTelemetry exporter")?;
    crate::logging::install(export.as_ref());
    if let Some(url) = &config.telemetry.otlp_traces_url {
        tracing::info!(%url, "exporting spans over OTLP/HTTP");
    }
    let outcome = serve(config).await;
    if let Some(export) = export {
        let _ = tokio::task::spawn_blocking(move || export.shutdown()).await;
    }
    outcome
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    tracing::info!(store = %config.store.location(), "opening the store");
    let store = config.store.open().await?;
    if !store.can_hold_tokens() {
        tracing::warn!(
            "no [store] encryption key is configured: users cannot connect (/connect answers 503); agent keys work"
        );
    }
    let tenants = tenants(&config, &store)?;
    let directory = Arc::new(TenantDirectory::new(
        tenants.clone(),
        config.server.public_url.clone(),
        store.clone(),
        Upstream::Auth0,
    ));
    directory
        .sync()
        .await
        .context("cannot load the tenants added in the operator portal")?;
    // One webhook for the notices of new requests and of decisions made on the approval page.
    let approval_webhook = config
        .approvals
        .webhook
        .clone()
        .map(|webhook| Arc::new(crate::approval_webhook::ApprovalWebhook::new(webhook)));
    let policy_requests = Arc::new(crate::approvals::StoredRequests {
        store: store.clone(),
        public_url: config.server.public_url.clone(),
        webhook: approval_webhook.clone(),
        wait: config.approvals.wait,
        step_up_lasts: config.approvals.step_up_lasts,
    });
    let state = AppState {
        store,
        tenants,
        public_url: config.server.public_url.clone(),
        inbound: Inbound::AccessKeys,
        sessions: SessionBindings::new(config.server.sessions),
        sse: SseSessions::default(),
        oauth_http: gw_oauth::OAuthHttp::new(std::time::Duration::from_secs(30)),
        audit: None,
        policy_requests: Some(policy_requests),
        approval_webhook,
        credentials: Default::default(),
        user_checks: crate::user_check::UserChecks::every(config.server.user_check_interval),
        portal: config.server.portal.then(|| {
            Arc::new(Portal {
                directory: directory.clone(),
                demo: false,
            })
        }),
        registrations: {
            let limiter =
                crate::http::RegistrationLimiter::new(config.oauth_server.registrations_per_hour);
            match config.oauth_server.client_address_header.clone() {
                Some(header) => limiter.with_address_header(header),
                None => limiter,
            }
        },
        client_metadata: Arc::new(
            crate::client_metadata::ClientMetadata::new(
                config.oauth_server.client_metadata.clone(),
            )
            .map_err(anyhow::Error::msg)
            .context("[oauth_server] client_metadata_ca_file")?,
        ),
        retention: config.retention,
        store_probe: Default::default(),
        audit_journal: None,
        limit_counters: limit_counters(&config)?,
    };
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    // One write: a script that reads only the first line and closes the pipe must not make a
    // later line fail.
    let banner = format!(
        "Listening on http://{}/mcp\n{}",
        listener.local_addr()?,
        endpoints(&config)
    );
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes());
        let _ = stdout.flush();
    }
    // Each tenant's application is checked against its Auth0 in the background: a problem is
    // logged with its fix and does not hold the other tenants back.
    tokio::spawn(crate::tenant_check::log_at_start(
        state.oauth_http.clone(),
        config.tenants.clone(),
        state.callback_url(),
    ));
    run(
        listener,
        state,
        Some(directory),
        config.server.stateless,
        config.server.allowed_hosts.clone(),
        Limits {
            max_connections: config.server.max_connections,
            ..Limits::default()
        },
        &config.journal,
    )
    .await
}

/// What an operator needs after start: where clients and people go (the first line, `Listening
/// on`, stays first: scripts and tests wait for it).
fn endpoints(config: &Config) -> String {
    let public = &config.server.public_url;
    let join = |path: &str| gw_mcp::tenant_runtime::join(public, path);
    let mut text = format!("MCP endpoint: {}\n", join("mcp"));
    if config.server.portal {
        text += &format!(
            "Operator portal: {} (sign in with a key from `mcp-gateway admin create-key`)\n",
            join("admin")
        );
    }
    for tenant in &config.tenants {
        text += &format!(
            "Connect a user to {}: {}\n",
            tenant.name,
            join(&format!("connect/{}", tenant.name))
        );
    }
    text
}

/// Every configured tenant, able to take connections when the store has a key.
fn tenants(config: &Config, store: &Store) -> anyhow::Result<Arc<Tenants>> {
    let tenants = Tenants::new();
    for settings in &config.tenants {
        tenants.insert(crate::runtime::tenant_runtime(
            settings.clone(),
            config.policies_of(&settings.name),
            Some((&config.server.public_url, store)),
        )?);
    }
    Ok(Arc::new(tenants))
}

/// How long in-flight requests get to finish after a shutdown signal before open sessions and
/// event streams are closed. Tool calls are bounded well inside it by the Auth0 client's
/// timeouts and retry budget.
const DRAIN: Duration = Duration::from_secs(15);

/// Serves until Ctrl-C or SIGTERM; then stops accepting connections, lets in-flight requests
/// finish, and closes the long-lived streams (which would otherwise hold shutdown open forever).
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    mut state: AppState,
    directory: Option<Arc<TenantDirectory>>,
    stateless: bool,
    allowed_hosts: Vec<String>,
    limits: Limits,
    journal: &crate::audit::JournalSettings,
) -> anyhow::Result<ExitCode> {
    let audit_stop = CancellationToken::new();
    let (audit, audit_writer) =
        crate::audit::StoreAudit::start(state.store.clone(), journal, audit_stop.clone())?;
    state.audit_journal = Some(audit.health());
    state.audit = Some(audit);
    // Tenants saved through another replica's portal appear here within a few seconds.
    let sync_stop = CancellationToken::new();
    if let Some(directory) = &directory {
        tokio::spawn(directory.clone().keep_in_sync(sync_stop.clone()));
    }
    // What unauthenticated callers left behind goes once it has outlived its retention.
    tokio::spawn(
        state
            .store
            .clone()
            .keep_swept(state.retention, sync_stop.clone()),
    );
    let sessions = CancellationToken::new();
    let address: SocketAddr = listener.local_addr()?;
    let app = crate::http::app(
        state,
        McpSettings {
            stateless,
            allowed_hosts,
            shutdown: sessions.clone(),
        },
    );
    tracing::info!(%address, stateless, "serving MCP over HTTP");
    crate::http::listener::serve(listener, app, limits, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        tokio::spawn(async move {
            tokio::time::sleep(DRAIN).await;
            sessions.cancel();
        });
    })
    .await?;
    sync_stop.cancel();
    // No request is in flight any more: the journal keeps what is queued, and the store is
    // given what it takes within a few seconds (the journal keeps the rest for the next start).
    audit_stop.cancel();
    if tokio::time::timeout(Duration::from_secs(10), audit_writer)
        .await
        .is_err()
    {
        tracing::warn!(
            "the audit journal did not stop within 10 s; what it holds goes to the store at the next start"
        );
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Where the tenants' limits are counted: Redis when `[limits] redis_url` is set (shared by the
/// replicas), else this process's memory.
fn limit_counters(config: &Config) -> anyhow::Result<Arc<dyn gw_mcp::LimitCounters>> {
    Ok(match &config.limits.redis {
        Some(redis) => {
            tracing::info!(
                on_redis_down = redis.on_down.as_str(),
                "the tenants' limits are counted in Redis"
            );
            Arc::new(
                redis
                    .counters()
                    .map_err(anyhow::Error::msg)
                    .context("[limits] redis_url")?,
            )
        }
        None => Arc::new(gw_mcp::MemoryCounters::default()),
    })
}
