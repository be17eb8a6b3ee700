//! Organizations and their members.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Auth0Client;
use crate::error::Auth0Error;
use crate::http::Call;
use crate::paging::{ListSpec, Page, PageRequest};
use crate::roles::Role;

/// An Auth0 organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Organization {
    /// The organization id, such as `org_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The unique name used in URLs and login (lowercase, 1–50 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name shown to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Branding: `logo_url` and `colors` (`primary`, `page_background`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Value>,
    /// Free-form string metadata (up to 25 keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member of an organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Member {
    /// The member's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The member's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// URL of the member's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The member's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The member's roles in the organization (only when requested with `fields=roles` and
    /// the token holds `read:organization_member_roles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A new organization (`POST /api/v2/organizations`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// The unique name (lowercase letters, digits, `-` and `_`; 1–50 characters).
    pub name: String,
    /// The name shown to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Branding: `logo_url` and `colors` (`primary`, `page_background`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Value>,
    /// Free-form string metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Serialize)]
struct MembersBody<'a> {
    members: &'a [String],
}

impl Auth0Client {
    /// Lists organizations (`GET /api/v2/organizations`), by offset (at most the first 1000)
    /// or by checkpoint (`from`/`take`, no cap). `sort` is `field:1` or `field:-1` on `name`,
    /// `display_name` or `created_at`.
    pub async fn list_organizations(
        &self,
        token: &SecretString,
        page: &PageRequest,
        sort: Option<&str>,
    ) -> Result<Page<Organization>, Auth0Error> {
        let call = Call::api(Method::GET, &["organizations"]).query_opt("sort", sort);
        self.list(token, call, page, ListSpec::capped("organizations"))
            .await
    }

    /// Reads one organization by id (`GET /api/v2/organizations/{id}`).
    pub async fn get_organization(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<Organization, Auth0Error> {
        self.json(token, Call::api(Method::GET, &["organizations", id]))
            .await
    }

    /// Reads one organization by name (`GET /api/v2/organizations/name/{name}`).
    pub async fn get_organization_by_name(
        &self,
        token: &SecretString,
        name: &str,
    ) -> Result<Organization, Auth0Error> {
        self.json(
            token,
            Call::api(Method::GET, &["organizations", "name", name]),
        )
        .await
    }

    /// Creates an organization (`POST /api/v2/organizations`, 201; 409 when the name is taken).
    pub async fn create_organization(
        &self,
        token: &SecretString,
        org: &CreateOrganization,
    ) -> Result<Organization, Auth0Error> {
        self.json(
            token,
            Call::api(Method::POST, &["organizations"]).json(org)?,
        )
        .await
    }

    /// Updates an organization (`PATCH /api/v2/organizations/{id}`) with the body as given.
    pub async fn update_organization(
        &self,
        token: &SecretString,
        id: &str,
        changes: &Map<String, Value>,
    ) -> Result<Organization, Auth0Error> {
        self.json(
            token,
            Call::api(Method::PATCH, &["organizations", id]).json(changes)?,
        )
        .await
    }

    /// Deletes an organization (`DELETE /api/v2/organizations/{id}`, 204; a repeat gives 404).
    pub async fn delete_organization(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<(), Auth0Error> {
        self.unit(token, Call::api(Method::DELETE, &["organizations", id]))
            .await
    }

    /// Lists an organization's members (`GET /api/v2/organizations/{id}/members`), by offset
    /// (at most the first 1000) or by checkpoint. A checkpoint list ends when `next` is absent
    /// or a page comes back empty.
    pub async fn list_organization_members(
        &self,
        token: &SecretString,
        org_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Member>, Auth0Error> {
        let call = Call::api(Method::GET, &["organizations", org_id, "members"]);
        self.list(token, call, page, ListSpec::capped("members"))
            .await
    }

    /// Adds users to an organization (`POST /api/v2/organizations/{id}/members`, 204; needs
    /// `create:organization_members`).
    pub async fn add_organization_members(
        &self,
        token: &SecretString,
        org_id: &str,
        user_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::POST, &["organizations", org_id, "members"])
            .json(&MembersBody { members: user_ids })?;
        self.unit(token, call).await
    }

    /// Removes users from an organization (`DELETE /api/v2/organizations/{id}/members` with a
    /// body, 204; needs `delete:organization_members`).
    pub async fn remove_organization_members(
        &self,
        token: &SecretString,
        org_id: &str,
        user_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::DELETE, &["organizations", org_id, "members"])
            .json(&MembersBody { members: user_ids })?;
        self.unit(token, call).await
    }
}
