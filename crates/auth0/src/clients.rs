//! Applications (clients): list, read, update.

use reqwest::Method;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Auth0Error;
use crate::http::Call;
use crate::paging::{ListSpec, Offset, Page};
use crate::sensitive::SensitiveString;
use crate::{Auth0Client, Fields};

/// What replaces a secret in [`Client::redact_secrets`]: it says who hid the value, so a reader
/// does not take it for the application's real setting.
const MASK: &str = "[masked by the gateway]";

/// Add-on fields known to hold no secret, per add-on (Auth0's `ClientAddons` schema). Every other
/// add-on value is masked: add-ons hold third-party credentials (Firebase `private_key` and
/// `secret`, WAMS `masterkey`, Azure `sasKey` and `storageAccessKey`, Layer `privateKey`, SAP
/// `servicePassword`, …) that Auth0 returns to any `read:clients` token, and a field Auth0 adds
/// later is masked until someone reads it and lists it here.
const ADDON_PUBLIC_FIELDS: &[(&str, &[&str])] = &[
    ("aws", &["principal", "role", "lifetime_in_seconds"]),
    (
        "azure_blob",
        &["accountName", "containerName", "blobName", "expiration"],
    ),
    (
        "azure_sb",
        &["namespace", "sasKeyName", "entityPath", "expiration"],
    ),
    ("echosign", &["domain"]),
    ("egnyte", &["domain"]),
    ("firebase", &["client_email", "lifetime_in_seconds"]),
    ("layer", &["providerId", "keyId", "principal", "expiration"]),
    ("mscrm", &["url"]),
    ("newrelic", &["account"]),
    ("office365", &["domain", "connection"]),
    ("rms", &["url"]),
    (
        "samlp",
        &[
            "mappings",
            "audience",
            "recipient",
            "issuer",
            "destination",
            "lifetimeInSeconds",
            "signResponse",
            "signatureAlgorithm",
            "digestAlgorithm",
            "nameIdentifierFormat",
        ],
    ),
    ("salesforce", &["entity_id"]),
    (
        "salesforce_api",
        &["clientid", "principal", "communityName"],
    ),
    (
        "salesforce_sandbox_api",
        &["clientid", "principal", "communityName"],
    ),
    (
        "sap_api",
        &["clientid", "usernameAttribute", "tokenEndpointUrl", "scope"],
    ),
    ("sentry", &["org_slug", "base_url"]),
    ("sharepoint", &["url", "external_url"]),
    ("slack", &["team"]),
    ("springcm", &["acsurl"]),
    ("sso_integration", &["name", "version"]),
    ("zendesk", &["accountName"]),
    ("zoom", &["account"]),
];

/// An Auth0 application (client).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Client {
    /// The application's client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The tenant the application belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The application's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the application is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The application type: `native`, `spa`, `regular_web`, `non_interactive`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// Whether the application is first-party (made by the tenant owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_first_party: Option<bool>,
    /// Whether this is the tenant's global (legacy) client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global: Option<bool>,
    /// Allowed callback URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Vec<String>>,
    /// Allowed origins for cross-origin requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Allowed web origins (for silent authentication).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    /// Allowed URLs to return to after logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_logout_urls: Option<Vec<String>>,
    /// The OAuth grant types the application may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// URL of the application's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Whether the application follows strict OIDC conformance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_conformant: Option<bool>,
    /// Whether Auth0 (not the IdP) handles single sign-on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<bool>,
    /// Whether single sign-on is disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_disabled: Option<bool>,
    /// Whether cross-origin authentication is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_origin_authentication: Option<bool>,
    /// How the application authenticates at the token endpoint (`client_secret_post`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// Free-form string metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Map<String, Value>>,
    /// Whether users log in through organizations: `deny`, `allow` or `require`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_usage: Option<String>,
    /// What happens when an organization is required: `no_prompt`, `pre_login_prompt`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_require_behavior: Option<String>,
    /// How ID tokens are made (algorithm, lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<Value>,
    /// Refresh-token settings (rotation, expiration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Value>,
    /// The client secret (only with `read:client_keys`; a secret — see `redact_secrets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SensitiveString>,
    /// Signing keys (only with `read:client_keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_keys: Option<Value>,
    /// The encryption key (only with `read:client_keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<Value>,
    /// Client authentication methods (only with `read:client_credentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_authentication_methods: Option<Value>,
    /// Add-on settings by add-on (`firebase`, `samlp`, …). They hold third-party credentials,
    /// so every value outside a short list of known non-secret fields is masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addons: Option<Value>,
    /// Fields Auth0 returned that this type does not name; kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Client {
    /// Replaces the client secret, signing keys, encryption key, authentication methods and
    /// every add-on value not known to be public by [`MASK`] (so a reader can see they exist)
    /// and says whether any were present. Auth0 returns the keys to tokens holding
    /// `read:client_keys` and the add-ons to any `read:clients` token; tools must not pass them
    /// on unless returning them is their purpose.
    pub fn redact_secrets(&mut self) -> bool {
        let mut found = false;
        if self.client_secret.is_some() {
            self.client_secret = Some(SensitiveString::from(MASK));
            found = true;
        }
        for field in [
            &mut self.signing_keys,
            &mut self.encryption_key,
            &mut self.client_authentication_methods,
        ] {
            if field.is_some() {
                *field = Some(Value::String(MASK.to_owned()));
                found = true;
            }
        }
        if let Some(addons) = &mut self.addons {
            found |= mask_addons(addons);
        }
        // A projection such as `fields=addons.firebase` may come back under a dotted name.
        for (key, value) in &mut self.extra {
            if key.starts_with("addons") && !value.is_null() {
                *value = Value::String(MASK.to_owned());
                found = true;
            }
        }
        found
    }
}

/// Masks every add-on value outside [`ADDON_PUBLIC_FIELDS`]; says whether anything was masked.
/// Whatever is not the documented shape (an object of objects) is masked whole.
fn mask_addons(addons: &mut Value) -> bool {
    let Value::Object(by_addon) = addons else {
        let masked = !addons.is_null();
        if masked {
            *addons = Value::String(MASK.to_owned());
        }
        return masked;
    };
    let mut found = false;
    for (addon, settings) in by_addon.iter_mut() {
        let public = ADDON_PUBLIC_FIELDS
            .iter()
            .find(|(name, _)| *name == addon.as_str())
            .map_or(&[][..], |(_, fields)| *fields);
        match settings {
            Value::Object(fields) => {
                for (field, value) in fields.iter_mut() {
                    if !public.contains(&field.as_str()) && !value.is_null() {
                        *value = Value::String(MASK.to_owned());
                        found = true;
                    }
                }
            }
            // Auth0 documents `true`-style indicators for some add-ons; a boolean holds no secret.
            Value::Bool(_) | Value::Null => {}
            other => {
                *other = Value::String(MASK.to_owned());
                found = true;
            }
        }
    }
    found
}

/// An application listing (`GET /api/v2/clients`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListClients {
    /// Comma-separated fields to include (or exclude, see `include_fields`).
    pub fields: Option<String>,
    /// Whether `fields` lists fields to include (`true`) or exclude.
    pub include_fields: Option<bool>,
    /// Only applications of these types (comma-separated, such as `spa,native`).
    pub app_type: Option<String>,
    /// Only first-party (`true`) or third-party (`false`) applications.
    pub is_first_party: Option<bool>,
    /// The page to fetch.
    pub offset: Offset,
}

impl Auth0Client {
    /// Lists applications (`GET /api/v2/clients`).
    pub async fn list_clients(
        &self,
        token: &SecretString,
        request: &ListClients,
    ) -> Result<Page<Client>, Auth0Error> {
        let call = Call::api(Method::GET, &["clients"])
            .query_opt("fields", request.fields.as_deref())
            .query_opt("include_fields", request.include_fields)
            .query_opt("app_type", request.app_type.as_deref())
            .query_opt("is_first_party", request.is_first_party);
        self.list_offset(token, call, &request.offset, ListSpec::uncapped("clients"))
            .await
    }

    /// Reads one application (`GET /api/v2/clients/{id}`).
    pub async fn get_client(
        &self,
        token: &SecretString,
        client_id: &str,
        fields: &Fields,
    ) -> Result<Client, Auth0Error> {
        self.json(
            token,
            Call::api(Method::GET, &["clients", client_id]).fields(fields),
        )
        .await
    }

    /// Updates an application (`PATCH /api/v2/clients/{id}`) with the body as given.
    pub async fn update_client(
        &self,
        token: &SecretString,
        client_id: &str,
        changes: &Map<String, Value>,
    ) -> Result<Client, Auth0Error> {
        self.json(
            token,
            Call::api(Method::PATCH, &["clients", client_id]).json(changes)?,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_from_debug_and_redactable() {
        let mut c: Client = serde_json::from_value(serde_json::json!({
            "client_id": "abc",
            "client_secret": "very-secret-value",
            "signing_keys": [{"cert": "-----BEGIN CERTIFICATE-----"}],
        }))
        .unwrap();
        assert!(!format!("{c:?}").contains("very-secret-value"));
        assert!(c.redact_secrets());
        let out = serde_json::to_value(&c).unwrap();
        assert_eq!(out["client_secret"], MASK);
        assert_eq!(out["signing_keys"], MASK);
        assert!(out.get("encryption_key").is_none());
    }

    #[test]
    fn addon_secrets_are_masked_and_known_public_fields_kept() {
        let mut c: Client = serde_json::from_value(serde_json::json!({
            "client_id": "abc",
            "addons": {
                "firebase": {"secret": "fb-secret", "private_key": "-----BEGIN PRIVATE KEY-----", "private_key_id": "kid", "client_email": "svc@example.iam", "lifetime_in_seconds": 3600},
                "wams": {"masterkey": "wams-master"},
                "azure_sb": {"namespace": "ns", "sasKeyName": "RootManageSharedAccessKey", "sasKey": "sas-secret"},
                "some_future_addon": {"token": "future-secret"},
                "box": {},
            },
            "addons.firebase.secret": "flat-secret",
        }))
        .unwrap();
        assert!(c.redact_secrets());
        let out = serde_json::to_string(&c).unwrap();
        for secret in [
            "fb-secret",
            "BEGIN PRIVATE KEY",
            "wams-master",
            "sas-secret",
            "future-secret",
            "flat-secret",
            "\"kid\"",
        ] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        let out = serde_json::to_value(&c).unwrap();
        assert_eq!(out["addons"]["firebase"]["client_email"], "svc@example.iam");
        assert_eq!(out["addons"]["firebase"]["private_key"], MASK);
        assert_eq!(out["addons"]["azure_sb"]["namespace"], "ns");
        assert_eq!(out["addons"]["box"], serde_json::json!({}));
    }
}
