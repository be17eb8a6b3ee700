//! What leaves the tenant depends on scopes: IdP tokens need read:user_idp_tokens, client
//! secrets need read:client_keys, and writing a secret needs update:client_keys.

mod common;

use common::start;
use serde_json::json;

const GOOGLE_USER: &str = "google-oauth2|100000000000000000001";

#[tokio::test]
async fn idp_tokens_are_hidden_without_read_user_idp_tokens() {
    let t = start().await;
    let plain = t
        .get(
            &format!("/api/v2/users/{GOOGLE_USER}"),
            &t.token(&["read:users"]),
        )
        .await;
    assert_eq!(plain.status, 200);
    let identity = &plain.json["identities"][0];
    assert_eq!(identity["provider"], "google-oauth2");
    assert_eq!(identity["isSocial"], true);
    assert!(identity.get("access_token").is_none() && identity.get("refresh_token").is_none());

    let with = t
        .get(
            &format!("/api/v2/users/{GOOGLE_USER}"),
            &t.token(&["read:users", "read:user_idp_tokens"]),
        )
        .await;
    let identity = &with.json["identities"][0];
    assert!(
        identity["access_token"]
            .as_str()
            .unwrap()
            .starts_with("ya29.")
    );
    assert!(identity["refresh_token"].is_string());

    // The same rule holds in lists.
    let list = t
        .get("/api/v2/users?per_page=100", &t.token(&["read:users"]))
        .await;
    assert!(!list.text.contains("ya29."));
}

#[tokio::test]
async fn client_secrets_are_hidden_without_read_client_keys() {
    let t = start().await;
    let plain = t
        .get("/api/v2/clients?per_page=100", &t.token(&["read:clients"]))
        .await;
    assert_eq!(plain.status, 200);
    let clients = plain.json.as_array().unwrap();
    assert_eq!(clients.len(), 5);
    for c in clients {
        for field in [
            "client_secret",
            "signing_keys",
            "encryption_key",
            "client_authentication_methods",
        ] {
            assert!(c.get(field).is_none(), "{field} leaked in {c}");
        }
    }
    let with = t
        .get(
            "/api/v2/clients/gateway-client",
            &t.token(&["read:clients", "read:client_keys"]),
        )
        .await;
    assert_eq!(with.json["client_secret"], "gateway-secret");
    assert!(with.json["signing_keys"].is_array());

    let one = t
        .get(
            "/api/v2/clients/gateway-client",
            &t.token(&["read:clients"]),
        )
        .await;
    assert!(one.json.get("client_secret").is_none());
}

#[tokio::test]
async fn client_list_filters_and_fields() {
    let t = start().await;
    let token = t.token(&["read:clients"]);
    let spa = t.get("/api/v2/clients?app_type=spa,native", &token).await;
    let types: Vec<&str> = spa
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["app_type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 2);
    assert!(types.iter().all(|t| *t == "spa" || *t == "native"));
    let fields = t
        .get(
            "/api/v2/clients?fields=client_id&include_totals=true&per_page=2",
            &token,
        )
        .await;
    assert_eq!(fields.json["total"], 5);
    let first = fields.json["clients"][0].as_object().unwrap();
    assert!(first.contains_key("client_id") && first.contains_key("tenant"));
    assert_eq!(first.len(), 2);
}

#[tokio::test]
async fn patching_a_client_secret_needs_update_client_keys() {
    let t = start().await;
    let id = "AcmeDashboardRegularWeb000000001";
    let r = t
        .patch(
            &format!("/api/v2/clients/{id}"),
            &t.token(&["update:clients"]),
            &json!({"client_secret": "new"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.json["message"].as_str().unwrap().starts_with(
        "Some fields cannot be updated with the permissions granted by the bearer token scopes"
    ));
    let none = t
        .patch(
            &format!("/api/v2/clients/{id}"),
            &t.token(&["read:clients"]),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(
        none.json["message"],
        "Insufficient scope; expected any of: update:clients, update:client_keys"
    );

    let ok = t
        .patch(
            &format!("/api/v2/clients/{id}"),
            &t.token(&["update:clients", "update:client_keys"]),
            &json!({"client_secret": "rotated-secret", "name": "Acme Dash", "callbacks": ["https://d.example.com/cb"]}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json["name"], "Acme Dash");
    assert_eq!(
        t.fake().client(id).unwrap()["client_secret"],
        "rotated-secret"
    );

    let plain = t
        .patch(
            &format!("/api/v2/clients/{id}"),
            &t.token(&["update:clients"]),
            &json!({"description": "d"}),
        )
        .await;
    assert_eq!(plain.status, 200);
    assert!(plain.json.get("client_secret").is_none());
}
