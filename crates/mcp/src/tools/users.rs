//! Users: search, read, create, update, delete; their roles, permissions, organizations and logs.

use gw_auth0::{CreateUser, Fields, ListUsers, LogEvent, Organization, Permission, Role, User};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::paging::{self, ListOutput, Noun};
use super::sanitize::without_idp_tokens;
use super::{nullable, patch_field};
use crate::call::CallContext;
use crate::catalog::{Effect, ToolDef};
use crate::error::ToolError;
use crate::render::Summary;

pub(super) fn tools() -> Vec<ToolDef> {
    vec![
        ToolDef::new(
            "auth0_list_users",
            "List users",
            "Search and list the tenant's users (Auth0 user search v3, Lucene syntax in `q`). Auth0 returns at most the first 1000 matches; narrow `q` to reach others.",
            Effect::Read,
            list_users,
        ),
        ToolDef::new(
            "auth0_get_user",
            "Get a user",
            "Get one user by user_id, with profile, metadata, identities and login statistics.",
            Effect::Read,
            get_user,
        ),
        ToolDef::new(
            "auth0_find_users_by_email",
            "Find users by email",
            "Find every user with this exact email address (one per connection).",
            Effect::Read,
            find_users_by_email,
        ),
        ToolDef::new(
            "auth0_create_user",
            "Create a user",
            "Create a user in a connection (e.g. Username-Password-Authentication; database connections need a password).",
            Effect::Write { idempotent: false },
            create_user,
        ),
        ToolDef::new(
            "auth0_update_user",
            "Update a user",
            "Update a user's profile, metadata or blocked state. Metadata objects merge one level deep; a field set to null is removed. Blocking a user locks them out.",
            Effect::Destructive { idempotent: true },
            update_user,
        ),
        ToolDef::new(
            "auth0_delete_user",
            "Delete a user",
            "Delete a user permanently.",
            Effect::Destructive { idempotent: true },
            delete_user,
        ),
        ToolDef::new(
            "auth0_get_user_idp_tokens",
            "Get a user's identity-provider tokens",
            "Get the access and refresh tokens that the user's identity providers (e.g. Google) issued, per identity. These are secrets: use them only for the task at hand.",
            Effect::Read,
            get_user_idp_tokens,
        ),
        ToolDef::new(
            "auth0_list_user_roles",
            "List a user's roles",
            "List the roles assigned directly to a user.",
            Effect::Read,
            list_user_roles,
        ),
        ToolDef::new(
            "auth0_assign_user_roles",
            "Assign roles to a user",
            "Assign one or more roles to a user (already-assigned roles are kept).",
            Effect::Write { idempotent: true },
            assign_user_roles,
        ),
        ToolDef::new(
            "auth0_remove_user_roles",
            "Remove roles from a user",
            "Remove one or more roles from a user.",
            Effect::Destructive { idempotent: true },
            remove_user_roles,
        ),
        ToolDef::new(
            "auth0_list_user_permissions",
            "List a user's permissions",
            "List the permissions a user holds, directly or through roles, with where each comes from.",
            Effect::Read,
            list_user_permissions,
        ),
        ToolDef::new(
            "auth0_list_user_organizations",
            "List a user's organizations",
            "List the organizations a user is a member of.",
            Effect::Read,
            list_user_organizations,
        ),
        ToolDef::new(
            "auth0_list_user_logs",
            "List a user's log events",
            "List log events for one user, newest first by default.",
            Effect::Read,
            list_user_logs,
        ),
    ]
}

impl Noun for User {
    const PLURAL: &'static str = "users";
}
impl Noun for Role {
    const PLURAL: &'static str = "roles";
}
impl Noun for Permission {
    const PLURAL: &'static str = "permissions";
}
impl Noun for Organization {
    const PLURAL: &'static str = "organizations";
}
impl Noun for LogEvent {
    const PLURAL: &'static str = "log events";
}

impl Summary for User {
    fn summary(&self) -> String {
        let id = self.user_id.as_deref().unwrap_or("(no user_id)");
        match &self.email {
            Some(email) => format!("User {id} <{email}>."),
            None => format!("User {id}."),
        }
    }
}

/// The id Auth0 gave a user, e.g. `auth0|64f1c2…` or `google-oauth2|1234`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserIdArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListUsersArgs {
    /// Lucene query (user search v3), e.g. `email:"jane@example.com"`, `name:jan*`, `app_metadata.plan:"pro"`, `identities.connection:"google-oauth2"`, `blocked:true`.
    #[schemars(length(min = 1, max = 2000))]
    q: Option<String>,
    /// Sort as `field:1` (ascending) or `field:-1` (descending), e.g. `created_at:-1`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+:-?1$"))]
    sort: Option<String>,
    /// Comma-separated fields to include (or exclude, with include_fields=false), e.g. `user_id,email,name`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
    /// Page to start at (0-based). Omit it when passing `cursor`.
    #[schemars(range(max = 999))]
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_users(ctx: CallContext, args: ListUsersArgs) -> Result<ListOutput<User>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let query = ListUsers {
        q: args.q,
        sort: args.sort,
        fields: args.fields,
        include_fields: args.include_fields,
        page: Some(offset.page),
        per_page: offset.per_page,
    };
    let page = ctx.auth0.list_users(ctx.token(), &query).await?;
    Ok(ListOutput::from_page(page, without_idp_tokens))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetUserArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
    /// Comma-separated fields to include (or exclude, with include_fields=false).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
}

async fn get_user(ctx: CallContext, args: GetUserArgs) -> Result<User, ToolError> {
    let fields = Fields {
        fields: args.fields,
        include_fields: args.include_fields,
    };
    Ok(without_idp_tokens(
        ctx.auth0
            .get_user(ctx.token(), &args.user_id, &fields)
            .await?,
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindUsersByEmailArgs {
    /// The email address, matched exactly (Auth0 stores emails in lowercase).
    #[schemars(email, length(min = 3, max = 320))]
    email: String,
    /// Comma-separated fields to include (or exclude, with include_fields=false).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
}

/// The users found.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct UsersFound {
    /// Every user with that email, one per connection.
    users: Vec<User>,
}

impl Summary for UsersFound {
    fn summary(&self) -> String {
        format!("{} user(s) with that email.", self.users.len())
    }
}

async fn find_users_by_email(
    ctx: CallContext,
    args: FindUsersByEmailArgs,
) -> Result<UsersFound, ToolError> {
    let fields = Fields {
        fields: args.fields,
        include_fields: args.include_fields,
    };
    let users = ctx
        .auth0
        .users_by_email(ctx.token(), &args.email, &fields)
        .await?;
    Ok(UsersFound {
        users: users.into_iter().map(without_idp_tokens).collect(),
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserArgs {
    /// The connection to create the user in, e.g. `Username-Password-Authentication`.
    #[schemars(length(min = 1, max = 128))]
    connection: String,
    /// The user's email address.
    #[schemars(email, length(max = 320))]
    email: Option<String>,
    /// Initial password (database connections). Must satisfy the connection's password policy.
    #[schemars(length(min = 1, max = 128))]
    password: Option<String>,
    /// Username, for connections that require one.
    #[schemars(length(min = 1, max = 128))]
    username: Option<String>,
    /// Phone number in E.164 form, e.g. `+14155550100`.
    #[schemars(regex(pattern = r"^\+[0-9]{1,15}$"))]
    phone_number: Option<String>,
    /// The id part to use (without the `auth0|` prefix); Auth0 generates one if absent.
    #[schemars(length(min = 1, max = 255))]
    user_id: Option<String>,
    /// Whether the email is already verified.
    email_verified: Option<bool>,
    /// Whether Auth0 should send a verification email.
    verify_email: Option<bool>,
    /// Create the user blocked (unable to log in).
    blocked: Option<bool>,
    /// Given name.
    #[schemars(length(min = 1, max = 150))]
    given_name: Option<String>,
    /// Family name.
    #[schemars(length(min = 1, max = 150))]
    family_name: Option<String>,
    /// Full name.
    #[schemars(length(min = 1, max = 300))]
    name: Option<String>,
    /// Nickname.
    #[schemars(length(min = 1, max = 300))]
    nickname: Option<String>,
    /// URL of the user's picture.
    #[schemars(url)]
    picture: Option<String>,
    /// Data the user can read but not change (e.g. plan, roles from your app).
    app_metadata: Option<Map<String, Value>>,
    /// Data the user can read and change (preferences).
    user_metadata: Option<Map<String, Value>>,
}

async fn create_user(ctx: CallContext, args: CreateUserArgs) -> Result<User, ToolError> {
    let user = CreateUser {
        connection: args.connection,
        email: args.email,
        password: args.password.map(Into::into),
        username: args.username,
        phone_number: args.phone_number,
        user_id: args.user_id,
        email_verified: args.email_verified,
        verify_email: args.verify_email,
        blocked: args.blocked,
        given_name: args.given_name,
        family_name: args.family_name,
        name: args.name,
        nickname: args.nickname,
        picture: args.picture,
        app_metadata: args.app_metadata,
        user_metadata: args.user_metadata,
    };
    Ok(without_idp_tokens(
        ctx.auth0.create_user(ctx.token(), &user).await?,
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateUserArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
    /// New email address.
    #[schemars(email, length(max = 320))]
    email: Option<String>,
    /// Whether the email is verified.
    email_verified: Option<bool>,
    /// Send a verification email for the new address.
    verify_email: Option<bool>,
    /// New password (database connections).
    #[schemars(length(min = 1, max = 128))]
    password: Option<String>,
    /// The connection the email/password change applies to.
    #[schemars(length(min = 1, max = 128))]
    connection: Option<String>,
    /// Block (true) or unblock (false) the user. Blocking locks the user out.
    blocked: Option<bool>,
    /// Given name; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(length(min = 1, max = 150))]
    given_name: Option<Option<String>>,
    /// Family name; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(length(min = 1, max = 150))]
    family_name: Option<Option<String>>,
    /// Full name; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(length(min = 1, max = 300))]
    name: Option<Option<String>>,
    /// Nickname; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(length(min = 1, max = 300))]
    nickname: Option<Option<String>>,
    /// Picture URL; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(url)]
    picture: Option<Option<String>>,
    /// Phone number in E.164 form; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(regex(pattern = r"^\+[0-9]{1,15}$"))]
    phone_number: Option<Option<String>>,
    /// Username; null removes it.
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schemars(extend("x-nullable" = true))]
    #[schemars(length(min = 1, max = 128))]
    username: Option<Option<String>>,
    /// Keys to merge into app_metadata; a key set to null is removed.
    app_metadata: Option<Map<String, Value>>,
    /// Keys to merge into user_metadata; a key set to null is removed.
    user_metadata: Option<Map<String, Value>>,
}

async fn update_user(ctx: CallContext, args: UpdateUserArgs) -> Result<User, ToolError> {
    let mut body = Map::new();
    patch_field(&mut body, "email", args.email);
    patch_field(&mut body, "email_verified", args.email_verified);
    patch_field(&mut body, "verify_email", args.verify_email);
    patch_field(&mut body, "password", args.password);
    patch_field(&mut body, "connection", args.connection);
    patch_field(&mut body, "blocked", args.blocked);
    patch_field(&mut body, "given_name", args.given_name);
    patch_field(&mut body, "family_name", args.family_name);
    patch_field(&mut body, "name", args.name);
    patch_field(&mut body, "nickname", args.nickname);
    patch_field(&mut body, "picture", args.picture);
    patch_field(&mut body, "phone_number", args.phone_number);
    patch_field(&mut body, "username", args.username);
    patch_field(&mut body, "app_metadata", args.app_metadata);
    patch_field(&mut body, "user_metadata", args.user_metadata);
    if body.is_empty() || (body.len() == 1 && body.contains_key("connection")) {
        return Err(ToolError::InvalidArguments(
            "nothing to update: give at least one field besides user_id".into(),
        ));
    }
    Ok(without_idp_tokens(
        ctx.auth0
            .update_user(ctx.token(), &args.user_id, &body)
            .await?,
    ))
}

/// The outcome of a removal.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Deleted {
    /// What kind of thing was deleted.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Always true: Auth0 confirmed the deletion.
    pub deleted: bool,
}

impl Summary for Deleted {
    fn summary(&self) -> String {
        format!("Deleted {} {}.", self.kind, self.id)
    }
}

async fn delete_user(ctx: CallContext, args: UserIdArgs) -> Result<Deleted, ToolError> {
    ctx.auth0.delete_user(ctx.token(), &args.user_id).await?;
    Ok(Deleted {
        kind: "user",
        id: args.user_id,
        deleted: true,
    })
}

/// A user's identities with the tokens their identity providers issued.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct IdpTokens {
    /// The user's id.
    user_id: String,
    /// One entry per linked identity.
    identities: Vec<IdpIdentity>,
}

/// One linked identity and its IdP tokens.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct IdpIdentity {
    /// The identity provider, e.g. `google-oauth2` or `auth0`.
    provider: Option<String>,
    /// The connection name.
    connection: Option<String>,
    /// The user's id at the provider.
    user_id: Option<String>,
    /// The provider's access token, when Auth0 stores one.
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    /// The provider's access token secret (OAuth 1 providers).
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token_secret: Option<String>,
    /// The provider's refresh token, when Auth0 stores one.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl Summary for IdpTokens {
    fn summary(&self) -> String {
        let with_tokens = self
            .identities
            .iter()
            .filter(|i| i.access_token.is_some() || i.refresh_token.is_some())
            .count();
        format!(
            "{} identities of {}, {with_tokens} with IdP tokens.",
            self.identities.len(),
            self.user_id
        )
    }
}

async fn get_user_idp_tokens(ctx: CallContext, args: UserIdArgs) -> Result<IdpTokens, ToolError> {
    let user = ctx
        .auth0
        .get_user(ctx.token(), &args.user_id, &Fields::default())
        .await?;
    let user = serde_json::to_value(user).map_err(|e| ToolError::Internal(e.to_string()))?;
    let text =
        |identity: &Value, key: &str| identity.get(key).and_then(Value::as_str).map(str::to_owned);
    let identities = user
        .get("identities")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|identity| IdpIdentity {
                    provider: text(identity, "provider"),
                    connection: text(identity, "connection"),
                    user_id: identity.get("user_id").map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    }),
                    access_token: text(identity, "access_token"),
                    access_token_secret: text(identity, "access_token_secret"),
                    refresh_token: text(identity, "refresh_token"),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(IdpTokens {
        user_id: args.user_id,
        identities,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserPageArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
    /// Page to start at (0-based). Omit it when passing `cursor`.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_user_roles(
    ctx: CallContext,
    args: UserPageArgs,
) -> Result<ListOutput<Role>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_user_roles(ctx.token(), &args.user_id, &offset)
        .await?;
    Ok(ListOutput::from_page(page, |role| role))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserRolesArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
    /// Role ids, e.g. `rol_0123456789abcdef`.
    #[schemars(length(min = 1, max = 50), inner(length(min = 1, max = 100)))]
    roles: Vec<String>,
}

/// Roles given to or taken from a user.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct UserRolesChanged {
    /// The user's id.
    user_id: String,
    /// The role ids assigned or removed.
    roles: Vec<String>,
    /// `assigned` or `removed`.
    change: &'static str,
}

impl Summary for UserRolesChanged {
    fn summary(&self) -> String {
        format!(
            "{} {} role(s) for {}: {}.",
            capitalised(self.change),
            self.roles.len(),
            self.user_id,
            self.roles.join(", ")
        )
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

async fn assign_user_roles(
    ctx: CallContext,
    args: UserRolesArgs,
) -> Result<UserRolesChanged, ToolError> {
    ctx.auth0
        .assign_user_roles(ctx.token(), &args.user_id, &args.roles)
        .await?;
    Ok(UserRolesChanged {
        user_id: args.user_id,
        roles: args.roles,
        change: "assigned",
    })
}

async fn remove_user_roles(
    ctx: CallContext,
    args: UserRolesArgs,
) -> Result<UserRolesChanged, ToolError> {
    ctx.auth0
        .remove_user_roles(ctx.token(), &args.user_id, &args.roles)
        .await?;
    Ok(UserRolesChanged {
        user_id: args.user_id,
        roles: args.roles,
        change: "removed",
    })
}

async fn list_user_permissions(
    ctx: CallContext,
    args: UserPageArgs,
) -> Result<ListOutput<Permission>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_user_permissions(ctx.token(), &args.user_id, &offset)
        .await?;
    Ok(ListOutput::from_page(page, |permission| permission))
}

async fn list_user_organizations(
    ctx: CallContext,
    args: UserPageArgs,
) -> Result<ListOutput<Organization>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_user_organizations(ctx.token(), &args.user_id, &offset)
        .await?;
    Ok(ListOutput::from_page(page, |organization| organization))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserLogsArgs {
    /// The user's id, e.g. `auth0|64f1c2…`.
    #[schemars(length(min = 1, max = 300))]
    user_id: String,
    /// Sort as `field:1` or `field:-1`, e.g. `date:-1` (the default: newest first).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+:-?1$"))]
    sort: Option<String>,
    /// Page to start at (0-based). Omit it when passing `cursor`.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_user_logs(
    ctx: CallContext,
    args: UserLogsArgs,
) -> Result<ListOutput<LogEvent>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let page = ctx
        .auth0
        .list_user_logs(ctx.token(), &args.user_id, &offset, args.sort.as_deref())
        .await?;
    Ok(ListOutput::from_page(page, |event| event))
}
