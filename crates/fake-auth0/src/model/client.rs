//! An application (Auth0 "client"). Kept as the JSON document Auth0 renders, because PATCH
//! replaces top-level fields one for one and most fields matter only to whoever reads them.

use serde_json::{Map, Value, json};

/// Fields Auth0 returns only to a token holding `read:client_keys` or
/// `read:client_credentials`.
pub(crate) const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "encryption_key",
    "signing_keys",
    "client_authentication_methods",
];

#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) doc: Map<String, Value>,
    /// The scopes of this client's grant on the Management API (empty: no grant).
    pub(crate) management_scopes: Vec<String>,
}

impl Client {
    pub(crate) fn client_id(&self) -> &str {
        self.str("client_id").unwrap_or("")
    }

    pub(crate) fn name(&self) -> &str {
        self.str("name").unwrap_or("")
    }

    pub(crate) fn secret(&self) -> Option<&str> {
        self.str("client_secret")
    }

    /// `none` marks a public client (SPA, native) that proves itself with PKCE alone.
    pub(crate) fn is_public(&self) -> bool {
        self.str("token_endpoint_auth_method") == Some("none")
    }

    pub(crate) fn callbacks(&self) -> Vec<String> {
        self.doc
            .get("callbacks")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the application's `grant_types` include `grant` (absent: Auth0's defaults for a
    /// Regular Web Application, which include every grant the fake serves).
    pub(crate) fn allows_grant(&self, grant: &str) -> bool {
        match self.doc.get("grant_types").and_then(Value::as_array) {
            Some(grants) => grants.iter().any(|g| g.as_str() == Some(grant)),
            None => true,
        }
    }

    /// The application signs its ID tokens with HS256 and its client secret, instead of the
    /// tenant's RS256 key (`jwt_configuration.alg`, which the Management API can patch).
    pub(crate) fn signs_id_tokens_with_secret(&self) -> bool {
        self.doc
            .get("jwt_configuration")
            .and_then(|j| j.get("alg"))
            .and_then(Value::as_str)
            == Some("HS256")
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.doc.get(key).and_then(Value::as_str)
    }

    /// The document, without secrets unless `with_keys`.
    pub(crate) fn render(&self, with_keys: bool) -> Value {
        let mut doc = self.doc.clone();
        if !with_keys {
            for f in SECRET_FIELDS {
                doc.remove(*f);
            }
        }
        Value::Object(doc)
    }
}

/// The document Auth0 renders for a newly created application of `app_type`.
pub(crate) fn new_client_doc(
    tenant: &str,
    client_id: &str,
    client_secret: &str,
    name: &str,
    app_type: &str,
    callbacks: &[String],
) -> Map<String, Value> {
    let (grant_types, auth_method): (Vec<&str>, &str) = match app_type {
        "spa" => (
            vec!["authorization_code", "implicit", "refresh_token"],
            "none",
        ),
        "native" => (
            vec!["authorization_code", "implicit", "refresh_token"],
            "none",
        ),
        "non_interactive" => (vec!["client_credentials"], "client_secret_post"),
        _ => (
            vec![
                "authorization_code",
                "implicit",
                "refresh_token",
                "client_credentials",
            ],
            "client_secret_post",
        ),
    };
    let doc = json!({
        "tenant": tenant,
        "global": false,
        "is_token_endpoint_ip_header_trusted": false,
        "name": name,
        "description": "",
        "client_id": client_id,
        "client_secret": client_secret,
        "app_type": app_type,
        "is_first_party": true,
        "oidc_conformant": true,
        "callbacks": callbacks,
        "allowed_origins": [],
        "web_origins": [],
        "allowed_logout_urls": [],
        "client_aliases": [],
        "grant_types": grant_types,
        "token_endpoint_auth_method": auth_method,
        "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false},
        "signing_keys": [{
            "cert": "-----BEGIN CERTIFICATE-----\nMIIDFAKEFAKEFAKE\n-----END CERTIFICATE-----\n",
            "pkcs7": "-----BEGIN PKCS7-----\nMIIFAKEFAKEFAKE\n-----END PKCS7-----\n",
            "subject": "deprecated",
        }],
        "sso_disabled": false,
        "cross_origin_authentication": false,
        "custom_login_page_on": true,
        "callback_url_template": false,
        "refresh_token": {
            "rotation_type": "rotating",
            "expiration_type": "expiring",
            "leeway": 0,
            "token_lifetime": 2_592_000,
            "infinite_token_lifetime": false,
            "idle_token_lifetime": 1_296_000,
            "infinite_idle_token_lifetime": false
        },
        "client_metadata": {},
    });
    match doc {
        Value::Object(m) => m,
        _ => unreachable!("a json! object literal is an object"),
    }
}
