//! The store behaves the same on SQLite and PostgreSQL, and several processes sharing one
//! PostgreSQL store act as one: revocations are seen at once, and an expired connection token is
//! refreshed once between them.
//!
//! PostgreSQL runs when `GATEWAY_TEST_POSTGRES` names a server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`; `.ci/run` sets it); each test gets its own schema.
//! Without it these tests run on SQLite only and say so.

mod postgres;

use std::sync::Arc;
use std::time::Duration;

use gw_mcp::{Outcome, RefusalKind};
use gw_oauth::{GrantMode, OAuthHttp, ScopeSet, TokenCipher, UserFlow, UserTokenProvider};
use gw_store::{
    ConnectionStatus, Exchanged, Grant, NewConnection, NewKey, PendingAuthorization, Store,
    StoreError, StoreVault, Taken, new_family,
};
use secrecy::SecretString;

/// A fresh, empty store URL per backend available here.
async fn backends() -> Vec<(&'static str, String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let mut all = vec![("sqlite", sqlite, Some(dir))];
    if let Some(base) = postgres::server() {
        all.push(("postgres", postgres::fresh_schema(&base).await, None));
    }
    all
}

fn cipher(key: &str) -> TokenCipher {
    TokenCipher::from_base64(key).unwrap()
}

fn tokens(access: &str, refresh: Option<&str>, expires_at: i64) -> gw_oauth::UserTokens {
    gw_oauth::UserTokens {
        access_token: gw_oauth::AccessToken::new(access),
        refresh_token: refresh.map(|r| SecretString::from(r.to_owned())),
        expires_at,
        granted: "openid offline_access read:users".to_owned(),
        id_token: None,
    }
}

fn identity(user: &str) -> gw_oauth::UserIdentity {
    gw_oauth::UserIdentity {
        user_id: user.to_owned(),
        email: Some(format!("{}@example.com", user.replace('|', "."))),
        email_verified: true,
        name: None,
    }
}

#[tokio::test]
async fn keys_and_connections_behave_alike_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let key = TokenCipher::generate_key();
        let store = Store::open_with_key(&url, cipher(&key)).await.unwrap();
        let (record, access_key) = store
            .create_key(NewKey {
                tenant: "acme".into(),
                name: "agent".into(),
                scopes: ScopeSet::parse_list("read:users").unwrap(),
                expires_at: None,
                connection_id: None,
            })
            .await
            .unwrap();
        assert_eq!(
            store.find_active_key(&access_key).await.unwrap(),
            Some(record.clone()),
            "{backend}"
        );
        assert_eq!(
            store.list_keys(Some("acme")).await.unwrap().len(),
            1,
            "{backend}"
        );
        assert_eq!(store.list_keys(None).await.unwrap().len(), 1, "{backend}");
        assert_eq!(
            store.list_keys(Some("other")).await.unwrap().len(),
            0,
            "{backend}"
        );

        let first = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u1"),
                tokens: &tokens("at-1", Some("rt-1"), 1000),
                keep_tokens: true,
            })
            .await
            .unwrap();
        assert!(
            first.email_verified && first.has_refresh_token,
            "{backend}: {first:?}"
        );
        let again = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u1"),
                tokens: &tokens("at-2", Some("rt-2"), 2000),
                keep_tokens: true,
            })
            .await
            .unwrap();
        assert_eq!(
            again.id, first.id,
            "{backend}: connecting again renews the same connection"
        );
        assert_eq!(again.expires_at, Some(2000));
        let (_, key_for_connection) = store
            .create_key(NewKey {
                tenant: "acme".into(),
                name: "user".into(),
                scopes: ScopeSet::EMPTY,
                expires_at: None,
                connection_id: Some(first.id.clone()),
            })
            .await
            .unwrap();

        // Through the vault interface, as the refresher uses it.
        let vault = StoreVault(store.clone());
        let gw_oauth::VaultEntry::Active(loaded) =
            gw_oauth::ConnectionVault::load(&vault, &first.id)
                .await
                .unwrap()
        else {
            panic!("{backend}: an active connection");
        };
        assert_eq!(loaded.access_token.expose_secret(), "at-2");
        gw_oauth::ConnectionVault::save_refreshed(
            &vault,
            &first.id,
            &tokens("at-3", Some("rt-3"), 3000),
        )
        .await
        .unwrap();
        let gw_oauth::VaultEntry::Active(loaded) =
            gw_oauth::ConnectionVault::load(&vault, &first.id)
                .await
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(loaded.access_token.expose_secret(), "at-3", "{backend}");
        gw_oauth::ConnectionVault::mark_needs_reconnect(&vault, &first.id, "refused")
            .await
            .unwrap();
        assert_eq!(
            store.connection(&first.id).await.unwrap().unwrap().status,
            ConnectionStatus::NeedsReconnect("refused".into()),
            "{backend}"
        );

        assert!(store.revoke_connection(&first.id).await.unwrap().is_some());
        assert_eq!(
            store.find_active_key(&key_for_connection).await.unwrap(),
            None,
            "{backend}: keys of a revoked connection stop"
        );
        assert!(
            store.revoke_connection(&first.id).await.unwrap().is_none(),
            "{backend}"
        );
        drop(store);

        let wrong = Store::open_with_key(&url, cipher(&TokenCipher::generate_key())).await;
        assert!(matches!(wrong, Err(StoreError::WrongKey)), "{backend}");
    }
}

#[tokio::test]
async fn states_codes_and_refresh_tokens_work_once_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let state = SecretString::from("state-1".to_owned());
        store
            .save_pending(
                &state,
                &PendingAuthorization {
                    tenant: "acme".into(),
                    verifier: SecretString::from("verifier".to_owned()),
                    requested: ScopeSet::parse_list("openid").unwrap(),
                    browser_hash: None,
                    oauth_request: None,
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(
                store.take_pending("state-1").await.unwrap(),
                Taken::Found(_)
            ),
            "{backend}"
        );
        assert!(
            matches!(store.take_pending("state-1").await.unwrap(), Taken::Unknown),
            "{backend}"
        );

        let connection = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u2"),
                tokens: &tokens("at", None, 1),
                keep_tokens: false,
            })
            .await
            .unwrap();
        let (client, _) = store
            .register_client(
                gw_store::NewClient {
                    auth_method: "none".into(),
                    client_name: Some("c".into()),
                    redirect_uris: vec!["http://127.0.0.1/cb".into()],
                },
                86_400,
            )
            .await
            .unwrap()
            .unwrap();
        let grant = Grant {
            family: new_family(),
            client_id: client.client_id.clone(),
            connection_id: connection.id.clone(),
            resource: "http://gw/mcp".into(),
            scopes: ScopeSet::parse_list("read:users").unwrap(),
        };
        let code = store
            .issue_code(&grant, "http://127.0.0.1/cb", "challenge")
            .await
            .unwrap();
        // A check that refuses leaves the code unspent.
        assert!(
            matches!(
                store.exchange_code(&code, |_| Err("no")).await.unwrap(),
                Exchanged::Refused("no")
            ),
            "{backend}"
        );
        let Exchanged::Issued(_, issued) = store
            .exchange_code(&code, |redeemed| {
                assert_eq!(redeemed.grant, grant);
                Ok::<_, ()>(redeemed.grant.clone())
            })
            .await
            .unwrap()
        else {
            panic!("{backend}: a fresh code")
        };
        assert!(
            store
                .access_token_grant(&issued.access_token)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            matches!(
                store.exchange_code(&code, accept_code).await.unwrap(),
                Exchanged::Reused
            ),
            "{backend}"
        );
        assert!(
            store
                .access_token_grant(&issued.access_token)
                .await
                .unwrap()
                .is_none(),
            "{backend}: a reused code revokes what it issued"
        );

        let grant = Grant {
            family: new_family(),
            ..grant
        };
        let issued = store.issue_tokens(&grant).await.unwrap();
        let Exchanged::Issued(_, next) = store
            .exchange_refresh_token(&issued.refresh_token, accept_grant)
            .await
            .unwrap()
        else {
            panic!("{backend}: a fresh refresh token")
        };
        assert!(
            matches!(
                store
                    .exchange_refresh_token(&issued.refresh_token, accept_grant)
                    .await
                    .unwrap(),
                Exchanged::Reused
            ),
            "{backend}"
        );
        assert!(
            store
                .access_token_grant(&next.access_token)
                .await
                .unwrap()
                .is_none(),
            "{backend}: reuse revokes the family"
        );

        // Revoking the connection takes its tokens and unredeemed codes with it.
        let grant = Grant {
            family: new_family(),
            ..grant
        };
        let live = store.issue_tokens(&grant).await.unwrap();
        let code = store
            .issue_code(&grant, "http://127.0.0.1/cb", "challenge")
            .await
            .unwrap();
        store.revoke_connection(&connection.id).await.unwrap();
        assert!(
            store
                .access_token_grant(&live.access_token)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        assert!(
            matches!(
                store
                    .exchange_refresh_token(&live.refresh_token, accept_grant)
                    .await
                    .unwrap(),
                Exchanged::Unknown
            ),
            "{backend}"
        );
        assert!(
            matches!(
                store.exchange_code(&code, accept_code).await.unwrap(),
                Exchanged::Unknown
            ),
            "{backend}"
        );
    }
}

fn accept_code(code: &gw_store::Code) -> Result<Grant, ()> {
    Ok(code.grant.clone())
}

fn accept_grant(grant: &Grant) -> Result<Grant, ()> {
    Ok(grant.clone())
}

/// L2: many concurrent exchanges of one code or one refresh token, on every backend: one wins,
/// and once they are all answered no token of the family works.
#[tokio::test]
async fn concurrent_replays_leave_no_token_of_the_family_alive_on_every_backend() {
    const COPIES: usize = 12;
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let connection = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|race"),
                tokens: &tokens("at", None, 1),
                keep_tokens: false,
            })
            .await
            .unwrap();
        for trial in 0..5 {
            let grant = Grant {
                family: new_family(),
                client_id: "mcpc_racer".into(),
                connection_id: connection.id.clone(),
                resource: "http://gw/mcp".into(),
                scopes: ScopeSet::parse_list("read:users").unwrap(),
            };
            let code = store
                .issue_code(&grant, "http://127.0.0.1/cb", "challenge")
                .await
                .unwrap();
            // The refresh token in a family of its own: a code replay must not revoke it first.
            let refresh = store
                .issue_tokens(&Grant {
                    family: new_family(),
                    ..grant.clone()
                })
                .await
                .unwrap()
                .refresh_token;
            let mut racers = tokio::task::JoinSet::new();
            for copy in 0..COPIES {
                let (store, code, refresh) = (store.clone(), code.clone(), refresh.clone());
                racers.spawn(async move {
                    let exchanged = if copy % 2 == 0 {
                        store.exchange_code(&code, accept_code).await
                    } else {
                        store.exchange_refresh_token(&refresh, accept_grant).await
                    };
                    match exchanged.unwrap() {
                        Exchanged::Issued(_, tokens) => Some(tokens),
                        _ => None,
                    }
                });
            }
            let winners: Vec<_> = racers.join_all().await.into_iter().flatten().collect();
            assert_eq!(
                winners.len(),
                2,
                "{backend}, trial {trial}: one code and one refresh win"
            );
            for won in winners {
                assert!(
                    store
                        .access_token_grant(&won.access_token)
                        .await
                        .unwrap()
                        .is_none(),
                    "{backend}, trial {trial}: a winner's access token survived the replay"
                );
                assert!(
                    matches!(
                        store
                            .exchange_refresh_token(&won.refresh_token, accept_grant)
                            .await
                            .unwrap(),
                        Exchanged::Unknown
                    ),
                    "{backend}, trial {trial}: a winner's refresh token survived the replay"
                );
            }
        }
    }
}

#[tokio::test]
async fn two_processes_on_one_store_see_revocations_at_once() {
    for (backend, url, _dir) in backends().await {
        let key = TokenCipher::generate_key();
        let a = Store::open_with_key(&url, cipher(&key)).await.unwrap();
        let b = Store::open_with_key(&url, cipher(&key)).await.unwrap();
        let (record, access_key) = a
            .create_key(NewKey {
                tenant: "acme".into(),
                name: "agent".into(),
                scopes: ScopeSet::EMPTY,
                expires_at: None,
                connection_id: None,
            })
            .await
            .unwrap();
        assert!(
            b.find_active_key(&access_key).await.unwrap().is_some(),
            "{backend}"
        );
        a.revoke_key(&record.id).await.unwrap();
        assert!(
            b.find_active_key(&access_key).await.unwrap().is_none(),
            "{backend}: refused on B as soon as A revoked"
        );
    }
}

/// The fake tenant on 127.0.0.1:0, granting users what they ask for, and the settings of an
/// `authorization_code` tenant on it.
async fn fake_tenant() -> (fake_auth0::RunningFake, gw_oauth::TenantSettings) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = fake_auth0::FakeConfig {
        seed: fake_auth0::Seed::Demo,
        clients: vec![fake_auth0::RegisteredClient {
            client_id: "store-e2e".into(),
            client_secret: "store-e2e-secret".into(),
            name: "MCP Gateway".into(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        user_grants: fake_auth0::UserGrants::AllRequestedUnlikeAuth0,
        ..fake_auth0::FakeConfig::default()
    };
    let domain = config.domain.clone();
    let running = fake_auth0::FakeAuth0::new(config)
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let settings = gw_oauth::TenantSettings {
        name: "acme".into(),
        domain,
        base_url: running.base_url.parse().unwrap(),
        client_id: "store-e2e".into(),
        client_secret: gw_oauth::ClientSecret::new("store-e2e-secret"),
        grant: GrantMode::AuthorizationCode,
        scopes: ScopeSet::all(),
        read_only: false,
        allow: None,
        deny: vec![],
        user_policy: vec![],
    };
    (running, settings)
}

/// PostgreSQL only: a SQLite store belongs to one process (its refreshes are single-flight in
/// memory), so two handles on one SQLite file are not a supported set-up.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL only: set GATEWAY_TEST_POSTGRES (.ci/run does)"
)]
async fn an_expired_token_is_refreshed_once_across_processes_sharing_a_postgres_store() {
    let url = postgres::fresh_schema(&postgres::required()).await;
    let (running, settings) = fake_tenant().await;
    let fake = &running.fake;
    let settings = Arc::new(settings);
    let http = OAuthHttp::new(Duration::from_secs(10));
    let callback: url::Url = "http://127.0.0.1:9/integration-callback".parse().unwrap();

    // One sign-in at the fake tenant through the gateway's own flow code, with a token that
    // expires at once.
    fake.set_access_token_ttl(Duration::from_secs(1));
    let flow = UserFlow::new(&settings, &http, callback.clone());
    let start = flow.start(ScopeSet::all());
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(start.url.as_str())
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = flow.exchange(&code, &start.verifier).await.unwrap();
    let who = flow.identity(&tokens.access_token).await.unwrap();
    fake.set_access_token_ttl(Duration::from_secs(3600));

    let key = TokenCipher::generate_key();
    let a = Store::open_with_key(&url, cipher(&key)).await.unwrap();
    let b = Store::open_with_key(&url, cipher(&key)).await.unwrap();
    let connection = a
        .save_connection(NewConnection {
            tenant: "acme",
            identity: &who,
            tokens: &tokens,
            keep_tokens: true,
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let provider = |store: &Store| {
        Arc::new(UserTokenProvider::new(
            settings.clone(),
            http.clone(),
            callback.clone(),
            Arc::new(StoreVault(store.clone())),
        ))
    };
    let (on_a, on_b) = (provider(&a), provider(&b));
    let calls = (0..100).map(|i| {
        let provider = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        let id = connection.id.clone();
        async move {
            provider
                .token(&id)
                .await
                .map(|t| t.access_token.expose_secret().to_owned())
        }
    });
    let results = futures::future::join_all(calls).await;
    let first = results[0].as_ref().unwrap().clone();
    for result in &results {
        assert_eq!(
            result.as_ref().unwrap(),
            &first,
            "everyone uses the winner's token"
        );
    }
    assert_eq!(fake.stats().token_requests_for("refresh_token"), 1);
}

#[tokio::test]
async fn audit_batches_are_written_whole_and_read_back_in_order_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        // 250 rows: ten multi-row statements in one transaction.
        let records: Vec<gw_mcp::AuditRecord> = (0..250)
            .map(|i| gw_mcp::AuditRecord {
                at_ms: 1_000_000 + i,
                tenant: if i % 2 == 0 { "even" } else { "odd" }.to_owned(),
                principal: format!("key {i}"),
                connection_id: (i % 3 == 0).then(|| format!("con_{i}")),
                oauth_client: (i % 6 == 0).then(|| format!("mcpc_{i}")),
                tool: "auth0_get_user".to_owned(),
                outcome: if i % 5 == 0 {
                    Outcome::Upstream
                } else {
                    Outcome::Ok
                },
                upstream_status: (i % 5 == 0).then_some(503),
                upstream_request_id: (i % 5 == 0).then(|| format!("req-{i}")),
                latency_ms: i as u64,
            })
            .collect();
        store.append_audit(&records).await.unwrap();
        let all = store.audit_since(0, None, 1_000).await.unwrap();
        assert_eq!(all.len(), 250, "{backend}");
        assert_eq!(all[0].principal, "key 0", "{backend}");
        assert_eq!(all[249].latency_ms, 249, "{backend}");
        assert_eq!(all[5].upstream_status, Some(503), "{backend}");
        assert_eq!(
            all[5].upstream_request_id.as_deref(),
            Some("req-5"),
            "{backend}"
        );
        assert_eq!(all[6].upstream_status, None, "{backend}");
        assert_eq!(
            (
                all[6].connection_id.as_deref(),
                all[6].oauth_client.as_deref()
            ),
            (Some("con_6"), Some("mcpc_6")),
            "{backend}"
        );
        assert_eq!(
            (
                all[3].connection_id.as_deref(),
                all[3].oauth_client.as_deref()
            ),
            (Some("con_3"), None),
            "{backend}"
        );
        assert_eq!(all[4].connection_id, None, "{backend}");
        assert_eq!(all[4].outcome, Outcome::Ok, "{backend}");
        let odd = store
            .audit_since(1_000_200, Some("odd"), 1_000)
            .await
            .unwrap();
        assert_eq!(odd.len(), 25, "{backend}");
        assert!(odd.iter().all(|r| r.tenant == "odd"), "{backend}");
    }
}

#[tokio::test]
async fn portal_tenants_admin_sessions_and_recent_calls_behave_alike_on_every_backend() {
    use gw_store::{AdminSecret, StoredTenant};
    let key = TokenCipher::generate_key();
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&key)).await.unwrap();
        let mut tenant = StoredTenant {
            name: "acme".into(),
            domain: "acme.eu.auth0.com".into(),
            client_id: "app".into(),
            client_secret: gw_oauth::ClientSecret::new("the-secret"),
            grant: GrantMode::ClientCredentials,
            scopes: ScopeSet::parse_list("openid,read:users").unwrap(),
            operators: vec!["ops@example.com".into(), "@example.org".into()],
            read_only: true,
            version: 0,
        };
        assert_eq!(store.save_tenant(&tenant).await.unwrap(), 1, "{backend}");
        tenant.client_id = "app-2".into();
        assert_eq!(store.save_tenant(&tenant).await.unwrap(), 2, "{backend}");
        let read = store.stored_tenant("acme").await.unwrap().unwrap();
        assert_eq!(read.client_id, "app-2", "{backend}");
        assert_eq!(
            read.client_secret.expose_secret(),
            "the-secret",
            "{backend}"
        );
        assert_eq!(read.grant, GrantMode::ClientCredentials, "{backend}");
        assert_eq!(read.scopes, tenant.scopes, "{backend}");
        assert_eq!(read.operators, tenant.operators, "{backend}");
        assert!(read.read_only, "{backend}");
        assert_eq!(
            store.tenant_versions().await.unwrap(),
            [("acme".to_owned(), 2)],
            "{backend}"
        );
        assert_eq!(store.list_tenants().await.unwrap().len(), 1, "{backend}");
        // Another key cannot open the secret (and the store refuses it at open anyway).
        assert!(matches!(
            Store::open_with_key(&url, cipher(&TokenCipher::generate_key())).await,
            Err(StoreError::WrongKey)
        ));

        let (admin, admin_key) = store.create_admin_key("ops").await.unwrap();
        assert!(
            store
                .open_admin_session(&AdminSecret::from_presented("mcpadm_wrong"))
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        let session = store.open_admin_session(&admin_key).await.unwrap().unwrap();
        assert_eq!(
            store
                .admin_session(&session)
                .await
                .unwrap()
                .unwrap()
                .admin_name,
            "ops",
            "{backend}"
        );
        store.close_admin_session(&session).await.unwrap();
        assert!(
            store.admin_session(&session).await.unwrap().is_none(),
            "{backend}"
        );
        let session = store.open_admin_session(&admin_key).await.unwrap().unwrap();
        assert!(
            store.revoke_admin_key(&admin.id).await.unwrap(),
            "{backend}"
        );
        assert!(
            store.admin_session(&session).await.unwrap().is_none(),
            "{backend}"
        );
        assert!(
            store
                .open_admin_session(&admin_key)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );

        // As gw-mcp writes them: the display string for people, the ids in columns of their own.
        let by_con_1 = |at_ms: i64, outcome: Outcome| gw_mcp::AuditRecord {
            at_ms,
            tenant: "acme".into(),
            principal: "ops@example.com (con_1)".into(),
            connection_id: Some("con_1".into()),
            oauth_client: None,
            tool: "auth0_list_users".into(),
            outcome,
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 3,
        };
        let by_agent_key = |at_ms: i64, name: &str| gw_mcp::AuditRecord {
            principal: format!("access key `{name}` (key_1)"),
            connection_id: None,
            ..by_con_1(at_ms, Outcome::Ok)
        };
        store
            .append_audit(&[
                by_con_1(1_000, Outcome::Ok),
                by_con_1(2_000, Outcome::Upstream),
                by_agent_key(3_000, "bot"),
                by_con_1(4_000, Outcome::Refused(RefusalKind::Session)),
            ])
            .await
            .unwrap();
        let recent = store.recent_audit("acme", 2).await.unwrap();
        assert_eq!(
            recent.iter().map(|r| r.at_ms).collect::<Vec<_>>(),
            [4_000, 3_000],
            "{backend}"
        );
        assert_eq!(
            store.last_call_by("acme", "con_1").await.unwrap(),
            Some(2_000),
            "{backend}: refusals are not uses"
        );
        assert_eq!(
            store.last_call_by("acme", "con_2").await.unwrap(),
            None,
            "{backend}"
        );
        assert_eq!(
            store.last_call_by("other", "con_1").await.unwrap(),
            None,
            "{backend}: asked per tenant"
        );
        // A later batch holding an older call does not move the last use back.
        store
            .append_audit(&[by_con_1(1_500, Outcome::Ok)])
            .await
            .unwrap();
        assert_eq!(
            store.last_call_by("acme", "con_1").await.unwrap(),
            Some(2_000),
            "{backend}"
        );
        store
            .append_audit(&[by_con_1(5_000, Outcome::Ok)])
            .await
            .unwrap();
        assert_eq!(
            store.last_call_by("acme", "con_1").await.unwrap(),
            Some(5_000),
            "{backend}"
        );
        // A call through an MCP client the user authorized is a use of the connection too.
        store
            .append_audit(&[gw_mcp::AuditRecord {
                principal: "ops@example.com (con_1) via OAuth client mcpc_9".into(),
                oauth_client: Some("mcpc_9".into()),
                ..by_con_1(6_000, Outcome::Ok)
            }])
            .await
            .unwrap();
        assert_eq!(
            store.last_call_by("acme", "con_1").await.unwrap(),
            Some(6_000),
            "{backend}: calls through an MCP OAuth client count"
        );
        // Whose use it is comes from the column, not from reading the display string: an agent
        // key someone named like the connection is not the connection's use.
        store
            .append_audit(&[by_agent_key(7_000, "(con_1)")])
            .await
            .unwrap();
        assert_eq!(
            store.last_call_by("acme", "con_1").await.unwrap(),
            Some(6_000),
            "{backend}: a key named `(con_1)` is not con_1"
        );
    }
}

/// M3's verdicts on every backend: a suspended connection keeps its reason, is reinstated (a
/// revoked one is not), and keeps the email Auth0 holds now.
#[tokio::test]
async fn connections_are_suspended_and_reinstated_alike_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let connection = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u1"),
                tokens: &tokens("unused", None, 0),
                keep_tokens: false,
            })
            .await
            .unwrap();
        assert!(
            store
                .suspend_connection(&connection.id, "the user is blocked in Auth0")
                .await
                .unwrap(),
            "{backend}"
        );
        let read = store.connection(&connection.id).await.unwrap().unwrap();
        assert_eq!(
            read.status,
            ConnectionStatus::Suspended("the user is blocked in Auth0".into()),
            "{backend}"
        );
        store
            .update_connection_email(&connection.id, Some("new@example.com"), false)
            .await
            .unwrap();
        assert!(
            store.reinstate_connection(&connection.id).await.unwrap(),
            "{backend}"
        );
        let read = store.connection(&connection.id).await.unwrap().unwrap();
        assert_eq!(read.status, ConnectionStatus::Active, "{backend}");
        assert_eq!(
            (read.email.as_deref(), read.email_verified),
            (Some("new@example.com"), false),
            "{backend}"
        );
        assert!(
            store
                .revoke_connection(&connection.id)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            !store.suspend_connection(&connection.id, "x").await.unwrap(),
            "{backend}: a revoked connection stays revoked"
        );
        assert!(
            !store.reinstate_connection(&connection.id).await.unwrap(),
            "{backend}"
        );
        assert_eq!(
            store
                .connection(&connection.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            ConnectionStatus::Revoked,
            "{backend}"
        );
    }
}

/// A client registration as `/register` makes it.
async fn registered(store: &Store, name: &str) -> gw_store::OAuthClient {
    store
        .register_client(
            gw_store::NewClient {
                auth_method: "none".into(),
                client_name: Some(name.into()),
                redirect_uris: vec!["http://127.0.0.1/cb".into()],
            },
            86_400,
        )
        .await
        .unwrap()
        .unwrap()
        .0
}

/// Runs `sql` on the store behind the store's back (to age rows).
async fn execute(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn sweeps_remove_unused_registrations_stale_sign_ins_and_old_refusals_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let unused = registered(&store, "never used").await;
        let used = registered(&store, "used").await;
        let fresh = registered(&store, "just registered").await;
        let connection = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u9"),
                tokens: &tokens("at", None, 1),
                keep_tokens: false,
            })
            .await
            .unwrap();
        let grant = Grant {
            family: new_family(),
            client_id: used.client_id.clone(),
            connection_id: connection.id.clone(),
            resource: "http://gw/mcp".into(),
            scopes: ScopeSet::parse_list("read:users").unwrap(),
        };
        store
            .issue_code(&grant, "http://127.0.0.1/cb", "challenge")
            .await
            .unwrap();
        // Two days pass for the first two registrations.
        execute(
            &url,
            &format!(
                "UPDATE oauth_clients SET created_at = created_at - 172800 WHERE client_id IN ('{}', '{}')",
                unused.client_id, used.client_id
            ),
        )
        .await;
        // A sign-in abandoned two hours ago, and one in progress.
        for state in ["abandoned", "in-progress"] {
            store
                .save_pending(
                    &SecretString::from(state.to_owned()),
                    &PendingAuthorization {
                        tenant: "acme".into(),
                        verifier: SecretString::from("verifier".to_owned()),
                        requested: ScopeSet::parse_list("openid").unwrap(),
                        browser_hash: None,
                        oauth_request: None,
                    },
                )
                .await
                .unwrap();
        }
        execute(
            &url,
            &format!(
                "UPDATE pending_authorizations SET expires_at = expires_at - 7800 WHERE state_hash = '{}'",
                gw_store::sha256_hex("abandoned")
            ),
        )
        .await;
        // A refusal and a tool call, both 40 days old, and a refusal of today.
        let now_ms = gw_store::unix_now() * 1000;
        let old_ms = now_ms - 40 * 86_400_000;
        let mut refusal = gw_mcp::AuditRecord::refusal(
            "-",
            "credential mcpgw_…",
            "/mcp",
            RefusalKind::Credential,
        );
        refusal.at_ms = old_ms;
        let recent_refusal = gw_mcp::AuditRecord {
            at_ms: now_ms,
            ..refusal.clone()
        };
        let call = gw_mcp::AuditRecord {
            at_ms: old_ms,
            tenant: "acme".into(),
            principal: "key k".into(),
            connection_id: None,
            oauth_client: None,
            tool: "auth0_list_users".into(),
            outcome: Outcome::Ok,
            upstream_status: None,
            upstream_request_id: None,
            latency_ms: 3,
        };
        store
            .append_audit(&[refusal, recent_refusal, call])
            .await
            .unwrap();

        let swept = store.sweep(&gw_store::Retention::default()).await.unwrap();
        assert_eq!(
            (swept.clients, swept.pending, swept.refusals),
            (1, 1, 1),
            "{backend}: {swept:?}"
        );
        let left: Vec<String> = store
            .list_clients()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.client_id)
            .collect();
        assert_eq!(
            left,
            [used.client_id.clone(), fresh.client_id.clone()],
            "{backend}"
        );
        assert!(
            matches!(
                store.take_pending("in-progress").await.unwrap(),
                Taken::Found(_)
            ),
            "{backend}"
        );
        assert!(
            matches!(
                store.take_pending("abandoned").await.unwrap(),
                Taken::Unknown
            ),
            "{backend}"
        );
        let audit = store.audit_since(0, None, 100).await.unwrap();
        assert_eq!(audit.len(), 2, "{backend}: {audit:?}");
        assert!(
            audit.iter().any(|r| r.tool == "auth0_list_users"),
            "{backend}: tool calls are kept"
        );
        assert!(
            store
                .sweep(&gw_store::Retention::default())
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn removing_a_client_revokes_its_tokens_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let client = registered(&store, "to remove").await;
        let other = registered(&store, "to keep").await;
        let connection = store
            .save_connection(NewConnection {
                tenant: "acme",
                identity: &identity("auth0|u8"),
                tokens: &tokens("at", None, 1),
                keep_tokens: false,
            })
            .await
            .unwrap();
        let grant = |client_id: &str| Grant {
            family: new_family(),
            client_id: client_id.to_owned(),
            connection_id: connection.id.clone(),
            resource: "http://gw/mcp".into(),
            scopes: ScopeSet::parse_list("read:users").unwrap(),
        };
        let issued = store.issue_tokens(&grant(&client.client_id)).await.unwrap();
        let kept = store.issue_tokens(&grant(&other.client_id)).await.unwrap();
        let code = store
            .issue_code(&grant(&client.client_id), "http://127.0.0.1/cb", "c")
            .await
            .unwrap();
        assert!(
            store.remove_client(&client.client_id).await.unwrap(),
            "{backend}"
        );
        assert!(
            !store.remove_client(&client.client_id).await.unwrap(),
            "{backend}"
        );
        assert!(
            store
                .oauth_client(&client.client_id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .access_token_grant(&issued.access_token)
                .await
                .unwrap()
                .is_none(),
            "{backend}: the removed client's tokens are revoked"
        );
        assert!(matches!(
            store
                .exchange_refresh_token(&issued.refresh_token, |g| Ok::<_, ()>(g.clone()))
                .await
                .unwrap(),
            Exchanged::Unknown
        ));
        assert!(matches!(
            store
                .exchange_code(&code, |c| Ok::<_, ()>(c.grant.clone()))
                .await
                .unwrap(),
            Exchanged::Unknown
        ));
        assert!(
            store
                .access_token_grant(&kept.access_token)
                .await
                .unwrap()
                .is_some(),
            "{backend}: other clients keep theirs"
        );
    }
}

/// Upgrading keeps "last used": rows written before the audit log had its connection and client
/// columns get them from their display string (migration 0012), on every backend.
#[tokio::test]
async fn audit_rows_written_before_the_connection_columns_get_them_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        // The store as the previous version left it: migrations up to 0011, and its rows.
        sqlx::any::install_default_drivers();
        let (mut migrator, pool) = if backend == "sqlite" {
            let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc"))
                .await
                .unwrap();
            (sqlx::migrate!("./migrations/sqlite"), pool)
        } else {
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            (sqlx::migrate!("./migrations/postgres"), pool)
        };
        migrator.migrations = migrator
            .migrations
            .iter()
            .filter(|m| m.version <= 11)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        migrator.run(&pool).await.unwrap();
        let con = "con_0a1b2c3d4e5f6g7h";
        let other = "con_zz99yy88xx77ww66";
        for (at_ms, principal, tool, outcome) in [
            (
                1_000,
                format!("ops@example.com ({con})"),
                "auth0_list_users",
                "ok",
            ),
            (
                2_000,
                format!("ops@example.com ({con}) via OAuth client mcpc_Ab12Cd34Ef56Gh78Ij90Kl12"),
                "auth0_get_user",
                "upstream",
            ),
            (
                3_000,
                "access key `bot` (key_abc)".to_owned(),
                "auth0_list_users",
                "ok",
            ),
            (
                4_000,
                format!("ops@example.com ({con})"),
                "/mcp",
                "refused_session",
            ),
            (
                1_500,
                format!("auth0|u (x) ({other})"),
                "auth0_list_users",
                "ok",
            ),
            (
                5_000,
                "local operator (stdio)".to_owned(),
                "auth0_list_users",
                "ok",
            ),
        ] {
            sqlx::query(
                "INSERT INTO audit_log (at_ms, tenant, principal, tool, outcome, latency_ms) VALUES ($1, 'acme', $2, $3, $4, 1)",
            )
            .bind(at_ms)
            .bind(principal)
            .bind(tool)
            .bind(outcome)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;

        let store = Store::open(&url).await.unwrap();
        assert_eq!(
            store.last_call_by("acme", con).await.unwrap(),
            Some(2_000),
            "{backend}"
        );
        assert_eq!(
            store.last_call_by("acme", other).await.unwrap(),
            Some(1_500),
            "{backend}"
        );
        let columns: Vec<(i64, Option<String>, Option<String>)> = store
            .audit_since(0, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.at_ms, r.connection_id, r.oauth_client))
            .collect();
        let some = |text: &str| Some(text.to_owned());
        assert_eq!(
            columns,
            [
                (1_000, some(con), None),
                (1_500, some(other), None),
                (2_000, some(con), some("mcpc_Ab12Cd34Ef56Gh78Ij90Kl12")),
                (3_000, None, None),
                (4_000, some(con), None),
                (5_000, None, None),
            ],
            "{backend}"
        );
    }
}
