//! Users: search, read, create, update, delete, and the user's roles, permissions,
//! organizations and logs.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::de::opt_string_or_number;
use crate::error::Auth0Error;
use crate::http::Call;
use crate::logs::{self, LogEvent};
use crate::organizations::Organization;
use crate::paging::{ListSpec, Offset, Page, PageRequest};
use crate::roles::{Permission, Role};
use crate::sensitive::SensitiveString;
use crate::{Auth0Client, Fields};

/// An Auth0 user, as the Management API returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    /// The user's id, such as `auth0|64f…` (connection prefix, `|`, provider id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address has been verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The username, for connections that use one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The phone number (E.164), for SMS connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number has been verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_verified: Option<bool>,
    /// When the user was created (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the user was last updated (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The identity-provider accounts linked to this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<Vec<Identity>>,
    /// Data the user cannot edit (roles, plans, flags set by the application).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    /// Data the user may edit (preferences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    /// URL of the user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The user's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// The user's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The user's family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The multi-factor providers the user has enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multifactor: Option<Vec<String>>,
    /// The IP address of the last login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ip: Option<String>,
    /// When the user last logged in (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
    /// How many times the user has logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logins_count: Option<u64>,
    /// Whether the user is blocked from logging in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// Removes identity-provider tokens from every identity and says whether there were any.
    /// Auth0 returns them whenever the token holds `read:user_idp_tokens`; only the tool whose
    /// purpose is to return them should leave them in.
    pub fn redact_idp_tokens(&mut self) -> bool {
        let mut found = false;
        for identity in self.identities.iter_mut().flatten() {
            // Every identity must be cleaned, so no short-circuiting `any`.
            found |= identity.redact_tokens();
        }
        found
    }
}

/// One identity-provider account linked to a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    /// The connection name, such as `Username-Password-Authentication` or `google-oauth2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The user's id at the provider (some providers use numbers; kept as a string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub user_id: Option<String>,
    /// The provider, such as `auth0` or `google-oauth2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Whether the provider is a social one.
    #[serde(rename = "isSocial", default, skip_serializing_if = "Option::is_none")]
    pub is_social: Option<bool>,
    /// The provider's access token (only with `read:user_idp_tokens`; a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SensitiveString>,
    /// The provider's access token secret, for OAuth 1 providers (a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_secret: Option<SensitiveString>,
    /// The provider's refresh token (a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SensitiveString>,
    /// The profile the provider returned, for linked secondary accounts.
    #[serde(
        rename = "profileData",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub profile_data: Option<Map<String, Value>>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identity {
    /// Removes the provider tokens and says whether there were any.
    pub fn redact_tokens(&mut self) -> bool {
        let found = self.access_token.is_some()
            || self.access_token_secret.is_some()
            || self.refresh_token.is_some();
        self.access_token = None;
        self.access_token_secret = None;
        self.refresh_token = None;
        found
    }

    /// Whether any provider token is present.
    pub fn has_tokens(&self) -> bool {
        self.access_token.is_some()
            || self.access_token_secret.is_some()
            || self.refresh_token.is_some()
    }
}

/// A user search (`GET /api/v2/users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUsers {
    /// A Lucene query in Auth0's v3 search syntax (`email:"a@b.c"`, `name:jo*`); sent with
    /// `search_engine=v3`.
    pub q: Option<String>,
    /// Sort order, `field:1` (ascending) or `field:-1` (descending).
    pub sort: Option<String>,
    /// Comma-separated fields to include (or exclude, see `include_fields`).
    pub fields: Option<String>,
    /// Whether `fields` lists fields to include (`true`, Auth0's default) or exclude.
    pub include_fields: Option<bool>,
    /// The page, from 0 (default 0).
    pub page: Option<u32>,
    /// Users per page (Auth0 accepts up to 100).
    pub per_page: u32,
}

impl Default for ListUsers {
    fn default() -> Self {
        Self {
            q: None,
            sort: None,
            fields: None,
            include_fields: None,
            page: None,
            per_page: 50,
        }
    }
}

/// A new user (`POST /api/v2/users`). Only `connection` is required by Auth0; which other
/// fields are needed depends on the connection (email + password for a database connection).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The connection to create the user in, such as `Username-Password-Authentication`.
    pub connection: String,
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The initial password (database connections). Never printed by `Debug`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SensitiveString>,
    /// The username, for connections that require one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The phone number in E.164 form (`+` and up to 15 digits), for SMS connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The id to give the user within the connection (without the `auth0|` prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Mark the email as verified without sending a verification email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Send a verification email to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_email: Option<bool>,
    /// Create the user blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// The user's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The user's family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The user's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// URL of the user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Data the user cannot edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    /// Data the user may edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
}

/// The lists under a user share one shape: `{<key>, start, limit, total}` with offset paging.
impl Auth0Client {
    /// Searches users (`GET /api/v2/users`), always asking for totals so the next page is
    /// known. Auth0 pages through at most the first 1000 matches; no cursor goes past that.
    pub async fn list_users(
        &self,
        token: &SecretString,
        request: &ListUsers,
    ) -> Result<Page<User>, Auth0Error> {
        let mut call = Call::api(Method::GET, &["users"]);
        if let Some(q) = &request.q {
            // Without search_engine Auth0 rejects q ("available only if you specify
            // search_engine=v2|v3"), and v3 is the only engine still supported.
            call = call.query("q", q.as_str()).query("search_engine", "v3");
        }
        let call = call
            .query_opt("sort", request.sort.as_deref())
            .query_opt("fields", request.fields.as_deref())
            .query_opt("include_fields", request.include_fields);
        let page = PageRequest::Offset(Offset {
            page: request.page.unwrap_or(0),
            per_page: request.per_page,
        });
        self.list(token, call, &page, ListSpec::capped("users"))
            .await
    }

    /// Reads one user (`GET /api/v2/users/{id}`).
    pub async fn get_user(
        &self,
        token: &SecretString,
        user_id: &str,
        fields: &Fields,
    ) -> Result<User, Auth0Error> {
        self.json(
            token,
            Call::api(Method::GET, &["users", user_id]).fields(fields),
        )
        .await
    }

    /// Finds users by exact email (`GET /api/v2/users-by-email`). Auth0 matches the address
    /// case-sensitively; several users can share one address across connections.
    pub async fn users_by_email(
        &self,
        token: &SecretString,
        email: &str,
        fields: &Fields,
    ) -> Result<Vec<User>, Auth0Error> {
        let call = Call::api(Method::GET, &["users-by-email"])
            .query("email", email)
            .fields(fields);
        self.json(token, call).await
    }

    /// Creates a user (`POST /api/v2/users`, 201). Never retried after it may have been sent:
    /// a timeout gives [`Auth0Error::OutcomeUnknown`].
    pub async fn create_user(
        &self,
        token: &SecretString,
        user: &CreateUser,
    ) -> Result<User, Auth0Error> {
        self.json(token, Call::api(Method::POST, &["users"]).json(user)?)
            .await
    }

    /// Updates a user (`PATCH /api/v2/users/{id}`) with the body as given: other fields are
    /// replaced, metadata merges one level deep, and `null` unsets.
    pub async fn update_user(
        &self,
        token: &SecretString,
        user_id: &str,
        changes: &Map<String, Value>,
    ) -> Result<User, Auth0Error> {
        self.json(
            token,
            Call::api(Method::PATCH, &["users", user_id]).json(changes)?,
        )
        .await
    }

    /// Deletes a user (`DELETE /api/v2/users/{id}`, 204; Auth0 also answers 204 when the user
    /// is already gone).
    pub async fn delete_user(&self, token: &SecretString, user_id: &str) -> Result<(), Auth0Error> {
        self.unit(token, Call::api(Method::DELETE, &["users", user_id]))
            .await
    }

    /// Lists the roles assigned to a user (`GET /api/v2/users/{id}/roles`).
    pub async fn list_user_roles(
        &self,
        token: &SecretString,
        user_id: &str,
        offset: &Offset,
    ) -> Result<Page<Role>, Auth0Error> {
        let call = Call::api(Method::GET, &["users", user_id, "roles"]);
        self.list_offset(token, call, offset, ListSpec::uncapped("roles"))
            .await
    }

    /// Assigns roles to a user (`POST /api/v2/users/{id}/roles`, 204).
    pub async fn assign_user_roles(
        &self,
        token: &SecretString,
        user_id: &str,
        role_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::POST, &["users", user_id, "roles"])
            .json(&RolesBody { roles: role_ids })?;
        self.unit(token, call).await
    }

    /// Removes roles from a user (`DELETE /api/v2/users/{id}/roles` with a body, 204).
    pub async fn remove_user_roles(
        &self,
        token: &SecretString,
        user_id: &str,
        role_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let call = Call::api(Method::DELETE, &["users", user_id, "roles"])
            .json(&RolesBody { roles: role_ids })?;
        self.unit(token, call).await
    }

    /// Lists the permissions a user holds, directly or through roles
    /// (`GET /api/v2/users/{id}/permissions`).
    pub async fn list_user_permissions(
        &self,
        token: &SecretString,
        user_id: &str,
        offset: &Offset,
    ) -> Result<Page<Permission>, Auth0Error> {
        let call = Call::api(Method::GET, &["users", user_id, "permissions"]);
        self.list_offset(token, call, offset, ListSpec::uncapped("permissions"))
            .await
    }

    /// Lists the organizations a user belongs to (`GET /api/v2/users/{id}/organizations`).
    pub async fn list_user_organizations(
        &self,
        token: &SecretString,
        user_id: &str,
        offset: &Offset,
    ) -> Result<Page<Organization>, Auth0Error> {
        let call = Call::api(Method::GET, &["users", user_id, "organizations"]);
        self.list_offset(token, call, offset, ListSpec::uncapped("organizations"))
            .await
    }

    /// Lists a user's log events (`GET /api/v2/users/{id}/logs`). Log totals are not reliable
    /// (under v3 `total` is the page size), so a full page means there may be more.
    pub async fn list_user_logs(
        &self,
        token: &SecretString,
        user_id: &str,
        offset: &Offset,
        sort: Option<&str>,
    ) -> Result<Page<LogEvent>, Auth0Error> {
        let call = Call::api(Method::GET, &["users", user_id, "logs"]).query_opt("sort", sort);
        self.list_offset(token, call, offset, logs::LIST).await
    }
}

#[derive(Serialize)]
struct RolesBody<'a> {
    roles: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_keeps_unknown_fields_and_round_trips() {
        let json = serde_json::json!({
            "user_id": "auth0|1",
            "email": "a@example.com",
            "identities": [{"connection": "github", "user_id": 12345, "provider": "github", "isSocial": true, "access_token": "gho_secret"}],
            "custom_field": {"x": 1},
            "logins_count": 3
        });
        let user: User = serde_json::from_value(json).unwrap();
        assert_eq!(
            user.extra.get("custom_field"),
            Some(&serde_json::json!({"x": 1}))
        );
        let identity = &user.identities.as_ref().unwrap()[0];
        assert_eq!(identity.user_id.as_deref(), Some("12345"));
        assert!(
            !format!("{user:?}").contains("gho_secret"),
            "Debug must not print IdP tokens"
        );
        let back = serde_json::to_value(&user).unwrap();
        assert_eq!(back["identities"][0]["access_token"], "gho_secret");
        assert_eq!(back["custom_field"]["x"], 1);
        assert!(back.get("username").is_none(), "absent fields stay absent");

        let mut user = user;
        assert!(user.redact_idp_tokens());
        assert!(!serde_json::to_string(&user).unwrap().contains("gho_secret"));
        assert!(!user.redact_idp_tokens());
    }

    #[test]
    fn create_user_body_has_password_debug_does_not() {
        let u = CreateUser {
            connection: "Username-Password-Authentication".into(),
            email: Some("a@example.com".into()),
            password: Some("S3cret-Passw0rd!".into()),
            ..Default::default()
        };
        assert!(!format!("{u:?}").contains("S3cret"));
        let body = serde_json::to_value(&u).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "connection": "Username-Password-Authentication",
                "email": "a@example.com",
                "password": "S3cret-Passw0rd!"
            })
        );
    }

    #[test]
    fn schema_documents_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(User)).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for (name, prop) in props {
            assert!(
                prop.get("description").is_some(),
                "{name} has no description"
            );
        }
    }
}
