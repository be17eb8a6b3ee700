//! The operator portal (/admin) end to end: signing in with an admin key, adding a tenant that
//! Save checks against the fake Auth0 tenant (each kind of mistake explained, nothing stored),
//! the tenant served at once and on other replicas, its secret sealed, keys made and revoked, and
//! forms without their token or from another origin refused. The same flow in a real browser is
//! `tests/browser/portal.mjs`.

use gw_oauth::{GrantMode, Scope, TokenCipher};

use crate::harness::browser::connect;
use crate::harness::portal::{
    DOMAIN, NOT_AUTH0_DOMAIN, SILENT_DOMAIN, form_token, portal_gateway, tenant_form,
    untick_client_credentials, with,
};
use crate::harness::sse::SseClient;
use crate::harness::{CLIENT_ID, CLIENT_SECRET, get_json, step_client, world};

#[tokio::test]
async fn signing_in_takes_a_valid_admin_key_and_the_sign_in_form_token() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let anonymous = step_client();

    let response = anonymous.get(gateway.url("/admin")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/login");

    let (_, login) = gateway.page(&anonymous, "/admin/login").await;
    let token = form_token(&login);
    let (status, _, page) = gateway
        .post(
            &anonymous,
            "/admin/login",
            &[("csrf", &token), ("key", "mcpadm_guessed")],
        )
        .await;
    assert_eq!(status, 401);
    assert!(page.contains("That admin key is not valid"), "{page}");
    gateway.audited("refused_admin_key").await;

    // A sign-in form posted from a browser that never loaded it (no sign-in cookie).
    let (admin, key) = gateway.store.create_admin_key("ops").await.unwrap();
    let (status, _, _) = gateway
        .post(
            &step_client(),
            "/admin/login",
            &[("csrf", &token), ("key", key.expose_secret())],
        )
        .await;
    assert_eq!(status, 403);

    let (_, login) = gateway.page(&anonymous, "/admin/login").await;
    let (status, location, _) = gateway
        .post(
            &anonymous,
            "/admin/login",
            &[("csrf", &form_token(&login)), ("key", key.expose_secret())],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin")));
    let (status, page) = gateway.page(&anonymous, "/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("Add an Auth0 tenant"));

    // Revoking the admin key signs its browsers out at once.
    assert!(gateway.store.revoke_admin_key(&admin.id).await.unwrap());
    let response = anonymous.get(gateway.url("/admin")).send().await.unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn save_explains_each_mistake_in_words_and_stores_nothing() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let good = tenant_form(&csrf, "acme");
    let machine = with(&good, "grant", "client_credentials");
    let machine = with(&machine, "operators", "admin@example.com");

    // What the operator got wrong, the form as posted, and what the page must say.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "empty domain",
            with(&good, "domain", " "),
            "Enter your tenant's domain",
        ),
        (
            "a custom domain",
            with(&good, "domain", "login.example.com"),
            "If this is a custom domain, enter the tenant's own Auth0 domain",
        ),
        (
            "the Dashboard's home page",
            with(&good, "domain", "https://manage.auth0.com/dashboard/"),
            "That is an address in the Auth0 Dashboard, but not of a tenant",
        ),
        (
            "a domain nothing answers at",
            with(&good, "domain", SILENT_DOMAIN),
            "No Auth0 tenant answers at nobody-home.eu.auth0.com",
        ),
        (
            "a server that is not Auth0",
            with(&good, "domain", NOT_AUTH0_DOMAIN),
            "answered, but not as an Auth0 tenant",
        ),
        (
            "a client ID the tenant does not have",
            with(&good, "client_id", "no-such-app"),
            "has no application with client ID no-such-app",
        ),
        (
            "an application without the gateway's callback URL",
            with(&good, "client_id", "no-callback"),
            "add http://127.0.0.1:",
        ),
        (
            "a wrong secret",
            with(&good, "client_secret", "not-the-secret"),
            "Auth0 did not accept the client secret",
        ),
        (
            "no secret",
            with(&good, "client_secret", ""),
            "Enter the application",
        ),
        (
            "machine token without Management API access",
            with(&machine, "client_id", "no-m2m"),
            "not authorized to call the Auth0 Management API",
        ),
        (
            "machine token without the Client Credentials grant",
            with(&machine, "client_id", "no-cc"),
            "tick Client Credentials",
        ),
        (
            "machine token with nobody allowed to connect",
            with(&machine, "operators", ""),
            "list who may connect",
        ),
        (
            "a bad name",
            with(&good, "name", "Acme Corp"),
            "lowercase letters",
        ),
        (
            "an unknown scope",
            with(&good, "scopes", "write:everything"),
            "not a scope",
        ),
    ];
    for (what, fields, expected) in cases {
        let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
        assert_eq!(status, 422, "{what}");
        assert!(
            html_escape::decode_html_entities(&page).contains(expected),
            "{what}: expected “{expected}” in\n{page}"
        );
        assert!(page.contains("Not saved."), "{what}");
        // Whatever was typed, the secret is never rendered back.
        assert!(
            !page.contains(CLIENT_SECRET) && !page.contains("not-the-secret"),
            "{what}"
        );
    }
    assert!(gateway.store.list_tenants().await.unwrap().is_empty());
    assert!(gateway.tenants.is_empty());
}

#[tokio::test]
async fn a_saved_tenant_is_served_at_once_with_its_secret_sealed() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;

    // The Dashboard address the operator is looking at names the tenant.
    let dashboard = format!(
        "https://manage.auth0.com/dashboard/{}/{}/applications",
        DOMAIN.split('.').nth(1).unwrap(),
        DOMAIN.split('.').next().unwrap()
    );
    let fields = with(&tenant_form(&csrf, "acme"), "domain", &dashboard);
    let (status, location, _) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/tenants/acme?saved=1"))
    );

    let stored = gateway.store.stored_tenant("acme").await.unwrap().unwrap();
    assert_eq!(stored.domain, DOMAIN);
    assert_eq!(stored.client_secret.expose_secret(), CLIENT_SECRET);
    assert_eq!(stored.grant, GrantMode::AuthorizationCode);
    assert!(
        stored.scopes.contains(Scope::Openid),
        "openid is always kept"
    );
    assert!(stored.scopes.contains(Scope::CreateUsers));
    assert!(!stored.scopes.contains(Scope::DeleteUsers));
    assert!(
        !world
            .store_bytes()
            .windows(CLIENT_SECRET.len())
            .any(|w| w == CLIENT_SECRET.as_bytes()),
        "the client secret is sealed at rest"
    );
    let (status, page) = gateway.page(&browser, "/admin/tenants/acme?saved=1").await;
    assert_eq!(status, 200);
    assert!(page.contains("Auth0 accepted the application"));
    assert!(!page.contains(CLIENT_SECRET));

    // Served now: a user connects through it and the key lists the ticked scopes' tools.
    assert!(gateway.tenants.contains("acme"));
    let connected = connect(&gateway.url("/connect/acme")).await;
    let tools: Vec<&str> = connected["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tools.contains(&"auth0_create_user") && tools.contains(&"auth0_list_roles"));
    assert!(!tools.contains(&"auth0_delete_user"));

    // Editing with the secret left empty keeps it; the version moves so replicas rebuild.
    let edit = with(&tenant_form(&csrf, "acme"), "client_secret", "");
    let mut edit = with(&edit, "editing", "acme");
    edit.push(("scopes", "delete:users"));
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &edit).await;
    assert_eq!(status, 303, "{page}");
    let edited = gateway.store.stored_tenant("acme").await.unwrap().unwrap();
    assert_eq!(edited.version, stored.version + 1);
    assert_eq!(edited.client_secret.expose_secret(), CLIENT_SECRET);
    assert!(
        gateway
            .tenants
            .get("acme")
            .unwrap()
            .settings
            .scopes
            .contains(Scope::DeleteUsers)
    );

    // Adding a second tenant under the same name is refused (edit it instead).
    let (status, _, page) = gateway
        .post(&browser, "/admin/tenants", &tenant_form(&csrf, "acme"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("already exists"));
}

#[tokio::test]
async fn a_machine_token_missing_selected_scopes_is_saved_with_a_warning() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let fields = with(&tenant_form(&csrf, "ops"), "grant", "client_credentials");
    let fields = with(&fields, "operators", "admin@example.com\n@example.org");
    let fields = with(&fields, "client_id", "narrow-m2m");
    let (status, location, _) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.contains("missing=create:users+read:roles"),
        "{location}"
    );
    let (_, page) = gateway.page(&browser, &location).await;
    assert!(
        page.contains("was not granted create:users, read:roles"),
        "{page}"
    );
    // The tenant page marks each scope by what the machine token holds.
    let row = |scope: &str| {
        let at = page.find(&format!("<tr><td><code>{scope}</code>")).unwrap();
        page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(row("read:users").contains("granted") && !row("read:users").contains("not granted"));
    assert!(row("create:users").contains("not granted"));
    assert!(row("openid").contains("not an API permission"));
    assert!(page.contains("work with what Auth0 granted the machine token"));
    let stored = gateway.store.stored_tenant("ops").await.unwrap().unwrap();
    assert_eq!(stored.operators, ["admin@example.com", "@example.org"]);
}

#[tokio::test]
async fn another_replica_serves_a_portal_tenant_within_one_sync() {
    let (world, a) = portal_gateway(&[]).await;
    let (browser, csrf) = a.signed_in().await;
    a.add_tenant(&browser, &csrf, "acme").await;

    // Replica B: its own registry over the same store.
    let (b_tenants, b) = world.replica().await;
    b.sync().await.unwrap();
    let served = b_tenants.get("acme").expect("replica B serves the tenant");
    assert_eq!(served.settings.domain, DOMAIN);
    assert!(!served.settings.scopes.contains(Scope::DeleteUsers));

    // An edit on A reaches B at its next sync.
    let mut edit = with(&tenant_form(&csrf, "acme"), "editing", "acme");
    edit.push(("scopes", "delete:users"));
    let (status, _, _) = a.post(&browser, "/admin/tenants", &edit).await;
    assert_eq!(status, 303);
    b.sync().await.unwrap();
    assert!(
        b_tenants
            .get("acme")
            .unwrap()
            .settings
            .scopes
            .contains(Scope::DeleteUsers)
    );
}

#[tokio::test]
async fn gateway_toml_tenants_are_shown_but_not_changed() {
    let (_world, gateway) = portal_gateway(&["prod"]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let (status, page) = gateway.page(&browser, "/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("gateway.toml"));
    let (status, page) = gateway.page(&browser, "/admin/tenants/prod").await;
    assert_eq!(status, 200);
    assert!(page.contains("from gateway.toml (read-only here)"));
    let (status, _) = gateway.page(&browser, "/admin/tenants/prod/edit").await;
    assert_eq!(status, 404);
    let (status, _, page) = gateway
        .post(&browser, "/admin/tenants", &tenant_form(&csrf, "prod"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("gateway.toml already has a tenant named prod"));
    let mut edit = tenant_form(&csrf, "prod");
    edit.push(("editing", "prod"));
    let (status, _, _) = gateway.post(&browser, "/admin/tenants", &edit).await;
    assert_eq!(status, 422);
    assert!(gateway.store.list_tenants().await.unwrap().is_empty());
}

#[tokio::test]
async fn forms_without_their_token_or_from_another_site_change_nothing() {
    let (_world, gateway) = portal_gateway(&["prod"]).await;
    let (browser, csrf) = gateway.signed_in().await;

    let no_token: Vec<_> = tenant_form(&csrf, "acme")
        .into_iter()
        .filter(|(k, _)| *k != "csrf")
        .collect();
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &no_token).await;
    assert_eq!(status, 403);
    assert!(page.contains("This form was refused"));
    let zeros = "0".repeat(64);
    let wrong = with(&no_token, "csrf", &zeros);
    let (status, _, _) = gateway.post(&browser, "/admin/tenants", &wrong).await;
    assert_eq!(status, 403);
    gateway.audited("refused_csrf").await;

    // Right token, but the browser says the form came from another site.
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(tenant_form(&csrf, "acme"))
        .finish();
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = browser
            .post(gateway.url("/admin/tenants"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header, value)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
    }

    // Another signed-in operator's token is not this session's.
    let (_, other_csrf) = gateway.signed_in().await;
    let (status, _, _) = gateway
        .post(
            &browser,
            "/admin/tenants",
            &tenant_form(&other_csrf, "acme"),
        )
        .await;
    assert_eq!(status, 403);

    let (status, _, _) = gateway
        .post(
            &browser,
            "/admin/tenants/prod/keys",
            &[("name", "sneaky"), ("connection", "")],
        )
        .await;
    assert_eq!(status, 403);
    assert!(gateway.store.list_tenants().await.unwrap().is_empty());
    assert!(gateway.store.list_keys(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn keys_made_in_the_portal_act_as_their_connection_until_revoked() {
    let (_world, gateway) = portal_gateway(&["prod"]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let connected = connect(&gateway.url("/connect/prod")).await;
    let connection = connected["connection_id"].as_str().unwrap();

    // With users' own tokens a key must act as a connected user.
    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/prod/keys",
            &[("csrf", &csrf), ("name", "agent"), ("connection", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("a key must act as a connected user"));

    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/prod/keys",
            &[
                ("csrf", &csrf),
                ("name", "support agent"),
                ("connection", connection),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("shown only this once"));
    let at = page.find("mcpgw_").unwrap();
    let key: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let record = gateway
        .store
        .list_keys(Some("prod"))
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "support agent")
        .unwrap();
    assert_eq!(record.connection_id.as_deref(), Some(connection));

    assert_eq!(gateway.initialize_status(&key).await, 200);

    // The key page is not shown again: the tenant page lists only its prefix.
    let (_, tenant_page) = gateway.page(&browser, "/admin/tenants/prod").await;
    assert!(!tenant_page.contains(&key));
    assert!(tenant_page.contains(&record.prefix));

    let (status, location, _) = gateway
        .post(
            &browser,
            &format!("/admin/tenants/prod/keys/{}/revoke", record.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/admin/tenants/prod?revoked={}", record.id).as_str())
    );
    assert_eq!(gateway.initialize_status(&key).await, 401);
}

#[tokio::test]
async fn rekey_reseals_portal_tenants_secrets() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let new_key = TokenCipher::generate_key();
    let moved = gateway
        .store
        .rekey(&TokenCipher::from_base64(&new_key).unwrap())
        .await
        .unwrap();
    assert_eq!(moved.secrets, 1);
    let reopened = gw_store::Store::open_with_key(
        world.store_url(),
        TokenCipher::from_base64(&new_key).unwrap(),
    )
    .await
    .unwrap();
    let stored = reopened.stored_tenant("acme").await.unwrap().unwrap();
    assert_eq!(stored.client_secret.expose_secret(), CLIENT_SECRET);
}

#[tokio::test]
async fn removing_a_connection_or_a_tenant_revokes_everything_it_held() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;

    // Two connects of the same user are one connection; revoke it from the tenant page.
    let connected = connect(&gateway.url("/connect/acme")).await;
    let connection = connected["connection_id"].as_str().unwrap().to_owned();
    let key = connected["key"].as_str().unwrap().to_owned();
    let (status, location, _) = gateway
        .post(
            &browser,
            &format!("/admin/tenants/acme/connections/{connection}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/admin/tenants/acme?revoked_connection={connection}&auth0=revoked").as_str()),
        "offline_access was ticked, so there was a refresh token to revoke at Auth0"
    );
    let record = gateway
        .store
        .connection(&connection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, gw_store::ConnectionStatus::Revoked);
    assert_eq!(
        gateway.initialize_status(&key).await,
        401,
        "the connection's key died with it"
    );

    // Connect again, then remove the tenant: typed confirmation required.
    let (_, connected) = get_json(&crate::harness::browser(), &gateway.url("/connect/acme")).await;
    let key = connected["key"].as_str().unwrap().to_owned();
    assert_eq!(gateway.initialize_status(&key).await, 200);
    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/acme/remove",
            &[("csrf", &csrf), ("confirm", "acm")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("type its name"));
    assert!(gateway.tenants.contains("acme"));
    let (status, location, _) = gateway
        .post(
            &browser,
            "/admin/tenants/acme/remove",
            &[("csrf", &csrf), ("confirm", "acme")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/admin?removed=acme&not_revoked=0")
    );
    assert!(!gateway.tenants.contains("acme"));
    assert!(gateway.store.stored_tenant("acme").await.unwrap().is_none());
    assert_eq!(gateway.initialize_status(&key).await, 401);
    assert!(
        gateway
            .store
            .list_keys(Some("acme"))
            .await
            .unwrap()
            .iter()
            .all(|k| k.revoked_at.is_some())
    );

    // Another replica drops it at its next sync.
    let (b_tenants, b) = world.replica().await;
    gateway.add_tenant(&browser, &csrf, "beta").await;
    b.sync().await.unwrap();
    assert!(b_tenants.contains("beta"));
    let (status, _, _) = gateway
        .post(
            &browser,
            "/admin/tenants/beta/remove",
            &[("csrf", &csrf), ("confirm", "beta")],
        )
        .await;
    assert_eq!(status, 303);
    b.sync().await.unwrap();
    assert!(!b_tenants.contains("beta"));
}

#[tokio::test]
async fn users_own_tokens_need_no_client_credentials_grant() {
    // With users' own tokens the machine token is never used: an application without the
    // Client Credentials grant (Auth0 checked its secret first) or without a Management API
    // grant is fine.
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    for (name, client) in [("one", "no-cc"), ("two", "no-m2m")] {
        let fields = with(&tenant_form(&csrf, name), "client_id", client);
        let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
        assert_eq!(status, 303, "{client}: {page}");
    }
    // But the secret is still checked.
    let fields = with(&tenant_form(&csrf, "three"), "client_id", "no-cc");
    let fields = with(&fields, "client_secret", "wrong");
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("Auth0 did not accept the client secret"));
}

#[tokio::test]
async fn serve_has_the_portal_and_the_cli_makes_and_revokes_admin_keys() {
    let world = world().portal().without_store_key().build().await;
    let (status, out, _) = world.run(&["admin", "create-key", "--name", "Jo"]).await;
    assert!(status.success(), "{out}");
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("Admin key: "))
        .expect("create-key prints the key")
        .to_owned();
    assert!(key.starts_with("mcpadm_"));
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("adm_"))
        .unwrap()
        .to_owned();
    let (_, listed, _) = world.run(&["admin", "list-keys"]).await;
    assert!(listed.contains(&id) && listed.contains("Jo") && listed.contains("active"));
    assert!(!listed.contains(&key), "list-keys never shows a key");

    let served = world.serve().await;
    let base = served.base.clone();
    let sign_in = |key: String| {
        let base = base.clone();
        async move {
            let browser = step_client();
            let login = browser
                .get(format!("{base}/admin/login"))
                .send()
                .await
                .unwrap();
            let login = login.text().await.unwrap();
            let response = browser
                .post(format!("{base}/admin/login"))
                .header("origin", &base)
                .form(&[("csrf", form_token(&login)), ("key", key)])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), browser)
        }
    };
    let (status, browser) = sign_in(key.clone()).await;
    assert_eq!(status, 303);
    let overview = browser
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(overview.contains("/admin/tenants/acme"), "{overview}");
    assert!(
        overview.contains("no encryption key"),
        "this store has no key: {overview}"
    );

    let (status, _, _) = world.run(&["admin", "revoke-key", &id]).await;
    assert!(status.success());
    let response = browser.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(response.status(), 303, "the revoked key's session ended");
    assert_eq!(sign_in(key).await.0, 401);
    let (status, _, _) = world.run(&["admin", "revoke-key", &id]).await;
    assert_eq!(status.code(), Some(2), "no active key with that id");
    drop(served);

    // `portal = false` serves no /admin at all.
    let closed = crate::harness::world().build().await;
    let served = closed.serve().await;
    let response = reqwest::get(served.url("/admin/login")).await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn readiness_reports_each_tenant_but_one_tenants_auth0_trouble_does_not_stop_the_replica() {
    let (world, gateway) = portal_gateway(&["prod"]).await;
    let (browser, csrf) = gateway.signed_in().await;
    for (name, client) in [("good", CLIENT_ID), ("ops", "narrow-m2m")] {
        let fields = with(&tenant_form(&csrf, name), "grant", "client_credentials");
        let fields = with(&fields, "operators", "admin@example.com");
        let fields = with(&fields, "client_id", client);
        let (status, _, _) = gateway.post(&browser, "/admin/tenants", &fields).await;
        assert_eq!(status, 303);
    }
    // Then someone unticks Client Credentials for ops's application in Auth0.
    untick_client_credentials(&world.fake.base_url, "narrow-m2m").await;

    let response = reqwest::get(gateway.url("/readyz")).await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "one tenant's trouble keeps no replica out of service"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["store"], "ok");
    assert_eq!(body["tenants"]["good"], "ok");
    assert!(
        body["tenants"]["prod"]
            .as_str()
            .unwrap()
            .contains("users' own tokens")
    );
    assert!(
        body["tenants"]["ops"]
            .as_str()
            .unwrap()
            .contains("unauthorized_client"),
        "{body}"
    );
    let (status, page) = gateway.page(&browser, "/admin/tenants/ops").await;
    assert_eq!(status, 200);
    assert!(page.contains("cannot get its machine token"), "{page}");
}

#[tokio::test]
async fn a_read_only_tenant_offers_no_tool_that_changes_it() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let mut fields = tenant_form(&csrf, "acme");
    fields.push(("read_only", "on"));
    let (status, _, _) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 303);
    assert!(gateway.tenants.get("acme").unwrap().settings.read_only);
    let (_, page) = gateway.page(&browser, "/admin/tenants/acme").await;
    assert!(page.contains("read-only"));
    assert!(
        !page.contains("auth0_create_user"),
        "create:users is ticked, but nothing may change"
    );
    let (_, edit) = gateway.page(&browser, "/admin/tenants/acme/edit").await;
    assert!(edit.contains("name=\"read_only\" value=\"on\" checked"));

    let tools = |connected: serde_json::Value| -> Vec<String> {
        connected["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    let (_, connected) = get_json(&crate::harness::browser(), &gateway.url("/connect/acme")).await;
    let offered = tools(connected);
    assert!(
        offered.contains(&"auth0_list_users".to_owned()),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"auth0_create_user".to_owned()),
        "{offered:?}"
    );

    // Unticking read-only on the edit page brings the write tools back.
    let edit = with(&tenant_form(&csrf, "acme"), "editing", "acme");
    let (status, _, _) = gateway.post(&browser, "/admin/tenants", &edit).await;
    assert_eq!(status, 303);
    assert!(!gateway.tenants.get("acme").unwrap().settings.read_only);
    let (_, connected) = get_json(&crate::harness::browser(), &gateway.url("/connect/acme")).await;
    assert!(tools(connected).contains(&"auth0_create_user".to_owned()));
}

#[tokio::test]
async fn legacy_sse_sessions_follow_portal_edits_at_once() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let connected = connect(&gateway.url("/connect/acme")).await;
    let key = connected["key"].as_str().unwrap().to_owned();

    // An old client's stream, opened before the edit.
    let mut sse = SseClient::open(&gateway.url(""), &key).await;
    sse.initialize(&key).await;
    assert!(
        sse.tool_names(&key)
            .await
            .contains(&"auth0_create_user".to_owned())
    );

    // The operator makes the tenant read-only: the open stream's next message sees it.
    let mut edit = with(&tenant_form(&csrf, "acme"), "editing", "acme");
    edit.push(("read_only", "on"));
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &edit).await;
    assert_eq!(status, 303, "{page}");
    let users = world.fake.fake.counts().users;
    let offered = sse.tool_names(&key).await;
    assert!(
        offered.contains(&"auth0_list_users".to_owned()),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"auth0_create_user".to_owned()),
        "{offered:?}"
    );
    let call = sse
        .request(
            &key,
            serde_json::json!({"jsonrpc":"2.0","id":"w","method":"tools/call","params":{"name":"auth0_create_user","arguments":{"connection":"Username-Password-Authentication","email":"new@example.com","password":"Passw0rd!Passw0rd!"}}}),
        )
        .await;
    assert!(
        call.get("error").is_some() || call["result"]["isError"] == true,
        "a write ran on a read-only tenant: {call}"
    );
    assert_eq!(
        world.fake.fake.counts().users,
        users,
        "the user was created"
    );
}

/// M3: the portal shows a connection suspended because its user was blocked in Auth0, with the
/// reason (the first use after connecting checks the user).
#[tokio::test]
async fn a_connection_whose_user_is_blocked_shows_as_suspended_with_the_reason() {
    let (world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    let fields = with(&tenant_form(&csrf, "ops"), "grant", "client_credentials");
    let fields = with(&fields, "operators", "admin@example.com");
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 303, "{page}");
    let connected = connect(&gateway.url("/connect/ops")).await;
    let key = connected["key"].as_str().unwrap();

    assert!(world.fake.fake.set_user_blocked("auth0|admin", true));
    assert_eq!(gateway.initialize_status(key).await, 401);
    let (status, page) = gateway.page(&browser, "/admin/tenants/ops").await;
    assert_eq!(status, 200);
    assert!(page.contains(">suspended<"), "{page}");
    assert!(page.contains(mcp_gateway::user_check::BLOCKED), "{page}");
}

/// H1: removing a portal tenant revokes what its connections issued to MCP clients, and adding
/// a tenant of the same name back (and the user connecting again) revives none of it.
#[tokio::test]
async fn a_removed_tenant_added_again_does_not_revive_old_keys_or_tokens() {
    let (_world, gateway) = portal_gateway(&[]).await;
    let (browser, csrf) = gateway.signed_in().await;
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let connected = connect(&gateway.url("/connect/acme")).await;
    let old_connection = connected["connection_id"].as_str().unwrap().to_owned();
    let old_key = connected["key"].as_str().unwrap().to_owned();
    // What an MCP client would hold after the authorization-code flow.
    let (client, _) = gateway
        .store
        .register_client(
            gw_store::NewClient {
                auth_method: "none".into(),
                client_name: Some("client".into()),
                redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
            },
            86_400,
        )
        .await
        .unwrap()
        .unwrap();
    let tokens = gateway
        .store
        .issue_tokens(&gw_store::Grant {
            family: gw_store::new_family(),
            client_id: client.client_id.clone(),
            connection_id: old_connection.clone(),
            resource: gateway.url("/mcp"),
            scopes: gw_oauth::ScopeSet::all(),
        })
        .await
        .unwrap();
    assert_eq!(gateway.initialize_status(&tokens.access_token).await, 200);

    let (status, _, _) = gateway
        .post(
            &browser,
            "/admin/tenants/acme/remove",
            &[("csrf", &csrf), ("confirm", "acme")],
        )
        .await;
    assert_eq!(status, 303);
    gateway.add_tenant(&browser, &csrf, "acme").await;
    let again = connect(&gateway.url("/connect/acme")).await;

    assert_eq!(gateway.initialize_status(&old_key).await, 401, "old key");
    assert_eq!(
        gateway.initialize_status(&tokens.access_token).await,
        401,
        "old access token"
    );
    let refreshed = reqwest::Client::new()
        .post(gateway.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token.as_str()),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 400);
    let body: serde_json::Value = refreshed.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "old refresh token: {body}");
    assert_eq!(
        gateway
            .initialize_status(again["key"].as_str().unwrap())
            .await,
        200,
        "the new connection's key works"
    );
    assert_ne!(
        again["connection_id"].as_str(),
        Some(old_connection.as_str())
    );
}

/// What operators type and what Auth0 says is shown on the portal's pages as text, never run as
/// markup: a value typed into the tenant form, a key's name, a user's email from Auth0, and the
/// notices a link's query asks for (anyone can send an operator such a link).
#[tokio::test]
async fn markup_in_typed_or_auth0_values_is_shown_as_text() {
    const IMG: &str = "\"><img src=x onerror=alert(1)>";
    const SCRIPT: &str = "<script>alert(1)</script>";
    // Shown: the page, read as text, has `value`; as HTML, no tag or attribute of it.
    let shown_as_text = |page: &str, value: &str| {
        assert!(
            html_escape::decode_html_entities(page).contains(value),
            "{value} not shown: {page}"
        );
        assert!(
            !page.contains("<img src=x") && !page.contains(SCRIPT),
            "raw markup: {page}"
        );
    };
    let (world, gateway) = portal_gateway(&["prod"]).await;
    let (browser, csrf) = gateway.signed_in().await;

    let query =
        |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    let (status, page) = gateway
        .page(
            &browser,
            &format!("/admin?removed={}&not_revoked=1", query(SCRIPT)),
        )
        .await;
    assert_eq!(status, 200);
    shown_as_text(&page, SCRIPT);
    let (status, page) = gateway
        .page(
            &browser,
            &format!(
                "/admin/tenants/prod?revoked={}&revoked_connection={}",
                query(IMG),
                query(SCRIPT)
            ),
        )
        .await;
    assert_eq!(status, 200);
    shown_as_text(&page, IMG);
    shown_as_text(&page, SCRIPT);

    // The tenant form shows back what was typed.
    let fields = with(&tenant_form(&csrf, "acme"), "domain", IMG);
    let fields = with(&fields, "operators", SCRIPT);
    let (status, _, page) = gateway.post(&browser, "/admin/tenants", &fields).await;
    assert_eq!(status, 422);
    shown_as_text(&page, IMG);
    shown_as_text(&page, SCRIPT);

    // A user whose email (as the tenant stores it) carries markup connects; a key named with
    // markup acts as them.
    world
        .sign_in_next_as_new_user(&format!("{IMG}@evil.example"))
        .await;
    let connected = connect(&gateway.url("/connect/prod")).await;
    let connection = connected["connection_id"].as_str().unwrap();
    let (status, _, page) = gateway
        .post(
            &browser,
            "/admin/tenants/prod/keys",
            &[
                ("csrf", &csrf),
                ("name", SCRIPT),
                ("connection", connection),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    shown_as_text(&page, SCRIPT);
    let (status, page) = gateway.page(&browser, "/admin/tenants/prod").await;
    assert_eq!(status, 200);
    shown_as_text(&page, &format!("{IMG}@evil.example"));
    shown_as_text(&page, SCRIPT);
}
