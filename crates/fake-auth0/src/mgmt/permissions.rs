//! Permission lists in request bodies (`{"permissions":[{resource_server_identifier,
//! permission_name}]}`), checked against the APIs the tenant defines.

use std::collections::BTreeSet;

use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::validate::{Schema, Ty, prop, validate};
use crate::model::resource_server::PermissionRef;
use crate::tenant::Tenant;

const BODY: Schema = Schema {
    props: &[prop("permissions", Ty::Objs { min_items: 1 })],
    required: &["permissions"],
    min_props: 0,
};

/// The permissions named by `body`. An unknown API is a 404 and an unknown permission a 400;
/// Auth0's exact wording for these was not recorded, so the messages are the fake's own.
fn permission_list(tenant: &Tenant, body: &Value) -> ApiResult<Vec<PermissionRef>> {
    let map = validate(body, &BODY)?;
    let mut out = Vec::new();
    for item in map["permissions"].as_array().into_iter().flatten() {
        let field = |k: &str| item.get(k).and_then(Value::as_str);
        let (Some(rs), Some(name)) = (
            field("resource_server_identifier"),
            field("permission_name"),
        ) else {
            return Err(ApiError::invalid_body(
                "Payload validation error: 'Missing required property: resource_server_identifier' on property permissions.",
            ));
        };
        let server = tenant
            .resource_server(rs)
            .ok_or_else(|| ApiError::NotFound {
                message: "Resource server not found".into(),
                code: Some("inexistent_resource_server"),
            })?;
        if server.describe(name).is_none() {
            return Err(ApiError::invalid_body(format!(
                "Permission {name} does not exist in resource server {rs}."
            )));
        }
        out.push(PermissionRef::new(rs, name));
    }
    Ok(out)
}

/// Adds (`add`) or removes the permissions `body` names in the set `held` finds (a role's or
/// a user's). When `held` finds nothing the answer is `not_found`, before the body is read.
pub(crate) fn change_permissions(
    tenant: &mut Tenant,
    body: &Value,
    add: bool,
    not_found: fn() -> ApiError,
    held: impl Fn(&mut Tenant) -> Option<&mut BTreeSet<PermissionRef>>,
) -> ApiResult<()> {
    if held(tenant).is_none() {
        return Err(not_found());
    }
    let perms = permission_list(tenant, body)?;
    if let Some(set) = held(tenant) {
        if add {
            set.extend(perms);
        } else {
            for p in &perms {
                set.remove(p);
            }
        }
    }
    Ok(())
}
