//! Applications (Auth0 calls them clients).

use gw_auth0::{Client, Fields, ListClients};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::paging::{self, ListOutput, Noun};
use super::patch_field;
use super::sanitize::without_client_secrets;
use crate::call::CallContext;
use crate::catalog::{Effect, ToolDef};
use crate::error::ToolError;
use crate::render::Summary;

pub(super) fn tools() -> Vec<ToolDef> {
    vec![
        ToolDef::new(
            "auth0_list_clients",
            "List applications",
            "List the tenant's applications. Secrets and signing keys are never returned.",
            Effect::Read,
            list_clients,
        ),
        ToolDef::new(
            "auth0_get_client",
            "Get an application",
            "Get one application by client_id. Secrets and signing keys are never returned.",
            Effect::Read,
            get_client,
        ),
        ToolDef::new(
            "auth0_update_client",
            "Update an application",
            "Change an application's settings: name, description, URLs, grant types, metadata. A wrong callback or grant type can stop its users from logging in. Secrets, keys and authentication methods cannot be changed here, nor the application the gateway itself uses.",
            Effect::Destructive { idempotent: true },
            update_client,
        ),
    ]
}

impl Noun for Client {
    const PLURAL: &'static str = "applications";
}

impl Summary for Client {
    fn summary(&self) -> String {
        format!(
            "Application {} ({}, {}).",
            self.client_id.as_deref().unwrap_or("(no client_id)"),
            self.name.as_deref().unwrap_or("unnamed"),
            self.app_type.as_deref().unwrap_or("no app_type")
        )
    }
}

/// Application types Auth0 knows.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AppType {
    Native,
    Spa,
    RegularWeb,
    NonInteractive,
    ResourceServer,
    ExpressConfiguration,
}

impl AppType {
    fn as_str(self) -> &'static str {
        match self {
            AppType::Native => "native",
            AppType::Spa => "spa",
            AppType::RegularWeb => "regular_web",
            AppType::NonInteractive => "non_interactive",
            AppType::ResourceServer => "resource_server",
            AppType::ExpressConfiguration => "express_configuration",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListClientsArgs {
    /// Comma-separated fields to include (or exclude, with include_fields=false), e.g. `client_id,name,app_type`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
    /// Only applications of these types.
    #[schemars(length(min = 1, max = 6))]
    app_type: Option<Vec<AppType>>,
    /// Only first-party (true) or third-party (false) applications.
    is_first_party: Option<bool>,
    /// Page to start at (0-based). Omit it when passing `cursor`.
    page: Option<u32>,
    /// Results per page, 1–100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    per_page: Option<u32>,
    /// `next_cursor` from the previous page.
    cursor: Option<String>,
}

async fn list_clients(
    ctx: CallContext,
    args: ListClientsArgs,
) -> Result<ListOutput<Client>, ToolError> {
    let offset = paging::offset(args.cursor.as_deref(), args.page, args.per_page)?;
    let query = ListClients {
        fields: args.fields,
        include_fields: args.include_fields,
        app_type: args.app_type.map(|types| {
            types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }),
        is_first_party: args.is_first_party,
        offset,
    };
    let page = ctx.auth0.list_clients(ctx.token(), &query).await?;
    Ok(ListOutput::from_page(page, without_client_secrets))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetClientArgs {
    /// The application's client_id.
    #[schemars(length(min = 1, max = 100))]
    client_id: String,
    /// Comma-separated fields to include (or exclude, with include_fields=false).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"))]
    fields: Option<String>,
    /// Whether `fields` lists fields to include (true, the default) or to exclude.
    include_fields: Option<bool>,
}

async fn get_client(ctx: CallContext, args: GetClientArgs) -> Result<Client, ToolError> {
    let fields = Fields {
        fields: args.fields,
        include_fields: args.include_fields,
    };
    Ok(without_client_secrets(
        ctx.auth0
            .get_client(ctx.token(), &args.client_id, &fields)
            .await?,
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateClientArgs {
    /// The application's client_id.
    #[schemars(length(min = 1, max = 100))]
    client_id: String,
    /// New name (no `<` or `>`).
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[^<>]+$"))]
    name: Option<String>,
    /// New description.
    #[schemars(length(max = 140))]
    description: Option<String>,
    /// Allowed callback URLs (replaces the list).
    #[schemars(length(max = 100), inner(length(min = 1, max = 2000)))]
    callbacks: Option<Vec<String>>,
    /// Allowed logout URLs (replaces the list).
    #[schemars(length(max = 100), inner(length(min = 1, max = 2000)))]
    allowed_logout_urls: Option<Vec<String>>,
    /// Allowed web origins (replaces the list).
    #[schemars(length(max = 100), inner(length(min = 1, max = 2000)))]
    web_origins: Option<Vec<String>>,
    /// Allowed origins for CORS (replaces the list).
    #[schemars(length(max = 100), inner(length(min = 1, max = 2000)))]
    allowed_origins: Option<Vec<String>>,
    /// Grant types the application may use, e.g. `authorization_code`, `refresh_token`, `client_credentials`.
    #[schemars(length(max = 20), inner(length(min = 1, max = 100)))]
    grant_types: Option<Vec<String>>,
    /// URL of the application's logo.
    #[schemars(url)]
    logo_uri: Option<String>,
    /// Application type.
    app_type: Option<AppType>,
    /// Whether the application is first-party.
    is_first_party: Option<bool>,
    /// String key/value pairs to store on the application (up to 10); a key set to null is removed.
    #[schemars(length(max = 10))]
    client_metadata: Option<Map<String, Value>>,
}

/// Refuses to touch the application the gateway reaches the tenant through. Whoever may change
/// its callbacks or grant types could have users' authorization codes sent to them, or get tokens
/// the operator never meant to issue; that is the operator's decision, made in the Dashboard.
fn refuse_gateway_application(ctx: &CallContext, client_id: &str) -> Result<(), ToolError> {
    if client_id
        .trim()
        .eq_ignore_ascii_case(ctx.tenant.client_id.trim())
    {
        return Err(ToolError::NotAllowed {
            tool: "auth0_update_client".to_owned(),
            tenant: ctx.tenant.name.clone(),
            reason: "this application is the one the gateway connects to the tenant through, and the gateway never changes it; its operator can change it in the Auth0 Dashboard (Applications). Nothing was changed",
        });
    }
    Ok(())
}

async fn update_client(ctx: CallContext, args: UpdateClientArgs) -> Result<Client, ToolError> {
    refuse_gateway_application(&ctx, &args.client_id)?;
    let mut body = Map::new();
    patch_field(&mut body, "name", args.name);
    patch_field(&mut body, "description", args.description);
    patch_field(&mut body, "callbacks", args.callbacks);
    patch_field(&mut body, "allowed_logout_urls", args.allowed_logout_urls);
    patch_field(&mut body, "web_origins", args.web_origins);
    patch_field(&mut body, "allowed_origins", args.allowed_origins);
    patch_field(&mut body, "grant_types", args.grant_types);
    patch_field(&mut body, "logo_uri", args.logo_uri);
    patch_field(&mut body, "app_type", args.app_type.map(AppType::as_str));
    patch_field(&mut body, "is_first_party", args.is_first_party);
    patch_field(&mut body, "client_metadata", args.client_metadata);
    if body.is_empty() {
        return Err(ToolError::InvalidArguments(
            "nothing to update: give at least one field besides client_id".into(),
        ));
    }
    Ok(without_client_secrets(
        ctx.auth0
            .update_client(ctx.token(), &args.client_id, &body)
            .await?,
    ))
}
