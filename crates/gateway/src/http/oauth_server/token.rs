//! `POST /token` (authorization_code with PKCE, refresh_token with rotation) and `POST /revoke`
//! (RFC 7009). Tokens are opaque random strings; the store keeps their hashes.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::authorize::pkce_matches;
use super::oauth_error;
use crate::http::AppState;
use crate::store::{ConnectionStatus, Grant, OAuthClient, Redeemed, unix_now};

type Params = HashMap<String, String>;

pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<Params>,
) -> Response {
    let client = match authenticate_client(&state, &headers, &params).await {
        Ok(client) => client,
        Err(response) => return response,
    };
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let grant = match get("grant_type") {
        Some("authorization_code") => from_code(&state, &client, &params).await,
        Some("refresh_token") => from_refresh_token(&state, &client, &params).await,
        Some(other) => Err(invalid(
            "unsupported_grant_type",
            &format!("grant_type `{other}` is not supported"),
        )),
        None => Err(invalid("invalid_request", "grant_type is required")),
    };
    let grant = match grant {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    if let Some(asked) = get("resource")
        && asked.trim_end_matches('/') != grant.resource.trim_end_matches('/')
    {
        return invalid("invalid_target", "the grant was made for another resource");
    }
    match state.store.connection(&grant.connection_id).await {
        Ok(Some(c)) if c.status != ConnectionStatus::Revoked => {}
        Ok(_) => return invalid("invalid_grant", "the user's connection was revoked"),
        Err(error) => return unavailable(&error),
    }
    match state.store.issue_tokens(&grant).await {
        Ok(issued) => {
            let mut response = axum::Json(json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "refresh_token": issued.refresh_token,
                "scope": grant.scopes.names().join(" "),
            }))
            .into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(error) => unavailable(&error),
    }
}

async fn from_code(
    state: &AppState,
    client: &OAuthClient,
    params: &Params,
) -> Result<Grant, Response> {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(code), Some(redirect_uri), Some(verifier)) =
        (get("code"), get("redirect_uri"), get("code_verifier"))
    else {
        return Err(invalid(
            "invalid_request",
            "code, redirect_uri and code_verifier are required",
        ));
    };
    let code = match state.store.redeem_code(code).await {
        Ok(Redeemed::Valid(code)) => code,
        Ok(Redeemed::Reused) => {
            tracing::warn!(client_id = %client.client_id, "an authorization code was presented twice; its tokens are revoked");
            state.audit_refusal(
                "-",
                &format!("OAuth client {}", client.client_id),
                "/token",
                "refused_code_replay",
            );
            return Err(invalid(
                "invalid_grant",
                "the code was already used; tokens issued with it are revoked",
            ));
        }
        Ok(Redeemed::Unknown) => return Err(invalid("invalid_grant", "the code is unknown")),
        Err(error) => return Err(unavailable(&error)),
    };
    if code.grant.client_id != client.client_id {
        return Err(invalid(
            "invalid_grant",
            "the code was issued to another client",
        ));
    }
    if code.expires_at <= unix_now() {
        return Err(invalid("invalid_grant", "the code has expired"));
    }
    if code.redirect_uri != redirect_uri {
        return Err(invalid(
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        ));
    }
    if !pkce_matches(verifier, &code.code_challenge) {
        return Err(invalid(
            "invalid_grant",
            "the code_verifier does not match the code_challenge",
        ));
    }
    Ok(code.grant)
}

async fn from_refresh_token(
    state: &AppState,
    client: &OAuthClient,
    params: &Params,
) -> Result<Grant, Response> {
    let Some(presented) = params.get("refresh_token").filter(|v| !v.is_empty()) else {
        return Err(invalid("invalid_request", "refresh_token is required"));
    };
    let grant = match state.store.redeem_refresh_token(presented).await {
        Ok(Redeemed::Valid(grant)) => grant,
        Ok(Redeemed::Reused) => {
            tracing::warn!(client_id = %client.client_id, "a spent refresh token was presented; its family is revoked");
            state.audit_refusal(
                "-",
                &format!("OAuth client {}", client.client_id),
                "/token",
                "refused_refresh_reuse",
            );
            return Err(invalid(
                "invalid_grant",
                "the refresh token was already used; every token of this grant is revoked",
            ));
        }
        Ok(Redeemed::Unknown) => {
            return Err(invalid(
                "invalid_grant",
                "the refresh token is unknown, expired or revoked",
            ));
        }
        Err(error) => return Err(unavailable(&error)),
    };
    if grant.client_id != client.client_id {
        return Err(invalid(
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    match params.get("scope").filter(|v| !v.is_empty()) {
        None => Ok(grant),
        Some(scope) => match gw_oauth::ScopeSet::parse_list(scope) {
            Ok(asked) if grant.scopes.covers(asked) => Ok(Grant {
                scopes: asked,
                ..grant
            }),
            _ => Err(invalid(
                "invalid_scope",
                "a refresh may narrow the scopes, not widen them",
            )),
        },
    }
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<Params>,
) -> Response {
    let client = match authenticate_client(&state, &headers, &params).await {
        Ok(client) => client,
        Err(response) => return response,
    };
    let Some(token) = params.get("token").filter(|v| !v.is_empty()) else {
        return invalid("invalid_request", "token is required");
    };
    match state
        .store
        .revoke_oauth_token(token, &client.client_id)
        .await
    {
        // RFC 7009 §2.2: the answer is 200 whether or not the token was known.
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => unavailable(&error),
    }
}

/// The client making a token or revocation request: `client_id` (+ `client_secret`) in the body,
/// or HTTP Basic; a confidential client must prove its secret.
async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<OAuthClient, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let (client_id, secret) = match &basic {
        Some((id, secret)) => (Some(id.clone()), Some(secret.clone())),
        None => (
            params.get("client_id").cloned(),
            params.get("client_secret").cloned(),
        ),
    };
    let unauthorized =
        |description: &str| oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    let Some(client_id) = client_id.filter(|id| !id.is_empty()) else {
        return Err(unauthorized("client_id is required"));
    };
    let client = match state.store.oauth_client(&client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return Err(unauthorized("the client is not registered")),
        Err(error) => return Err(unavailable(&error)),
    };
    if !client.secret_matches(secret.as_deref().filter(|s| !s.is_empty())) {
        return Err(unauthorized("the client secret is missing or wrong"));
    }
    Ok(client)
}

fn invalid(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

fn unavailable(error: &crate::store::StoreError) -> Response {
    tracing::error!(%error, "the store failed during a token request");
    oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the gateway's store is unavailable",
    )
}
