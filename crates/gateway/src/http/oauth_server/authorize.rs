//! `GET /authorize` checks an MCP client's request and shows a consent page; `POST
//! /authorize/consent` (from that page, same browser) sends the user on to the tenant's Auth0;
//! the shared `/integration-callback` then ends in [`complete`], which gives the client its code.
//!
//! Errors before the consent are shown as a page unless the client is one a user has authorized
//! before: registration is open to anyone, so redirecting a fresh registration's errors to its
//! redirect URI would make the gateway an open redirector (register `https://evil.example/…`,
//! then send people to a failing `/authorize`). After the consent, and for clients with a
//! completed authorization, they go back to the client as OAuth error redirects.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gw_oauth::ScopeSet;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use super::client_name;
use super::error::{AuthorizeError, ClientRedirect, OAuthError};
use crate::client_metadata::{self, ClientDocument};
use crate::http::{AppState, cookies, pages, sign_in_cookie};
use crate::sign_in::{Purpose, SignInError, SignedIn};
use gw_mcp::RefusalKind;
use gw_store::{
    Grant, MAX_CLIENT_STATE_LEN, NewClient, OAuthRequest, REQUEST_TTL_SECS, new_family,
    new_request_id, sha256_hex, unix_now,
};

fn consent_cookie(request_id: &str) -> String {
    format!("mcpgw_consent_{}", &sha256_hex(request_id)[..12])
}

pub(crate) async fn authorize(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let peer = peer.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |p| p.0.0.ip());
    let source = state.registrations.source(peer, &headers);
    ask_consent(&state, &params, source)
        .await
        .unwrap_or_else(|error| error.respond(&headers))
}

async fn ask_consent(
    state: &AppState,
    params: &HashMap<String, String>,
    source: IpAddr,
) -> Result<Response, AuthorizeError> {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(client_id) = get("client_id") else {
        return Err(AuthorizeError::NoClientId);
    };
    let registered = |uris: &[String]| {
        get("redirect_uri").filter(|uri| uris.iter().any(|r| super::redirect_uri_matches(r, uri)))
    };
    let (client, document) = if client_metadata::is_url(client_id) {
        let document = metadata_document(state, client_id, source).await?;
        // Checked before the client is kept: a request its own document does not back leaves
        // nothing behind.
        if registered(&document.redirect_uris).is_none() {
            return Err(AuthorizeError::RedirectUriNotRegistered);
        }
        let client = state
            .store
            .metadata_client(
                NewClient {
                    auth_method: "none".to_owned(),
                    client_name: document.client_name.clone(),
                    redirect_uris: document.redirect_uris.clone(),
                },
                &document.client_id,
                state.retention.unused_client_secs,
            )
            .await?
            .ok_or(AuthorizeError::Refused {
                to: None,
                error: OAuthError::RegistrationsFull,
            })?;
        (client, Some(document))
    } else {
        match state.store.oauth_client(client_id).await? {
            Some(client) => (client, None),
            None => return Err(AuthorizeError::UnknownClient),
        }
    };
    let Some(redirect_uri) = registered(&client.redirect_uris) else {
        return Err(AuthorizeError::RedirectUriNotRegistered);
    };
    let client_state = get("state");
    if client_state.is_some_and(|s| s.len() > MAX_CLIENT_STATE_LEN) {
        // Never echoed: it would be kept until the code is issued, and carried in the redirect.
        return Err(AuthorizeError::ClientStateTooLong {
            max: MAX_CLIENT_STATE_LEN,
        });
    }
    let to_client = client.authorized_at.is_some().then(|| ClientRedirect {
        redirect_uri: redirect_uri.to_owned(),
        client_state: client_state.map(str::to_owned),
        issuer: state.issuer(),
    });
    let refuse = |error: OAuthError| AuthorizeError::Refused {
        to: to_client.clone(),
        error,
    };
    if get("response_type") != Some("code") {
        return Err(refuse(OAuthError::UnsupportedResponseType(
            "response_type must be code",
        )));
    }
    let Some(code_challenge) = get("code_challenge") else {
        return Err(refuse(OAuthError::InvalidRequest(
            "PKCE is required: send code_challenge with code_challenge_method=S256".into(),
        )));
    };
    if get("code_challenge_method") != Some("S256") {
        return Err(refuse(OAuthError::InvalidRequest(
            "code_challenge_method must be S256".into(),
        )));
    }
    let resource = state.resource();
    match get("resource") {
        None => {
            return Err(refuse(OAuthError::InvalidTarget(
                format!("resource is required (RFC 8707): this gateway is {resource}").into(),
            )));
        }
        Some(asked) if asked.trim_end_matches('/') != resource.trim_end_matches('/') => {
            return Err(refuse(OAuthError::InvalidTarget(
                format!("this gateway is the resource {resource}, not {asked}").into(),
            )));
        }
        Some(_) => {}
    }
    let scopes = match get("scope") {
        None => None,
        Some(scope) => Some(
            ScopeSet::parse_list(scope)
                .map_err(|e| refuse(OAuthError::InvalidScope(e.to_string().into())))?,
        ),
    };
    let tenant = match get("tenant") {
        Some(name) if state.tenants.contains(name) => Some(name.to_owned()),
        Some(name) => {
            return Err(refuse(OAuthError::InvalidRequest(
                format!("no tenant named `{name}` is served here").into(),
            )));
        }
        None if state.tenants.len() == 1 => state.tenants.names().into_iter().next(),
        None => None,
    };
    let cookie_value = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let request = OAuthRequest {
        id: new_request_id(),
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        client_state: client_state.map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        resource,
        scopes,
        tenant,
        browser_hash: sha256_hex(&cookie_value),
        expires_at: unix_now() + REQUEST_TTL_SECS,
    };
    state
        .store
        .save_oauth_request(&request)
        .await
        .map_err(|error| refuse(error.into()))?;
    let tenants: Vec<String> = match &request.tenant {
        Some(t) => vec![t.clone()],
        None => state.tenants.names(),
    };
    // Registration strips hidden characters; a name stored before it did shows them.
    let shown_name = client.client_name.as_deref().map(client_name::visible);
    let mut response = pages::consent(&pages::Consent {
        request_id: &request.id,
        client_name: shown_name.as_deref(),
        client_host: document.as_ref().map(|d| d.host.as_str()),
        redirect_uri,
        scopes: request.scopes.map(|s| s.names()),
        tenants: &tenants,
        choose_tenant: request.tenant.is_none(),
    });
    cookies::set(
        &mut response,
        &state.public_url,
        &cookies::Cookie {
            name: &consent_cookie(&request.id),
            value: &cookie_value,
            path: "/authorize",
            max_age_secs: REQUEST_TTL_SECS,
            same_site: "Strict",
        },
    );
    Ok(response)
}

/// The metadata document a `client_id` URL leads to: kept, or fetched — a fetch counts against
/// the asking address like a registration, since it is one. Refusals are audited.
async fn metadata_document(
    state: &AppState,
    client_id: &str,
    source: IpAddr,
) -> Result<Arc<ClientDocument>, AuthorizeError> {
    if let Some(document) = state.client_metadata.cached(client_id) {
        return Ok(document);
    }
    if let Err(refused) = state.registrations.check(source) {
        if refused.first {
            tracing::warn!(%source, "refusing client metadata fetches: too many from this address");
            state.audit_refusal(
                "-",
                &format!("source {source}"),
                "/authorize",
                RefusalKind::RateLimit,
            );
        }
        return Err(AuthorizeError::Refused {
            to: None,
            error: OAuthError::TooManyRegistrations {
                retry_after: refused.retry_after,
            },
        });
    }
    state
        .client_metadata
        .fetch(client_id)
        .await
        .map_err(|error| {
            tracing::warn!(%source, %error, "refused a client metadata document");
            let shown: String = client_id.chars().take(200).collect();
            state.audit_refusal(
                "-",
                &format!("source {source}, client {shown}"),
                "/authorize",
                RefusalKind::ClientMetadata,
            );
            AuthorizeError::ClientMetadata(error)
        })
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct ConsentForm {
    request: String,
    decision: String,
    tenant: Option<String>,
}

pub(crate) async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    send_to_auth0(&state, &headers, &form)
        .await
        .unwrap_or_else(|error| error.respond(&headers))
}

async fn send_to_auth0(
    state: &AppState,
    headers: &HeaderMap,
    form: &ConsentForm,
) -> Result<Response, AuthorizeError> {
    let Some(request) = state.store.oauth_request(&form.request).await? else {
        return Err(AuthorizeError::UnknownRequest);
    };
    // The consent must come from the browser that was shown the page (no cross-site posting).
    let presented = cookies::read(headers, &consent_cookie(&request.id)).map(sha256_hex);
    if presented.as_deref() != Some(request.browser_hash.as_str()) {
        return Err(AuthorizeError::ConsentFromElsewhere);
    }
    let to_client = ClientRedirect {
        redirect_uri: request.redirect_uri.clone(),
        client_state: request.client_state.clone(),
        issuer: state.issuer(),
    };
    let refuse = |error: OAuthError| AuthorizeError::Refused {
        to: Some(to_client.clone()),
        error,
    };
    if form.decision != "allow" {
        let _ = state.store.take_oauth_request(&request.id).await;
        return Err(refuse(OAuthError::AccessDenied("the user declined".into())));
    }
    let tenant = match (&request.tenant, &form.tenant) {
        (Some(tenant), _) => tenant.clone(),
        (None, Some(chosen)) if state.tenants.contains(chosen) => {
            state
                .store
                .set_oauth_request_tenant(&request.id, chosen)
                .await
                .map_err(|error| refuse(error.into()))?;
            chosen.clone()
        }
        _ => return Err(AuthorizeError::NoTenantChosen),
    };
    // A tenant removed in the portal since the consent page was shown is gone.
    let Some(runtime) = state.tenants.get(&tenant) else {
        return Err(refuse(OAuthError::InvalidRequest(
            "the tenant is no longer served here".into(),
        )));
    };
    let settings = &runtime.settings;
    // Auth0 is asked for everything the tenant allows, so a connection shared with other clients
    // and keys never shrinks; the client's token is limited to what it asked for.
    let started = state
        .sign_ins()
        .begin(
            settings,
            settings.scopes,
            true,
            Purpose::OAuthRequest(request.id.clone()),
        )
        .await
        .map_err(|error| refuse(error.into()))?;
    Ok(sign_in_cookie::redirect(
        &started,
        state,
        StatusCode::SEE_OTHER,
    ))
}

/// Ends an MCP client's authorization once the user is back from Auth0: a code for the client,
/// or the error, sent to its redirect URI.
pub(crate) async fn complete(
    state: &AppState,
    request_id: &str,
    outcome: Result<SignedIn, SignInError>,
) -> Response {
    // The callback's own request is not asked about its format: the answer is a page.
    give_code(state, request_id, outcome)
        .await
        .unwrap_or_else(|error| error.respond(&HeaderMap::new()))
}

async fn give_code(
    state: &AppState,
    request_id: &str,
    outcome: Result<SignedIn, SignInError>,
) -> Result<Response, AuthorizeError> {
    let Ok(Some(request)) = state.store.take_oauth_request(request_id).await else {
        return Err(AuthorizeError::ExpiredWhileSigningIn);
    };
    let to_client = ClientRedirect {
        redirect_uri: request.redirect_uri.clone(),
        client_state: request.client_state.clone(),
        issuer: state.issuer(),
    };
    let refuse = |error: OAuthError| AuthorizeError::Refused {
        to: Some(to_client.clone()),
        error,
    };
    let signed_in = outcome.map_err(|failure| {
        refuse(match failure {
            SignInError::RefusedByAuth0 { .. } => {
                OAuthError::AccessDenied(failure.to_string().into())
            }
            SignInError::MissingCode
            | SignInError::UnknownTenant { .. }
            | SignInError::ExchangeFailed(_)
            | SignInError::UserinfoFailed(_) => OAuthError::ServerError(failure.to_string()),
        })
    })?;
    let connection = state
        .sign_ins()
        .store_connection(&signed_in)
        .await
        .map_err(|error| refuse(error.into()))?;
    let tenant_scopes = signed_in.runtime.settings.scopes;
    let grant = Grant {
        family: new_family(),
        client_id: request.client_id.clone(),
        connection_id: connection.id.clone(),
        resource: request.resource.clone(),
        scopes: request
            .scopes
            .unwrap_or(tenant_scopes)
            .intersection(tenant_scopes),
    };
    let code = state
        .store
        .issue_code(&grant, &request.redirect_uri, &request.code_challenge)
        .await
        .map_err(|error| refuse(error.into()))?;
    tracing::info!(client_id = %request.client_id, connection = %connection.id, "issued an authorization code to an MCP client");
    Ok(to_client.send(&[("code", &code)]))
}

/// Whether `verifier` is the PKCE S256 verifier for `challenge`.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    !verifier.is_empty() && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}
