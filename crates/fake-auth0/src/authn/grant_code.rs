//! The authorization_code grant, with PKCE.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::grants::Pkce;
use super::mint::{Issued, granted_user_scopes, user_tokens};
use super::oauth_error::OAuthError;
use super::params::{FormParams, param, require};
use crate::model::client::Client;
use crate::state::Shared;
use crate::tenant::NewLog;

pub(crate) fn exchange(
    shared: &Shared,
    client: &Client,
    params: &FormParams,
) -> Result<Issued, OAuthError> {
    let code = require(params, "code")?;
    let taken = shared.grants().take_code(code);
    let Some(code) = taken.filter(|c| c.grant.client_id == client.client_id()) else {
        return Err(OAuthError::invalid_grant("Invalid authorization code"));
    };
    if param(params, "redirect_uri").is_some_and(|r| r != code.redirect_uri) {
        return Err(OAuthError::invalid_grant("Invalid redirect_uri"));
    }
    if let Some(pkce) = &code.pkce {
        let verifier = param(params, "code_verifier").unwrap_or("");
        if !verifies(pkce, verifier) {
            return Err(OAuthError::invalid_grant("Failed to verify code verifier"));
        }
    }
    let settings = shared.settings();
    let mut tenant = shared.tenant();
    let grant = code.grant;
    let scopes = granted_user_scopes(
        &tenant,
        &grant.scopes,
        grant.audience.as_deref(),
        &settings.user_grants,
    );
    let refresh = scopes
        .iter()
        .any(|s| s == "offline_access")
        .then(|| shared.grants().issue_refresh(None, grant.clone()));
    let issued = user_tokens(shared, &tenant, &grant, &scopes, None, refresh);
    tenant.log(NewLog {
        kind: "seacft",
        description: "Authorization Code for Access Token",
        client_id: Some(&grant.client_id),
        user_id: Some(&grant.user_id),
        details: json!({"code": "*************"}),
    });
    Ok(issued)
}

fn verifies(pkce: &Pkce, verifier: &str) -> bool {
    if verifier.is_empty() {
        return false;
    }
    match pkce.method.as_str() {
        "plain" => verifier == pkce.challenge,
        _ => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == pkce.challenge,
    }
}
