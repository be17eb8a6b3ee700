//! Step-up logins and ID-token checks against the fake tenant: the step-up URL asks for a
//! fresh MFA login, the ID token then shows `amr: ["mfa"]` and a fresh `auth_time`, and a token
//! from another key, for another application or past its expiry is refused with the check named.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fake_auth0::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeAuth0, FakeConfig, Fault, FaultKind,
    RegisteredClient, RunningFake,
};
use gw_oauth::user_flow::MFA_ACR;
use gw_oauth::{
    ClientSecret, FlowError, GrantMode, IdTokenError, OAuthHttp, Scope, ScopeSet, TenantSettings,
    UserFlow, UserTokens,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

const USER: &str = "auth0|admin";
const OTHER_APP: &str = "other-app";

fn callback() -> Url {
    "http://127.0.0.1:9/integration-callback".parse().unwrap()
}

/// A fake tenant with the gateway's application and a second one, `other-app`.
async fn tenant() -> (RunningFake, TenantSettings) {
    // The test's own reqwest clients need a TLS provider too (the gateway's install it once).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = FakeConfig::default();
    config.clients.push(RegisteredClient {
        client_id: OTHER_APP.to_owned(),
        client_secret: "other-secret".to_owned(),
        name: "Another application".to_owned(),
        callbacks: fake_auth0::default_callbacks(),
        management_scopes: vec![],
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = FakeAuth0::new(config).serve(listener).await.unwrap();
    let settings = settings(&running, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    (running, settings)
}

fn settings(running: &RunningFake, client_id: &str, secret: &str) -> TenantSettings {
    TenantSettings {
        name: "demo".to_owned(),
        domain: running.fake.domain().to_owned(),
        base_url: running.base_url.parse().unwrap(),
        client_id: client_id.to_owned(),
        client_secret: ClientSecret::new(secret),
        grant: GrantMode::AuthorizationCode,
        scopes: ScopeSet::all(),
        read_only: false,
        allow: None,
        deny: vec![],
        user_policy: vec![],
    }
}

/// Follows the authorize URL at the fake (which logs the user in at once) and exchanges the
/// code.
async fn sign_in(flow: &UserFlow<'_>, step_up: bool) -> UserTokens {
    let scopes = ScopeSet::from_slice(&[Scope::Openid, Scope::Email, Scope::OfflineAccess]);
    let start = if step_up {
        flow.start_step_up(scopes)
    } else {
        flow.start(scopes)
    };
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(start.url.as_str())
        .send()
        .await
        .unwrap();
    let location = Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {location}"))
        .1
        .into_owned();
    flow.exchange(&code, &start.verifier).await.unwrap()
}

fn id_token(tokens: &UserTokens) -> &SecretString {
    tokens.id_token.as_ref().expect("openid was asked for")
}

fn refusal(result: Result<gw_oauth::IdTokenClaims, FlowError>) -> IdTokenError {
    match result {
        Err(FlowError::InvalidIdToken(error)) => error,
        other => panic!("expected an ID-token refusal, got {other:?}"),
    }
}

/// An HS256 token with these claims, signed with `secret`.
fn hs256(claims: &Value, secret: &str) -> SecretString {
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    SecretString::from(token)
}

#[tokio::test]
async fn the_step_up_url_asks_for_a_fresh_login_with_mfa_and_openid() {
    let (_running, settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let start = flow.start_step_up(ScopeSet::from_slice(&[Scope::ReadUsers]));
    let query: Vec<(String, String)> = start.url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        query
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("prompt"), Some("login"));
    assert_eq!(get("max_age"), Some("0"));
    assert_eq!(get("acr_values"), Some(MFA_ACR));
    assert_eq!(get("scope"), Some("openid read:users"));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("state"), Some(start.state.expose_secret()));
    assert_eq!(get("audience"), Some(settings.audience().as_str()));

    let plain = flow.start(ScopeSet::from_slice(&[Scope::ReadUsers]));
    assert!(
        plain
            .url
            .query_pairs()
            .all(|(k, _)| k != "prompt" && k != "acr_values")
    );
}

#[tokio::test]
async fn a_stepped_up_login_with_mfa_shows_amr_mfa_and_a_fresh_auth_time() {
    let (running, settings) = tenant().await;
    assert!(running.fake.set_user_mfa(USER, true));
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());

    let first = flow
        .verify_id_token(id_token(&sign_in(&flow, false).await))
        .await
        .unwrap();
    assert_eq!(first.sub, USER);
    assert!(!first.has_mfa(), "a plain login asks for no MFA");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let before = gw_oauth::unix_now();
    let tokens = sign_in(&flow, true).await;
    let claims = flow.verify_id_token(id_token(&tokens)).await.unwrap();
    assert_eq!(claims.sub, USER);
    assert_eq!(claims.amr, vec!["mfa".to_owned()]);
    assert_eq!(claims.acr.as_deref(), Some(MFA_ACR));
    assert_eq!(claims.email.as_deref(), Some("admin@example.com"));
    let auth_time = claims.auth_time.expect("max_age=0 was sent");
    assert!(
        auth_time >= before,
        "{auth_time} is the step-up, not the first login"
    );

    // A refresh brings the ID token again.
    let refreshed = flow
        .refresh(tokens.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    let again = flow.verify_id_token(id_token(&refreshed)).await.unwrap();
    assert_eq!(again.auth_time, Some(auth_time));
}

#[tokio::test]
async fn without_mfa_enrolled_a_stepped_up_token_has_no_mfa_in_amr() {
    let (_running, settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let claims = flow
        .verify_id_token(id_token(&sign_in(&flow, true).await))
        .await
        .unwrap();
    assert_eq!(claims.sub, USER);
    assert!(!claims.has_mfa(), "{:?}", claims.amr);
    assert!(claims.acr.is_none());
    assert!(claims.auth_time.is_some());
}

#[tokio::test]
async fn a_token_for_another_application_is_refused() {
    let (running, settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let other_settings = settings_for_other_app(&running);
    let other = UserFlow::new(&other_settings, &http, callback());
    let theirs = sign_in(&other, false).await;
    assert!(other.verify_id_token(id_token(&theirs)).await.is_ok());

    let ours = UserFlow::new(&settings, &http, callback());
    assert_eq!(
        refusal(ours.verify_id_token(id_token(&theirs)).await),
        IdTokenError::WrongAudience
    );
}

fn settings_for_other_app(running: &RunningFake) -> TenantSettings {
    settings(running, OTHER_APP, "other-secret")
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let (_running, settings) = tenant().await;
    // Another tenant with the same domain: same issuer, same client, its own key.
    let (impostor, impostor_settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let ours = sign_in(&flow, false).await;
    let forged = sign_in(&UserFlow::new(&impostor_settings, &http, callback()), false).await;

    assert_eq!(
        refusal(flow.verify_id_token(id_token(&forged)).await),
        IdTokenError::UnknownKey
    );
    // The same token claiming our key id.
    let our_kid = header(id_token(&ours))["kid"].clone();
    let relabelled = with_header(id_token(&forged), "kid", our_kid);
    assert_eq!(
        refusal(flow.verify_id_token(&relabelled).await),
        IdTokenError::BadSignature
    );
    // HS256 signed with anything but the client secret.
    let claims = payload(id_token(&ours));
    assert_eq!(
        refusal(flow.verify_id_token(&hs256(&claims, "guessed")).await),
        IdTokenError::BadSignature
    );
    impostor.shutdown().await;
}

#[tokio::test]
async fn expired_or_foreign_tokens_are_refused_and_hs256_uses_the_client_secret() {
    let (_running, settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let now = gw_oauth::unix_now();
    let claims = |iss: &str, exp: i64| json!({"iss": iss, "sub": USER, "aud": DEFAULT_CLIENT_ID, "iat": now - 7200, "exp": exp});
    let issuer = format!("https://{}/", settings.domain);
    let good = hs256(&claims(&issuer, now + 600), DEFAULT_CLIENT_SECRET);
    assert_eq!(flow.verify_id_token(&good).await.unwrap().sub, USER);
    let expired = hs256(&claims(&issuer, now - 3600), DEFAULT_CLIENT_SECRET);
    assert_eq!(
        refusal(flow.verify_id_token(&expired).await),
        IdTokenError::Expired
    );
    let foreign = hs256(
        &claims("https://elsewhere.auth0.com/", now + 600),
        DEFAULT_CLIENT_SECRET,
    );
    assert_eq!(
        refusal(flow.verify_id_token(&foreign).await),
        IdTokenError::WrongIssuer
    );
}

#[tokio::test]
async fn an_hs256_application_id_token_verifies_with_the_client_secret() {
    let (running, settings) = tenant().await;
    let token = running
        .fake
        .issue_management_token("gateway-client", &["update:clients"]);
    let patched = reqwest::Client::new()
        .patch(running.url(&format!("/api/v2/clients/{DEFAULT_CLIENT_ID}")))
        .bearer_auth(token)
        .json(&json!({"jwt_configuration": {"alg": "HS256"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let tokens = sign_in(&flow, false).await;
    assert_eq!(header(id_token(&tokens))["alg"], "HS256");
    assert_eq!(
        flow.verify_id_token(id_token(&tokens)).await.unwrap().sub,
        USER
    );
}

#[tokio::test]
async fn tenant_keys_are_fetched_once_and_then_cached() {
    let (running, settings) = tenant().await;
    let http = OAuthHttp::new(Duration::from_secs(10));
    let flow = UserFlow::new(&settings, &http, callback());
    let first = sign_in(&flow, false).await;
    flow.verify_id_token(id_token(&first)).await.unwrap();

    // With the JWKS endpoint down, the cached key still verifies; a flow built later on the
    // same client shares the cache.
    running.fake.add_fault(Fault {
        method: None,
        path_prefix: "/.well-known/jwks.json".to_owned(),
        kind: FaultKind::Status(503),
        times: None,
    });
    let later = UserFlow::new(&settings, &http, callback());
    let second = sign_in(&later, false).await;
    later.verify_id_token(id_token(&second)).await.unwrap();

    // A fresh client has nothing cached and says the JWKS could not be read.
    let cold = OAuthHttp::new(Duration::from_secs(10));
    let result = UserFlow::new(&settings, &cold, callback())
        .verify_id_token(id_token(&second))
        .await;
    assert!(
        matches!(result, Err(FlowError::BadResponse(_))),
        "{result:?}"
    );
}

fn decode_part(token: &SecretString, index: usize) -> Value {
    let part = token.expose_secret().split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn header(token: &SecretString) -> Value {
    decode_part(token, 0)
}

fn payload(token: &SecretString) -> Value {
    decode_part(token, 1)
}

/// The token with one header field changed and its signature kept.
fn with_header(token: &SecretString, field: &str, value: Value) -> SecretString {
    let mut h = header(token);
    h[field] = value;
    let parts: Vec<&str> = token.expose_secret().split('.').collect();
    SecretString::from(format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(h.to_string()),
        parts[1],
        parts[2]
    ))
}
