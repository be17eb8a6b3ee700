//! Permission lists in request bodies (`{"permissions":[{resource_server_identifier,
//! permission_name}]}`), checked against the APIs the tenant defines.

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
pub(crate) fn permission_list(tenant: &Tenant, body: &Value) -> ApiResult<Vec<PermissionRef>> {
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
