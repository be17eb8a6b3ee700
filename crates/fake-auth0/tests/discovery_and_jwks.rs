//! Discovery points at the fake itself; the JWKS verifies the tokens it issues.

mod common;

use common::start;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::Value;

#[tokio::test]
async fn discovery_uses_the_logical_issuer_and_the_real_address() {
    let t = start().await;
    let d: Value = t.get_json("/.well-known/openid-configuration").await;
    assert_eq!(d["issuer"], "https://demo-tenant.us.auth0.com/");
    assert_eq!(d["authorization_endpoint"], t.url("/authorize"));
    assert_eq!(d["token_endpoint"], t.url("/oauth/token"));
    assert_eq!(d["userinfo_endpoint"], t.url("/userinfo"));
    assert_eq!(d["jwks_uri"], t.url("/.well-known/jwks.json"));
    assert_eq!(d["revocation_endpoint"], t.url("/oauth/revoke"));
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256", "plain"])
    );
}

#[tokio::test]
async fn tokens_verify_against_the_jwks() {
    let t = start().await;
    let jwks: Value = t.get_json("/.well-known/jwks.json").await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    let token = t.client_credentials_token().await;
    assert_eq!(common::jwt_header(&token)["kid"], key["kid"]);

    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[t.fake().management_audience()]);
    v.set_issuer(&[t.fake().issuer()]);
    let data = decode::<Value>(&token, &decoding, &v).expect("the JWKS key verifies the token");
    assert_eq!(data.claims["gty"], "client-credentials");
}
