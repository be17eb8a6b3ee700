//! Applications: `GET /clients`, `GET /clients/{id}`, `PATCH /clients/{id}`. Secrets and
//! keys leave the tenant only for tokens holding `read:client_keys` (or
//! `read:client_credentials`), never for `read:clients` alone.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::Value;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{checkpoint, offset};
use super::params::{Params, project};
use super::path_id::Id;
use super::reply::ok;
use super::scopes::{CLIENT_KEY_SCOPES, READ_CLIENTS, UPDATE_CLIENTS};
use super::validate::{Prop, Schema, Ty, nullable, prop, string, validate};
use crate::model::client::Client;
use crate::state::Shared;

/// Auth0 keeps `tenant` in every client, even when `fields` leaves it out (recorded).
const ALWAYS: &[&str] = &["tenant"];

const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

const UPDATE_PROPS: &[Prop] = &[
    prop("name", string(1, 1024)),
    prop("description", string(0, 140)),
    prop("client_secret", string(1, 256)),
    nullable("logo_uri", string(0, 2000)),
    prop("callbacks", Ty::Strs { min_items: 0 }),
    prop("allowed_origins", Ty::Strs { min_items: 0 }),
    prop("web_origins", Ty::Strs { min_items: 0 }),
    prop("client_aliases", Ty::Strs { min_items: 0 }),
    prop("allowed_clients", Ty::Strs { min_items: 0 }),
    prop("allowed_logout_urls", Ty::Strs { min_items: 0 }),
    prop("grant_types", Ty::Strs { min_items: 0 }),
    prop("token_endpoint_auth_method", string(1, 64)),
    prop("app_type", string(1, 64)),
    prop("is_first_party", Ty::Bool),
    prop("oidc_conformant", Ty::Bool),
    prop("jwt_configuration", Ty::Obj),
    nullable("encryption_key", Ty::Obj),
    prop("sso", Ty::Bool),
    prop("sso_disabled", Ty::Bool),
    prop("cross_origin_authentication", Ty::Bool),
    prop("cross_origin_loc", string(0, 2000)),
    prop("custom_login_page_on", Ty::Bool),
    prop("custom_login_page", string(0, 100_000)),
    prop("custom_login_page_preview", string(0, 100_000)),
    prop("form_template", string(0, 100_000)),
    prop("addons", Ty::Obj),
    prop("client_metadata", Ty::Obj),
    prop("mobile", Ty::Obj),
    prop("initiate_login_uri", string(0, 2000)),
    nullable("native_social_login", Ty::Obj),
    nullable("refresh_token", Ty::Obj),
    nullable("default_organization", Ty::Obj),
    prop("organization_usage", string(1, 32)),
    prop("organization_require_behavior", string(1, 32)),
    nullable("client_authentication_methods", Ty::Obj),
    prop("require_pushed_authorization_requests", Ty::Bool),
    nullable("signed_request_object", Ty::Obj),
    nullable("compliance_level", Ty::Any),
    nullable("token_quota", Ty::Obj),
];

const UPDATE: Schema = Schema {
    props: UPDATE_PROPS,
    required: &[],
    min_props: 0,
};

/// Fields only `update:client_keys` may write.
const KEY_FIELDS: &[&str] = &[
    "client_secret",
    "encryption_key",
    "client_authentication_methods",
];

fn sees_keys(caller: &Caller) -> bool {
    caller.has_any(CLIENT_KEY_SCOPES)
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        message: "The client does not exist".into(),
        code: Some("inexistent_client"),
    }
}

/// Filters `app_type` (comma list), `is_first_party`, `is_global`; pages by offset
/// (`{total, start, limit, clients}`) or checkpoint in client_id order.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_CLIENTS)?;
    let projection = params.projection()?;
    let first_party = params.boolean("is_first_party")?;
    let global = params.boolean("is_global")?;
    let app_types: Option<Vec<String>> = params
        .get("app_type")
        .map(|s| s.split(',').map(|t| t.trim().to_owned()).collect());
    let keys = sees_keys(&caller);
    let clients: Vec<(String, Value)> = shared
        .tenant()
        .clients
        .values()
        .map(|c| (c.client_id().to_owned(), c.render(keys)))
        .filter(|(_, d)| {
            let field_is = |k: &str, want: Option<bool>| {
                want.is_none_or(|w| d.get(k).and_then(Value::as_bool) == Some(w))
            };
            let type_ok = app_types.as_ref().is_none_or(|ts| {
                d.get("app_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| ts.iter().any(|x| x == t))
            });
            type_ok && field_is("is_first_party", first_party) && field_is("global", global)
        })
        .collect();
    let render = |(_, d): (String, Value)| project(projection.as_ref(), d, ALWAYS);
    if let Some(cp) = checkpoint(&params)? {
        return Ok(ok(cp.list(
            "clients",
            clients,
            |(id, _)| id.clone(),
            render,
        )));
    }
    let paging = offset(&params, 0)?;
    Ok(ok(paging.list("clients", clients, render)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_CLIENTS)?;
    let projection = params.projection()?;
    let doc = shared
        .tenant()
        .clients
        .get(&id)
        .map(|c| c.render(sees_keys(&caller)))
        .ok_or_else(not_found)?;
    Ok(ok(project(projection.as_ref(), doc, ALWAYS)))
}

/// Replaces top-level fields one for one; `null` removes a field. Writing a key field needs
/// `update:client_keys`; writing any other field needs `update:clients`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_CLIENTS)?;
    let m = validate(&body, &UPDATE)?;
    let touches_keys = m.keys().any(|k| KEY_FIELDS.contains(&k.as_str()));
    let touches_other = m.keys().any(|k| !KEY_FIELDS.contains(&k.as_str()));
    let missing = if touches_keys && !caller.has("update:client_keys") {
        Some("update:client_keys")
    } else if touches_other && !caller.has("update:clients") {
        Some("update:clients")
    } else {
        None
    };
    if let Some(scope) = missing {
        return Err(ApiError::InsufficientScope(format!(
            "Some fields cannot be updated with the permissions granted by the bearer token scopes. The following scopes are required: {scope}"
        )));
    }
    if let Some(t) = m.get("app_type").and_then(Value::as_str)
        && !APP_TYPES.contains(&t)
    {
        return Err(ApiError::invalid_body(format!(
            "Payload validation error: 'No enum match for: \"{t}\"' on property app_type (The type of application this client represents)."
        )));
    }
    let mut tenant = shared.tenant();
    let client: &mut Client = tenant.clients.get_mut(&id).ok_or_else(not_found)?;
    for (k, v) in m {
        if v.is_null() {
            client.doc.remove(k);
        } else {
            client.doc.insert(k.clone(), v.clone());
        }
    }
    let doc = client.render(sees_keys(&caller) || caller.has("update:client_keys"));
    audit(
        &mut tenant,
        &caller,
        "Update a client",
        "patch",
        &format!("/api/v2/clients/{id}"),
        200,
    );
    Ok(ok(doc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_fields_are_secret_fields() {
        for f in super::KEY_FIELDS {
            assert!(crate::model::client::SECRET_FIELDS.contains(f));
        }
    }
}
