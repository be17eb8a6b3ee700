//! The client_credentials grant and how the Management API refuses tokens and scopes.

mod common;

use std::time::Duration;

use common::{CLIENT_ID, CLIENT_SECRET, claims, jwt_header, start};
use fake_auth0::{FakeAuth0, FakeConfig};
use serde_json::json;

#[tokio::test]
async fn client_credentials_issues_an_auth0_shaped_machine_token() {
    let t = start().await;
    let r = t.client_credentials().await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 86400);
    assert!(r.json.get("refresh_token").is_none() && r.json.get("id_token").is_none());
    let token = r.json["access_token"].as_str().unwrap();
    let header = jwt_header(token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert!(header["kid"].is_string());
    let c = claims(token);
    assert_eq!(c["iss"], "https://demo-tenant.us.auth0.com/");
    assert_eq!(c["sub"], format!("{CLIENT_ID}@clients"));
    assert_eq!(c["aud"], "https://demo-tenant.us.auth0.com/api/v2/");
    assert_eq!(c["azp"], CLIENT_ID);
    assert_eq!(c["gty"], "client-credentials");
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        86400
    );
    let scope = c["scope"].as_str().unwrap();
    assert_eq!(scope, r.json["scope"].as_str().unwrap());
    assert!(scope.split(' ').any(|s| s == "read:users"));

    // The token works on the Management API.
    let users = t.get("/api/v2/users?per_page=1", token).await;
    assert_eq!(users.status, 200, "{}", users.text);
}

#[tokio::test]
async fn client_credentials_accepts_http_basic_and_narrows_by_scope() {
    let t = start().await;
    let audience = t.fake().management_audience().to_owned();
    let r = t
        .http
        .post(t.url("/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&json!({"grant_type": "client_credentials", "audience": audience, "scope": "read:users read:nonsense"}))
        .send()
        .await
        .unwrap();
    let r = common::read(r).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["scope"], "read:users");
}

#[tokio::test]
async fn client_credentials_refusals_match_auth0() {
    let t = start().await;
    let audience = t.fake().management_audience().to_owned();
    let wrong_secret = t
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
            ("audience", &audience),
        ])
        .await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(
        wrong_secret.json,
        json!({"error": "access_denied", "error_description": "Unauthorized"})
    );

    let wrong_audience = t
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", "https://api.example.com"),
        ])
        .await;
    assert_eq!(wrong_audience.status, 403);
    assert_eq!(
        wrong_audience.json,
        json!({"error": "access_denied", "error_description": "Service not enabled within domain: https://api.example.com"})
    );

    let unsupported = t
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .await;
    assert_eq!(unsupported.status, 403);
    assert_eq!(unsupported.json["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn missing_scope_gives_the_auth0_403_body() {
    let t = start().await;
    let token = t.token(&["read:roles"]);
    let r = t.get("/api/v2/users", &token).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json,
        json!({"statusCode": 403, "error": "Forbidden", "message": "Insufficient scope, expected any of: read:users", "errorCode": "insufficient_scope"})
    );
    // Rate-limit headers are on errors too.
    assert!(r.header("x-ratelimit-limit").is_some());
    assert!(r.header("x-ratelimit-remaining").is_some());
    assert!(r.header("x-ratelimit-reset").is_some());
}

#[tokio::test]
async fn user_roles_need_all_of_read_users_and_read_roles() {
    let t = start().await;
    let only_users = t.token(&["read:users"]);
    let r = t.get("/api/v2/users/auth0|admin/roles", &only_users).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json["message"],
        "Insufficient scope, expected all of: read:users, read:roles"
    );

    let both = t.token(&["read:users", "read:roles"]);
    let r = t.get("/api/v2/users/auth0|admin/roles", &both).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json[0]["id"], "rol_admin00000000000");
}

#[tokio::test]
async fn bad_tokens_get_401_envelopes() {
    let t = start().await;
    let none = t
        .call(reqwest::Method::GET, "/api/v2/users", None, None)
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.json["message"], "Missing authentication");

    let garbage = t.get("/api/v2/users", "not-a-jwt").await;
    assert_eq!(
        garbage.json,
        json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token.", "attributes": {"error": "Invalid token."}})
    );

    // Signed by another tenant's key.
    let other =
        FakeAuth0::new(FakeConfig::default()).issue_management_token(CLIENT_ID, &["read:users"]);
    let foreign = t.get("/api/v2/users", &other).await;
    assert_eq!(foreign.status, 401);
    assert_eq!(
        foreign.json["message"],
        "Invalid signature received for JSON Web Token validation."
    );

    t.fake().set_access_token_ttl(Duration::ZERO);
    let expired = t.token(&["read:users"]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = t.get("/api/v2/users", &expired).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json["message"],
        "Expired token received for JSON Web Token validation."
    );
    assert_eq!(
        r.json["attributes"]["error"],
        "Expired token received for JSON Web Token validation."
    );
}

#[tokio::test]
async fn unknown_management_routes_get_the_404_envelope() {
    let t = start().await;
    let r = t.get("/api/v2/no-such-thing", &t.admin_token()).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["statusCode"], 404);
    assert_eq!(r.json["error"], "Not Found");
}

#[tokio::test]
async fn bad_json_is_invalid_body() {
    let t = start().await;
    let r = t
        .http
        .post(t.url("/api/v2/roles"))
        .bearer_auth(t.admin_token())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let r = common::read(r).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["errorCode"], "invalid_body");
}
