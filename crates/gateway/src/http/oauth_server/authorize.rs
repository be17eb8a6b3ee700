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

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gw_oauth::ScopeSet;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use super::{client_name, redirect_to_client};
use crate::http::{AppState, cookies, pages, sign_in_cookie};
use crate::sign_in::{SignInError, SignedIn};
use gw_store::{
    Grant, MAX_CLIENT_STATE_LEN, OAuthRequest, REQUEST_TTL_SECS, StoreError, new_family,
    new_request_id, sha256_hex, unix_now,
};

fn consent_cookie(request_id: &str) -> String {
    format!("mcpgw_consent_{}", &sha256_hex(request_id)[..12])
}

pub(crate) async fn authorize(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let page = |error: &str, explanation: &str| {
        pages::failure(&headers, StatusCode::BAD_REQUEST, error, explanation, None)
    };
    let Some(client_id) = get("client_id") else {
        return page(
            "invalid_request",
            "The authorization request names no client_id.",
        );
    };
    let client = match state.store.oauth_client(client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            return page(
                "invalid_client",
                "The application that sent you here is not registered with this gateway.",
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot read a client registration");
            return pages::failure(
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The gateway's store is unavailable; try again shortly.",
                None,
            );
        }
    };
    let Some(redirect_uri) =
        get("redirect_uri").filter(|uri| client.redirect_uris.iter().any(|r| r == uri))
    else {
        return page(
            "invalid_request",
            "The redirect_uri is missing or is not one the application registered, so the gateway will not send you there.",
        );
    };
    let client_state = get("state");
    if client_state.is_some_and(|s| s.len() > MAX_CLIENT_STATE_LEN) {
        // Never echoed: it would be kept until the code is issued, and carried in the redirect.
        return page(
            "invalid_request",
            &format!(
                "The application's state parameter is longer than {MAX_CLIENT_STATE_LEN} bytes."
            ),
        );
    }
    let issuer = state.issuer();
    let redirect_errors = client.authorized_at.is_some();
    let refuse = |error: &str, description: &str| {
        if !redirect_errors {
            let status = if error == "temporarily_unavailable" {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            return pages::failure(
                &headers,
                status,
                error,
                &format!("The application's authorization request was refused: {description}."),
                None,
            );
        }
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = client_state {
            params.push(("state", s));
        }
        redirect_to_client(redirect_uri, &issuer, &params)
    };
    if get("response_type") != Some("code") {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    let Some(code_challenge) = get("code_challenge") else {
        return refuse(
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256",
        );
    };
    if get("code_challenge_method") != Some("S256") {
        return refuse("invalid_request", "code_challenge_method must be S256");
    }
    let resource = state.resource();
    match get("resource") {
        None => {
            return refuse(
                "invalid_target",
                &format!("resource is required (RFC 8707): this gateway is {resource}"),
            );
        }
        Some(asked) if asked.trim_end_matches('/') != resource.trim_end_matches('/') => {
            return refuse(
                "invalid_target",
                &format!("this gateway is the resource {resource}, not {asked}"),
            );
        }
        Some(_) => {}
    }
    let scopes = match get("scope") {
        None => None,
        Some(scope) => match ScopeSet::parse_list(scope) {
            Ok(scopes) => Some(scopes),
            Err(e) => return refuse("invalid_scope", &e.to_string()),
        },
    };
    let tenant = match get("tenant") {
        Some(name) if state.tenants.contains(name) => Some(name.to_owned()),
        Some(name) => {
            return refuse(
                "invalid_request",
                &format!("no tenant named `{name}` is served here"),
            );
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
    match state.store.save_oauth_request(&request).await {
        Ok(()) => {}
        Err(error @ StoreError::Full(_)) => {
            tracing::warn!(%error, "refused an authorization request");
            return refuse("temporarily_unavailable", &error.to_string());
        }
        Err(error) => {
            tracing::error!(%error, "cannot store an authorization request");
            return refuse(
                "temporarily_unavailable",
                "the gateway's store is unavailable",
            );
        }
    }
    let tenants: Vec<String> = match &request.tenant {
        Some(t) => vec![t.clone()],
        None => state.tenants.names(),
    };
    // Registration strips hidden characters; a name stored before it did shows them.
    let shown_name = client.client_name.as_deref().map(client_name::visible);
    let mut response = pages::consent(&pages::Consent {
        request_id: &request.id,
        client_name: shown_name.as_deref(),
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
    response
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
    let page = |status, error: &str, explanation: &str| {
        pages::failure(&headers, status, error, explanation, None)
    };
    let request = match state.store.oauth_request(&form.request).await {
        Ok(Some(request)) => request,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "This authorization request is unknown or has expired; start again from your application.",
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot read an authorization request");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The gateway's store is unavailable; try again shortly.",
            );
        }
    };
    // The consent must come from the browser that was shown the page (no cross-site posting).
    let presented = cookies::read(&headers, &consent_cookie(&request.id)).map(sha256_hex);
    if presented.as_deref() != Some(request.browser_hash.as_str()) {
        return page(
            StatusCode::FORBIDDEN,
            "invalid_request",
            "This consent did not come from the page the gateway showed in this browser.",
        );
    }
    let issuer = state.issuer();
    let refuse = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &request.client_state {
            params.push(("state", s.as_str()));
        }
        redirect_to_client(&request.redirect_uri, &issuer, &params)
    };
    if form.decision != "allow" {
        let _ = state.store.take_oauth_request(&request.id).await;
        return refuse("access_denied", "the user declined");
    }
    let tenant = match (&request.tenant, &form.tenant) {
        (Some(tenant), _) => tenant.clone(),
        (None, Some(chosen)) if state.tenants.contains(chosen) => {
            if let Err(error) = state
                .store
                .set_oauth_request_tenant(&request.id, chosen)
                .await
            {
                tracing::error!(%error, "cannot store the chosen tenant");
                return refuse(
                    "temporarily_unavailable",
                    "the gateway's store is unavailable",
                );
            }
            chosen.clone()
        }
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Choose one of the tenants listed.",
            );
        }
    };
    // A tenant removed in the portal since the consent page was shown is gone.
    let Some(runtime) = state.tenants.get(&tenant) else {
        return refuse("invalid_request", "the tenant is no longer served here");
    };
    let settings = &runtime.settings;
    // Auth0 is asked for everything the tenant allows, so a connection shared with other clients
    // and keys never shrinks; the client's token is limited to what it asked for.
    match state
        .sign_ins()
        .begin(settings, settings.scopes, true, Some(request.id.clone()))
        .await
    {
        Ok(started) => sign_in_cookie::redirect(&started, &state, StatusCode::SEE_OTHER),
        Err(error @ StoreError::Full(_)) => {
            tracing::warn!(%error, "refused a sign-in");
            refuse("temporarily_unavailable", &error.to_string())
        }
        Err(error) => {
            tracing::error!(%error, "cannot start a sign-in");
            refuse(
                "temporarily_unavailable",
                "the gateway's store is unavailable",
            )
        }
    }
}

/// Ends an MCP client's authorization once the user is back from Auth0: a code for the client,
/// or the error, sent to its redirect URI.
pub(crate) async fn complete(
    state: &AppState,
    request_id: &str,
    outcome: Result<SignedIn, SignInError>,
) -> Response {
    let request = match state.store.take_oauth_request(request_id).await {
        Ok(Some(request)) => request,
        _ => {
            return pages::failure(
                &HeaderMap::new(),
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The application's authorization request expired while you were signing in; start again from the application.",
                None,
            );
        }
    };
    let issuer = state.issuer();
    let send = |params: &[(&str, &str)]| {
        let mut params = params.to_vec();
        if let Some(s) = &request.client_state {
            params.push(("state", s.as_str()));
        }
        redirect_to_client(&request.redirect_uri, &issuer, &params)
    };
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(failure) => {
            let error = if matches!(failure, SignInError::RefusedByAuth0 { .. }) {
                "access_denied"
            } else {
                "server_error"
            };
            return send(&[
                ("error", error),
                ("error_description", &failure.to_string()),
            ]);
        }
    };
    let connection = match state.sign_ins().store_connection(&signed_in).await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::error!(%error, "cannot store a connection");
            return send(&[
                ("error", "temporarily_unavailable"),
                ("error_description", "the gateway's store is unavailable"),
            ]);
        }
    };
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
    match state
        .store
        .issue_code(&grant, &request.redirect_uri, &request.code_challenge)
        .await
    {
        Ok(code) => {
            tracing::info!(client_id = %request.client_id, connection = %connection.id, "issued an authorization code to an MCP client");
            send(&[("code", &code)])
        }
        Err(error) => {
            tracing::error!(%error, "cannot store an authorization code");
            send(&[
                ("error", "temporarily_unavailable"),
                ("error_description", "the gateway's store is unavailable"),
            ])
        }
    }
}

/// Whether `verifier` is the PKCE S256 verifier for `challenge`.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    !verifier.is_empty() && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}
