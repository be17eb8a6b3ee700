//! The HTTP face of the gateway: `/mcp` (streamable HTTP), health checks and the
//! protected-resource document. `fn app(state) -> Router` so tests can serve it on 127.0.0.1:0.

pub mod admin;
mod approval_error;
mod approval_page;
mod approval_views;
pub(crate) mod assets;
mod auth;
mod callback;
mod connect;
mod connect_error;
pub(crate) mod cookies;
mod credential_cache;
mod health;
mod host_check;
mod html;
mod legacy_sse;
pub mod listener;
pub(crate) mod oauth_server;
mod pages;
mod prose;
mod request_body;
mod scope_challenge;
mod session_slots;
mod sessions;
mod sign_in_cookie;
mod store_outage;
mod store_probe;
mod tracked_sessions;
mod well_known;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use gw_mcp::{GatewayServer, Principal, Tenants};
use gw_store::Store;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::sign_in::SignIns;

pub use credential_cache::CredentialCache;
pub use legacy_sse::SseSessions;
pub use oauth_server::{DEFAULT_REGISTRATIONS_PER_HOUR, RegistrationLimiter};
pub use session_slots::SessionLimits;
pub use sessions::SessionBindings;
pub use store_probe::StoreProbe;

/// How callers prove who they are.
#[derive(Clone)]
pub enum Inbound {
    /// `Authorization: Bearer <access key>`, looked up in the store on every request, so a
    /// revoked key is refused at once.
    AccessKeys,
    /// No credential: every request acts as this principal. Only for loopback demos and the
    /// conformance suite; the command line refuses it elsewhere, and a build without the demo
    /// cannot serve without credentials at all.
    #[cfg(feature = "demo")]
    InsecureNoAuth(Arc<gw_mcp::Principal>),
}

/// Everything the HTTP handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub tenants: Arc<Tenants>,
    pub public_url: Url,
    pub inbound: Inbound,
    pub sessions: SessionBindings,
    pub sse: SseSessions,
    /// For the connect flow's requests to Auth0.
    pub oauth_http: gw_oauth::OAuthHttp,
    /// Where tool calls are recorded (`serve` and `demo` write them to the store).
    pub audit: Option<Arc<dyn gw_mcp::AuditSink>>,
    /// Where calls that the tenants' policies hold for a person's decision wait.
    pub policy_requests: Option<Arc<dyn gw_mcp::PolicyRequests>>,
    /// Told when an approver decides on the approval page (`[approvals] webhook`).
    pub approval_webhook: Option<Arc<crate::approval_webhook::ApprovalWebhook>>,
    /// Bearer credentials resolved in the last moments (see `credential_cache`).
    pub credentials: CredentialCache,
    /// When the users behind `client_credentials` connections are next checked at Auth0.
    pub user_checks: crate::user_check::UserChecks,
    /// The operator portal (`/admin`); `None` where a gateway serves no portal.
    pub portal: Option<Arc<admin::Portal>>,
    /// Client registrations (`/register`) allowed per source address; also counts the metadata
    /// documents fetched for `client_id` URLs.
    pub registrations: RegistrationLimiter,
    /// Clients named by the URL of their metadata document.
    pub client_metadata: Arc<crate::client_metadata::ClientMetadata>,
    /// How long the store keeps what unauthenticated callers leave (swept while serving).
    pub retention: gw_store::Retention,
    /// `/readyz`'s pings of the store: one at a time, each with a short deadline.
    pub store_probe: StoreProbe,
    /// Whether the audit journal takes records (`serve`); `/readyz` fails while it does not.
    pub audit_journal: Option<Arc<crate::audit::AuditHealth>>,
    /// Where the tenants' limits are counted: one set for the process (memory), or Redis.
    pub limit_counters: Arc<dyn gw_mcp::LimitCounters>,
}

impl AppState {
    /// Records a refused request in the audit log (when this gateway keeps one).
    pub(crate) fn audit_refusal(
        &self,
        tenant: &str,
        principal: &str,
        what: &str,
        why: gw_mcp::RefusalKind,
    ) {
        self.audit(gw_mcp::AuditRecord::refusal(tenant, principal, what, why));
    }

    /// Records a request refused to a principal already resolved.
    pub(crate) fn audit_refusal_of(
        &self,
        principal: &Principal,
        what: &str,
        why: gw_mcp::RefusalKind,
    ) {
        self.audit(gw_mcp::AuditRecord::refusal_of(principal, what, why));
    }

    /// Records `record` in the audit log (when this gateway keeps one).
    pub(crate) fn audit(&self, record: gw_mcp::AuditRecord) {
        if let Some(audit) = &self.audit {
            audit.record(record);
        }
    }

    /// Where Auth0 sends users back: `{public_url}/integration-callback`.
    pub fn callback_url(&self) -> Url {
        crate::sign_in::callback_url(&self.public_url)
    }

    /// The sign-in use case over this app's store, tenants and HTTP client.
    pub(crate) fn sign_ins(&self) -> SignIns {
        SignIns {
            store: self.store.clone(),
            tenants: self.tenants.clone(),
            oauth_http: self.oauth_http.clone(),
            callback_url: self.callback_url(),
        }
    }

    /// The approval use case over this app's store, for the approval page.
    pub(crate) fn approvals(&self) -> crate::approvals::Approvals {
        crate::approvals::Approvals {
            store: self.store.clone(),
            public_url: self.public_url.clone(),
            webhook: self.approval_webhook.clone(),
        }
    }

    /// The authorization server's issuer identifier: the public URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }

    /// The resource MCP clients ask tokens for (RFC 8707): the `/mcp` endpoint.
    pub fn resource(&self) -> String {
        self.public_link("mcp")
    }

    /// The protected-resource document (RFC 9728) that `WWW-Authenticate` challenges point at.
    pub(crate) fn protected_resource_metadata(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource", self.issuer())
    }

    /// An absolute link to one of the gateway's pages.
    pub fn public_link(&self, path: &str) -> String {
        gw_mcp::tenant_runtime::join(&self.public_url, path).to_string()
    }
}

/// The app `mcp-gateway connect` serves while it waits for Auth0's callback: the same routes, over
/// the sign-ins' store and tenants, without what only a running gateway keeps (audit log, portal,
/// session bindings, remembered credentials).
pub fn sign_in_app(sign_ins: &SignIns, public_url: Url, settings: McpSettings) -> Router {
    let state = AppState {
        store: sign_ins.store.clone(),
        tenants: sign_ins.tenants.clone(),
        public_url,
        inbound: Inbound::AccessKeys,
        sessions: SessionBindings::default(),
        sse: SseSessions::default(),
        oauth_http: sign_ins.oauth_http.clone(),
        audit: None,
        policy_requests: None,
        approval_webhook: None,
        credentials: CredentialCache::default(),
        user_checks: Default::default(),
        portal: None,
        registrations: RegistrationLimiter::default(),
        client_metadata: Arc::new(
            crate::client_metadata::ClientMetadata::new(Default::default())
                .expect("the default metadata client builds"),
        ),
        retention: Default::default(),
        limit_counters: Arc::new(gw_mcp::MemoryCounters::default()),
        store_probe: Default::default(),
        audit_journal: None,
    };
    app(state, settings)
}

/// Transport settings for `/mcp`.
pub struct McpSettings {
    pub stateless: bool,
    /// Host values accepted besides loopback.
    pub allowed_hosts: Vec<String>,
    pub shutdown: CancellationToken,
}

/// Largest request body accepted on `/mcp`: tool arguments are small.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a request that is not an event stream may take.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

pub fn app(state: AppState, settings: McpSettings) -> Router {
    crate::metrics::handle();
    let tenants = state.tenants.clone();
    let audit = state.audit.clone();
    let policy_requests = state.policy_requests.clone();
    let limit_counters = state.limit_counters.clone();
    let sessions = !settings.stateless;
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = state.public_url.host_str() {
        hosts.push(host.trim_matches(['[', ']']).to_owned());
    }
    hosts.extend(settings.allowed_hosts);
    let origin = state.public_url.origin().ascii_serialization();
    let allowed = host_check::Allowed {
        hosts: Arc::new(hosts.clone()),
        origin: origin.clone(),
        audit: state.audit.clone(),
    };
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(!settings.stateless)
        .with_json_response(settings.stateless)
        .with_allowed_hosts(hosts)
        // Browsers may only call /mcp from the gateway's own origin or a loopback page.
        .with_allowed_origins([
            origin,
            "http://localhost:*".to_owned(),
            "http://127.0.0.1:*".to_owned(),
        ])
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_sse_keep_alive(Some(Duration::from_secs(15)))
        .with_cancellation_token(settings.shutdown);
    let mcp = StreamableHttpService::new(
        move || {
            let mut server = GatewayServer::per_request(tenants.clone())
                .with_sessions(sessions)
                .with_limit_counters(limit_counters.clone());
            if let Some(audit) = &audit {
                server = server.with_audit(audit.clone());
            }
            if let Some(requests) = &policy_requests {
                server = server.with_policy_requests(requests.clone());
            }
            Ok(server)
        },
        Arc::new(tracked_sessions::TrackedSessions::new(
            state.sessions.clone(),
        )),
        config,
    );
    let mcp_routes = Router::new()
        .nest_service("/mcp", mcp)
        // Innermost, on the body read whole: an MCP client's call its grant does not cover.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            scope_challenge::challenge,
        ))
        // Bodies are read only for authenticated callers.
        .layer(middleware::from_fn(request_body::read_whole))
        .layer(middleware::from_fn_with_state(
            sessions::SessionLayer {
                state: state.clone(),
                stateless: settings.stateless,
            },
            sessions::bind_sessions,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            allowed.clone(),
            host_check::check_origin,
        ));
    // Requests that answer at once get a deadline; the event streams (/mcp GET, /sse) must not.
    let deadline = tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        REQUEST_DEADLINE,
    );
    let legacy_sse_routes = Router::new()
        .route("/sse", get(legacy_sse::open))
        .route("/message", post(legacy_sse::message).layer(deadline))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(request_body::read_whole))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            allowed.clone(),
            host_check::check_origin,
        ));
    // Browser-hosted MCP clients (the Inspector's web UI) register and trade tokens by fetch()
    // from their own origin. These endpoints use no cookies and answer only to what the request
    // carries, so any origin may call them (without credentials); /authorize is a navigation and
    // /mcp keeps its own origin rules.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
            axum::http::HeaderName::from_static("mcp-protocol-version"),
        ]);
    let client_routes = Router::new()
        .route("/register", post(oauth_server::register::register))
        .route("/token", post(oauth_server::token::token))
        .route("/revoke", post(oauth_server::token::revoke))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(deadline)
        .layer(cors.clone());
    let portal_routes = state.portal.is_some().then(|| {
        admin::routes(state.clone())
            .layer(deadline)
            .layer(middleware::from_fn_with_state(
                allowed.clone(),
                host_check::check_origin,
            ))
    });
    let connect_routes = Router::new()
        .route("/connect/{tenant}", get(connect::connect))
        .route("/integration-callback", get(callback::callback))
        .route("/authorize", get(oauth_server::authorize::authorize))
        .route("/authorize/consent", post(oauth_server::authorize::consent))
        .route(
            "/approvals/{id}",
            get(approval_page::show).post(approval_page::decide),
        )
        .route("/approvals/{id}/sign-in", post(approval_page::sign_in))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(deadline)
        .layer(middleware::from_fn_with_state(
            allowed.clone(),
            host_check::check_origin,
        ));
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let mut router = Router::new().merge(assets::routes());
    if let Some(portal_routes) = portal_routes {
        router = router.merge(portal_routes);
    }
    router
        .merge(mcp_routes)
        .merge(legacy_sse_routes)
        .merge(connect_routes)
        .merge(client_routes)
        .merge(
            Router::new()
                .route("/healthz", get(health::healthz))
                .route("/metrics", get(crate::metrics::render))
                .route("/readyz", get(health::readyz))
                .layer(deadline),
        )
        .merge(
            Router::new()
                .route(
                    "/.well-known/oauth-protected-resource",
                    get(well_known::protected_resource),
                )
                .route(
                    "/.well-known/oauth-protected-resource/mcp",
                    get(well_known::protected_resource),
                )
                .route(
                    "/.well-known/oauth-authorization-server",
                    get(well_known::authorization_server),
                )
                .layer(deadline)
                .layer(cors),
        )
        .with_state(state)
        // One Host check for every route (DNS rebinding; see host_check.rs).
        .layer(middleware::from_fn_with_state(
            allowed,
            host_check::check_host,
        ))
        // Every request gets an `x-request-id` (the caller's, or a new UUID), echoed in the
        // answer and carried by the request's log span.
        .layer(
            tower::ServiceBuilder::new()
                .layer(tower_http::request_id::SetRequestIdLayer::new(
                    request_id.clone(),
                    tower_http::request_id::MakeRequestUuid,
                ))
                .layer(
                    tower_http::trace::TraceLayer::new_for_http()
                        .make_span_with(|request: &axum::http::Request<_>| {
                            let id = request
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                        })
                        .on_request(())
                        .on_response(
                            tower_http::trace::DefaultOnResponse::new()
                                .level(tracing::Level::DEBUG),
                        ),
                )
                .layer(tower_http::request_id::PropagateRequestIdLayer::new(request_id)),
        )
}
