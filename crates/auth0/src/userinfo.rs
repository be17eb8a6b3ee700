//! `GET /userinfo` on the Authentication API: who the token belongs to.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Auth0Client;
use crate::de::opt_string_or_number;
use crate::error::Auth0Error;
use crate::http::Call;

/// The OpenID Connect claims `/userinfo` returns for a user token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserInfo {
    /// The subject: the user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The user's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The user's family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The user's nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// URL of the user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The user's email address (with the `email` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address has been verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// When the profile was last updated (Auth0 sends a date string; OIDC allows seconds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub updated_at: Option<String>,
    /// The user's locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Other claims (custom namespaced claims, `org_id`, …); kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Auth0Client {
    /// Asks Auth0 who the token belongs to (`GET /userinfo`, on the same host as the
    /// Management API). Needs a user token with `openid`; a 401 carries `invalid_token` as
    /// the error code.
    pub async fn userinfo(&self, token: &SecretString) -> Result<UserInfo, Auth0Error> {
        self.json(token, Call::root(Method::GET, &["userinfo"]))
            .await
    }
}
