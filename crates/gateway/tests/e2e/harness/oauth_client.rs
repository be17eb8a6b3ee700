//! An MCP client of the gateway's authorization server, step by step: registration, the
//! authorization request, the consent and Auth0 walked as a browser, the token requests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{InProcess, step_client};

/// A PKCE verifier of the length real clients use.
pub const VERIFIER: &str = "a-verifier-that-is-long-enough-to-be-a-real-pkce-verifier-0123";

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub struct Client {
    pub id: String,
    pub verifier: String,
    /// What the consent page must call it.
    pub name: String,
}

pub async fn register(gateway: &InProcess, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/register", gateway.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub async fn new_client(gateway: &InProcess) -> Client {
    let (status, body) = register(
        gateway,
        json!({"redirect_uris": [REDIRECT], "client_name": "Test client", "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        verifier: VERIFIER.to_owned(),
        name: "Test client".to_owned(),
    }
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn authorize_url(gateway: &InProcess, client: &Client, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", gateway.base)).unwrap();
    let challenge = challenge(&client.verifier);
    let resource = format!("{}/mcp", gateway.base);
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("state", "client-state-123"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("resource", &resource),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    url.query_pairs_mut().extend_pairs(params);
    url.into()
}

/// The query of a redirect to the client.
pub fn client_redirect(location: &str) -> std::collections::HashMap<String, String> {
    assert!(
        location.starts_with(REDIRECT),
        "not a redirect to the client: {location}"
    );
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Walks /authorize → consent (allow) → Auth0 → callback as a browser; the client's redirect.
pub async fn authorize(
    gateway: &InProcess,
    client: &Client,
    extra: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let browser = step_client();
    let page = browser
        .get(authorize_url(gateway, client, extra))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    // Under `no-referrer` a browser posts the consent form with `Origin: null`, which the origin
    // check refuses: the page keeps its referrer within the gateway instead.
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&client.name),
        "the consent page names the client"
    );
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a request id in the consent form")
        .to_owned();
    let mut response = browser
        .post(format!("{}/authorize/consent", gateway.base))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    for _ in 0..5 {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        if location.starts_with(REDIRECT) {
            return client_redirect(&location);
        }
        response = browser.get(&location).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "{}",
            response.text().await.unwrap()
        );
    }
    panic!("never sent back to the client");
}

pub async fn token_request(gateway: &InProcess, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/token", gateway.base))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub async fn exchange(gateway: &InProcess, client: &Client, code: &str) -> (u16, Value) {
    token_request(
        gateway,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("code_verifier", &client.verifier),
        ],
    )
    .await
}
