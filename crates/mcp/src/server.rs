//! The MCP server handler: lists the tools a principal may use and guards every call.

use std::sync::Arc;
use std::time::Instant;

use gw_auth0::Auth0Error;
use gw_oauth::{AccessToken, GrantMode, ScopeSet};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use tracing::Instrument;

use crate::access::{self, Principal};
use crate::audit::{AuditRecord, AuditSink, Outcome};
use crate::call::CallContext;
use crate::catalog::{ToolDef, catalog};
use crate::confirm::{self, Answer, Channel};
use crate::error::ToolError;
use crate::limit_counters::{LimitCounters, MemoryCounters};
use crate::policy_gate::{
    self, CallKey, CallOrigin, NewRequest, PolicyNote, PolicyRequests, Progress, Request,
    RequestKind, RequestStatus, SourceAddress,
};
use crate::tenant_runtime::TenantRuntime;
use crate::tenants::Tenants;
use crate::url_elicitation::Links;

/// The MCP server handler. Over stdio it acts for one fixed principal; over HTTP each request
/// carries its own (put in the request's extensions by the HTTP layer after checking the
/// bearer credential), so one handler serves every caller and every tenant.
#[derive(Clone)]
pub struct GatewayServer {
    tenants: Arc<Tenants>,
    fixed: Option<Arc<Principal>>,
    audit: Option<Arc<dyn AuditSink>>,
    requests: Option<Arc<dyn PolicyRequests>>,
    /// Whether calls run in sessions the gateway can send requests on (stdio, `/mcp` with
    /// sessions, legacy SSE), so a confirmation can be asked while the call waits.
    sessions: bool,
    /// Where the tenants' limits are counted (this process's memory unless given others).
    limits: Arc<dyn LimitCounters>,
}

/// What one request runs as: the tenant and the principal, where it came from, and where calls
/// that need a person's decision wait.
pub(crate) struct Caller {
    pub(crate) tenant: Arc<TenantRuntime>,
    pub(crate) principal: Arc<Principal>,
    pub(crate) origin: CallOrigin,
    pub(crate) requests: Option<Arc<dyn PolicyRequests>>,
    pub(crate) limits: Arc<dyn LimitCounters>,
    /// How this call's results are masked (set once the tool is known; `None`: not at all).
    pub(crate) masker: Option<Arc<gw_masking::Masker>>,
}

impl GatewayServer {
    /// A server acting for `principal` on `tenant` (stdio).
    pub fn new(tenant: Arc<TenantRuntime>, principal: Principal) -> Self {
        GatewayServer {
            tenants: Arc::new(Tenants::of([tenant])),
            fixed: Some(Arc::new(principal)),
            audit: None,
            requests: None,
            sessions: true,
            limits: Arc::new(MemoryCounters::default()),
        }
    }

    /// A server whose requests say who they are for (HTTP).
    pub fn per_request(tenants: Arc<Tenants>) -> Self {
        GatewayServer {
            tenants,
            fixed: None,
            audit: None,
            requests: None,
            sessions: false,
            limits: Arc::new(MemoryCounters::default()),
        }
    }

    /// Says whether requests arrive in sessions (see [`GatewayServer::sessions`]).
    pub fn with_sessions(mut self, sessions: bool) -> Self {
        self.sessions = sessions;
        self
    }

    /// Keeps calls that need a person's decision (approvals) in `requests`.
    pub fn with_policy_requests(mut self, requests: Arc<dyn PolicyRequests>) -> Self {
        self.requests = Some(requests);
        self
    }

    /// Counts the tenants' limits in `counters` (one set for every server of the process, or
    /// Redis shared by replicas).
    pub fn with_limit_counters(mut self, counters: Arc<dyn LimitCounters>) -> Self {
        self.limits = counters;
        self
    }

    /// Records every tool call in `sink`.
    pub fn with_audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
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
        let tenant = self.tenants.get(&principal.tenant).ok_or_else(|| {
            ErrorData::invalid_request(
                format!("tenant `{}` is not served here", principal.tenant),
                None,
            )
        })?;
        let origin = CallOrigin {
            source: context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<SourceAddress>())
                .map(|source| source.0),
            // Only policies look at the client's name; without them, nothing is copied.
            client_name: if tenant.policies.is_empty() && tenant.policies.masking().is_empty() {
                None
            } else {
                context.client_info().map(|info| info.name)
            },
        };
        Ok(Caller {
            tenant,
            principal,
            origin,
            requests: self.requests.clone(),
            limits: self.limits.clone(),
            masker: None,
        })
    }
}

/// The span of the HTTP request that carried an MCP message, put in the request's extensions by
/// the transport. In session mode rmcp runs handlers in the session's task, outside that span;
/// parenting tool calls on it keeps one request's logs and trace together in both modes.
#[derive(Debug, Clone)]
pub struct RequestSpan(pub tracing::Span);

fn request_span(context: &RequestContext<RoleServer>) -> tracing::Span {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestSpan>())
        .map(|span| span.0.clone())
        .unwrap_or_else(tracing::Span::current)
}

/// Which token a caller's Auth0 requests carry.
enum Upstream<'a> {
    /// The tenant's machine token (client_credentials).
    Machine,
    /// The connected user's own token (authorization_code).
    User(&'a str),
}

impl Caller {
    fn upstream(&self) -> Result<Upstream<'_>, ToolError> {
        match (self.tenant.settings.grant, &self.principal.connection) {
            (GrantMode::ClientCredentials, _) => Ok(Upstream::Machine),
            (GrantMode::AuthorizationCode, Some(connection)) => Ok(Upstream::User(connection)),
            (GrantMode::AuthorizationCode, None) => Err(ToolError::Rejected(format!(
                "Tenant `{}` acts with each connected user's own Auth0 token, and this caller is not a connected user. Connect at {} and use the access key shown there.",
                self.tenant.settings.name,
                self.tenant
                    .connect_url
                    .as_ref()
                    .map_or("/connect/{tenant}".to_owned(), |u| u.to_string())
            ))),
        }
    }

    fn connection_error(&self, error: gw_oauth::UserTokenError) -> ToolError {
        ToolError::Connection {
            error,
            reconnect_url: self.tenant.connect_url.as_ref().map(|u| u.to_string()),
        }
    }

    /// A token to call Auth0 with, the principal's effective scopes with it, and what Auth0
    /// granted the token.
    async fn token(&self) -> Result<(ScopeSet, AccessToken, ScopeSet), ToolError> {
        let (granted, token) = match self.upstream()? {
            Upstream::Machine => {
                let token = self.tenant.machine.token().await?;
                (token.granted, token.access_token.clone())
            }
            Upstream::User(connection) => {
                let token = self
                    .users()?
                    .token(connection)
                    .await
                    .map_err(|e| self.connection_error(e))?;
                (token.granted, token.access_token.clone())
            }
        };
        let scopes = access::effective_scopes(&self.principal, &self.tenant.settings, granted);
        Ok((scopes, token, granted))
    }

    /// A token after Auth0 refused `rejected` with a 401.
    async fn token_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, ToolError> {
        match self.upstream()? {
            Upstream::Machine => {
                self.tenant.machine.invalidate();
                Ok(self.tenant.machine.token().await?.access_token.clone())
            }
            Upstream::User(connection) => Ok(self
                .users()?
                .token_after_rejection(connection, rejected)
                .await
                .map_err(|e| self.connection_error(e))?
                .access_token
                .clone()),
        }
    }

    fn users(&self) -> Result<&gw_oauth::UserTokenProvider, ToolError> {
        self.tenant.users.as_ref().ok_or_else(|| {
            ToolError::Internal(
                "this gateway keeps no connections (no encryption key is configured)".to_owned(),
            )
        })
    }

    /// What Auth0 granted, for listing tools. A connected user's token holds what their
    /// connection holds, so listing needs no token (and never waits for a refresh).
    async fn listing_grant(&self) -> Result<ScopeSet, ToolError> {
        match self.tenant.settings.grant {
            GrantMode::AuthorizationCode => Ok(self.principal.scopes),
            GrantMode::ClientCredentials => Ok(self.token().await?.2),
        }
    }

    /// The tools this principal sees, in catalog order, as `tools/list` shows them: without those
    /// the tenant's policy denies them outright, and saying which need a person's decision.
    async fn listed_tools(&self) -> Result<Vec<rmcp::model::Tool>, ToolError> {
        let upstream = self.listing_grant().await?;
        let caller = policy_gate::policy_caller(&self.principal, &self.origin);
        Ok(
            access::visible_tools(&self.principal, &self.tenant.settings, upstream)
                .into_iter()
                .filter_map(|tool| {
                    let listing = self.tenant.policies.listing(tool.name, &caller);
                    let mut shown = tool.to_mcp();
                    let mut notes = Vec::new();
                    match listing {
                        gw_policy::Listing::Hidden => return None,
                        gw_policy::Listing::Plain => {}
                        gw_policy::Listing::Noted(note) => notes.push(note),
                    }
                    if let Some(note) = self.tenant.policies.masking().note(tool.name, &caller) {
                        notes.push(note);
                    }
                    if !notes.is_empty() {
                        shown.description =
                            Some(format!("{} {}", tool.description, notes.join(" ")).into());
                    }
                    Some(shown)
                })
                .collect(),
        )
    }

    async fn call(
        &self,
        tool: &'static ToolDef,
        mut arguments: Value,
        links: Links,
        asking: Option<Asking>,
        audit: Option<(&dyn AuditSink, &str)>,
        note: &mut PolicyNote,
    ) -> Result<crate::render::Rendered, ToolError> {
        access::operator_allows(tool, &self.tenant.settings)?;
        // Pseudonyms are resolved first: the schema, the policy's conditions and Auth0 judge
        // the real values (a condition on an email must not be dodged by its pseudonym).
        self.resolve_pseudonyms(&mut arguments)?;
        tool.validate(&mut arguments)?;
        let (scopes, token, granted) = self.token().await?;
        self.check_scopes(tool, scopes, granted, &links)?;
        self.judge(tool, &arguments, links, asking, note).await?;
        // Counted only once the call would run: a call the policy holds or refuses costs nothing.
        self.take_limits(tool.name).await?;
        // From here the call reaches Auth0: its intent is kept first, so that not even a crash
        // leaves it unrecorded.
        if let Some((sink, id)) = audit {
            let intent = AuditRecord::intent(id, &self.principal, tool.name, note);
            sink.begin(&intent)
                .await
                .map_err(ToolError::AuditUnavailable)?;
        }
        let context = |token| {
            CallContext::new(
                self.tenant.auth0.clone(),
                self.tenant.settings.clone(),
                self.principal.clone(),
                scopes,
                token,
            )
            .with_policies(
                self.tenant.policies.clone(),
                self.origin.client_name.clone(),
            )
        };
        let mut rendered = match tool.run(context(token.clone()), arguments.clone()).await {
            // Auth0 processed nothing on a 401, so after a fresh token one retry is safe even for writes.
            Err(ToolError::Upstream(Auth0Error::Api { status: 401, .. })) => {
                let token = self.token_after_rejection(&token).await?;
                tool.run(context(token), arguments).await
            }
            outcome => outcome,
        }?;
        if let Some(masker) = &self.masker {
            crate::data_protection::mask_rendered(masker, &mut rendered);
        }
        Ok(rendered)
    }
}

impl Caller {
    /// Where calls that need a person's decision wait; an error when this process keeps none.
    pub(crate) fn requests_for(&self, tool: &str) -> Result<&dyn PolicyRequests, ToolError> {
        self.requests
            .as_deref()
            .ok_or_else(|| policy_gate::requests_missing(tool))
    }

    /// What a request for this caller's call of `tool` with arguments hashed to `call_hash` is
    /// bound to.
    pub(crate) fn call_key<'a>(&'a self, tool: &'a str, call_hash: &'a str) -> CallKey<'a> {
        CallKey {
            tenant: &self.principal.tenant,
            requester: &self.principal.subject,
            tool,
            call_hash,
        }
    }

    /// What the tenant's policy says about this call: `Ok` to go ahead (with what to audit),
    /// or why not. Only a rule that needs a person's decision touches the store.
    async fn judge(
        &self,
        tool: &'static ToolDef,
        arguments: &Value,
        links: Links,
        asking: Option<Asking>,
        note: &mut PolicyNote,
    ) -> Result<(), ToolError> {
        // `None` exactly when the tenant has no policies.
        let Some(Asking { channel, progress }) = asking else {
            return Ok(());
        };
        let policies = &self.tenant.policies;
        let call = gw_policy::Call {
            tool: tool.name,
            caller: policy_gate::policy_caller(&self.principal, &self.origin),
            arguments,
            source: self.origin.source,
            now: jiff::Timestamp::now(),
        };
        let Some(decision) = policies.evaluate(&call) else {
            return Ok(());
        };
        note.rule = Some(decision.rule().name.clone());
        note.action = Some(decision.rule().action.name());
        match decision {
            gw_policy::Decision::Allow { .. } => Ok(()),
            gw_policy::Decision::Deny { rule, reason } => Err(ToolError::PolicyDenied {
                tool: tool.name.to_owned(),
                rule: rule.name.clone(),
                reason,
            }),
            gw_policy::Decision::Approve {
                rule,
                approvers,
                required,
                expires_minutes,
            } => {
                let held = Held {
                    rule,
                    approvers,
                    required,
                    expires_minutes,
                };
                self.approved(tool, arguments, held, progress, note).await
            }
            gw_policy::Decision::Confirm {
                rule,
                expires_minutes,
            } => {
                self.confirmed(tool, arguments, rule, expires_minutes, channel, note)
                    .await
            }
            gw_policy::Decision::StepUp { rule } => {
                self.stepped_up(tool, arguments, rule, links, note).await
            }
        }
    }

    /// Runs the call only on an approval given for exactly this call and not used yet; else
    /// says where the request stands, making it on the first call.
    async fn approved(
        &self,
        tool: &'static ToolDef,
        arguments: &Value,
        held: Held<'_>,
        progress: Option<Progress>,
        note: &mut PolicyNote,
    ) -> Result<(), ToolError> {
        let Held {
            rule,
            approvers,
            required,
            expires_minutes,
        } = held;
        let requests = self.requests_for(tool.name)?;
        let fail = |error| policy_gate::store_failed(tool.name, error);
        let hash = gw_policy::call_hash(tool.name, arguments);
        let key = self.call_key(tool.name, &hash);
        let stopped = |request: Request, created: bool| {
            ToolError::Request(Box::new(policy_gate::RequestState {
                tool: tool.name.to_owned(),
                request,
                created,
            }))
        };
        if let Some(used) = requests.consume_approved(&key).await.map_err(fail)? {
            note.request_id = Some(used.id);
            note.approvers = used.approved_by;
            return Ok(());
        }
        let (request, created) = match requests.open_request(&key).await.map_err(fail)? {
            Some(open) => (open, false),
            None => {
                let made = requests
                    .create(NewRequest {
                        kind: RequestKind::Approve,
                        key,
                        rule: &rule.name,
                        principal: &self.principal,
                        client_name: self.origin.client_name.as_deref(),
                        arguments_shown: self.shown_arguments(arguments),
                        approvers: approvers
                            .iter()
                            .map(gw_policy::Person::as_written)
                            .collect(),
                        required,
                        ttl_secs: i64::from(expires_minutes) * 60,
                    })
                    .await
                    .map_err(fail)?;
                (made, true)
            }
        };
        note.request_id = Some(request.id.clone());
        if request.status != RequestStatus::Pending {
            return Err(stopped(request, created));
        }
        // A client that can be told progress may wait a bounded time for the decision.
        let wait = requests.wait();
        if let Some(progress) = progress.filter(|_| !wait.is_zero()) {
            let deadline = tokio::time::Instant::now() + wait;
            let mut step = 0u32;
            while tokio::time::Instant::now() < deadline {
                step += 1;
                let message = format!(
                    "waiting for approval {} from {} (rule `{}`)",
                    request.id,
                    request.approvers.join(", "),
                    request.rule
                );
                let mut param = rmcp::model::ProgressNotificationParam::new(
                    progress.token.clone(),
                    f64::from(step),
                );
                param.message = Some(message);
                // A client that cannot take notifications just waits; nothing to do about it.
                let _ = progress.peer.notify_progress(param).await;
                tokio::select! {
                    () = tokio::time::sleep(WAIT_STEP.min(deadline - tokio::time::Instant::now())) => {}
                    () = progress.cancelled.cancelled() => break,
                }
                if let Some(used) = requests.consume_approved(&key).await.map_err(fail)? {
                    note.request_id = Some(used.id);
                    note.approvers = used.approved_by;
                    return Ok(());
                }
                if let Some(now) = requests.open_request(&key).await.map_err(fail)?
                    && now.status != RequestStatus::Pending
                {
                    return Err(stopped(now, false));
                }
            }
        }
        Err(stopped(request, created))
    }
}

impl Caller {
    /// Runs the call only when the person at the client confirms exactly this call.
    async fn confirmed(
        &self,
        tool: &'static ToolDef,
        arguments: &Value,
        rule: &gw_policy::Rule,
        expires_minutes: u32,
        channel: Channel,
        note: &mut PolicyNote,
    ) -> Result<(), ToolError> {
        let shown = self.shown_arguments(arguments);
        let person = self
            .principal
            .email
            .clone()
            .unwrap_or_else(|| "the person at the client".to_owned());
        let declined = |cancelled| ToolError::Declined {
            tool: tool.name.to_owned(),
            rule: rule.name.clone(),
            cancelled,
        };
        match channel {
            // A connected user can confirm at a link instead, signed in as themselves.
            Channel::Unavailable(_) if self.principal.user_id.is_some() => {
                self.confirmed_at_link(tool, arguments, rule, expires_minutes, note)
                    .await
            }
            Channel::Unavailable(why) => Err(ToolError::PolicyDenied {
                tool: tool.name.to_owned(),
                rule: rule.name.clone(),
                reason: format!(
                    "each call must be confirmed by the person using the client, and {why} (nor can it be confirmed at a link: this caller has no Auth0 user to sign in as)"
                ),
            }),
            Channel::InSession(peer, cancelled) => {
                let form = confirm::form(tool.name, &rule.name, &shown);
                match confirm::ask_in_session(&peer, &cancelled, form).await? {
                    Answer::Yes => {
                        note.approvers = vec![person];
                        Ok(())
                    }
                    Answer::No => Err(declined(false)),
                    Answer::Cancelled => Err(declined(true)),
                }
            }
            Channel::RoundTrip { answer, state } => {
                let requests = self.requests_for(tool.name)?;
                let fail = |error| policy_gate::store_failed(tool.name, error);
                let hash = gw_policy::call_hash(tool.name, arguments);
                let key = self.call_key(tool.name, &hash);
                if let (Some(answer), Some(state)) = (answer, state) {
                    let state = self.open_state(requests, &state, &key)?;
                    note.request_id = Some(state.request.clone());
                    let answer = confirm::answer_in(&answer).ok_or_else(|| {
                        ToolError::InvalidArguments(format!(
                            "`inputResponses.{}` is not an elicitation result",
                            confirm::INPUT_KEY
                        ))
                    })?;
                    return match answer {
                        Answer::Yes => {
                            if requests
                                .confirm(&state.request, &key, &person)
                                .await
                                .map_err(fail)?
                            {
                                note.approvers = vec![person];
                                Ok(())
                            } else {
                                Err(ToolError::Rejected(format!(
                                    "This confirmation ({}) was used already or has expired: a confirmation lets one call run. Nothing was changed; call again without `requestState` to ask again.",
                                    state.request
                                )))
                            }
                        }
                        Answer::No | Answer::Cancelled => {
                            requests
                                .decline(&state.request, &person)
                                .await
                                .map_err(fail)?;
                            Err(declined(answer == Answer::Cancelled))
                        }
                    };
                }
                let request = requests
                    .create(NewRequest {
                        kind: RequestKind::Confirm,
                        key,
                        rule: &rule.name,
                        principal: &self.principal,
                        client_name: self.origin.client_name.as_deref(),
                        arguments_shown: shown.clone(),
                        approvers: Vec::new(),
                        required: 1,
                        ttl_secs: i64::from(expires_minutes) * 60,
                    })
                    .await
                    .map_err(fail)?;
                note.request_id = Some(request.id.clone());
                let state = confirm::State::bound(request.id, &key, request.expires_at);
                let sealed = confirm::seal_state(requests, tool.name, &state)?;
                Err(ToolError::InputRequired {
                    tool: tool.name.to_owned(),
                    result: Box::new(confirm::input_required(
                        confirm::form(tool.name, &rule.name, &shown),
                        sealed,
                    )),
                    waits: crate::audit::Outcome::AwaitingConfirmation,
                })
            }
        }
    }

    /// The state a repeated call carries, if this gateway sealed it for exactly this call and it
    /// has not expired.
    pub(crate) fn open_state(
        &self,
        requests: &dyn PolicyRequests,
        sealed: &str,
        key: &CallKey<'_>,
    ) -> Result<confirm::State, ToolError> {
        let refused = |why: &str| {
            ToolError::Rejected(format!(
                "The `requestState` this call carries {why}. Nothing was changed; call again without `requestState` and `inputResponses` to be asked afresh."
            ))
        };
        let state: confirm::State = requests
            .open(sealed)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| refused("was not issued by this gateway, or was altered"))?;
        if state.tenant != key.tenant
            || state.requester != key.requester
            || state.tool != key.tool
            || state.call_hash != key.call_hash
        {
            return Err(refused(
                "was issued for another call (another caller, tool or arguments)",
            ));
        }
        if state.expires_at <= jiff::Timestamp::now().as_second() {
            return Err(refused("has expired"));
        }
        Ok(state)
    }
}

/// How a call can reach the person behind its client: to ask for a confirmation, or to tell
/// them a call waits for approval.
struct Asking {
    channel: Channel,
    progress: Option<Progress>,
}

/// An `approve` decision, as the call carries it to where it waits.
struct Held<'r> {
    rule: &'r gw_policy::Rule,
    approvers: &'r [gw_policy::Person],
    required: u32,
    expires_minutes: u32,
}

/// How often a waiting call looks for the decision.
const WAIT_STEP: std::time::Duration = std::time::Duration::from_secs(1);

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

    /// The declared resource list is empty, so no URI names a resource: "not found" with the URI,
    /// in the words of the protocol version in use (-32002 up to 2025-11-25; -32602 from
    /// 2026-07-28, SEP-2164), rather than the "method not found" of a method never declared.
    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let message = format!("Resource not found: {}", request.uri);
        let data = Some(serde_json::json!({ "uri": request.uri }));
        if context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
        {
            Err(ErrorData::invalid_params(message, data))
        } else {
            Err(ErrorData::resource_not_found(message, data))
        }
    }

    /// The declared prompt list is empty, so every name is unknown: invalid params, as the
    /// protocol words an unknown prompt.
    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        Err(ErrorData::invalid_params(
            format!("Unknown prompt: {}", request.name),
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
            .listed_tools()
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let mut caller = self.caller(&context)?;
        let Some(tool) = catalog().get(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("Unknown tool: {}", request.name),
                None,
            ));
        };
        let masker = caller.masker(tool.name);
        caller.masker = masker.as_ref().ok().cloned().flatten();
        // How a person could be asked or told progress: only a tenant with policies needs it.
        let asking = (!caller.tenant.policies.is_empty()).then(|| Asking {
            channel: Channel::of(&context, &request, self.sessions),
            progress: context
                .meta
                .get_progress_token()
                .map(|token| policy_gate::Progress {
                    peer: context.peer.clone(),
                    token,
                    cancelled: context.ct.clone(),
                }),
        });
        // How a link reaches the person: a consent to more scopes or a step-up may need one.
        let links = Links::of(&context, &request);
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let started = Instant::now();
        let span = tracing::info_span!(
            parent: &request_span(&context),
            "tool.call",
            tool = tool.name,
            tenant = %caller.principal.tenant,
            principal = %caller.principal.subject,
            outcome = tracing::field::Empty,
        );
        let mut policy = PolicyNote::default();
        let record_id = crate::audit::new_id();
        let audit = self.audit.as_deref().map(|sink| (sink, record_id.as_str()));
        let outcome = match masker {
            Ok(_) => {
                caller
                    .call(tool, arguments, links, asking, audit, &mut policy)
                    .instrument(span.clone())
                    .await
            }
            Err(unusable) => Err(unusable),
        };
        let latency_ms = started.elapsed().as_millis() as u64;
        let ended = match &outcome {
            Ok(_) => Outcome::Ok,
            Err(error) => error.outcome(),
        };
        span.record("outcome", ended.as_str());
        metrics::counter!("mcp_tool_calls_total", "tool" => tool.name, "outcome" => ended.as_str())
            .increment(1);
        metrics::histogram!("mcp_tool_call_duration_seconds", "tool" => tool.name)
            .record(started.elapsed().as_secs_f64());
        if let Some(audit) = &self.audit {
            let upstream_status = match &outcome {
                Err(ToolError::Upstream(Auth0Error::Api { status, .. })) => Some(*status),
                Err(ToolError::Upstream(Auth0Error::RateLimited { .. })) => Some(429),
                _ => None,
            };
            audit.record(AuditRecord {
                id: record_id,
                at_ms: crate::audit::now_ms(),
                tenant: caller.principal.tenant.clone(),
                principal: caller.principal.subject.clone(),
                connection_id: caller.principal.connection.clone(),
                oauth_client: caller.principal.oauth_client.clone(),
                tool: tool.name.to_owned(),
                outcome: ended,
                upstream_status,
                upstream_request_id: match &outcome {
                    Err(ToolError::Upstream(Auth0Error::Api { request_id, .. })) => {
                        request_id.clone()
                    }
                    _ => None,
                },
                latency_ms,
                policy,
            });
        }
        let _in_span = span.enter();
        let outcome = match outcome {
            Err(ToolError::InputRequired { result, .. }) => {
                return Ok(CallToolResponse::InputRequired(*result));
            }
            Err(ToolError::UrlElicitationRequired { ask, waits }) => {
                tracing::info!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, kind = waits.as_str(), "tool call waits for its person at a link");
                return Err(crate::url_elicitation::url_required_error(&ask));
            }
            outcome => outcome,
        };
        let result = match outcome {
            Ok(rendered) => {
                // Debug, not info: every call is in the audit log and the metrics already, and a
                // formatted line per call was ~4 % of the gateway's CPU under load (profile).
                tracing::debug!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, "tool call succeeded");
                rendered.into_result()
            }
            Err(error) => {
                if error.is_policy_hold() {
                    // The policy working as meant: a request waits, or a person said no.
                    tracing::info!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, kind = error.outcome().as_str(), "tool call held by the tenant's policy");
                } else {
                    // Masked like the result: an error may quote a value of the call.
                    let said = error.to_string();
                    let said = match &caller.masker {
                        Some(masker) => masker.mask_text(&said).0.into_owned(),
                        None => said,
                    };
                    tracing::warn!(tool = tool.name, tenant = %caller.principal.tenant, principal = %caller.principal.subject, latency_ms, kind = error.outcome().as_str(), error = %said, "tool call failed");
                }
                let mut result = error.into_result();
                if let Some(masker) = &caller.masker {
                    crate::data_protection::mask_result(masker, &mut result);
                }
                result
            }
        };
        Ok(result.into())
    }
}
