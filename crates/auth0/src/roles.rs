//! Roles, their users and their permissions; also the permission types shared with users.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Auth0Client;
use crate::error::Auth0Error;
use crate::http::Call;
use crate::paging::{ListSpec, Offset, Page, PageRequest};

/// An Auth0 role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Role {
    /// The role id, such as `rol_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The role's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user who holds a role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RoleUser {
    /// The user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// URL of the user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A permission (an API's scope) held by a role or a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Permission {
    /// The permission's name, such as `read:reports`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_name: Option<String>,
    /// What the permission allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The name of the API (resource server) the permission belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_server_name: Option<String>,
    /// The identifier (audience) of the API the permission belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_server_identifier: Option<String>,
    /// Where a user's permission comes from: directly, or through which roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<PermissionSource>>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a user's permission comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PermissionSource {
    /// The id of the source (a role id, or empty for a direct grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The name of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// `DIRECT` or `ROLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Names one permission when adding it to or removing it from a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionRef {
    /// The identifier (audience) of the API the permission belongs to.
    pub resource_server_identifier: String,
    /// The permission's name, such as `read:reports`.
    pub permission_name: String,
}

/// A new role (`POST /api/v2/roles`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    /// The role's name (unique in the tenant).
    pub name: String,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Serialize)]
struct UsersBody<'a> {
    users: &'a [String],
}

#[derive(Serialize)]
struct PermissionsBody<'a> {
    permissions: &'a [PermissionRef],
}

impl Auth0Client {
    /// Lists roles (`GET /api/v2/roles`), optionally only those whose name contains
    /// `name_filter`.
    pub async fn list_roles(
        &self,
        token: &SecretString,
        name_filter: Option<&str>,
        offset: &Offset,
    ) -> Result<Page<Role>, Auth0Error> {
        let call = Call::api(Method::GET, &["roles"]).query_opt("name_filter", name_filter);
        self.list_offset(token, call, offset, ListSpec::uncapped("roles"))
            .await
    }

    /// Reads one role (`GET /api/v2/roles/{id}`).
    pub async fn get_role(&self, token: &SecretString, role_id: &str) -> Result<Role, Auth0Error> {
        self.json(token, Call::api(Method::GET, &["roles", role_id]))
            .await
    }

    /// Creates a role (`POST /api/v2/roles`; Auth0 answers 200, not 201; 409 when the name is
    /// taken).
    pub async fn create_role(
        &self,
        token: &SecretString,
        role: &CreateRole,
    ) -> Result<Role, Auth0Error> {
        self.json(token, Call::api(Method::POST, &["roles"]).json(role)?)
            .await
    }

    /// Updates a role (`PATCH /api/v2/roles/{id}`) with the body as given.
    pub async fn update_role(
        &self,
        token: &SecretString,
        role_id: &str,
        changes: &Map<String, Value>,
    ) -> Result<Role, Auth0Error> {
        self.json(
            token,
            Call::api(Method::PATCH, &["roles", role_id]).json(changes)?,
        )
        .await
    }

    /// Deletes a role (`DELETE /api/v2/roles/{id}`; Auth0 answers 200 `{}`).
    pub async fn delete_role(&self, token: &SecretString, role_id: &str) -> Result<(), Auth0Error> {
        self.unit(token, Call::api(Method::DELETE, &["roles", role_id]))
            .await
    }

    /// Lists the users holding a role (`GET /api/v2/roles/{id}/users`), by offset or by
    /// checkpoint.
    pub async fn list_role_users(
        &self,
        token: &SecretString,
        role_id: &str,
        page: &PageRequest,
    ) -> Result<Page<RoleUser>, Auth0Error> {
        let call = Call::api(Method::GET, &["roles", role_id, "users"]);
        self.list(token, call, page, ListSpec::uncapped("users"))
            .await
    }

    /// Gives a role to users (`POST /api/v2/roles/{id}/users`; Auth0 answers 200 `{}`).
    pub async fn assign_role_users(
        &self,
        token: &SecretString,
        role_id: &str,
        user_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::POST, &["roles", role_id, "users"])
            .json(&UsersBody { users: user_ids })?;
        self.unit(token, call).await
    }

    /// Lists a role's permissions (`GET /api/v2/roles/{id}/permissions`).
    pub async fn list_role_permissions(
        &self,
        token: &SecretString,
        role_id: &str,
        offset: &Offset,
    ) -> Result<Page<Permission>, Auth0Error> {
        let call = Call::api(Method::GET, &["roles", role_id, "permissions"]);
        self.list_offset(token, call, offset, ListSpec::uncapped("permissions"))
            .await
    }

    /// Adds permissions to a role (`POST /api/v2/roles/{id}/permissions`; 201 `{}`).
    pub async fn add_role_permissions(
        &self,
        token: &SecretString,
        role_id: &str,
        permissions: &[PermissionRef],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::POST, &["roles", role_id, "permissions"])
            .json(&PermissionsBody { permissions })?;
        self.unit(token, call).await
    }

    /// Removes permissions from a role (`DELETE /api/v2/roles/{id}/permissions` with a body;
    /// 204 as recorded, although the OAS says 200 — both are accepted).
    pub async fn remove_role_permissions(
        &self,
        token: &SecretString,
        role_id: &str,
        permissions: &[PermissionRef],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::DELETE, &["roles", role_id, "permissions"])
            .json(&PermissionsBody { permissions })?;
        self.unit(token, call).await
    }
}
