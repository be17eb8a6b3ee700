//! Roles, their users and their permissions.

use gw_auth0::{CreateRole, Permission, PermissionRef, Role, RoleUser};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Map;

use super::paging::{self, ListOutput, Noun};
use super::patch_field;
use super::users::Deleted;
use crate::call::CallContext;
use crate::catalog::{Effect, ToolDef};
use crate::error::ToolError;
use crate::render::Summary;

pub(super) fn tools() -> Vec<ToolDef> {
    vec![
        ToolDef::new(
            "auth0_list_roles",
            "List roles",
            "List the tenant's roles, optionally filtered by name.",
            Effect::Read,
            list_roles,
        ),
        ToolDef::new(
            "auth0_get_role",
            "Get a role",
            "Get one role by id.",
            Effect::Read,
            get_role,
        ),
        ToolDef::new(
            "auth0_list_role_users",
            "List a role's users",
            "List the users assigned a role. Without `page` it pages by checkpoint; with `page` Auth0 stops at the first 1000.",
            Effect::Read,
            list_role_users,
        ),
        ToolDef::new(
            "auth0_list_role_permissions",
            "List a role's permissions",
            "List the permissions a role grants.",
            Effect::Read,
            list_role_permissions,
        ),
        ToolDef::new(
            "auth0_create_role",
            "Create a role",
            "Create a role.",
            Effect::Write { idempotent: false },
            create_role,
        ),
        ToolDef::new(
            "auth0_update_role",
            "Update a role",
            "Change a role's name or description.",
            Effect::Write { idempotent: true },
            update_role,
        ),
        ToolDef::new(
            "auth0_assign_role_users",
            "Assign a role to users",
            "Assign a role to one or more users.",
            Effect::Write { idempotent: true },
            assign_role_users,
        ),
        ToolDef::new(
            "auth0_add_role_permissions",
            "Add permissions to a role",
            "Add permissions (of an API registered in the tenant) to a role.",
            Effect::Write { idempotent: true },
            add_role_permissions,
        ),
        ToolDef::new(
            "auth0_remove_role_permissions",
            "Remove permissions from a role",
            "Remove permissions from a role; users holding the role lose them.",
            Effect::Destructive { idempotent: true },
            remove_role_permissions,
        ),
        ToolDef::new(
            "auth0_delete_role",
            "Delete a role",
            "Delete a role; users holding it lose its permissions.",
            Effect::Destructive { idempotent: false },
            delete_role,
        ),
    ]
}

impl Noun for RoleUser {
    const PLURAL: &'static str = "users";
}

impl Summary for Role {
    fn summary(&self) -> String {
        format!(
            "Role {} ({}).",
            self.id.as_deref().unwrap_or("(no id)"),
            self.name.as_deref().unwrap_or("unnamed")
        )
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListRolesArgs {
    /// Only roles whose name contains this text (case-insensitive).
    #[schemars(length(min = 1, max = 50))]
    name_filter: Option<String>,
    /// Page to start at (0-based). Omit it when passing `cursor`.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_roles(ctx: CallContext, args: ListRolesArgs) -> Result<ListOutput<Role>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_roles(ctx.token(), args.name_filter.as_deref(), &offset)
        .await?;
    Ok(ListOutput::from_page(page, |role| role))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleIdArgs {
    /// The role's id, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 100))]
    role_id: String,
}

async fn get_role(ctx: CallContext, args: RoleIdArgs) -> Result<Role, ToolError> {
    Ok(ctx.auth0.get_role(ctx.token(), &args.role_id).await?)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RolePageArgs {
    /// The role's id, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 100))]
    role_id: String,
    /// Page (0-based) for offset paging; omit it to page by checkpoint where the list supports it.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_role_users(
    ctx: CallContext,
    args: RolePageArgs,
) -> Result<ListOutput<RoleUser>, ToolError> {
    let request = paging::page_request(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_role_users(ctx.token(), &args.role_id, &request)
        .await?;
    Ok(ListOutput::from_page(page, |user| user))
}

async fn list_role_permissions(
    ctx: CallContext,
    args: RolePageArgs,
) -> Result<ListOutput<Permission>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_role_permissions(ctx.token(), &args.role_id, &offset)
        .await?;
    Ok(ListOutput::from_page(page, |permission| permission))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRoleArgs {
    /// The role's name, unique in the tenant.
    #[schemars(length(min = 1, max = 50))]
    name: String,
    /// What the role is for.
    #[schemars(length(max = 140))]
    description: Option<String>,
}

async fn create_role(ctx: CallContext, args: CreateRoleArgs) -> Result<Role, ToolError> {
    let role = CreateRole {
        name: args.name,
        description: args.description,
    };
    Ok(ctx.auth0.create_role(ctx.token(), &role).await?)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateRoleArgs {
    /// The role's id, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 100))]
    role_id: String,
    /// New name.
    #[schemars(length(min = 1, max = 50))]
    name: Option<String>,
    /// New description.
    #[schemars(length(max = 140))]
    description: Option<String>,
}

async fn update_role(ctx: CallContext, args: UpdateRoleArgs) -> Result<Role, ToolError> {
    let mut body = Map::new();
    patch_field(&mut body, "name", args.name);
    patch_field(&mut body, "description", args.description);
    if body.is_empty() {
        return Err(ToolError::InvalidArguments(
            "nothing to update: give `name` or `description`".into(),
        ));
    }
    Ok(ctx
        .auth0
        .update_role(ctx.token(), &args.role_id, &body)
        .await?)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleUsersArgs {
    /// The role's id, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 100))]
    role_id: String,
    /// User ids, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 1000), inner(length(min = 1, max = 300)))]
    users: Vec<String>,
}

/// Users given a role.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RoleUsersAssigned {
    /// The role's id.
    role_id: String,
    /// The users who now hold the role.
    users: Vec<String>,
}

impl Summary for RoleUsersAssigned {
    fn summary(&self) -> String {
        format!(
            "Assigned role {} to {} user(s).",
            self.role_id,
            self.users.len()
        )
    }
}

async fn assign_role_users(
    ctx: CallContext,
    args: RoleUsersArgs,
) -> Result<RoleUsersAssigned, ToolError> {
    ctx.auth0
        .assign_role_users(ctx.token(), &args.role_id, &args.users)
        .await?;
    Ok(RoleUsersAssigned {
        role_id: args.role_id,
        users: args.users,
    })
}

/// A permission of an API registered in the tenant.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionArg {
    /// The API's identifier (its audience), e.g. `https://api.example.com`.
    #[schemars(length(min = 1, max = 600))]
    resource_server_identifier: String,
    /// The permission's name, e.g. `read:reports`.
    #[schemars(length(min = 1, max = 280))]
    permission_name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RolePermissionsArgs {
    /// The role's id, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 100))]
    role_id: String,
    /// The permissions.
    #[schemars(length(min = 1, max = 1000))]
    permissions: Vec<PermissionArg>,
}

/// Permissions added to or removed from a role.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RolePermissionsChanged {
    /// The role's id.
    role_id: String,
    /// The permissions added or removed.
    permissions: Vec<PermissionArg>,
    /// `added` or `removed`.
    change: &'static str,
}

impl Summary for RolePermissionsChanged {
    fn summary(&self) -> String {
        let names: Vec<_> = self
            .permissions
            .iter()
            .map(|p| p.permission_name.as_str())
            .collect();
        format!(
            "{} {} permission(s) on role {}: {}.",
            if self.change == "added" {
                "Added"
            } else {
                "Removed"
            },
            names.len(),
            self.role_id,
            names.join(", ")
        )
    }
}

fn permission_refs(permissions: &[PermissionArg]) -> Vec<PermissionRef> {
    permissions
        .iter()
        .map(|p| PermissionRef {
            resource_server_identifier: p.resource_server_identifier.clone(),
            permission_name: p.permission_name.clone(),
        })
        .collect()
}

async fn add_role_permissions(
    ctx: CallContext,
    args: RolePermissionsArgs,
) -> Result<RolePermissionsChanged, ToolError> {
    ctx.auth0
        .add_role_permissions(
            ctx.token(),
            &args.role_id,
            &permission_refs(&args.permissions),
        )
        .await?;
    Ok(RolePermissionsChanged {
        role_id: args.role_id,
        permissions: args.permissions,
        change: "added",
    })
}

async fn remove_role_permissions(
    ctx: CallContext,
    args: RolePermissionsArgs,
) -> Result<RolePermissionsChanged, ToolError> {
    ctx.auth0
        .remove_role_permissions(
            ctx.token(),
            &args.role_id,
            &permission_refs(&args.permissions),
        )
        .await?;
    Ok(RolePermissionsChanged {
        role_id: args.role_id,
        permissions: args.permissions,
        change: "removed",
    })
}

async fn delete_role(ctx: CallContext, args: RoleIdArgs) -> Result<Deleted, ToolError> {
    ctx.auth0.delete_role(ctx.token(), &args.role_id).await?;
    Ok(Deleted {
        kind: "role",
        id: args.role_id,
        deleted: true,
    })
}
