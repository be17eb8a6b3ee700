//! Issuing access and ID tokens: which scopes a request is granted, and the claims Auth0
//! puts in each token.

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use super::grants::Grant;
use crate::claims::{AccessClaims, Audience};
use crate::config::{OIDC_SCOPES, UserGrants};
use crate::model::timestamp::{iso, unix_now};
use crate::state::Shared;
use crate::tenant::Tenant;

/// ID tokens live for the application's `jwt_configuration.lifetime_in_seconds` (36000 s by
/// default), independently of access tokens.
const ID_TOKEN_TTL: u64 = 36_000;

/// A successful token response.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) id_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) scope: String,
    pub(crate) expires_in: u64,
}

impl IntoResponse for Issued {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("access_token".into(), json!(self.access_token));
        if let Some(t) = self.id_token {
            body.insert("id_token".into(), json!(t));
        }
        if let Some(t) = self.refresh_token {
            body.insert("refresh_token".into(), json!(t));
        }
        body.insert("scope".into(), json!(self.scope));
        body.insert("expires_in".into(), json!(self.expires_in));
        body.insert("token_type".into(), json!("Bearer"));
        (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(Value::Object(body)),
        )
            .into_response()
    }
}

/// What a user is granted out of `requested`: OpenID scopes always; API scopes only when
/// the audience's API defines them and `grants` allows them.
pub(crate) fn granted_user_scopes(
    tenant: &Tenant,
    requested: &[String],
    audience: Option<&str>,
    grants: &UserGrants,
) -> Vec<String> {
    let api = audience.and_then(|a| tenant.resource_server(a));
    let mut out: Vec<String> = Vec::new();
    for s in requested {
        let ok = if OIDC_SCOPES.contains(&s.as_str()) {
            true
        } else {
            api.is_some_and(|rs| rs.describe(s).is_some()) && grants.allows(s)
        };
        if ok && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

fn ttl_secs(shared: &Shared) -> u64 {
    shared.settings().access_token_ttl.as_secs()
}

/// Tokens for a user. `refresh_token` is issued by the caller (it knows the family).
pub(crate) fn user_tokens(
    shared: &Shared,
    tenant: &Tenant,
    grant: &Grant,
    scopes: &[String],
    gty: Option<&str>,
    refresh_token: Option<String>,
) -> Issued {
    let iat = unix_now();
    let ttl = ttl_secs(shared);
    let mut aud = Vec::new();
    if let Some(a) = &grant.audience {
        aud.push(a.clone());
    }
    aud.push(shared.userinfo_audience.clone());
    let scope = scopes.join(" ");
    let claims = AccessClaims {
        iss: shared.issuer.clone(),
        sub: grant.user_id.clone(),
        aud: Audience::Many(aud),
        iat,
        exp: iat + ttl,
        azp: Some(grant.client_id.clone()),
        scope: Some(scope.clone()),
        gty: gty.map(str::to_owned),
        org_id: grant.org_id.clone(),
    };
    let id_token = scopes
        .iter()
        .any(|s| s == "openid")
        .then(|| id_token(shared, tenant, grant, scopes, iat));
    Issued {
        access_token: shared.key.sign(&claims),
        id_token,
        refresh_token,
        scope,
        expires_in: ttl,
    }
}

fn id_token(
    shared: &Shared,
    tenant: &Tenant,
    grant: &Grant,
    scopes: &[String],
    iat: u64,
) -> String {
    let mut c = Map::new();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if let Some(u) = tenant.users.get(&grant.user_id) {
        if has("profile") {
            for (k, v) in [
                ("name", &u.name),
                ("nickname", &u.nickname),
                ("picture", &u.picture),
                ("given_name", &u.given_name),
                ("family_name", &u.family_name),
            ] {
                if let Some(v) = v {
                    c.insert(k.into(), json!(v));
                }
            }
            c.insert("updated_at".into(), json!(iso(u.updated_at)));
        }
        if has("email")
            && let Some(e) = &u.email
        {
            c.insert("email".into(), json!(e));
            c.insert("email_verified".into(), json!(u.email_verified));
        }
    }
    c.insert("iss".into(), json!(shared.issuer));
    c.insert("sub".into(), json!(grant.user_id));
    c.insert("aud".into(), json!(grant.client_id));
    c.insert("iat".into(), json!(iat));
    c.insert("exp".into(), json!(iat + ID_TOKEN_TTL));
    c.insert("sid".into(), json!(crate::model::ids::random_alnum(32)));
    if let Some(n) = &grant.nonce {
        c.insert("nonce".into(), json!(n));
    }
    if let Some(o) = &grant.org_id {
        c.insert("org_id".into(), json!(o));
    }
    let authn = &grant.authentication;
    if authn.report_auth_time {
        c.insert("auth_time".into(), json!(authn.at));
    }
    if authn.mfa {
        c.insert("amr".into(), json!(["mfa"]));
    }
    if let Some(acr) = authn.acr {
        c.insert("acr".into(), json!(acr));
    }
    let claims = Value::Object(c);
    match tenant.clients.get(&grant.client_id) {
        Some(client) if client.signs_id_tokens_with_secret() => {
            sign_hs256(&claims, client.secret().unwrap_or_default())
        }
        _ => shared.key.sign(&claims),
    }
}

/// An ID token signed with the application's client secret, as Auth0 does for an
/// application set to HS256 (no `kid`: there is no key to name).
fn sign_hs256(claims: &Value, secret: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("JWT".to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HMAC signing takes any key")
}

/// A client-credentials token for the Management API.
pub(crate) fn machine_token(shared: &Shared, client_id: &str, scopes: &[String]) -> Issued {
    let iat = unix_now();
    let ttl = ttl_secs(shared);
    let scope = scopes.join(" ");
    let claims = AccessClaims {
        iss: shared.issuer.clone(),
        sub: format!("{client_id}@clients"),
        aud: Audience::One(shared.management_audience.clone()),
        iat,
        exp: iat + ttl,
        azp: Some(client_id.to_owned()),
        scope: Some(scope.clone()),
        gty: Some("client-credentials".to_owned()),
        org_id: None,
    };
    Issued {
        access_token: shared.key.sign(&claims),
        id_token: None,
        refresh_token: None,
        scope,
        expires_in: ttl,
    }
}
