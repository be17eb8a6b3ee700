//! One tenant: what its scopes unlock, who connected, the agents' keys, recent tool calls, and
//! the Connect button.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_mcp::{ToolDef, catalog};
use gw_oauth::{GrantMode, Scope, ScopeSet, TenantSettings};
use gw_store::{AccessKey, ConnectionRecord, ConnectionStatus, KeyRecord, NewKey, unix_now};
use serde::Deserialize;

use super::error::AdminError;
use super::layout::{self, ago};
use super::session::Operator;
use super::views::{
    AgentScope, Auth0Revocation, ConnectionRow, KeyCreatedPage, KeyForm, KeyNotCreatedPage, KeyRow,
    MachineToken, ScopeRow, TenantPage, WaitingRow,
};
use crate::http::AppState;

#[derive(Deserialize, Default)]
pub(super) struct Flash {
    saved: Option<String>,
    missing: Option<String>,
    revoked: Option<String>,
    revoked_connection: Option<String>,
    auth0: Option<String>,
}

/// The tools a tenant offers to a holder of `scopes`, whatever Auth0 granted.
fn tools_for(settings: &TenantSettings, scopes: ScopeSet) -> Vec<&'static ToolDef> {
    let holder = gw_mcp::Principal {
        scopes,
        ..gw_mcp::Principal::local_operator(settings)
    };
    gw_mcp::access::visible_tools(&holder, settings, ScopeSet::all())
}

/// The names of the tools the tenant offers to some caller (its scopes allow them).
pub(super) fn offered_tools(settings: &TenantSettings) -> Vec<&'static str> {
    tools_for(settings, ScopeSet::all())
        .into_iter()
        .map(|tool| tool.name)
        .collect()
}

pub(super) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    tenant_view(&state, &operator, name, &flash)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn tenant_view(
    state: &AppState,
    operator: &Operator,
    name: String,
    flash: &Flash,
) -> Result<Response, AdminError> {
    let Some(runtime) = state.tenants.get(&name) else {
        return Err(AdminError::NotFound(name));
    };
    let settings = &runtime.settings;
    let store = &state.store;
    let (connections, keys, recent, waiting) = tokio::try_join!(
        store.list_connections(Some(&name)),
        store.list_keys(Some(&name)),
        store.recent_audit(&name, 25),
        store.policy_requests(gw_store::RequestFilter {
            tenant: Some(&name),
            pending_only: true,
            limit: 50,
        }),
    )?;
    let mut last_used = HashMap::new();
    for connection in &connections {
        if let Some(at) = store.last_call_by(&name, &connection.id).await? {
            last_used.insert(connection.id.clone(), at);
        }
    }

    // Scopes and tools. With the machine token, what Auth0 granted it decides which tools work,
    // so the page asks for it (the cached token, normally) and shows the difference.
    let mut machine_token_error = None;
    let machine_grant = match settings.grant {
        GrantMode::ClientCredentials => match runtime.machine.token().await {
            Ok(token) => Some(token.granted),
            Err(error) => {
                machine_token_error = Some(error.to_string());
                None
            }
        },
        GrantMode::AuthorizationCode => None,
    };
    let policies = &runtime.policies;
    let offered = tools_for(settings, ScopeSet::all());
    // Counted apart: a tool the policies refuse to everyone is not on offer, whatever the scopes.
    let not_denied = |tools: &[&ToolDef]| {
        tools
            .iter()
            .filter(|t| !policies.denied_to_everyone(t.name))
            .count()
    };
    let denied_by_policy = offered.len() - not_denied(&offered);
    let scope_rows = settings
        .scopes
        .iter()
        .map(|scope| ScopeRow {
            scope,
            tools: offered
                .iter()
                .filter(|t| t.needs.contains(scope))
                .map(|t| t.name)
                .collect(),
            machine_token: machine_grant.map(|granted| {
                if ScopeSet::IDENTITY.contains(scope) {
                    MachineToken::NotAnApiPermission
                } else if granted.contains(scope) {
                    MachineToken::Granted
                } else {
                    MachineToken::NotGranted
                }
            }),
        })
        .collect();

    let connection_rows = connections
        .iter()
        .map(|connection| {
            let principal = crate::runtime::connection_principal(settings, connection);
            ConnectionRow {
                connection,
                scopes: principal.scopes.names().join(" "),
                tools: tools_for(settings, principal.scopes)
                    .iter()
                    .filter(|t| {
                        !gw_mcp::policy_gate::hidden_by_policy(policies, &principal, None, t.name)
                    })
                    .count(),
                last_used: last_used
                    .get(&connection.id)
                    .map_or("never".to_owned(), |at| ago(*at)),
                connected: ago(connection.created_at * 1000),
            }
        })
        .collect();

    let by_connection: HashMap<&str, &ConnectionRecord> =
        connections.iter().map(|c| (c.id.as_str(), c)).collect();
    let now = unix_now();
    let key_rows = keys
        .iter()
        .filter(|k| k.revoked_at.is_none())
        .map(|key| KeyRow {
            key,
            acts_as: match &key.connection_id {
                Some(id) => by_connection
                    .get(id.as_str())
                    .map_or(id.clone(), |c| c.display_name().to_owned()),
                None => format!("agent key: {}", key.scopes.names().join(" ")),
            },
            active: key.is_active(now),
        })
        .collect();

    let page = TenantPage {
        frame: operator.frame(),
        csrf: &operator.csrf,
        name: &name,
        settings,
        source: super::source(state, &name),
        saved: flash.saved.is_some(),
        missing: flash
            .missing
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .map(|m| m.split(['+', ' ']).collect::<Vec<_>>().join(", ")),
        revoked_key: flash.revoked.as_deref(),
        revoked_connection: flash.revoked_connection.as_deref(),
        auth0_revocation: match flash.auth0.as_deref() {
            Some("revoked") => Some(Auth0Revocation::Revoked),
            Some("failed") => Some(Auth0Revocation::Failed),
            _ => None,
        },
        connect_link: state.public_link(&format!("connect/{name}")),
        machine_token_error,
        machine_column: machine_grant.is_some(),
        scope_rows,
        offered: offered.len() - denied_by_policy,
        denied_by_policy,
        catalog: catalog().tools().len(),
        working_with_machine_token: machine_grant
            .map(|granted| not_denied(&tools_for(settings, granted.union(ScopeSet::IDENTITY)))),
        connections: connection_rows,
        keys: key_rows,
        key_form: key_form(settings, &connections),
        recent: &recent,
        waiting: waiting
            .iter()
            .filter(|request| request.kind == gw_store::RequestKind::Approve)
            .map(|request| WaitingRow {
                id: request.id.clone(),
                tool: request.tool.clone(),
                requester: request.requester.clone(),
                rule: request.rule.clone(),
                approvals: request
                    .decisions
                    .iter()
                    .filter(|d| d.decision == gw_store::Decision::Approve)
                    .count(),
                required: request.required,
                expires: layout::until(request.expires_at),
                link: crate::approvals::approval_url(&state.public_url, &request.id).to_string(),
            })
            .collect(),
        policies: policies
            .rules()
            .iter()
            .map(gw_policy::Rule::summary)
            .collect(),
    };
    Ok(layout::page(StatusCode::OK, &page))
}

/// The "create a key" form, if a key can be made. With users' own tokens a key must act as a
/// connected user; with the machine token it may also be an agent key holding scopes of its own.
fn key_form<'a>(
    settings: &TenantSettings,
    connections: &'a [ConnectionRecord],
) -> Option<KeyForm<'a>> {
    let users: Vec<&ConnectionRecord> = connections
        .iter()
        .filter(|c| c.status == ConnectionStatus::Active)
        .collect();
    let agent_scopes = (settings.grant == GrantMode::ClientCredentials).then(|| {
        settings
            .scopes
            .iter()
            .filter(|s| !ScopeSet::IDENTITY.contains(*s))
            .map(|scope| AgentScope {
                scope,
                // Least privilege: reads are ticked, except reading users' IdP tokens.
                ticked: scope.as_str().starts_with("read:") && scope != Scope::ReadUserIdpTokens,
            })
            .collect()
    });
    if users.is_empty() && agent_scopes.is_none() {
        return None;
    }
    Some(KeyForm {
        users,
        agent_scopes,
    })
}

pub(super) async fn create_key(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    make_key(&state, &operator, name, &body)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn make_key(
    state: &AppState,
    operator: &Operator,
    name: String,
    body: &[u8],
) -> Result<Response, AdminError> {
    let mut csrf = None;
    let mut key_name = String::new();
    let mut connection = String::new();
    let mut scopes = ScopeSet::EMPTY;
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "name" => key_name = v.trim().to_owned(),
            "connection" => connection = v.into_owned(),
            "scopes" => {
                if let Ok(scope) = v.parse::<Scope>() {
                    scopes.insert(scope);
                }
            }
            _ => {}
        }
    }
    operator.check_form(state, csrf.as_deref())?;
    let Some(runtime) = state.tenants.get(&name) else {
        return Err(AdminError::NotFound(name));
    };
    let settings = &runtime.settings;
    let refuse = |message: &str| {
        let page = KeyNotCreatedPage {
            frame: operator.frame(),
            tenant: &name,
            message,
        };
        layout::page(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    if key_name.is_empty() || key_name.len() > 100 {
        return Ok(refuse(
            "Give the key a name of 1 to 100 characters, so you can tell keys apart later.",
        ));
    }
    let new = if connection.is_empty() {
        if settings.grant == GrantMode::AuthorizationCode {
            return Ok(refuse(
                "On this tenant calls use each user's own token, so a key must act as a connected user.",
            ));
        }
        let scopes = scopes.intersection(settings.scopes);
        if scopes.is_empty() {
            return Ok(refuse("Tick at least one scope for the agent key."));
        }
        NewKey {
            tenant: name.clone(),
            name: key_name,
            scopes,
            expires_at: None,
            connection_id: None,
        }
    } else {
        match state.store.connection(&connection).await? {
            Some(c) if c.tenant == name && c.status == ConnectionStatus::Active => NewKey {
                tenant: name.clone(),
                name: key_name,
                scopes: crate::runtime::connection_principal(settings, &c).scopes,
                expires_at: None,
                connection_id: Some(c.id),
            },
            _ => {
                return Ok(refuse(
                    "That connection is not an active connection of this tenant.",
                ));
            }
        }
    };
    let (record, key): (KeyRecord, AccessKey) = state.store.create_key(new).await?;
    tracing::info!(tenant = %name, key = %record.id, operator = %operator.name, "access key created in the portal");
    let page = KeyCreatedPage {
        frame: operator.frame(),
        tenant: &name,
        key_name: &record.name,
        key: key.expose_secret(),
        endpoint: state.public_link("mcp"),
        scopes: record.scopes.names().join(" "),
    };
    Ok(layout::page(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    csrf: Option<String>,
}

pub(super) async fn revoke_key(
    State(state): State<AppState>,
    operator: Operator,
    Path((name, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<RevokeForm>,
) -> Response {
    revoke(&state, &operator, &name, id, &form)
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn revoke(
    state: &AppState,
    operator: &Operator,
    name: &str,
    id: String,
    form: &RevokeForm,
) -> Result<Response, AdminError> {
    operator.check_form(state, form.csrf.as_deref())?;
    // Only a key of this tenant: the URL names both.
    let keys = state.store.list_keys(Some(name)).await?;
    if !keys.iter().any(|k| k.id == id) {
        return Err(AdminError::NotFound(id));
    }
    state.store.revoke_key(&id).await?;
    tracing::info!(tenant = %name, key = %id, operator = %operator.name, "access key revoked in the portal");
    Ok(Redirect::to(&format!("/admin/tenants/{name}?revoked={id}")).into_response())
}
