//! MCP clients named by the https URL of their Client ID Metadata Document instead of a
//! registration: the gateway fetches the document (from a loopback https server here, which only
//! an operator's `client_metadata_private_hosts` lets it reach), logs the user in for that client,
//! keeps the document as long as its answer allows, and refuses — with a page, keeping nothing —
//! any URL or document it cannot trust.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gw_oauth::GrantMode::AuthorizationCode;
use gw_oauth::ScopeSet;
use mcp_gateway::client_metadata::MetadataSettings;
use serde_json::{Value, json};

use crate::harness::document_server::{DocumentServer, document_server};
use crate::harness::mcp::{tool_names, tools_for};
use crate::harness::oauth_client::{
    Client, REDIRECT, VERIFIER, authorize, authorize_url, exchange, token_request,
};
use crate::harness::{InProcess, World, get_json, step_client, world};

const NAME: &str = "Doc Client";

/// The document at `path`: names itself by its URL and lists `redirects`.
fn document(base: &str, path: &str, redirects: &[&str]) -> Value {
    json!({
        "client_id": format!("{base}{path}"),
        "client_name": NAME,
        "redirect_uris": redirects,
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

fn json_answer(document: &Value, cache_control: &'static str) -> Response {
    (
        [(header::CACHE_CONTROL, cache_control)],
        axum::Json(document.clone()),
    )
        .into_response()
}

/// The documents, good and bad, at their paths. The server's own address goes into them, so it
/// is read from `base` once the server is up.
async fn documents() -> (DocumentServer, Arc<Mutex<Vec<String>>>) {
    let base = Arc::new(Mutex::new(String::new()));
    // What `/changing.json` lists as its redirect URIs (it says not to keep it).
    let changing = Arc::new(Mutex::new(vec![REDIRECT.to_owned()]));
    let at = |path: &'static str| {
        let base = base.clone();
        move || {
            let base = base.lock().unwrap().clone();
            async move { json_answer(&document(&base, path, &[REDIRECT]), "max-age=300") }
        }
    };
    let routes = Router::new()
        .route("/client.json", get(at("/client.json")))
        .route("/other.json", get(at("/other.json")))
        .route(
            "/changing.json",
            get({
                let (base, changing) = (base.clone(), changing.clone());
                move || {
                    let base = base.lock().unwrap().clone();
                    let redirects = changing.lock().unwrap().clone();
                    let redirects: Vec<&str> = redirects.iter().map(String::as_str).collect();
                    let answer =
                        json_answer(&document(&base, "/changing.json", &redirects), "no-store");
                    async move { answer }
                }
            }),
        )
        .route(
            "/mismatch.json",
            get({
                let base = base.clone();
                move || {
                    let base = base.lock().unwrap().clone();
                    async move {
                        json_answer(&document(&base, "/client.json", &[REDIRECT]), "max-age=300")
                    }
                }
            }),
        )
        .route(
            "/slow.json",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(8)).await;
                "{}"
            }),
        )
        .route(
            "/huge.json",
            get(|| async {
                // Streamed without a length: the gateway must stop reading on its own.
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024]));
                axum::body::Body::from_stream(futures::stream::iter(chunks))
            }),
        )
        .route(
            "/redirect.json",
            get(|| async { Redirect::temporary("/client.json") }),
        )
        .route("/private.json", get(|| async { StatusCode::NOT_FOUND }));
    let server = document_server(routes).await;
    *base.lock().unwrap() = server.base.clone();
    (server, changing)
}

/// A gateway that trusts the document server's certificate and may fetch from 127.0.0.1.
async fn gateway_for(documents: &DocumentServer, settings: MetadataSettings) -> (World, InProcess) {
    world()
        .grant(AuthorizationCode)
        .client_metadata(MetadataSettings {
            extra_roots_pem: Some(documents.cert_pem.clone().into_bytes()),
            ..settings
        })
        .in_process()
        .await
}

fn loopback_allowed() -> MetadataSettings {
    MetadataSettings {
        private_hosts: vec!["127.0.0.1".to_owned()],
        ..Default::default()
    }
}

fn client(id: String) -> Client {
    Client {
        id,
        verifier: VERIFIER.to_owned(),
        name: NAME.to_owned(),
    }
}

/// The gateway's authorization-server metadata (RFC 8414).
async fn server_metadata(base: &str) -> Value {
    let url = format!("{base}/.well-known/oauth-authorization-server");
    get_json(&reqwest::Client::new(), &url).await.1
}

/// The page `/authorize` answers for `client`, as a browser sees it.
async fn authorize_page(gateway: &InProcess, client: &Client) -> (u16, String) {
    let page = step_client()
        .get(authorize_url(gateway, client, &[]))
        .send()
        .await
        .unwrap();
    (page.status().as_u16(), page.text().await.unwrap())
}

#[tokio::test]
async fn a_client_named_by_its_document_url_logs_in_calls_tools_and_refreshes() {
    let (documents, _) = documents().await;
    let (_world, gateway) = gateway_for(&documents, loopback_allowed()).await;
    let metadata = server_metadata(&gateway.base).await;
    assert_eq!(metadata["client_id_metadata_document_supported"], true);

    let client = client(format!("{}/client.json", documents.base));
    let (status, page) = authorize_page(&gateway, &client).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(r#"<p class="client-host">An application published by <strong><code>127.0.0.1</code></strong></p>"#),
        "the consent page leads with the document's host: {page}"
    );
    let redirect = authorize(&gateway, &client, &[]).await;
    let (status, tokens) = exchange(&gateway, &client, &redirect["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    let mcp = gateway
        .mcp_client(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(tool_names(&mcp).await, tools_for(ScopeSet::all()));
    let (status, refreshed) = token_request(
        &gateway,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client.id),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        documents.hits("/client.json"),
        1,
        "the document is kept for the max-age its answer gave"
    );
    let kept = gateway
        .store
        .oauth_client(&client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.client_name.as_deref(), Some(NAME));
    assert!(kept.is_public());
    assert!(kept.authorized_at.is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn a_document_that_says_not_to_keep_it_is_fetched_each_time_and_its_changes_count() {
    let (documents, changing) = documents().await;
    let (_world, gateway) = gateway_for(&documents, loopback_allowed()).await;
    let client = client(format!("{}/changing.json", documents.base));
    assert_eq!(authorize_page(&gateway, &client).await.0, 200);
    assert_eq!(authorize_page(&gateway, &client).await.0, 200);
    assert_eq!(documents.hits("/changing.json"), 2);

    // The client moves its redirect URI: requests for the old one are refused from then on.
    *changing.lock().unwrap() = vec!["http://127.0.0.1:9/new-callback".to_owned()];
    let (status, page) = authorize_page(&gateway, &client).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("not one the application registered"),
        "{page}"
    );
    let kept = gateway
        .store
        .oauth_client(&client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.redirect_uris,
        [REDIRECT],
        "a refused request changes nothing"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn urls_and_documents_that_cannot_be_trusted_are_refused_on_a_page_keeping_nothing() {
    let (documents, _) = documents().await;
    let (world, gateway) = gateway_for(&documents, loopback_allowed()).await;
    let base = &documents.base;
    let port = base.rsplit(':').next().unwrap();
    let cases = [
        (
            format!("http://127.0.0.1:{port}/client.json"),
            "must be https",
        ),
        // Not the operator's exempt host: `localhost` resolves to a loopback address.
        (
            format!("https://localhost:{port}/client.json"),
            "resolves to 127.0.0.1, which is not a public address",
        ),
        (
            format!("https://127.0.0.2:{port}/client.json"),
            "127.0.0.2 is not a public address",
        ),
        (
            format!("https://[::1]:{port}/client.json"),
            "::1 is not a public address",
        ),
        (
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "not a public address",
        ),
        (
            format!("{base}/slow.json"),
            "did not arrive within 5 seconds",
        ),
        (format!("{base}/huge.json"), "larger than 5120 bytes"),
        (format!("{base}/redirect.json"), "answered with a redirect"),
        (format!("{base}/mismatch.json"), "names another client_id"),
        (format!("{base}/private.json"), "answered HTTP 404"),
        (format!("{base}/a/../client.json"), "not in its normal form"),
        (format!("{base}/client.json#top"), "has a fragment"),
    ];
    for (id, why) in &cases {
        let (status, page) = authorize_page(&gateway, &client(id.clone())).await;
        assert_eq!(status, 400, "{id}: {page}");
        assert!(
            page.contains(why) && page.contains("cannot be used"),
            "{id}: the page says why ({why}): {page}"
        );
    }
    // A good document, but the request's redirect URI is not among those it lists.
    let (status, page) = authorize_page(&gateway, &client(format!("{base}/other.json"))).await;
    assert_eq!(status, 200, "{page}");
    let elsewhere = step_client()
        .get(authorize_url(
            &gateway,
            &client(format!("{base}/client.json")),
            &[("redirect_uri", "https://attacker.example/cb")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 400);
    assert!(
        elsewhere
            .text()
            .await
            .unwrap()
            .contains("not one the application registered")
    );

    // Nothing is kept for any refused request: only `other.json`'s client and its request.
    let clients = gateway.store.list_clients().await.unwrap();
    let kept: Vec<&str> = clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(kept, [format!("{base}/other.json").as_str()]);
    let requests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_requests")
        .fetch_one(&world.sqlite().await)
        .await
        .unwrap();
    assert_eq!(requests, 1);
    let refused = gateway.audited("refused_client_metadata").await;
    assert!(
        refused.principal.starts_with("source 127.0.0.1, client "),
        "{refused:?}"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn operators_can_limit_documents_to_listed_hosts_or_turn_them_off() {
    let (documents, _) = documents().await;
    let id = format!("{}/client.json", documents.base);
    let (_world, listed) = gateway_for(
        &documents,
        MetadataSettings {
            hosts: Some(vec!["claude.ai".to_owned()]),
            ..loopback_allowed()
        },
    )
    .await;
    let (status, page) = authorize_page(&listed, &client(id.clone())).await;
    assert_eq!(status, 400);
    assert!(page.contains("127.0.0.1 is not one of them"), "{page}");
    listed.stop().await;

    let (_world, off) = gateway_for(
        &documents,
        MetadataSettings {
            enabled: false,
            ..loopback_allowed()
        },
    )
    .await;
    let metadata = server_metadata(&off.base).await;
    assert_eq!(metadata["client_id_metadata_document_supported"], false);
    let (status, page) = authorize_page(&off, &client(id)).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("does not accept client metadata documents"),
        "{page}"
    );
    assert_eq!(documents.hits("/client.json"), 0, "nothing was fetched");
    off.stop().await;
}

#[tokio::test]
async fn document_fetches_count_against_the_address_like_registrations() {
    let (documents, _) = documents().await;
    let (_world, gateway) = world()
        .grant(AuthorizationCode)
        .registrations_per_hour(1)
        .client_metadata(MetadataSettings {
            extra_roots_pem: Some(documents.cert_pem.clone().into_bytes()),
            ..loopback_allowed()
        })
        .in_process()
        .await;
    let first = client(format!("{}/client.json", documents.base));
    assert_eq!(authorize_page(&gateway, &first).await.0, 200);
    assert_eq!(
        authorize_page(&gateway, &first).await.0,
        200,
        "a kept document costs nothing"
    );
    let second = client(format!("{}/other.json", documents.base));
    let (status, page) = authorize_page(&gateway, &second).await;
    assert_eq!(status, 429, "{page}");
    assert_eq!(documents.hits("/other.json"), 0);
    gateway.audited("refused_rate_limit").await;
    gateway.stop().await;
}
