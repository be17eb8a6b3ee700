//! The refresh_token grant, with rotation and reuse detection.

use serde_json::json;

use super::grants::RefreshOutcome;
use super::mint::{Issued, granted_user_scopes, user_tokens};
use super::oauth_error::OAuthError;
use super::params::{FormParams, param, require};
use crate::model::client::Client;
use crate::state::Shared;
use crate::tenant::NewLog;

const INVALID: &str = "Unknown or invalid refresh token.";

pub(crate) fn exchange(
    shared: &Shared,
    client: &Client,
    params: &FormParams,
) -> Result<Issued, OAuthError> {
    let token = require(params, "refresh_token")?;
    let outcome = shared.grants().redeem_refresh(token, client.client_id());
    let (family, grant) = match outcome {
        RefreshOutcome::Valid { family, grant } => (family, grant),
        RefreshOutcome::Reused { grant } => {
            shared.tenant().log(NewLog {
                kind: "ferrt",
                description: "Unsuccessful Refresh Token exchange, reused refresh token detected",
                client_id: Some(&grant.client_id),
                user_id: Some(&grant.user_id),
                details: json!({"familyRevoked": true}),
            });
            return Err(OAuthError::invalid_grant(INVALID));
        }
        RefreshOutcome::Invalid => return Err(OAuthError::invalid_grant(INVALID)),
    };
    let settings = shared.settings();
    let mut tenant = shared.tenant();
    if tenant
        .users
        .get(&grant.user_id)
        .is_none_or(|u| u.is_blocked())
    {
        return Err(OAuthError::invalid_grant(INVALID));
    }
    // `scope` may narrow the access token; the family keeps what the login granted.
    let requested: Vec<String> = match param(params, "scope") {
        Some(s) => s
            .split_whitespace()
            .filter(|x| grant.scopes.iter().any(|g| g == x))
            .map(str::to_owned)
            .collect(),
        None => grant.scopes.clone(),
    };
    let scopes = granted_user_scopes(
        &tenant,
        &requested,
        grant.audience.as_deref(),
        &settings.user_grants,
    );
    let next = shared.grants().issue_refresh(Some(family), grant.clone());
    let issued = user_tokens(
        shared,
        &tenant,
        &grant,
        &scopes,
        Some("refresh_token"),
        Some(next),
    );
    tenant.log(NewLog {
        kind: "sertft",
        description: "Refresh Token for Access Token",
        client_id: Some(&grant.client_id),
        user_id: Some(&grant.user_id),
        details: json!({}),
    });
    Ok(issued)
}
