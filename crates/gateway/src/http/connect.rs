//! Connecting a user: `GET /connect/{tenant}` sends the browser to the tenant's `/authorize`;
//! `GET /integration-callback` checks the state, exchanges the code, learns who signed in, stores
//! the connection and shows a new access key bound to it. Any failure explains itself and stores
//! nothing.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gw_mcp::{RefusalKind, TenantRuntime, access};
use gw_oauth::{GrantMode, ScopeSet, UserFlow};
use gw_store::{NewConnection, NewKey, PendingAuthorization, Taken, sha256_hex};
use rand::distr::{Alphanumeric, SampleString};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::pages::{self, Connected};
use super::{AppState, cookies};

/// `/connect/{tenant}`'s query. Nothing in it is looked up: an unauthenticated caller must not
/// learn from the answer whether a connection exists or what it holds. (Links from before this
/// carried `connection=ID`; it is ignored like any unknown parameter.)
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectQuery {
    /// The scopes to ask for (comma-separated product scopes) instead of all the tenant allows,
    /// plus its identity scopes. A tool's consent link lists what the user holds and what the
    /// tool lacks, so the new grant loses nothing.
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
        // Auth0 asks the user to consent only to what is new to them, and the new token
        // carries all of it.
        requested = more
            .union(settings.scopes.intersection(ScopeSet::IDENTITY))
            .intersection(settings.scopes);
    }
    let started = match begin(&state, settings, requested, true, None).await {
        Ok(started) => started,
        Err(error @ gw_store::StoreError::Full(_)) => {
            tracing::warn!(%error, "refused a sign-in");
            return fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_sign_ins",
                &format!("{error}."),
                None,
            );
        }
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
    started.redirect(&state, StatusCode::FOUND)
}

/// A started sign-in: where to send the browser, and the cookie that ties it to that browser.
pub(crate) struct Started {
    pub url: url::Url,
    pub cookie: Option<(String, String)>,
}

/// Starts a sign-in: remembers the state and PKCE verifier, and returns the `/authorize` URL.
/// With `in_browser`, also a cookie the callback must come back with.
pub(crate) async fn begin(
    state: &AppState,
    settings: &gw_oauth::TenantSettings,
    requested: ScopeSet,
    in_browser: bool,
    oauth_request: Option<String>,
) -> Result<Started, gw_store::StoreError> {
    let flow = UserFlow::new(settings, &state.oauth_http, state.callback_url());
    let start = flow.start(requested);
    let cookie = in_browser.then(|| {
        (
            cookie_name(start.state.expose_secret()),
            Alphanumeric.sample_string(&mut rand::rng(), 32),
        )
    });
    let pending = PendingAuthorization {
        tenant: settings.name.clone(),
        verifier: start.verifier,
        requested,
        browser_hash: cookie.as_ref().map(|(_, value)| sha256_hex(value)),
        oauth_request,
    };
    state.store.save_pending(&start.state, &pending).await?;
    Ok(Started {
        url: start.url,
        cookie,
    })
}

/// One cookie per sign-in (named after its state), so two tabs connecting at once do not clash.
fn cookie_name(state: &str) -> String {
    format!("mcpgw_connect_{}", &sha256_hex(state)[..12])
}

impl Started {
    /// Sends the browser to Auth0 with `status`, setting the sign-in's cookie (Lax: it must come
    /// back with Auth0's redirect to the callback).
    pub(crate) fn redirect(&self, state: &AppState, status: StatusCode) -> Response {
        let mut response = (
            status,
            [
                (header::LOCATION, self.url.to_string()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response();
        if let Some((name, value)) = &self.cookie {
            cookies::set(
                &mut response,
                &state.public_url,
                &cookies::Cookie {
                    name,
                    value,
                    path: state.callback_url().path(),
                    max_age_secs: 600,
                    same_site: "Lax",
                },
            );
        }
        response
    }
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
        Ok(Taken::Finished {
            tenant,
            browser_hash,
        }) if browser_hash.as_deref().is_none_or(|expected| {
            cookies::read(&headers, &cookie_name(presented_state))
                .map(sha256_hex)
                .as_deref()
                == Some(expected)
        }) =>
        {
            // The success page reloaded in the browser that signed in: say what happened.
            return pages::already_connected(
                &headers,
                &tenant,
                &state.public_link(&format!("connect/{tenant}")),
            );
        }
        Ok(Taken::Unknown | Taken::Finished { .. }) => {
            state.audit_refusal("-", "-", "/integration-callback", RefusalKind::State);
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
    if let Some(expected) = &pending.browser_hash {
        let presented = cookies::read(&headers, &cookie_name(presented_state)).map(sha256_hex);
        if presented.as_deref() != Some(expected.as_str()) {
            tracing::warn!(
                tenant,
                "a callback arrived in a browser other than the one that started the sign-in"
            );
            state.audit_refusal(&tenant, "-", "/integration-callback", RefusalKind::Browser);
            return fail(
                StatusCode::BAD_REQUEST,
                "browser_mismatch",
                "This sign-in was started in another browser (or this browser blocked the gateway's cookie), so it cannot be finished here. Nothing was stored.",
                start_again(&tenant),
            );
        }
    }
    let outcome = sign_in(&state, &pending, &query).await;
    if let Some(request) = &pending.oauth_request {
        return super::oauth_server::complete(&state, request, outcome).await;
    }
    let (runtime, identity, tokens) = match outcome {
        Ok(signed_in) => signed_in,
        Err(failure) => {
            return fail(
                failure.status,
                failure.error,
                &failure.explanation,
                failure.may_retry.then(|| start_again(&tenant)).flatten(),
            );
        }
    };
    match finish(&state, &runtime, &identity, &tokens).await {
        Ok(connected) => {
            if let Err(error) = state.store.finish_pending(presented_state).await {
                // Only the wording of a later reload depends on it.
                tracing::warn!(%error, "cannot mark a sign-in finished");
            }
            pages::connected(&headers, &connected.view(&runtime, &state))
        }
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

/// Why a sign-in could not be completed (after its state was found).
pub(crate) struct Failure {
    pub status: StatusCode,
    pub error: &'static str,
    pub explanation: String,
    /// Starting again may help (false: the tenant is gone).
    pub may_retry: bool,
    /// Auth0 itself refused (the user declined, or Auth0 sent another error).
    pub refused_by_auth0: bool,
}

/// Who signed in and their tokens, from the callback's code; or why not.
pub(crate) type SignedIn = (
    Arc<TenantRuntime>,
    gw_oauth::UserIdentity,
    gw_oauth::UserTokens,
);

async fn sign_in(
    state: &AppState,
    pending: &PendingAuthorization,
    query: &CallbackQuery,
) -> Result<SignedIn, Failure> {
    let tenant = &pending.tenant;
    let failure = |status, error, explanation: String| Failure {
        status,
        error,
        explanation,
        may_retry: true,
        refused_by_auth0: false,
    };
    if let Some(error) = &query.error {
        let description = query.error_description.as_deref().unwrap_or("");
        let explanation = match error.as_str() {
            "access_denied" => format!(
                "Auth0 did not authorize the connection (access_denied): {description}. Nothing was stored."
            ),
            _ => format!("Auth0 returned the error `{error}`: {description}. Nothing was stored."),
        };
        tracing::info!(tenant, error, "a connection attempt was refused by Auth0");
        return Err(Failure {
            refused_by_auth0: true,
            ..failure(StatusCode::BAD_REQUEST, "authorization_failed", explanation)
        });
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(failure(
            StatusCode::BAD_REQUEST,
            "missing_code",
            "The callback carries neither a `code` nor an `error`.".to_owned(),
        ));
    };
    let Some(runtime) = state.tenants.get(tenant) else {
        return Err(Failure {
            may_retry: false,
            ..failure(
                StatusCode::BAD_REQUEST,
                "unknown_tenant",
                format!("Tenant `{tenant}` is no longer served by this gateway."),
            )
        });
    };
    let flow = UserFlow::new(&runtime.settings, &state.oauth_http, state.callback_url());
    let tokens = flow.exchange(code, &pending.verifier).await.map_err(|error| {
        tracing::warn!(tenant, %error, "code exchange failed");
        failure(
            StatusCode::BAD_GATEWAY,
            "exchange_failed",
            format!(
                "The authorization code could not be exchanged for tokens: {error}. Nothing was stored."
            ),
        )
    })?;
    let identity = flow.identity(&tokens.access_token).await.map_err(|error| {
        tracing::warn!(tenant, %error, "userinfo failed");
        failure(
            StatusCode::BAD_GATEWAY,
            "userinfo_failed",
            format!("Auth0 did not say who signed in: {error}. Nothing was stored."),
        )
    })?;
    Ok((runtime, identity, tokens))
}

/// Stores (or renews) the user's connection; drops any token cached for it.
pub(crate) async fn store_connection(
    state: &AppState,
    runtime: &TenantRuntime,
    identity: &gw_oauth::UserIdentity,
    tokens: &gw_oauth::UserTokens,
) -> Result<gw_store::ConnectionRecord, gw_store::StoreError> {
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
    tracing::info!(tenant = %settings.name, connection = %connection.id, user = %connection.user_id, granted = %connection.granted, "user connected");
    Ok(connection)
}

/// A stored connection and its new key.
struct Finished {
    connection: gw_store::ConnectionRecord,
    key: gw_store::AccessKey,
    scopes: ScopeSet,
    tools: Vec<&'static str>,
}

async fn finish(
    state: &AppState,
    runtime: &TenantRuntime,
    identity: &gw_oauth::UserIdentity,
    tokens: &gw_oauth::UserTokens,
) -> Result<Finished, gw_store::StoreError> {
    let settings = &runtime.settings;
    let connection = store_connection(state, runtime, identity, tokens).await?;
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
    let tools = access::visible_tools(&principal, settings, upstream)
        .into_iter()
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
