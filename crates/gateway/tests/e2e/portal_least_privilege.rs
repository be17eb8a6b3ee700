//! The portal leads an operator to what works on real Auth0 and to least privilege: the add form
//! defaults to the machine token and says what users' own tokens get; a new key does not come
//! with IdP-token reading pre-ticked; a failed save says the typed secret was not kept.

use crate::harness::CLIENT_SECRET;
use crate::harness::portal::{portal_gateway, tenant_form, with};

#[tokio::test]
async fn the_add_form_defaults_to_the_machine_token_and_says_what_users_tokens_get() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, _) = gateway.signed_in().await;
    let (status, page) = gateway.page(&browser, "/admin/tenants/new").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("name=\"grant\" value=\"client_credentials\" checked"),
        "{page}"
    );
    assert!(!page.contains("value=\"authorization_code\" checked"));
    assert!(page.contains("only the <em>current user</em> scopes"));
    assert!(page.contains("rel=\"icon\""), "a favicon is linked");
    let icon = reqwest::get(gateway.url("/assets/favicon.svg"))
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn a_failed_save_says_the_typed_secret_was_not_kept() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let fields = with(&tenant_form(&csrf, "acme"), "client_id", "no-such-client");
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("The secret you typed was not kept"), "{page}");
    assert!(
        !page.contains(CLIENT_SECRET),
        "the secret is never sent back"
    );
}

#[tokio::test]
async fn a_new_key_does_not_come_with_idp_token_reading_ticked() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let fields = with(&tenant_form(&csrf, "ops"), "grant", "client_credentials");
    let mut fields = with(&fields, "operators", "admin@example.com");
    fields.push(("scopes", "read:user_idp_tokens"));
    let (status, location, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = gateway.page(&browser, &location.unwrap()).await;
    let checkbox = |scope: &str| {
        let id = format!("id=\"key-scope-{}\"", scope.replace([':', '_'], "-"));
        let at = page
            .find(&id)
            .unwrap_or_else(|| panic!("no {id} in {page}"));
        page[at..at + page[at..].find('>').unwrap()].to_owned()
    };
    assert!(checkbox("read:users").contains("checked"));
    assert!(!checkbox("read:user_idp_tokens").contains("checked"));

    let (status, _, created) = gateway
        .post(
            &browser,
            "/admin/tenants/ops/keys",
            &[
                ("csrf", csrf.as_str()),
                ("name", "bot"),
                ("scopes", "read:users"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert!(
        created.contains("keeps only a hash of the key"),
        "{created}"
    );
}
