//! Connecting a user: `GET /connect/{tenant}` sends the browser to the tenant's `/authorize`;
//! when the user is back (`callback.rs`), [`finish`] stores the connection and a new access key
//! bound to it, and the page shows the key. Any failure explains itself and stores nothing.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gw_mcp::{RefusalKind, TenantRuntime, access};
use gw_oauth::{GrantMode, ScopeSet};
use serde::Deserialize;

use super::connect_error::ConnectError;
use super::pages::Connected;
use super::{AppState, sign_in_cookie};
use crate::sign_in::{Purpose, SignedIn};
use gw_store::{ConnectionStatus, NewKey, StoreError};

/// `/connect/{tenant}`'s query. Nothing in it is looked up: an unauthenticated caller must not
/// learn from the answer whether a connection exists or what it holds. (Links from before this
/// carried `connection=ID`; it is ignored like any unknown parameter.)
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectQuery {
    /// The scopes to ask for (comma-separated product scopes) instead of all the tenant allows,
    /// plus its identity scopes. A tool's consent link lists what the user holds and what the
    /// tool lacks, so the new grant loses nothing.
    add: Option<String>,
    /// The connection a tool's consent link is for: not looked up here, but kept with the
    /// sign-in, and only that connection's user may finish it ([`consenting_user`]).
    #[serde(rename = "for")]
    for_connection: Option<String>,
}

pub(crate) async fn connect(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(query): Query<ConnectQuery>,
    headers: HeaderMap,
) -> Response {
    send_to_auth0(&state, tenant, &query)
        .await
        .unwrap_or_else(|error| error.respond(&state, &headers))
}

async fn send_to_auth0(
    state: &AppState,
    tenant: String,
    query: &ConnectQuery,
) -> Result<Response, ConnectError> {
    let Some(runtime) = state.tenants.get(&tenant) else {
        return Err(ConnectError::UnknownTenant { tenant });
    };
    if !state.store.can_hold_tokens() {
        return Err(ConnectError::ConnectionsDisabled);
    }
    let settings = &runtime.settings;
    let mut requested = settings.scopes;
    if let Some(add) = &query.add {
        let more = ScopeSet::parse_list(add).map_err(|e| ConnectError::InvalidScope {
            explanation: e.to_string(),
        })?;
        if !settings.scopes.covers(more) {
            return Err(ConnectError::InvalidScope {
                explanation: format!(
                    "Tenant `{tenant}` does not allow {}; its operator chooses the scopes the gateway may use.",
                    more.difference(settings.scopes).names().join(", ")
                ),
            });
        }
        // Auth0 asks the user to consent only to what is new to them, and the new token
        // carries all of it.
        requested = more
            .union(settings.scopes.intersection(ScopeSet::IDENTITY))
            .intersection(settings.scopes);
    }
    let purpose = match &query.for_connection {
        None => Purpose::Connect,
        Some(id) if is_connection_id(id) => Purpose::Consent(id.clone()),
        Some(_) => return Err(ConnectError::InvalidConsentLink),
    };
    let started = state
        .sign_ins()
        .begin(settings, requested, true, purpose)
        .await
        .map_err(ConnectError::NotStarted)?;
    tracing::info!(tenant, requested = %requested, "sending a user to Auth0 to connect");
    Ok(sign_in_cookie::redirect(&started, state, StatusCode::FOUND))
}

/// Whether `id` has the shape of a connection id (`con_` and letters or digits), which is all
/// `/connect` checks before sign-in.
fn is_connection_id(id: &str) -> bool {
    id.strip_prefix("con_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Lets a consent link (`for=`) be finished only by the user of the connection it names; anyone
/// else is refused and audited, and nothing is stored.
pub(super) async fn consenting_user(
    state: &AppState,
    connection_id: &str,
    signed_in: &SignedIn,
) -> Result<(), ConnectError> {
    let tenant = signed_in.runtime.settings.name.clone();
    let connection = match state.store.connection(connection_id).await {
        Ok(connection) => connection,
        Err(error) => return Err(ConnectError::NotStored { tenant, error }),
    };
    let theirs = connection.is_some_and(|connection| {
        connection.tenant == tenant
            && connection.status != ConnectionStatus::Revoked
            && connection.user_id == signed_in.identity.user_id
    });
    if theirs {
        return Ok(());
    }
    tracing::warn!(
        tenant,
        connection = connection_id,
        "a consent link was finished by someone other than its connection's user"
    );
    state.audit(gw_mcp::AuditRecord {
        connection_id: Some(connection_id.to_owned()),
        ..gw_mcp::AuditRecord::refusal(
            &tenant,
            &signed_in.identity.user_id,
            "/integration-callback",
            RefusalKind::Consent,
        )
    });
    Err(ConnectError::NotTheCaller)
}

/// A stored connection and its new key (none after a consent link).
pub(super) struct Finished {
    connection: gw_store::ConnectionRecord,
    key: Option<gw_store::AccessKey>,
    scopes: ScopeSet,
    tools: Vec<&'static str>,
}

/// Stores the connection of a user who signed in through `/connect`, and a new key bound to it
/// unless `new_key` is false: a consent link widens the connection of a caller who already holds
/// a credential, and a key nobody asked for would be one more secret left live.
pub(super) async fn finish(
    state: &AppState,
    signed_in: &SignedIn,
    new_key: bool,
) -> Result<Finished, StoreError> {
    let runtime = &signed_in.runtime;
    let settings = &runtime.settings;
    let connection = state.sign_ins().store_connection(signed_in).await?;
    let principal = crate::runtime::connection_principal(settings, &connection);
    let key = if new_key {
        let (_, key) = state
            .store
            .create_key(NewKey {
                tenant: settings.name.clone(),
                name: format!("{} via /connect", connection.display_name()),
                scopes: principal.scopes,
                expires_at: None,
                connection_id: Some(connection.id.clone()),
            })
            .await?;
        Some(key)
    } else {
        None
    };
    // The tools the new key will list: what the principal holds, cut by the operator's settings,
    // the tenant's policy and, for the machine token, by what Auth0 granted it.
    let upstream = match settings.grant {
        GrantMode::AuthorizationCode => principal.scopes,
        GrantMode::ClientCredentials => match runtime.machine.token().await {
            Ok(token) => token.granted,
            Err(_) => principal.scopes,
        },
    };
    let scopes = access::effective_scopes(&principal, settings, upstream);
    let tools = access::visible_tools(&principal, settings, upstream)
        .into_iter()
        .filter(|tool| {
            !gw_mcp::policy_gate::hidden_by_policy(&runtime.policies, &principal, None, tool.name)
        })
        .map(|tool| tool.name)
        .collect();
    Ok(Finished {
        connection,
        key,
        scopes,
        tools,
    })
}

impl Finished {
    pub(super) fn view<'a>(
        &'a self,
        runtime: &'a TenantRuntime,
        state: &AppState,
    ) -> Connected<'a> {
        Connected {
            tenant: &runtime.settings.name,
            domain: &runtime.settings.domain,
            connection_id: &self.connection.id,
            user_id: &self.connection.user_id,
            email: self.connection.email.as_deref(),
            granted_scopes: self.scopes.names(),
            tools: self.tools.clone(),
            key: self.key.as_ref().map(|key| key.expose_secret()),
            mcp_url: state.public_link("mcp"),
            basis: match runtime.settings.grant {
                GrantMode::AuthorizationCode => {
                    "What Auth0 granted your token, within what the operator allows on this tenant."
                }
                GrantMode::ClientCredentials => {
                    "What the operator's policy gives you on this tenant, within what Auth0 granted the gateway's application."
                }
            },
        }
    }
}
