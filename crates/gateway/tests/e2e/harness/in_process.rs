//! The gateway's app served in this process on 127.0.0.1:0, wired as `serve` wires it (the store's
//! audit log, the tenants able to take connections, the portal when asked for), so a test can
//! look at its store and state directly.

use std::sync::Arc;
use std::time::Duration;

use gw_mcp::Tenants;
use gw_store::{AccessKey, NewKey, Store};
use mcp_gateway::approval_webhook::ApprovalWebhook;
use mcp_gateway::config::WebhookConfig;
use mcp_gateway::http::admin::Portal;
use mcp_gateway::http::{
    AppState, Inbound, McpSettings, RegistrationLimiter, SessionBindings, SseSessions,
};
use mcp_gateway::tenant_directory::TenantDirectory;
use mcp_gateway::user_check::UserChecks;
use rmcp::RoleClient;
use rmcp::service::RunningService;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::World;

/// A gateway serving in this process; it stops when dropped (or [`InProcess::stop`]ped).
pub struct InProcess {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub store: Store,
    pub tenants: Arc<Tenants>,
    pub sessions: SessionBindings,
    pub sse: SseSessions,
    shutdown: CancellationToken,
}

impl World {
    /// Starts a gateway over the world's store and tenants.
    pub async fn in_process(&self) -> InProcess {
        let b = &self.builder;
        let store = self.open_store().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let public_url: url::Url = format!("http://{address}/").parse().unwrap();
        let tenants = Arc::new(Tenants::new());
        for (i, settings) in self.tenant_settings().into_iter().enumerate() {
            let policies = if i == 0 {
                self.policies()
            } else {
                Arc::default()
            };
            tenants.insert(
                mcp_gateway::runtime::tenant_runtime(
                    settings,
                    policies,
                    Some((&public_url, &store)),
                )
                .unwrap(),
            );
        }
        let directory = match &self.portal {
            Some(portal) => {
                let directory = Arc::new(TenantDirectory::new(
                    tenants.clone(),
                    public_url.clone(),
                    store.clone(),
                    portal.upstream.clone(),
                ));
                directory.sync().await.unwrap();
                Some(directory)
            }
            None => None,
        };
        let shutdown = CancellationToken::new();
        // Tool calls and refusals go to the store's audit log, as under `serve`.
        let journal = mcp_gateway::audit::JournalSettings {
            dir: self
                .dir
                .path()
                .join(format!("audit-journal-{}", gw_mcp::audit::new_id())),
            max_bytes: b.journal_max_bytes,
        };
        let (audit, _writer) =
            mcp_gateway::audit::StoreAudit::start(store.clone(), &journal, shutdown.clone())
                .unwrap();
        let sessions = SessionBindings::new(b.sessions);
        let sse = SseSessions::default();
        // One webhook for new requests and for decisions, as `serve` wires it.
        let approval_webhook = b.approval_webhook.clone().map(|url| {
            Arc::new(ApprovalWebhook::new(WebhookConfig {
                url,
                secret: super::WEBHOOK_SECRET.to_owned().into(),
                timeout: Duration::from_secs(5),
                max_attempts: 1,
                backoff_base: Duration::from_millis(10),
            }))
        });
        let policy_requests = Arc::new(mcp_gateway::approvals::StoredRequests {
            store: store.clone(),
            public_url: public_url.clone(),
            webhook: approval_webhook.clone(),
            wait: b.approval_wait,
            step_up_lasts: Duration::from_secs(300),
        });
        let state = AppState {
            store: store.clone(),
            tenants: tenants.clone(),
            public_url,
            inbound: Inbound::AccessKeys,
            sessions: sessions.clone(),
            sse: sse.clone(),
            oauth_http: gw_oauth::OAuthHttp::new(Duration::from_secs(10)),
            audit_journal: Some(audit.health()),
            audit: Some(audit),
            policy_requests: Some(policy_requests),
            approval_webhook,
            credentials: Default::default(),
            user_checks: UserChecks::every(b.user_check_interval),
            portal: directory.clone().map(|directory| {
                Arc::new(Portal {
                    directory,
                    demo: false,
                })
            }),
            registrations: RegistrationLimiter::new(b.registrations_per_hour),
            client_metadata: Arc::new(
                mcp_gateway::client_metadata::ClientMetadata::new(b.client_metadata.clone())
                    .unwrap(),
            ),
            retention: Default::default(),
            store_probe: Default::default(),
            limit_counters: match &b.redis_limits {
                Some(redis) => Arc::new(redis.counters().unwrap()),
                None => Arc::new(gw_mcp::MemoryCounters::default()),
            },
        };
        let app = mcp_gateway::http::app(
            state,
            McpSettings {
                stateless: b.stateless,
                allowed_hosts: vec![],
                shutdown: shutdown.clone(),
            },
        );
        let (limits, stop) = (b.limits, shutdown.clone());
        tokio::spawn(async move {
            mcp_gateway::http::listener::serve(listener, app, limits, stop.cancelled_owned())
                .await
                .unwrap();
        });
        InProcess {
            base: format!("http://{address}"),
            store,
            tenants,
            sessions,
            sse,
            shutdown,
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl InProcess {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An agent key for `acme` with `scopes` (a comma-separated list).
    pub async fn key(&self, scopes: &str) -> AccessKey {
        self.key_for("acme", scopes).await
    }

    pub async fn key_for(&self, tenant: &str, scopes: &str) -> AccessKey {
        let (_, key) = self
            .store
            .create_key(NewKey {
                tenant: tenant.into(),
                name: "test".into(),
                scopes: gw_oauth::ScopeSet::parse_list(scopes).unwrap(),
                expires_at: None,
                connection_id: None,
            })
            .await
            .unwrap();
        key
    }

    /// Revokes `key` in the store, as `keys revoke` does.
    pub async fn revoke(&self, key: &AccessKey) {
        let id = self
            .store
            .list_keys(None)
            .await
            .unwrap()
            .into_iter()
            .find(|k| key.expose_secret().starts_with(&k.prefix))
            .expect("the key is in the store")
            .id;
        assert!(self.store.revoke_key(&id).await.unwrap());
    }

    /// rmcp's streamable HTTP client on `/mcp` with `key`, after the handshake.
    pub async fn mcp_client(&self, key: &str) -> RunningService<RoleClient, ()> {
        super::mcp::client(&self.base, key).await
    }

    /// A user connects to `acme` as a browser walks the flow; the success JSON.
    pub async fn connect(&self) -> Value {
        super::browser::connect(&self.url("/connect/acme")).await
    }

    /// The access key a user gets by connecting to `acme` in a browser.
    pub async fn connected_key(&self) -> String {
        let connected = self.connect().await;
        connected["key"]
            .as_str()
            .unwrap_or_else(|| panic!("no key in {connected}"))
            .to_owned()
    }

    /// Walks the flow to the point where Auth0 redirects back: the browser (holding the
    /// gateway's cookie) and the callback URL, not yet visited.
    pub async fn callback_url(&self, extra_authorize_params: &str) -> (reqwest::Client, String) {
        let step = super::browser::step_client();
        let response = step.get(self.url("/connect/acme")).send().await.unwrap();
        let authorize = super::browser::location(&response) + extra_authorize_params;
        let response = step.get(authorize).send().await.unwrap();
        let callback = super::browser::location(&response);
        (step, callback)
    }

    /// The status of an MCP `initialize` with `key`: 200 while the key works.
    pub async fn initialize_status(&self, key: &str) -> u16 {
        super::mcp::initialize(&self.base, key)
            .await
            .status()
            .as_u16()
    }

    /// Waits (the audit writer batches for 100 ms) until the audit log holds a record with
    /// `outcome`, and returns it.
    pub async fn audited(&self, outcome: &str) -> gw_mcp::AuditRecord {
        super::audited(&self.store, outcome).await
    }

    /// Stops serving, and gives open requests a moment to end.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
