//! The client_credentials grant for the Management API.

use serde_json::json;

use super::mint::{Issued, machine_token};
use super::oauth_error::OAuthError;
use super::params::{FormParams, param};
use crate::model::client::Client;
use crate::state::Shared;
use crate::tenant::NewLog;

pub(crate) fn exchange(
    shared: &Shared,
    client: &Client,
    params: &FormParams,
) -> Result<Issued, OAuthError> {
    let Some(audience) = param(params, "audience") else {
        return Err(OAuthError::access_denied(
            "No audience parameter was provided, and no default audience has been configured",
        ));
    };
    // The fake knows one API that machines can call: its Management API.
    if audience != shared.management_audience {
        return Err(OAuthError::access_denied(format!(
            "Service not enabled within domain: {audience}"
        )));
    }
    if client.management_scopes.is_empty() {
        return Err(OAuthError::access_denied(format!(
            "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
        )));
    }
    // An explicit `scope` narrows the grant; without one the client gets all of it.
    let scopes: Vec<String> = match param(params, "scope") {
        Some(s) => client
            .management_scopes
            .iter()
            .filter(|g| s.split_whitespace().any(|x| x == g.as_str()))
            .cloned()
            .collect(),
        None => client.management_scopes.clone(),
    };
    let issued = machine_token(shared, client.client_id(), &scopes);
    shared.tenant().log(NewLog {
        kind: "seccft",
        description: "Client Credentials for Access Token",
        client_id: Some(client.client_id()),
        user_id: None,
        details: json!({"audience": audience}),
    });
    Ok(issued)
}
