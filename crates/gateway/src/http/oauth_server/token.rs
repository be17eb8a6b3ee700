//! `POST /token` (authorization_code with PKCE, refresh_token with rotation) and `POST /revoke`
//! (RFC 7009). Tokens are opaque random strings; the store keeps their hashes.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gw_mcp::{AuditRecord, RefusalKind};
use gw_store::{Code, Exchanged, Grant, IssuedTokens, OAuthClient, StoreError, unix_now};
use serde_json::json;

use super::authorize::pkce_matches;
use super::error::OAuthError;
use crate::http::AppState;

type Params = HashMap<String, String>;

pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<Params>,
) -> Result<Response, OAuthError> {
    let client = authenticate_client(&state, &headers, &params).await?;
    let (grant, issued) = match param(&params, "grant_type") {
        Some("authorization_code") => from_code(&state, &client, &params).await?,
        Some("refresh_token") => from_refresh_token(&state, &client, &params).await?,
        Some(other) => {
            return Err(OAuthError::UnsupportedGrantType(format!(
                "grant_type `{other}` is not supported"
            )));
        }
        None => {
            return Err(OAuthError::InvalidRequest("grant_type is required".into()));
        }
    };
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
    Ok(response)
}

/// A non-empty form field.
fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// RFC 8707: a `resource`, when the request names one, must be the one the grant was made for.
fn check_resource(asked: Option<&str>, grant: &Grant) -> Result<(), OAuthError> {
    match asked {
        Some(asked) if asked.trim_end_matches('/') != grant.resource.trim_end_matches('/') => Err(
            OAuthError::InvalidTarget("the grant was made for another resource".into()),
        ),
        _ => Ok(()),
    }
}

/// What a token request presented, for its refusals.
#[derive(Debug, Clone, Copy)]
enum Presented {
    Code,
    RefreshToken,
}

impl Presented {
    /// The audit outcome of a replay, and what to tell the client on a replay and when unknown.
    fn wording(self) -> (RefusalKind, &'static str, &'static str) {
        match self {
            Presented::Code => (
                RefusalKind::CodeReplay,
                "the code was already used; tokens issued with it are revoked",
                "the code is unknown",
            ),
            Presented::RefreshToken => (
                RefusalKind::RefreshReuse,
                "the refresh token was already used; every token of this grant is revoked",
                "the refresh token is unknown, expired or revoked",
            ),
        }
    }
}

/// The tokens the store issued, or the answer for a code or refresh token it did not exchange.
fn exchange_answer(
    state: &AppState,
    client: &OAuthClient,
    outcome: Result<Exchanged<OAuthError>, StoreError>,
    presented: Presented,
) -> Result<(Grant, IssuedTokens), OAuthError> {
    let (replay_outcome, replayed, unknown) = presented.wording();
    match outcome {
        Ok(Exchanged::Issued(grant, issued)) => Ok((grant, issued)),
        Ok(Exchanged::Refused(refusal)) => Err(refusal),
        Ok(Exchanged::ConnectionRevoked) => Err(OAuthError::InvalidGrant(
            "the user's connection was revoked",
        )),
        Ok(Exchanged::Reused) => {
            tracing::warn!(client_id = %client.client_id, ?presented, "a spent code or refresh token was presented again; its family is revoked");
            state.audit(AuditRecord {
                oauth_client: Some(client.client_id.clone()),
                ..AuditRecord::refusal(
                    "-",
                    &format!("OAuth client {}", client.client_id),
                    "/token",
                    replay_outcome,
                )
            });
            Err(OAuthError::InvalidGrant(replayed))
        }
        Ok(Exchanged::Unknown) => Err(OAuthError::InvalidGrant(unknown)),
        Err(error) => Err(error.into()),
    }
}

async fn from_code(
    state: &AppState,
    client: &OAuthClient,
    params: &Params,
) -> Result<(Grant, IssuedTokens), OAuthError> {
    let (Some(code), Some(redirect_uri), Some(verifier)) = (
        param(params, "code"),
        param(params, "redirect_uri"),
        param(params, "code_verifier"),
    ) else {
        return Err(OAuthError::InvalidRequest(
            "code, redirect_uri and code_verifier are required".into(),
        ));
    };
    let resource = param(params, "resource");
    // Checked inside the exchange, before the code is spent: a wrong request leaves it usable.
    let check = |code: &Code| -> Result<Grant, OAuthError> {
        if code.grant.client_id != client.client_id {
            return Err(OAuthError::InvalidGrant(
                "the code was issued to another client",
            ));
        }
        if code.expires_at <= unix_now() {
            return Err(OAuthError::InvalidGrant("the code has expired"));
        }
        if code.redirect_uri != redirect_uri {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri does not match the authorization request",
            ));
        }
        if !pkce_matches(verifier, &code.code_challenge) {
            return Err(OAuthError::InvalidGrant(
                "the code_verifier does not match the code_challenge",
            ));
        }
        check_resource(resource, &code.grant)?;
        Ok(code.grant.clone())
    };
    let outcome = state.store.exchange_code(code, check).await;
    exchange_answer(state, client, outcome, Presented::Code)
}

async fn from_refresh_token(
    state: &AppState,
    client: &OAuthClient,
    params: &Params,
) -> Result<(Grant, IssuedTokens), OAuthError> {
    let Some(presented) = param(params, "refresh_token") else {
        return Err(OAuthError::InvalidRequest(
            "refresh_token is required".into(),
        ));
    };
    let resource = param(params, "resource");
    let scope = param(params, "scope");
    // Checked inside the exchange, before the token is spent: a wrong request leaves it usable.
    let check = |grant: &Grant| -> Result<Grant, OAuthError> {
        if grant.client_id != client.client_id {
            return Err(OAuthError::InvalidGrant(
                "the refresh token was issued to another client",
            ));
        }
        check_resource(resource, grant)?;
        match scope {
            None => Ok(grant.clone()),
            Some(scope) => match gw_oauth::ScopeSet::parse_list(scope) {
                Ok(asked) if grant.scopes.covers(asked) => Ok(Grant {
                    scopes: asked,
                    ..grant.clone()
                }),
                _ => Err(OAuthError::InvalidScope(
                    "a refresh may narrow the scopes, not widen them".into(),
                )),
            },
        }
    };
    let outcome = state.store.exchange_refresh_token(presented, check).await;
    exchange_answer(state, client, outcome, Presented::RefreshToken)
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<Params>,
) -> Result<StatusCode, OAuthError> {
    let client = authenticate_client(&state, &headers, &params).await?;
    let Some(token) = params.get("token").filter(|v| !v.is_empty()) else {
        return Err(OAuthError::InvalidRequest("token is required".into()));
    };
    state
        .store
        .revoke_oauth_token(token, &client.client_id)
        .await?;
    // RFC 7009 §2.2: the answer is 200 whether or not the token was known.
    Ok(StatusCode::OK)
}

/// The client making a token or revocation request: `client_id` (+ `client_secret`) in the body,
/// or HTTP Basic; a confidential client must prove its secret.
async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<OAuthClient, OAuthError> {
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
    let Some(client_id) = client_id.filter(|id| !id.is_empty()) else {
        return Err(OAuthError::InvalidClient("client_id is required"));
    };
    let Some(client) = state.store.oauth_client(&client_id).await? else {
        return Err(OAuthError::InvalidClient("the client is not registered"));
    };
    if !client.secret_matches(secret.as_deref().filter(|s| !s.is_empty())) {
        return Err(OAuthError::InvalidClient(
            "the client secret is missing or wrong",
        ));
    }
    Ok(client)
}
