//! Organizations and their members.

use gw_auth0::{CreateOrganization, Member, Organization};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
            "auth0_list_organizations",
            "List organizations",
            "List the tenant's organizations. Without `page` it pages by checkpoint (no limit on how far); with `page` Auth0 stops at the first 1000.",
            Effect::Read,
            list_organizations,
        ),
        ToolDef::new(
            "auth0_get_organization",
            "Get an organization",
            "Get one organization by `organization_id` or by `name`.",
            Effect::Read,
            get_organization,
        ),
        ToolDef::new(
            "auth0_create_organization",
            "Create an organization",
            "Create an organization.",
            Effect::Write { idempotent: false },
            create_organization,
        ),
        ToolDef::new(
            "auth0_update_organization",
            "Update an organization",
            "Change an organization's name, display name, branding or metadata.",
            Effect::Write { idempotent: true },
            update_organization,
        ),
        ToolDef::new(
            "auth0_delete_organization",
            "Delete an organization",
            "Delete an organization permanently (its members stay as users).",
            Effect::Destructive { idempotent: false },
            delete_organization,
        ),
        ToolDef::new(
            "auth0_list_organization_members",
            "List organization members",
            "List the members of an organization.",
            Effect::Read,
            list_organization_members,
        ),
        ToolDef::new(
            "auth0_add_organization_members",
            "Add organization members",
            "Add users to an organization as members.",
            Effect::Write { idempotent: true },
            add_organization_members,
        ),
        ToolDef::new(
            "auth0_remove_organization_members",
            "Remove organization members",
            "Remove users from an organization (the users themselves are kept).",
            Effect::Destructive { idempotent: true },
            remove_organization_members,
        ),
    ]
}

impl Noun for Member {
    const PLURAL: &'static str = "members";
}

impl Summary for Organization {
    fn summary(&self) -> String {
        format!(
            "Organization {} ({}).",
            self.id.as_deref().unwrap_or("(no id)"),
            self.display_name
                .as_deref()
                .or(self.name.as_deref())
                .unwrap_or("unnamed")
        )
    }
}

/// Organization names: lowercase letters, digits, `-` and `_`, starting and ending alphanumeric.
const ORG_NAME_PATTERN: &str = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListOrganizationsArgs {
    /// Page (0-based) for offset paging; omit it to page by checkpoint.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// Sort as `field:1` or `field:-1` on name, display_name or created_at (offset paging only).
    #[schemars(regex(pattern = r"^(name|display_name|created_at):-?1$"))]
    sort: Option<String>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_organizations(
    ctx: CallContext,
    args: ListOrganizationsArgs,
) -> Result<ListOutput<Organization>, ToolError> {
    let request = paging::page_request(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_organizations(ctx.token(), &request, args.sort.as_deref())
        .await?;
    Ok(ListOutput::from_page(page, |org| org))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetOrganizationArgs {
    /// The organization's id, e.g. `org_abc123`. Give this or `name`.
    #[schemars(length(min = 1, max = 50))]
    organization_id: Option<String>,
    /// The organization's name. Give this or `organization_id`.
    #[schemars(length(min = 1, max = 50))]
    name: Option<String>,
}

async fn get_organization(
    ctx: CallContext,
    args: GetOrganizationArgs,
) -> Result<Organization, ToolError> {
    match (args.organization_id, args.name) {
        (Some(id), None) => Ok(ctx.auth0.get_organization(ctx.token(), &id).await?),
        (None, Some(name)) => Ok(ctx
            .auth0
            .get_organization_by_name(ctx.token(), &name)
            .await?),
        _ => Err(ToolError::InvalidArguments(
            "give exactly one of `organization_id` and `name`".into(),
        )),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateOrganizationArgs {
    /// Unique name used in URLs and logins: 1–50 lowercase letters, digits, `-` or `_`, starting and ending with a letter or digit.
    #[schemars(length(min = 1, max = 50), regex(pattern = ORG_NAME_PATTERN))]
    name: String,
    /// Name shown to people, up to 255 characters.
    #[schemars(length(min = 1, max = 255))]
    display_name: Option<String>,
    /// Branding: `{"logo_url": "https://…", "colors": {"primary": "#0059d6", "page_background": "#000000"}}`.
    branding: Option<Map<String, Value>>,
    /// Up to 25 string key/value pairs.
    #[schemars(length(max = 25))]
    metadata: Option<Map<String, Value>>,
}

async fn create_organization(
    ctx: CallContext,
    args: CreateOrganizationArgs,
) -> Result<Organization, ToolError> {
    let organization = CreateOrganization {
        name: args.name,
        display_name: args.display_name,
        branding: args.branding.map(Value::Object),
        metadata: args.metadata,
    };
    Ok(ctx
        .auth0
        .create_organization(ctx.token(), &organization)
        .await?)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateOrganizationArgs {
    /// The organization's id, e.g. `org_abc123`.
    #[schemars(length(min = 1, max = 50))]
    organization_id: String,
    /// New unique name (same rules as on create).
    #[schemars(length(min = 1, max = 50), regex(pattern = ORG_NAME_PATTERN))]
    name: Option<String>,
    /// New display name.
    #[schemars(length(min = 1, max = 255))]
    display_name: Option<String>,
    /// New branding (replaces the old).
    branding: Option<Map<String, Value>>,
    /// Metadata keys to set; a key set to null is removed.
    #[schemars(length(max = 25))]
    metadata: Option<Map<String, Value>>,
}

async fn update_organization(
    ctx: CallContext,
    args: UpdateOrganizationArgs,
) -> Result<Organization, ToolError> {
    let mut body = Map::new();
    patch_field(&mut body, "name", args.name);
    patch_field(&mut body, "display_name", args.display_name);
    patch_field(&mut body, "branding", args.branding);
    patch_field(&mut body, "metadata", args.metadata);
    if body.is_empty() {
        return Err(ToolError::InvalidArguments(
            "nothing to update: give at least one field besides organization_id".into(),
        ));
    }
    Ok(ctx
        .auth0
        .update_organization(ctx.token(), &args.organization_id, &body)
        .await?)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganizationIdArgs {
    /// The organization's id, e.g. `org_abc123`.
    #[schemars(length(min = 1, max = 50))]
    organization_id: String,
}

async fn delete_organization(
    ctx: CallContext,
    args: OrganizationIdArgs,
) -> Result<Deleted, ToolError> {
    ctx.auth0
        .delete_organization(ctx.token(), &args.organization_id)
        .await?;
    Ok(Deleted {
        kind: "organization",
        id: args.organization_id,
        deleted: true,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListMembersArgs {
    /// The organization's id, e.g. `org_abc123`.
    #[schemars(length(min = 1, max = 50))]
    organization_id: String,
    /// Page (0-based) for offset paging; omit it to page by checkpoint.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_organization_members(
    ctx: CallContext,
    args: ListMembersArgs,
) -> Result<ListOutput<Member>, ToolError> {
    let request = paging::page_request(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_organization_members(ctx.token(), &args.organization_id, &request)
        .await?;
    Ok(ListOutput::from_page(page, |member| member))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembersArgs {
    /// The organization's id, e.g. `org_abc123`.
    #[schemars(length(min = 1, max = 50))]
    organization_id: String,
    /// User ids, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 10), inner(length(min = 1, max = 300)))]
    members: Vec<String>,
}

/// Members added to or removed from an organization.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct MembersChanged {
    /// The organization's id.
    organization_id: String,
    /// The user ids added or removed.
    members: Vec<String>,
    /// `added` or `removed`.
    change: &'static str,
}

impl Summary for MembersChanged {
    fn summary(&self) -> String {
        format!(
            "{} {} member(s) {} organization {}.",
            if self.change == "added" {
                "Added"
            } else {
                "Removed"
            },
            self.members.len(),
            if self.change == "added" { "to" } else { "from" },
            self.organization_id
        )
    }
}

async fn add_organization_members(
    ctx: CallContext,
    args: MembersArgs,
) -> Result<MembersChanged, ToolError> {
    ctx.auth0
        .add_organization_members(ctx.token(), &args.organization_id, &args.members)
        .await?;
    Ok(MembersChanged {
        organization_id: args.organization_id,
        members: args.members,
        change: "added",
    })
}

async fn remove_organization_members(
    ctx: CallContext,
    args: MembersArgs,
) -> Result<MembersChanged, ToolError> {
    ctx.auth0
        .remove_organization_members(ctx.token(), &args.organization_id, &args.members)
        .await?;
    Ok(MembersChanged {
        organization_id: args.organization_id,
        members: args.members,
        change: "removed",
    })
}
