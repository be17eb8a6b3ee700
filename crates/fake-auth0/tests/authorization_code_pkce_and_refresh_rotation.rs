//! The user login: /authorize auto-approval, code exchange with PKCE, refresh-token
//! rotation with reuse detection, /userinfo and /oauth/revoke.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{CLIENT_ID, CLIENT_SECRET, Tenant, claims};
use fake_auth0::UserGrants;
use sha2::{Digest, Sha256};
use url::Url;

const VERIFIER: &str = "dBjftJeZ4CVP-mJ0gXoGLnGjAosnw3j7S2Ei0GS6d3jX9vWq";
const REDIRECT: &str = "http://127.0.0.1:51234/integration-callback";
const SCOPE: &str = "openid profile email offline_access read:users read:roles";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A tenant whose users get the API scopes they ask for (unlike Auth0), so the flow's
/// mechanics can be checked with scopes that show up.
async fn start() -> Tenant {
    let t = common::start().await;
    t.fake()
        .set_user_grants(UserGrants::AllRequestedUnlikeAuth0);
    t
}

/// Runs /authorize and returns the redirect's query parameters.
async fn authorize(t: &Tenant, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let audience = t.fake().management_audience().to_owned();
    let challenge = challenge(VERIFIER);
    let mut q: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("state", "xyz-state"),
        ("audience", &audience),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("nonce", "n-0S6_WzA2Mj"),
    ];
    q.extend_from_slice(extra);
    let r = t
        .http
        .get(t.url("/authorize"))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{:?}", r.text().await);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    Url::parse(&location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str())
}

async fn exchange(t: &Tenant, code: &str, verifier: &str) -> common::Resp {
    t.token_request(&[
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ])
    .await
}

async fn refresh(t: &Tenant, rt: &str) -> common::Resp {
    t.token_request(&[
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", rt),
    ])
    .await
}

#[tokio::test]
async fn code_exchange_with_pkce_issues_user_tokens() {
    let t = start().await;
    let q = authorize(&t, &[]).await;
    assert_eq!(param(&q, "state"), Some("xyz-state"));
    let code = param(&q, "code").expect("a code");

    let r = exchange(&t, code, VERIFIER).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["scope"], SCOPE);
    assert!(r.json["refresh_token"].is_string());

    let access = claims(r.json["access_token"].as_str().unwrap());
    assert_eq!(access["sub"], "auth0|admin");
    assert_eq!(access["azp"], CLIENT_ID);
    assert_eq!(access["aud"][0], "https://demo-tenant.us.auth0.com/api/v2/");
    assert_eq!(
        access["aud"][1],
        "https://demo-tenant.us.auth0.com/userinfo"
    );
    assert!(access.get("gty").is_none());

    let id = claims(r.json["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], "auth0|admin");
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["iss"], "https://demo-tenant.us.auth0.com/");
    assert_eq!(id["email"], "admin@example.com");
    assert_eq!(id["name"], "Ada Admin");
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");

    // The user token works on the Management API and on /userinfo.
    let token = r.json["access_token"].as_str().unwrap();
    assert_eq!(t.get("/api/v2/users/auth0|admin", token).await.status, 200);
    let me = common::read(
        t.http
            .get(t.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["sub"], "auth0|admin");
    assert_eq!(me.json["email"], "admin@example.com");
    assert_eq!(me.json["email_verified"], true);
    assert!(me.json["updated_at"].is_string());

    // A machine token is no good at /userinfo.
    let machine = t.token(&["read:users"]);
    let r = t
        .http
        .get(t.url("/userinfo"))
        .bearer_auth(machine)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_verifier() {
    let t = start().await;
    let q = authorize(&t, &[]).await;
    let code = param(&q, "code").unwrap().to_owned();
    let bad = exchange(&t, &code, "wrong-verifier-wrong-verifier-wrong-verifier").await;
    assert_eq!(bad.status, 403);
    assert_eq!(
        bad.json,
        serde_json::json!({"error": "invalid_grant", "error_description": "Failed to verify code verifier"})
    );

    let q = authorize(&t, &[]).await;
    let code = param(&q, "code").unwrap().to_owned();
    assert_eq!(exchange(&t, &code, VERIFIER).await.status, 200);
    let again = exchange(&t, &code, VERIFIER).await;
    assert_eq!(again.status, 403);
    assert_eq!(
        again.json,
        serde_json::json!({"error": "invalid_grant", "error_description": "Invalid authorization code"})
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let t = start().await;
    let q = authorize(&t, &[]).await;
    let first = exchange(&t, param(&q, "code").unwrap(), VERIFIER).await;
    let rt1 = first.json["refresh_token"].as_str().unwrap().to_owned();

    let second = refresh(&t, &rt1).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let rt2 = second.json["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_eq!(
        claims(second.json["access_token"].as_str().unwrap())["gty"],
        "refresh_token"
    );

    // Narrowing the scope narrows the access token only.
    let third = t
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", &rt2),
            ("scope", "openid read:users"),
        ])
        .await;
    assert_eq!(third.status, 200, "{}", third.text);
    assert_eq!(third.json["scope"], "openid read:users");
    let rt3 = third.json["refresh_token"].as_str().unwrap().to_owned();

    // Reusing a retired token fails and takes the live one down with it.
    let reuse = refresh(&t, &rt1).await;
    assert_eq!(reuse.status, 403);
    assert_eq!(reuse.json["error"], "invalid_grant");
    let after = refresh(&t, &rt3).await;
    assert_eq!(after.status, 403, "the family is revoked");
}

#[tokio::test]
async fn revoke_kills_the_refresh_token() {
    let t = start().await;
    let q = authorize(&t, &[]).await;
    let tokens = exchange(&t, param(&q, "code").unwrap(), VERIFIER).await;
    let rt = tokens.json["refresh_token"].as_str().unwrap();
    let r = t
        .http
        .post(t.url("/oauth/revoke"))
        .json(&serde_json::json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": rt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    assert_eq!(refresh(&t, rt).await.status, 403);
}

#[tokio::test]
async fn grant_scopes_limits_what_users_get() {
    let t = start().await;
    t.fake()
        .set_user_grants(UserGrants::Only(vec!["read:users".into()]));
    let q = authorize(&t, &[]).await;
    let r = exchange(&t, param(&q, "code").unwrap(), VERIFIER).await;
    assert_eq!(
        r.json["scope"],
        "openid profile email offline_access read:users"
    );

    // The limit applies again at refresh time.
    t.fake().set_user_grants(UserGrants::Only(vec![]));
    let r = refresh(&t, r.json["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.json["scope"], "openid profile email offline_access");
}

#[tokio::test]
async fn authorize_refusals() {
    let t = start().await;
    let denied = authorize(&t, &[("fake_deny", "1")]).await;
    assert_eq!(param(&denied, "error"), Some("access_denied"));
    assert!(param(&denied, "error_description").is_some());
    assert_eq!(param(&denied, "state"), Some("xyz-state"));

    let bad_method = authorize(&t, &[("code_challenge_method", "S512")]).await;
    assert_eq!(param(&bad_method, "error"), Some("invalid_request"));

    let unknown_client = t
        .http
        .get(t.url("/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "nobody"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_client.status(), 400);

    let bad_redirect = t
        .http
        .get(t.url("/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://evil.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_redirect.status(), 400);

    // Without PKCE the code is still issued (a confidential client uses its secret).
    let audience = t.fake().management_audience().to_owned();
    let r = t
        .http
        .get(t.url("/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://localhost:9999/integration-callback"),
            ("scope", "openid"),
            ("audience", &audience),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
}

#[tokio::test]
async fn like_auth0_a_users_management_token_carries_only_current_user_scopes() {
    let t = common::start().await;
    let q = authorize(&t, &[]).await;
    let r = exchange(&t, param(&q, "code").unwrap(), VERIFIER).await;
    assert_eq!(
        r.json["scope"], "openid profile email offline_access",
        "read:users and read:roles are silently dropped, as Auth0 does"
    );
    t.fake().set_user_grants(UserGrants::LikeAuth0);
    assert!(fake_auth0::CURRENT_USER_SCOPES.contains(&"read:current_user"));
}
