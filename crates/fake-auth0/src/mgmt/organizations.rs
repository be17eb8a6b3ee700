//! Organizations: list (offset or checkpoint), get by id or name, create, update, delete.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::paging::{ORGS_CAP_MESSAGE, checkpoint, offset};
use super::params::Params;
use super::path_id::Id;
use super::reply::{created, no_content, ok};
use super::scopes::{CREATE_ORGS, DELETE_ORGS, READ_ORGS, UPDATE_ORGS};
use super::users::sort_docs;
use super::validate::{Schema, Ty, nullable, prop, string, validate};
use crate::model::ids::new_org_id;
use crate::model::organization::Organization;
use crate::model::timestamp::iso;
use crate::state::Shared;

const CREATE: Schema = Schema {
    props: &[
        prop("name", string(1, 50)),
        prop("display_name", string(1, 255)),
        prop("branding", Ty::Obj),
        prop("metadata", Ty::Obj),
        prop("enabled_connections", Ty::Objs { min_items: 0 }),
        prop("token_quota", Ty::Obj),
    ],
    required: &["name"],
    min_props: 0,
};

const UPDATE: Schema = Schema {
    props: &[
        prop("name", string(1, 50)),
        nullable("display_name", string(1, 255)),
        nullable("branding", Ty::Obj),
        nullable("metadata", Ty::Obj),
        nullable("token_quota", Ty::Obj),
    ],
    required: &[],
    min_props: 0,
};

/// Auth0's `organization-name` format: lowercase letters, digits, `-` and `_`, starting
/// and ending with a letter or digit.
fn check_name(name: &str) -> ApiResult<()> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = name.chars().all(|c| ok_char(c) || c == '-' || c == '_')
        && name.chars().next().is_some_and(ok_char)
        && name.chars().last().is_some_and(ok_char);
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid_body(format!(
            "Payload validation error: 'Object didn't pass validation for format organization-name: {name}' on property name (The name of this organization)."
        )))
    }
}

/// Branding colors are `#rrggbb`; metadata values are strings of at most 255 characters,
/// at most 25 of them.
fn check_branding_and_metadata(m: &Map<String, Value>) -> ApiResult<()> {
    if let Some(colors) = m
        .get("branding")
        .and_then(|b| b.get("colors"))
        .and_then(Value::as_object)
    {
        for (k, v) in colors {
            let hex = v.as_str().is_some_and(|s| {
                s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
            });
            if !hex {
                return Err(ApiError::invalid_body(format!(
                    "Payload validation error: 'String does not match pattern ^#[0-9a-fA-F]{{6}}$' on property branding.colors.{k}."
                )));
            }
        }
    }
    if let Some(meta) = m.get("metadata").and_then(Value::as_object) {
        if meta.len() > 25 {
            return Err(ApiError::invalid_body(format!(
                "Payload validation error: 'Too many properties defined ({}), maximum 25' on property metadata.",
                meta.len()
            )));
        }
        for (k, v) in meta {
            match v {
                Value::Null => {}
                Value::String(s) if s.chars().count() <= 255 => {}
                Value::String(s) => {
                    return Err(ApiError::invalid_body(format!(
                        "Payload validation error: 'String is too long ({} chars), maximum 255' on property metadata.{k}.",
                        s.chars().count()
                    )));
                }
                other => {
                    return Err(ApiError::invalid_body(format!(
                        "Payload validation error: 'Expected type string but found type {}' on property metadata.{k}.",
                        super::validate::type_name(other)
                    )));
                }
            }
        }
    }
    Ok(())
}

fn conflict() -> ApiError {
    ApiError::Conflict {
        message: "An organization with the same name already exists.".into(),
        code: Some("organization_conflict"),
    }
}

/// Offset listing sorts on `sort` (name, display_name or created_at); the default and
/// checkpoint order is by name, which is unique.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Response> {
    caller.require(&READ_ORGS)?;
    let cp = checkpoint(&params)?;
    let mut orgs: Vec<Organization> = shared.tenant().organizations.values().cloned().collect();
    orgs.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(cp) = cp {
        return Ok(ok(cp.list(
            "organizations",
            orgs,
            |o| o.name.clone(),
            |o| o.render(),
        )));
    }
    let paging = offset(&params, 1)?;
    let sort = params.sort()?;
    paging.check_cap(ORGS_CAP_MESSAGE)?;
    let mut docs: Vec<Value> = orgs
        .iter()
        .map(|o| {
            let mut d = o.render();
            d["created_at"] = Value::String(iso(o.created_at));
            d
        })
        .collect();
    if let Some((field, asc)) = &sort {
        if !matches!(field.as_str(), "name" | "display_name" | "created_at") {
            return Err(ApiError::invalid_query(format!(
                "Query validation error: sort field '{field}' is not one of name, display_name, created_at."
            )));
        }
        sort_docs(&mut docs, field, *asc);
    }
    // created_at was only a sort key; Auth0 does not return it.
    for d in &mut docs {
        if let Some(m) = d.as_object_mut() {
            m.remove("created_at");
        }
    }
    Ok(ok(paging.list("organizations", docs, |d| d)))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&READ_ORGS)?;
    let tenant = shared.tenant();
    let org = tenant
        .organizations
        .get(&id)
        .ok_or_else(ApiError::org_not_found)?;
    Ok(ok(org.render()))
}

pub(crate) async fn get_by_name(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(name): Id,
) -> ApiResult<Response> {
    caller.require(&READ_ORGS)?;
    let tenant = shared.tenant();
    let org = tenant
        .organizations
        .values()
        .find(|o| o.name == name)
        .ok_or_else(ApiError::org_not_found)?;
    Ok(ok(org.render()))
}

fn opt_str(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&CREATE_ORGS)?;
    let m = validate(&body, &CREATE)?;
    let name = opt_str(m, "name").unwrap_or_default();
    check_name(&name)?;
    check_branding_and_metadata(m)?;
    let mut tenant = shared.tenant();
    if tenant.organizations.values().any(|o| o.name == name) {
        return Err(conflict());
    }
    let org = Organization {
        id: new_org_id(),
        name,
        display_name: opt_str(m, "display_name"),
        branding: m.get("branding").cloned(),
        metadata: m.get("metadata").and_then(Value::as_object).cloned(),
        created_at: OffsetDateTime::now_utc(),
        members: BTreeSet::new(),
    };
    let doc = org.render();
    tenant.organizations.insert(org.id.clone(), org);
    audit(
        &mut tenant,
        &caller,
        "Create an Organization",
        "post",
        "/api/v2/organizations",
        201,
    );
    Ok(created(doc))
}

/// Top-level fields are replaced; `metadata` merges key by key with `null` removing a key,
/// like user metadata (Auth0 documents no other rule for it).
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_ORGS)?;
    let m = validate(&body, &UPDATE)?;
    if let Some(n) = m.get("name").and_then(Value::as_str) {
        check_name(n)?;
    }
    check_branding_and_metadata(m)?;
    let mut tenant = shared.tenant();
    if !tenant.organizations.contains_key(&id) {
        return Err(ApiError::org_not_found());
    }
    if let Some(n) = m.get("name").and_then(Value::as_str)
        && tenant
            .organizations
            .values()
            .any(|o| o.name == n && o.id != id)
    {
        return Err(conflict());
    }
    let Some(org) = tenant.organizations.get_mut(&id) else {
        return Err(ApiError::org_not_found());
    };
    if let Some(n) = opt_str(m, "name") {
        org.name = n;
    }
    if let Some(v) = m.get("display_name") {
        org.display_name = v.as_str().map(str::to_owned);
    }
    if let Some(v) = m.get("branding") {
        org.branding = (!v.is_null()).then(|| v.clone());
    }
    match m.get("metadata") {
        Some(Value::Object(patch)) => {
            let meta = org.metadata.get_or_insert_with(Map::new);
            for (k, v) in patch {
                if v.is_null() {
                    meta.remove(k);
                } else {
                    meta.insert(k.clone(), v.clone());
                }
            }
        }
        Some(_) => org.metadata = None,
        None => {}
    }
    let doc = org.render();
    audit(
        &mut tenant,
        &caller,
        "Update an Organization",
        "patch",
        &format!("/api/v2/organizations/{id}"),
        200,
    );
    Ok(ok(doc))
}

/// A repeat delete is a 404, as recorded from Auth0 (unlike users, which answer 204).
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&DELETE_ORGS)?;
    let mut tenant = shared.tenant();
    tenant
        .organizations
        .remove(&id)
        .ok_or_else(ApiError::org_not_found)?;
    audit(
        &mut tenant,
        &caller,
        "Delete an Organization",
        "delete",
        &format!("/api/v2/organizations/{id}"),
        204,
    );
    Ok(no_content())
}
