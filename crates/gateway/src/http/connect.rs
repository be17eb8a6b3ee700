//! Connecting a user: `GET /connect/{tenant}` sends the browser to the tenant's `/authorize`;
//! `GET /integration-callback` checks the state, exchanges the code, learns who signed in, stores
//! the connection and shows a new access key bound to it. Any failure explains itself and stores
//! nothing.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gw_mcp::{TenantRuntime, access, catalog};
use gw_oauth::{GrantMode, Scope, ScopeSet, UserFlow};
use serde::Deserialize;

use super::AppState;
use super::pages::{self, Connected};
use crate::store::{NewConnection, NewKey, PendingAuthorization, Taken};

#[derive(Debug, Deserialize)]
pub(crate) struct ConnectQuery {
    /// Renewing or widening this connection.
    connection: Option<String>,
    /// Scopes to add to what the connection holds (comma-separated product scopes).
    add: Option<String>,
}

pub(crate) async fn connect(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(query): Query<ConnectQuery>,
    headers: HeaderMap,
) -> Response {
    let fail = |status, error, explanation: &str, next: Option<&str>| {
        pages::failure(&headers, status, error, explanation, next)
    };
    let Some(runtime) = state.tenants.get(&tenant) else {
        return fail(
            StatusCode::NOT_FOUND,
            "unknown_tenant",
            &format!("No tenant named `{tenant}` is served by this gateway."),
            None,
        );
    };
    if !state.store.can_hold_tokens() {
        return fail(
            StatusCode::SERVICE_UNAVAILABLE,
            "connections_disabled",
            "This gateway cannot keep connections: its operator has not set an encryption key ([store] encryption_key_env or encryption_key_file).",
            None,
        );
    }
    let settings = &runtime.settings;
    let mut requested = settings.scopes;
    if let Some(add) = &query.add {
        let more = match ScopeSet::parse_list(add) {
            Ok(more) => more,
            Err(e) => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &e.to_string(),
                    None,
                );
            }
        };
        if !settings.scopes.covers(more) {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                &format!(
                    "Tenant `{tenant}` does not allow {}; its operator chooses the scopes the gateway may use.",
                    more.difference(settings.scopes).names().join(", ")
                ),
                None,
            );
        }
        // What the connection already holds plus what was asked for: Auth0 asks the user to
        // consent only to what is new, and the new token carries both.
        let held = match &query.connection {
            Some(id) => match state.store.connection(id).await {
                Ok(Some(c)) if c.tenant == tenant => c.granted_scopes(),
                _ => ScopeSet::EMPTY,
            },
            None => ScopeSet::EMPTY,
        };
        let identity: ScopeSet = Scope::ALL
            .iter()
            .copied()
            .filter(|s| s.is_identity())
            .collect();
        requested = held
            .union(more)
            .union(settings.scopes.intersection(identity))
            .intersection(settings.scopes);
    }
    let url = match begin(&state, settings, requested).await {
        Ok(url) => url,
        Err(error) => {
            tracing::error!(%error, "cannot store a pending authorization");
            return fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                None,
            );
        }
    };
    tracing::info!(tenant, requested = %requested, "sending a user to Auth0 to connect");
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// Starts a sign-in: remembers the state and PKCE verifier, and returns the `/authorize` URL.
pub(crate) async fn begin(
    state: &AppState,
    settings: &gw_oauth::TenantSettings,
    requested: ScopeSet,
) -> Result<url::Url, crate::store::StoreError> {
    let flow = UserFlow::new(settings, &state.oauth_http, state.callback_url());
    let start = flow.start(requested);
    let pending = PendingAuthorization {
        tenant: settings.name.clone(),
        verifier: start.verifier,
        requested,
    };
    state.store.save_pending(&start.state, &pending).await?;
    Ok(start.url)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub(crate) async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let fail = |status, error, explanation: &str, next: Option<String>| {
        pages::failure(&headers, status, error, explanation, next.as_deref())
    };
    let start_again = |tenant: &str| {
        Some(format!(
            "Start again at {}",
            state.public_link(&format!("connect/{tenant}"))
        ))
    };
    let Some(presented_state) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "missing_state",
            "The callback carries no `state`, so it cannot be matched to a sign-in this gateway started. Open the gateway's /connect/{tenant} page to connect.",
            None,
        );
    };
    // Taking the state consumes it, whatever happens next: a callback works once.
    let pending = match state.store.take_pending(presented_state).await {
        Ok(Taken::Found(pending)) => pending,
        Ok(Taken::Expired { tenant }) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "expired_state",
                "This sign-in took more than ten minutes and has expired.",
                start_again(&tenant),
            );
        }
        Ok(Taken::Unknown) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "invalid_state",
                "This callback's `state` is unknown or was already used: each sign-in link works once. Nothing was stored.",
                None,
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot read a pending authorization");
            return fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                None,
            );
        }
    };
    let tenant = pending.tenant.clone();
    if let Some(error) = &query.error {
        let description = query.error_description.as_deref().unwrap_or("");
        let explanation = match error.as_str() {
            "access_denied" => format!(
                "Auth0 did not authorize the connection (access_denied): {description}. Nothing was stored."
            ),
            _ => format!("Auth0 returned the error `{error}`: {description}. Nothing was stored."),
        };
        tracing::info!(tenant, error, "a connection attempt was refused by Auth0");
        return fail(
            StatusCode::BAD_REQUEST,
            "authorization_failed",
            &explanation,
            start_again(&tenant),
        );
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "missing_code",
            "The callback carries neither a `code` nor an `error`.",
            start_again(&tenant),
        );
    };
    let Some(runtime) = state.tenants.get(&tenant).cloned() else {
        return fail(
            StatusCode::BAD_REQUEST,
            "unknown_tenant",
            &format!("Tenant `{tenant}` is no longer served by this gateway."),
            None,
        );
    };
    let flow = UserFlow::new(&runtime.settings, &state.oauth_http, state.callback_url());
    let tokens = match flow.exchange(code, &pending.verifier).await {
        Ok(tokens) => tokens,
        Err(error) => {
            tracing::warn!(tenant, %error, "code exchange failed");
            return fail(
                StatusCode::BAD_GATEWAY,
                "exchange_failed",
                &format!(
                    "The authorization code could not be exchanged for tokens: {error}. Nothing was stored."
                ),
                start_again(&tenant),
            );
        }
    };
    let identity = match flow.identity(&tokens.access_token).await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(tenant, %error, "userinfo failed");
            return fail(
                StatusCode::BAD_GATEWAY,
                "userinfo_failed",
                &format!("Auth0 did not say who signed in: {error}. Nothing was stored."),
                start_again(&tenant),
            );
        }
    };
    match finish(&state, &runtime, &identity, &tokens).await {
        Ok(connected) => pages::connected(&headers, &connected.view(&runtime, &state)),
        Err(error) => {
            tracing::error!(tenant, %error, "cannot store a connection");
            fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                start_again(&tenant),
            )
        }
    }
}

/// A stored connection and its new key.
struct Finished {
    connection: crate::store::ConnectionRecord,
    key: crate::store::AccessKey,
    scopes: ScopeSet,
    tools: Vec<&'static str>,
}

async fn finish(
    state: &AppState,
    runtime: &TenantRuntime,
    identity: &gw_oauth::UserIdentity,
    tokens: &gw_oauth::UserTokens,
) -> Result<Finished, crate::store::StoreError> {
    let settings = &runtime.settings;
    let connection = state
        .store
        .save_connection(NewConnection {
            tenant: &settings.name,
            identity,
            tokens,
            // With client_credentials calls use the machine token: the user's is not kept.
            keep_tokens: settings.grant == GrantMode::AuthorizationCode,
        })
        .await?;
    if let Some(users) = &runtime.users {
        users.forget(&connection.id);
    }
    let principal = crate::runtime::connection_principal(settings, &connection);
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
    // The tools the new key will list: what the principal holds, cut by the operator's settings
    // and, for the machine token, by what Auth0 granted it.
    let upstream = match settings.grant {
        GrantMode::AuthorizationCode => principal.scopes,
        GrantMode::ClientCredentials => match runtime.machine.token().await {
            Ok(token) => token.granted,
            Err(_) => principal.scopes,
        },
    };
    let scopes = access::effective_scopes(&principal, settings, upstream);
    let tools = catalog()
        .tools()
        .iter()
        .filter(|tool| access::operator_allows(tool, settings).is_ok())
        .filter(|tool| access::scopes_allow(tool, scopes).is_ok())
        .map(|tool| tool.name)
        .collect();
    tracing::info!(tenant = %settings.name, connection = %connection.id, user = %connection.user_id, granted = %connection.granted, "user connected");
    Ok(Finished {
        connection,
        key,
        scopes,
        tools,
    })
}

impl Finished {
    fn view<'a>(&'a self, runtime: &'a TenantRuntime, state: &AppState) -> Connected<'a> {
        Connected {
            tenant: &runtime.settings.name,
            domain: &runtime.settings.domain,
            connection_id: &self.connection.id,
            user_id: &self.connection.user_id,
            email: self.connection.email.as_deref(),
            granted_scopes: self.scopes.names(),
            tools: self.tools.clone(),
            key: self.key.expose_secret(),
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
