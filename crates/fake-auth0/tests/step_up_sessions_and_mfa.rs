//! Step-up authentication: `/authorize` reads `prompt`, `max_age` and `acr_values`; a user's
//! session decides `auth_time`; an enrolled user asked for MFA gets `amr: ["mfa"]` and `acr`.

mod common;

use std::time::Duration;

use common::{CLIENT_ID, CLIENT_SECRET, Tenant, claims, jwt_header};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use url::Url;

const REDIRECT: &str = "http://127.0.0.1:51234/integration-callback";
const MFA: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const USER: &str = "auth0|admin";
const STEP_UP: &[(&str, &str)] = &[("prompt", "login"), ("max_age", "0"), ("acr_values", MFA)];

/// Runs /authorize (no PKCE: the default client is confidential) and returns the redirect's
/// query parameters.
async fn authorize(t: &Tenant, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut q: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email offline_access"),
        ("state", "st"),
    ];
    q.extend_from_slice(extra);
    let r = t
        .http
        .get(t.url("/authorize"))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
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

/// Logs in with `extra` and returns the token response.
async fn login(t: &Tenant, extra: &[(&str, &str)]) -> Value {
    let q = authorize(t, extra).await;
    let code = param(&q, "code").unwrap_or_else(|| panic!("no code in {q:?}"));
    let r = t
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// The claims of the ID token a login with `extra` yields.
async fn id_claims(t: &Tenant, extra: &[(&str, &str)]) -> Value {
    claims(login(t, extra).await["id_token"].as_str().unwrap())
}

async fn log_types(t: &Tenant) -> Vec<String> {
    let logs = t
        .get(
            "/api/v2/users/auth0|admin/logs?per_page=100",
            &t.admin_token(),
        )
        .await;
    logs.json
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn prompt_and_max_age_are_checked_and_a_bad_value_is_refused() {
    let t = common::start().await;
    for (name, value) in [
        ("prompt", "relogin"),
        ("prompt", "none login"),
        ("max_age", "-1"),
        ("max_age", "ten"),
    ] {
        let q = authorize(&t, &[(name, value)]).await;
        assert_eq!(
            param(&q, "error"),
            Some("invalid_request"),
            "{name}={value}"
        );
        assert_eq!(param(&q, "state"), Some("st"));
        assert!(param(&q, "code").is_none());
    }
    let none = authorize(&t, &[("prompt", "none")]).await;
    assert_eq!(param(&none, "error"), Some("login_required"));
    for prompt in ["login", "consent", "select_account"] {
        let q = authorize(&t, &[("prompt", prompt)]).await;
        assert!(param(&q, "code").is_some(), "prompt={prompt}: {q:?}");
    }
}

#[tokio::test]
async fn a_reused_session_keeps_auth_time_until_prompt_login_or_max_age_renews_it() {
    let t = common::start().await;
    let first = id_claims(&t, &[]).await;
    assert!(
        first.get("auth_time").is_none(),
        "auth_time is reported when max_age was sent"
    );
    let signed_in_at = id_claims(&t, &[("max_age", "3600")]).await["auth_time"]
        .as_u64()
        .unwrap();
    assert!(signed_in_at <= first["iat"].as_u64().unwrap() + 1);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reused = id_claims(&t, &[("max_age", "3600")]).await;
    assert_eq!(reused["auth_time"], signed_in_at, "single sign-on");
    let forced = id_claims(&t, &[("prompt", "login"), ("max_age", "3600")]).await;
    let relogged = forced["auth_time"].as_u64().unwrap();
    assert!(relogged > signed_in_at);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let zero = id_claims(&t, &[("max_age", "0")]).await;
    assert!(zero["auth_time"].as_u64().unwrap() > relogged);
    assert!(zero.get("amr").is_none());
}

#[tokio::test]
async fn an_enrolled_user_stepping_up_gets_amr_mfa_acr_and_a_fresh_auth_time() {
    let t = common::start().await;
    assert!(t.fake().set_user_mfa(USER, true));
    assert_eq!(
        t.fake().user(USER).unwrap()["multifactor"],
        json!(["guardian"])
    );
    let plain = id_claims(&t, &[]).await;
    assert!(plain.get("amr").is_none(), "MFA runs only when asked for");

    let tokens = login(&t, STEP_UP).await;
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], USER);
    assert_eq!(id["amr"], json!(["mfa"]));
    assert_eq!(id["acr"], MFA);
    let auth_time = id["auth_time"].as_i64().unwrap();
    assert!((auth_time - id["iat"].as_i64().unwrap()).abs() <= 1);
    let types = log_types(&t).await;
    assert_eq!(
        types.iter().filter(|k| *k == "gd_auth_succeed").count(),
        1,
        "{types:?}"
    );

    // A refresh reports the same authentication.
    let refreshed = t
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    let again = claims(refreshed.json["id_token"].as_str().unwrap());
    assert_eq!(again["amr"], json!(["mfa"]));
    assert_eq!(again["auth_time"], auth_time);
}

#[tokio::test]
async fn a_user_without_mfa_is_not_challenged_and_the_token_says_nothing_of_mfa() {
    let t = common::start().await;
    assert!(t.fake().user(USER).unwrap().get("multifactor").is_none());
    let id = id_claims(&t, STEP_UP).await;
    assert_eq!(id["sub"], USER);
    assert!(id.get("amr").is_none(), "{id}");
    assert!(id.get("acr").is_none(), "{id}");
    assert!(id["auth_time"].is_u64(), "max_age was sent");
    assert!(!log_types(&t).await.iter().any(|k| k.starts_with("gd_")));
}

#[tokio::test]
async fn a_failed_mfa_challenge_denies_that_login_only() {
    let t = common::start().await;
    t.fake().set_user_mfa(USER, true);
    let logins_before = t.fake().user(USER).unwrap()["logins_count"].clone();
    t.fake().fail_next_mfa();
    let denied = authorize(&t, STEP_UP).await;
    assert_eq!(param(&denied, "error"), Some("access_denied"));
    assert!(param(&denied, "code").is_none());
    assert!(log_types(&t).await.contains(&"gd_auth_failed".to_owned()));
    assert_eq!(t.fake().user(USER).unwrap()["logins_count"], logins_before);

    let retried = id_claims(&t, STEP_UP).await;
    assert_eq!(retried["amr"], json!(["mfa"]));
}

#[tokio::test]
async fn mfa_enrollment_and_failure_can_be_set_over_http() {
    let t = common::start().await;
    let put = |user: &str, enrolled: bool| {
        t.http
            .put(t.url(&format!("/_fake/users/{user}/mfa")))
            .json(&json!({"enrolled": enrolled}))
            .send()
    };
    assert_eq!(put("auth0%7Cadmin", true).await.unwrap().status(), 204);
    assert_eq!(put("auth0%7Cnobody", true).await.unwrap().status(), 404);
    assert_eq!(id_claims(&t, STEP_UP).await["amr"], json!(["mfa"]));

    let r = t
        .http
        .post(t.url("/_fake/settings"))
        .json(&json!({"fail_next_mfa": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let denied = authorize(&t, STEP_UP).await;
    assert_eq!(param(&denied, "error"), Some("access_denied"));

    assert_eq!(put("auth0%7Cadmin", false).await.unwrap().status(), 204);
    assert!(id_claims(&t, STEP_UP).await.get("amr").is_none());
}

#[tokio::test]
async fn an_hs256_application_gets_id_tokens_signed_with_its_client_secret() {
    let t = common::start().await;
    let patched = t
        .patch(
            &format!("/api/v2/clients/{CLIENT_ID}"),
            &t.admin_token(),
            &json!({"jwt_configuration": {"alg": "HS256", "lifetime_in_seconds": 36000}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let tokens = login(&t, &[]).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(jwt_header(id_token)["alg"], "HS256");
    let mut v = Validation::new(Algorithm::HS256);
    v.set_audience(&[CLIENT_ID]);
    v.set_issuer(&[t.fake().issuer()]);
    let key = DecodingKey::from_secret(CLIENT_SECRET.as_bytes());
    assert!(jsonwebtoken::decode::<Value>(id_token, &key, &v).is_ok());
    // Access tokens are the API's business and stay RS256.
    assert_eq!(
        jwt_header(tokens["access_token"].as_str().unwrap())["alg"],
        "RS256"
    );
}
