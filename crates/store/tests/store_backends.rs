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
use secrecy::{ExposeSecret, SecretString};

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
                    approval_request: None,
                    consent_connection: Some("con_caller".into()),
                },
            )
            .await
            .unwrap();
        // A consent link's sign-in keeps the connection it is for, for the callback to check.
        let Taken::Found(taken) = store.take_pending("state-1").await.unwrap() else {
            panic!("{backend}: the sign-in is not found");
        };
        assert_eq!(
            taken.consent_connection.as_deref(),
            Some("con_caller"),
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
                id: gw_mcp::audit::new_id(),
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
                policy: Default::default(),
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
            id: gw_mcp::audit::new_id(),
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
            policy: Default::default(),
        };
        let by_agent_key = |at_ms: i64, name: &str| gw_mcp::AuditRecord {
            id: gw_mcp::audit::new_id(),
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
                id: gw_mcp::audit::new_id(),
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

/// A portal tenant's policies are kept as written, with who saved them and when; saving bumps
/// the tenant's version (so replicas rebuild it), keeps the rest of the tenant as it was, is
/// bounded, and goes with the tenant when it is removed.
#[tokio::test]
async fn portal_tenants_policies_are_kept_as_written_and_bump_the_version_on_every_backend() {
    use gw_store::{MAX_POLICY_TEXT_BYTES, StoredTenant};
    const RULES: &str =
        "[[policies]]\nname = \"no deletes\"\ntools = [\"auth0_delete_*\"]\naction = \"deny\"\n";
    let key = TokenCipher::generate_key();
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&key)).await.unwrap();
        assert_eq!(
            store
                .save_tenant_policies("acme", RULES, "ops")
                .await
                .unwrap(),
            None,
            "{backend}: no such tenant, nothing written"
        );
        assert_eq!(
            store.tenant_policies("acme").await.unwrap(),
            None,
            "{backend}"
        );

        let tenant = StoredTenant {
            name: "acme".into(),
            domain: "acme.eu.auth0.com".into(),
            client_id: "app".into(),
            client_secret: gw_oauth::ClientSecret::new("the-secret"),
            grant: GrantMode::AuthorizationCode,
            scopes: ScopeSet::parse_list("openid,read:users").unwrap(),
            operators: vec![],
            read_only: false,
            version: 0,
        };
        assert_eq!(store.save_tenant(&tenant).await.unwrap(), 1, "{backend}");
        let before = gw_store::unix_now();
        assert_eq!(
            store
                .save_tenant_policies("acme", RULES, "ops")
                .await
                .unwrap(),
            Some(2),
            "{backend}"
        );
        let saved = store.tenant_policies("acme").await.unwrap().unwrap();
        assert_eq!(saved.text, RULES, "{backend}: kept byte for byte");
        assert_eq!(saved.updated_by, "ops", "{backend}");
        assert!(saved.updated_at >= before, "{backend}");
        assert_eq!(
            store.tenant_versions().await.unwrap(),
            [("acme".to_owned(), 2)],
            "{backend}: replicas see a new version"
        );
        let read = store.stored_tenant("acme").await.unwrap().unwrap();
        assert_eq!(
            read.client_secret.expose_secret(),
            "the-secret",
            "{backend}"
        );
        assert_eq!(read.scopes, tenant.scopes, "{backend}");

        // Another operator clears them; editing the tenant itself leaves them alone.
        assert_eq!(
            store
                .save_tenant_policies("acme", "", "lead")
                .await
                .unwrap(),
            Some(3),
            "{backend}"
        );
        assert_eq!(store.save_tenant(&tenant).await.unwrap(), 4, "{backend}");
        let cleared = store.tenant_policies("acme").await.unwrap().unwrap();
        assert_eq!(
            (cleared.text.as_str(), cleared.updated_by.as_str()),
            ("", "lead"),
            "{backend}"
        );

        // Too long: refused, nothing changed.
        let long = "#".repeat(MAX_POLICY_TEXT_BYTES + 1);
        assert!(
            matches!(
                store.save_tenant_policies("acme", &long, "ops").await,
                Err(StoreError::PoliciesTooLong { .. })
            ),
            "{backend}"
        );
        assert_eq!(
            store.tenant_versions().await.unwrap(),
            [("acme".to_owned(), 4)],
            "{backend}"
        );
        assert_eq!(
            store.tenant_policies("acme").await.unwrap().unwrap().text,
            "",
            "{backend}"
        );

        // They go with the tenant: added again under the same name, it starts without them.
        store
            .save_tenant_policies("acme", RULES, "ops")
            .await
            .unwrap();
        assert!(store.delete_tenant("acme").await.unwrap(), "{backend}");
        assert_eq!(
            store.tenant_policies("acme").await.unwrap(),
            None,
            "{backend}"
        );
        store.save_tenant(&tenant).await.unwrap();
        assert_eq!(
            store.tenant_policies("acme").await.unwrap(),
            None,
            "{backend}"
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

/// Reads a count from the store behind the store's back.
async fn count(url: &str, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let count = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    count
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
                        approval_request: None,
                        consent_connection: None,
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
            id: gw_mcp::audit::new_id(),
            at_ms: now_ms,
            ..refusal.clone()
        };
        let call = gw_mcp::AuditRecord {
            id: gw_mcp::audit::new_id(),
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
            policy: Default::default(),
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

/// A request for `tool` with arguments hashing to `hash` (one hex digit repeated), from the agent
/// key `requester` of ops@example.com, needing `required` of three approvers.
fn policy_request(requester: &str, hash: char, required: u32) -> gw_store::NewPolicyRequest {
    gw_store::NewPolicyRequest {
        tenant: "acme".into(),
        kind: gw_store::RequestKind::Approve,
        rule: "deleting users needs two admins".into(),
        requester: requester.into(),
        requester_kind: gw_store::RequesterKind::AgentKey,
        requester_user_id: Some("auth0|ops".into()),
        requester_email: Some("Ops@Example.com".into()),
        connection_id: Some("con_abc".into()),
        oauth_client: None,
        client_name: None,
        tool: "auth0_delete_user".into(),
        arguments_hash: hash.to_string().repeat(64),
        arguments_shown: serde_json::json!({"id": "auth0|victim", "password": "•••"}),
        approvers: vec!["alice@example.com".into(), "@admins.example.com".into()],
        required,
        ttl_secs: 600,
    }
}

async fn created(store: &Store, new: &gw_store::NewPolicyRequest) -> gw_store::PolicyRequest {
    match store.create_policy_request(new).await.unwrap() {
        gw_store::Created::New(request) => request,
        other => panic!("a new request, not {other:?}"),
    }
}

async fn decide(
    store: &Store,
    id: &str,
    approver: &str,
    decision: gw_store::Decision,
) -> gw_store::Decided {
    store
        .decide_policy_request(id, approver, decision, None)
        .await
        .unwrap()
}

/// The exact call of `policy_request(requester, hash, _)`, as the lookups take it.
fn call(requester: &str, hash: char) -> (&'static str, String, &'static str, String) {
    (
        "acme",
        requester.to_owned(),
        "auth0_delete_user",
        hash.to_string().repeat(64),
    )
}

async fn open(store: &Store, requester: &str, hash: char) -> Option<gw_store::PolicyRequest> {
    let (tenant, requester, tool, hash) = call(requester, hash);
    store
        .open_policy_request(tenant, &requester, tool, &hash)
        .await
        .unwrap()
}

async fn consume(store: &Store, requester: &str, hash: char) -> Option<gw_store::PolicyRequest> {
    let (tenant, requester, tool, hash) = call(requester, hash);
    store
        .consume_approved(tenant, &requester, tool, &hash)
        .await
        .unwrap()
}

#[tokio::test]
async fn policy_requests_are_decided_by_people_and_used_once_on_every_backend() {
    use gw_store::{Created, Decided, Decision, RequestStatus};
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        let new = policy_request("key bot", 'a', 2);
        let request = created(&store, &new).await;
        assert!(
            request.id.starts_with("preq_") && request.id.len() == 29,
            "{backend}: {}",
            request.id
        );
        assert_eq!(
            (request.status, request.required, request.decisions.len()),
            (RequestStatus::Pending, 2, 0),
            "{backend}"
        );
        assert_eq!(request.arguments_shown, new.arguments_shown, "{backend}");
        assert_eq!(request.approvers, new.approvers, "{backend}");
        assert_eq!(request.expires_at - request.created_at, 600, "{backend}");
        assert_eq!(
            store.policy_request(&request.id).await.unwrap().as_ref(),
            Some(&request),
            "{backend}"
        );

        // A repeat of the call finds the request instead of making a second one.
        assert_eq!(
            store.create_policy_request(&new).await.unwrap(),
            Created::AlreadyOpen(request.clone()),
            "{backend}"
        );
        assert_eq!(open(&store, "key bot", 'a').await, Some(request.clone()));
        assert_eq!(open(&store, "key bot", 'b').await, None, "{backend}");
        assert_eq!(open(&store, "key other", 'a').await, None, "{backend}");
        assert_eq!(
            consume(&store, "key bot", 'a').await,
            None,
            "{backend}: pending"
        );

        // The requester's own user cannot approve it, whatever the case of the address.
        assert_eq!(
            decide(&store, &request.id, " ops@EXAMPLE.com", Decision::Approve).await,
            Decided::SelfApproval,
            "{backend}"
        );
        let Decided::Recorded(after) = store
            .decide_policy_request(
                &request.id,
                "Alice@Example.com",
                Decision::Approve,
                Some("fine"),
            )
            .await
            .unwrap()
        else {
            panic!("{backend}: the first approval is recorded");
        };
        assert_eq!(after.status, RequestStatus::Pending, "{backend}: 1 of 2");
        assert_eq!(
            after.decisions,
            [gw_store::RequestDecision {
                approver: "alice@example.com".into(),
                decision: Decision::Approve,
                note: Some("fine".into()),
                decided_at: after.decisions[0].decided_at,
            }],
            "{backend}"
        );
        assert_eq!(
            decide(&store, &request.id, "alice@example.com", Decision::Deny).await,
            Decided::AlreadyDecided,
            "{backend}: an approver decides once"
        );
        let long = "x".repeat(gw_store::MAX_NOTE_CHARS + 1);
        assert!(
            matches!(
                store
                    .decide_policy_request(
                        &request.id,
                        "bob@admins.example.com",
                        Decision::Approve,
                        Some(&long),
                    )
                    .await,
                Err(StoreError::NoteTooLong {
                    chars: 1001,
                    max: 1000
                })
            ),
            "{backend}"
        );
        assert_eq!(
            store.policy_request(&request.id).await.unwrap(),
            Some(*after.clone()),
            "{backend}: refusals change nothing"
        );
        let Decided::Recorded(approved) = decide(
            &store,
            &request.id,
            "bob@admins.example.com",
            Decision::Approve,
        )
        .await
        else {
            panic!("{backend}: the second approval is recorded");
        };
        assert_eq!(
            approved.status,
            RequestStatus::Approved,
            "{backend}: 2 of 2"
        );
        assert!(approved.decided_at.is_some(), "{backend}");
        assert_eq!(
            approved
                .decisions
                .iter()
                .map(|d| d.approver.as_str())
                .collect::<Vec<_>>(),
            ["alice@example.com", "bob@admins.example.com"],
            "{backend}"
        );
        assert_eq!(
            decide(
                &store,
                &request.id,
                "carol@admins.example.com",
                Decision::Deny
            )
            .await,
            Decided::NotPending(RequestStatus::Approved),
            "{backend}"
        );

        // Used once, by exactly this call.
        assert_eq!(consume(&store, "key bot", 'b').await, None, "{backend}");
        assert_eq!(consume(&store, "key other", 'a').await, None, "{backend}");
        let used = consume(&store, "key bot", 'a').await.unwrap();
        assert_eq!(
            (used.id.as_str(), used.status),
            (request.id.as_str(), RequestStatus::Used),
            "{backend}"
        );
        assert!(used.used_at.is_some(), "{backend}");
        assert_eq!(consume(&store, "key bot", 'a').await, None, "{backend}");
        assert_eq!(open(&store, "key bot", 'a').await, None, "{backend}");
        assert!(
            matches!(
                store.create_policy_request(&new).await.unwrap(),
                Created::New(_)
            ),
            "{backend}: the next identical call asks again"
        );

        // One deny ends a request, and it stays denied for that call until it expires.
        let denied = created(&store, &policy_request("key bot", 'c', 2)).await;
        let Decided::Recorded(after) =
            decide(&store, &denied.id, "alice@example.com", Decision::Deny).await
        else {
            panic!("{backend}: the deny is recorded");
        };
        assert_eq!(after.status, RequestStatus::Denied, "{backend}");
        assert_eq!(
            decide(
                &store,
                &denied.id,
                "bob@admins.example.com",
                Decision::Approve
            )
            .await,
            Decided::NotPending(RequestStatus::Denied),
            "{backend}"
        );
        assert_eq!(
            open(&store, "key bot", 'c').await.map(|r| r.status),
            Some(RequestStatus::Denied),
            "{backend}"
        );
        assert!(
            matches!(
                store.create_policy_request(&policy_request("key bot", 'c', 2)).await.unwrap(),
                Created::AlreadyOpen(r) if r.status == RequestStatus::Denied
            ),
            "{backend}"
        );
        assert_eq!(consume(&store, "key bot", 'c').await, None, "{backend}");

        // A confirmation is the caller's own user's to give.
        let confirm = created(
            &store,
            &gw_store::NewPolicyRequest {
                kind: gw_store::RequestKind::Confirm,
                requester_kind: gw_store::RequesterKind::User,
                approvers: vec!["ops@example.com".into()],
                ..policy_request("ops@example.com (con_abc)", 'd', 1)
            },
        )
        .await;
        assert!(
            matches!(
                decide(&store, &confirm.id, "ops@example.com", Decision::Approve).await,
                Decided::Recorded(r) if r.status == RequestStatus::Approved
            ),
            "{backend}"
        );

        assert_eq!(
            decide(
                &store,
                "preq_unknown",
                "alice@example.com",
                Decision::Approve
            )
            .await,
            Decided::Unknown,
            "{backend}"
        );
        assert_eq!(store.policy_request("preq_unknown").await.unwrap(), None);
    }
}

#[tokio::test]
async fn expired_policy_requests_read_as_expired_and_cannot_be_decided_or_used_on_every_backend() {
    use gw_store::{Decided, Decision, RequestStatus};
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        let pending = created(&store, &policy_request("key bot", 'a', 1)).await;
        let approved = created(&store, &policy_request("key bot", 'b', 1)).await;
        decide(&store, &approved.id, "alice@example.com", Decision::Approve).await;
        // Ten minutes pass for both (no sweep runs).
        execute(
            &url,
            "UPDATE policy_requests SET created_at = created_at - 601, expires_at = expires_at - 601",
        )
        .await;
        for id in [&pending.id, &approved.id] {
            assert_eq!(
                store.policy_request(id).await.unwrap().unwrap().status,
                RequestStatus::Expired,
                "{backend}"
            );
        }
        assert_eq!(
            decide(
                &store,
                &pending.id,
                "bob@admins.example.com",
                Decision::Approve
            )
            .await,
            Decided::Expired,
            "{backend}"
        );
        assert_eq!(consume(&store, "key bot", 'b').await, None, "{backend}");
        assert_eq!(open(&store, "key bot", 'a').await, None, "{backend}");
        assert!(
            store
                .policy_requests(gw_store::RequestFilter {
                    tenant: Some("acme"),
                    pending_only: true,
                    limit: 10,
                })
                .await
                .unwrap()
                .is_empty(),
            "{backend}: the inbox shows no expired request"
        );
        // An expired request no longer blocks the call from asking again.
        assert_ne!(
            created(&store, &policy_request("key bot", 'a', 1)).await.id,
            pending.id,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn policy_requests_are_listed_newest_first_by_tenant_and_state_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        let first = created(&store, &policy_request("key bot", 'a', 1)).await;
        let second = created(&store, &policy_request("key bot", 'b', 1)).await;
        decide(
            &store,
            &first.id,
            "alice@example.com",
            gw_store::Decision::Deny,
        )
        .await;
        let elsewhere = created(
            &store,
            &gw_store::NewPolicyRequest {
                tenant: "globex".into(),
                ..policy_request("key bot", 'a', 1)
            },
        )
        .await;
        // Make the order unambiguous (creation times are in seconds).
        execute(
            &url,
            &format!(
                "UPDATE policy_requests SET created_at = created_at - 10 WHERE id = '{}'",
                first.id
            ),
        )
        .await;
        let listed = |tenant, pending_only, limit| {
            let store = store.clone();
            async move {
                store
                    .policy_requests(gw_store::RequestFilter {
                        tenant,
                        pending_only,
                        limit,
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.id, r.decisions.len()))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            listed(Some("acme"), false, 10).await,
            [(second.id.clone(), 0), (first.id.clone(), 1)],
            "{backend}"
        );
        assert_eq!(
            listed(Some("acme"), true, 10).await,
            [(second.id.clone(), 0)],
            "{backend}"
        );
        assert_eq!(listed(None, false, 10).await.len(), 3, "{backend}");
        assert_eq!(listed(None, false, 1).await.len(), 1, "{backend}");
        assert_eq!(
            listed(Some("globex"), true, 10).await,
            [(elsewhere.id.clone(), 0)],
            "{backend}"
        );
        assert!(listed(Some("initech"), false, 10).await.is_empty());
    }
}

#[tokio::test]
async fn policy_requests_are_bounded_and_checked_before_anything_is_stored_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        let count = || async {
            store
                .policy_requests(gw_store::RequestFilter {
                    tenant: None,
                    pending_only: false,
                    limit: 500,
                })
                .await
                .unwrap()
                .len()
        };
        for n in 0..gw_store::MAX_PENDING_PER_REQUESTER {
            let new = gw_store::NewPolicyRequest {
                arguments_hash: format!("{n:064x}"),
                ..policy_request("key runaway", 'a', 1)
            };
            created(&store, &new).await;
        }
        assert!(
            matches!(
                store.create_policy_request(&policy_request("key runaway", 'f', 2)).await,
                Err(StoreError::Full(what)) if what.contains("caller")
            ),
            "{backend}: the 21st waiting request of one caller"
        );
        created(&store, &policy_request("key other", 'f', 1)).await;
        assert_eq!(count().await, 21, "{backend}");

        let invalid = [
            ("no approval required", policy_request("key x", 'a', 0)),
            ("too many required", policy_request("key x", 'a', 101)),
            (
                "not a hash",
                gw_store::NewPolicyRequest {
                    arguments_hash: "A".repeat(64),
                    ..policy_request("key x", 'a', 1)
                },
            ),
            (
                "no lifetime",
                gw_store::NewPolicyRequest {
                    ttl_secs: 0,
                    ..policy_request("key x", 'a', 1)
                },
            ),
            (
                "too long a lifetime",
                gw_store::NewPolicyRequest {
                    ttl_secs: gw_store::MAX_TTL_SECS + 1,
                    ..policy_request("key x", 'a', 1)
                },
            ),
            (
                "an empty approver",
                gw_store::NewPolicyRequest {
                    approvers: vec![" ".into()],
                    ..policy_request("key x", 'a', 1)
                },
            ),
            (
                "arguments too large to show",
                gw_store::NewPolicyRequest {
                    arguments_shown: serde_json::json!(
                        "x".repeat(gw_store::MAX_ARGUMENTS_SHOWN_BYTES)
                    ),
                    ..policy_request("key x", 'a', 1)
                },
            ),
        ];
        for (name, new) in invalid {
            assert!(
                matches!(
                    store.create_policy_request(&new).await,
                    Err(StoreError::InvalidPolicyInput(_))
                ),
                "{backend}: {name}"
            );
        }
        assert_eq!(count().await, 21, "{backend}: nothing stored");

        // A full tenant: 1000 waiting requests (21 made above), from many callers.
        let now = gw_store::unix_now();
        let rows: Vec<String> = (21..gw_store::MAX_PENDING_PER_TENANT)
            .map(|n| {
                format!(
                    "('preq_filler{n}', 'acme', 'approve', 'r', 'key {n}', 'agent_key', 'auth0_delete_user', '{}', '{{}}', '[]', 1, 'pending', {now}, {})",
                    "0".repeat(64),
                    now + 600
                )
            })
            .collect();
        for chunk in rows.chunks(100) {
            execute(
                &url,
                &format!(
                    "INSERT INTO policy_requests (id, tenant, kind, rule, requester, requester_kind, tool, arguments_hash, arguments_shown, approvers, required, status, created_at, expires_at) VALUES {}",
                    chunk.join(", ")
                ),
            )
            .await;
        }
        assert!(
            matches!(
                store.create_policy_request(&policy_request("key new", 'a', 1)).await,
                Err(StoreError::Full(what)) if what.contains("tenant")
            ),
            "{backend}"
        );
        assert!(
            matches!(
                store
                    .create_policy_request(&gw_store::NewPolicyRequest {
                        tenant: "globex".into(),
                        ..policy_request("key new", 'a', 1)
                    })
                    .await,
                Ok(gw_store::Created::New(_))
            ),
            "{backend}: another tenant is not affected"
        );
    }
}

/// Handles on one store, as separate replicas hold them: on PostgreSQL each with a pool of its
/// own; a SQLite store belongs to one process, so there one handle shared.
async fn replicas(backend: &str, url: &str) -> Vec<Store> {
    let count = if backend == "postgres" { 4 } else { 1 };
    let mut stores = Vec::new();
    for _ in 0..count {
        stores.push(Store::open(url).await.unwrap());
    }
    stores
}

/// Twenty concurrent uses of one approval, spread over replicas: exactly one gets it.
#[tokio::test]
async fn an_approval_is_used_by_one_of_many_concurrent_calls_on_every_backend() {
    const CALLS: usize = 20;
    for (backend, url, _dir) in backends().await {
        let stores = replicas(backend, &url).await;
        for (trial, hash) in "0123456789".chars().enumerate() {
            let request = created(&stores[0], &policy_request("key bot", hash, 1)).await;
            decide(
                &stores[0],
                &request.id,
                "alice@example.com",
                gw_store::Decision::Approve,
            )
            .await;
            let mut racers = tokio::task::JoinSet::new();
            for n in 0..CALLS {
                let store = stores[n % stores.len()].clone();
                racers.spawn(async move { consume(&store, "key bot", hash).await });
            }
            let winners: Vec<_> = racers.join_all().await.into_iter().flatten().collect();
            assert_eq!(winners.len(), 1, "{backend}, trial {trial}");
            assert_eq!(winners[0].id, request.id, "{backend}, trial {trial}");
        }
    }
}

/// Requests made together on different replicas: the same call makes one request, and one
/// caller never gets more than its bound of waiting requests.
#[tokio::test]
async fn concurrent_requests_make_one_per_call_and_keep_the_bound_on_every_backend() {
    use gw_store::Created;
    for (backend, url, _dir) in backends().await {
        let stores = replicas(backend, &url).await;
        let mut racers = tokio::task::JoinSet::new();
        for n in 0..12 {
            let store = stores[n % stores.len()].clone();
            racers.spawn(async move {
                store
                    .create_policy_request(&policy_request("key bot", 'a', 1))
                    .await
                    .unwrap()
            });
        }
        let made = racers.join_all().await;
        let new: Vec<_> = made
            .iter()
            .filter_map(|c| match c {
                Created::New(r) => Some(r.id.clone()),
                Created::AlreadyOpen(_) => None,
            })
            .collect();
        assert_eq!(new.len(), 1, "{backend}: {made:?}");
        assert!(
            made.iter()
                .all(|c| matches!(c, Created::AlreadyOpen(r) | Created::New(r) if r.id == new[0])),
            "{backend}"
        );

        let mut racers = tokio::task::JoinSet::new();
        for n in 0..30 {
            let store = stores[n % stores.len()].clone();
            racers.spawn(async move {
                let new = gw_store::NewPolicyRequest {
                    arguments_hash: format!("{n:064x}"),
                    ..policy_request("key runaway", 'a', 1)
                };
                store.create_policy_request(&new).await
            });
        }
        let made = racers.join_all().await;
        let created = made
            .iter()
            .filter(|m| matches!(m, Ok(Created::New(_))))
            .count();
        let refused = made
            .iter()
            .filter(|m| matches!(m, Err(StoreError::Full(_))))
            .count();
        assert_eq!(
            (created as i64, refused),
            (gw_store::MAX_PENDING_PER_REQUESTER, 10),
            "{backend}"
        );
    }
}

/// Approvals arriving together on different replicas are all counted: with six required and six
/// given at once (two of them twice), the request ends approved with six decisions.
#[tokio::test]
async fn concurrent_decisions_on_one_request_are_all_counted_on_every_backend() {
    use gw_store::{Decided, Decision, RequestStatus};
    for (backend, url, _dir) in backends().await {
        let stores = replicas(backend, &url).await;
        for trial in 0..5 {
            let hash = char::from_digit(trial, 10).unwrap();
            let request = created(&stores[0], &policy_request("key bot", hash, 6)).await;
            let mut racers = tokio::task::JoinSet::new();
            for n in 0..8 {
                let store = stores[n % stores.len()].clone();
                let id = request.id.clone();
                // Approvers 0 and 1 each decide twice.
                let approver = format!("admin{}@admins.example.com", n % 6);
                racers
                    .spawn(async move { decide(&store, &id, &approver, Decision::Approve).await });
            }
            let decided = racers.join_all().await;
            let recorded: Vec<_> = decided
                .iter()
                .filter_map(|d| match d {
                    Decided::Recorded(r) => Some(r.status),
                    _ => None,
                })
                .collect();
            assert_eq!(recorded.len(), 6, "{backend}, trial {trial}: {decided:?}");
            assert_eq!(
                recorded
                    .iter()
                    .filter(|s| **s == RequestStatus::Approved)
                    .count(),
                1,
                "{backend}, trial {trial}: the sixth approval approves"
            );
            // A repeat lands before the sixth approval, or after it.
            assert!(
                decided.iter().all(|d| matches!(
                    d,
                    Decided::Recorded(_)
                        | Decided::AlreadyDecided
                        | Decided::NotPending(RequestStatus::Approved)
                )),
                "{backend}, trial {trial}: {decided:?}"
            );
            let after = stores[0]
                .policy_request(&request.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (after.status, after.decisions.len()),
                (RequestStatus::Approved, 6),
                "{backend}, trial {trial}"
            );
        }
    }
}

#[tokio::test]
async fn step_ups_count_until_they_lapse_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        assert!(
            !store.step_up_valid("acme", "auth0|ops").await.unwrap(),
            "{backend}"
        );
        store
            .record_step_up("acme", "auth0|ops", 300)
            .await
            .unwrap();
        assert!(
            store.step_up_valid("acme", "auth0|ops").await.unwrap(),
            "{backend}"
        );
        assert!(
            !store.step_up_valid("acme", "auth0|other").await.unwrap(),
            "{backend}"
        );
        assert!(
            !store.step_up_valid("globex", "auth0|ops").await.unwrap(),
            "{backend}"
        );
        execute(&url, "UPDATE step_ups SET valid_until = valid_until - 300").await;
        assert!(
            !store.step_up_valid("acme", "auth0|ops").await.unwrap(),
            "{backend}: lapsed"
        );
        store
            .record_step_up("acme", "auth0|ops", 300)
            .await
            .unwrap();
        assert!(
            store.step_up_valid("acme", "auth0|ops").await.unwrap(),
            "{backend}: a new step-up replaces the lapsed one"
        );
        for secs in [0, gw_store::MAX_STEP_UP_SECS + 1] {
            assert!(
                matches!(
                    store.record_step_up("acme", "auth0|x", secs).await,
                    Err(StoreError::InvalidPolicyInput(_))
                ),
                "{backend}: {secs}"
            );
        }
    }
}

#[tokio::test]
async fn sweeps_remove_policy_requests_a_month_after_they_ended_and_lapsed_step_ups_on_every_backend()
 {
    for (backend, url, _dir) in backends().await {
        let store = Store::open(&url).await.unwrap();
        let expired_long_ago = created(&store, &policy_request("key bot", 'a', 2)).await;
        decide(
            &store,
            &expired_long_ago.id,
            "alice@example.com",
            gw_store::Decision::Approve,
        )
        .await;
        let used_long_ago = created(&store, &policy_request("key bot", 'b', 1)).await;
        decide(
            &store,
            &used_long_ago.id,
            "alice@example.com",
            gw_store::Decision::Approve,
        )
        .await;
        consume(&store, "key bot", 'b').await.unwrap();
        let expired_lately = created(&store, &policy_request("key bot", 'c', 1)).await;
        let waiting = created(&store, &policy_request("key bot", 'd', 1)).await;
        let month = 31 * 86_400;
        execute(
            &url,
            &format!(
                "UPDATE policy_requests SET expires_at = expires_at - {month} WHERE id = '{}'",
                expired_long_ago.id
            ),
        )
        .await;
        execute(
            &url,
            &format!(
                "UPDATE policy_requests SET used_at = used_at - {month} WHERE id = '{}'",
                used_long_ago.id
            ),
        )
        .await;
        execute(
            &url,
            &format!(
                "UPDATE policy_requests SET expires_at = expires_at - 86400 WHERE id = '{}'",
                expired_lately.id
            ),
        )
        .await;
        store
            .record_step_up("acme", "auth0|lapsed", 60)
            .await
            .unwrap();
        store
            .record_step_up("acme", "auth0|fresh", 60)
            .await
            .unwrap();
        execute(
            &url,
            "UPDATE step_ups SET valid_until = valid_until - 60 WHERE user_id = 'auth0|lapsed'",
        )
        .await;

        let swept = store.sweep(&gw_store::Retention::default()).await.unwrap();
        assert_eq!(
            (swept.policy_requests, swept.step_ups),
            (2, 1),
            "{backend}: {swept:?}"
        );
        let mut left: Vec<String> = store
            .policy_requests(gw_store::RequestFilter {
                tenant: None,
                pending_only: false,
                limit: 10,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        left.sort();
        let mut kept = vec![expired_lately.id.clone(), waiting.id.clone()];
        kept.sort();
        assert_eq!(left, kept, "{backend}");
        assert_eq!(
            count(&url, "SELECT COUNT(*) FROM policy_decisions").await,
            0,
            "{backend}: the swept requests' decisions went with them"
        );
        assert!(store.step_up_valid("acme", "auth0|fresh").await.unwrap());
        assert!(
            store
                .sweep(&gw_store::Retention::default())
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn approver_sign_ins_show_one_form_at_a_time_and_decide_once_on_every_backend() {
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        // A sign-in started on the approval page says which request it serves.
        let state = SecretString::from("approver-state".to_owned());
        store
            .save_pending(
                &state,
                &PendingAuthorization {
                    tenant: "acme".into(),
                    verifier: SecretString::from("verifier".to_owned()),
                    requested: ScopeSet::parse_list("openid,email,profile").unwrap(),
                    browser_hash: Some("b".repeat(64)),
                    oauth_request: None,
                    approval_request: Some("preq_one".into()),
                    consent_connection: None,
                },
            )
            .await
            .unwrap();
        let Taken::Found(pending) = store.take_pending("approver-state").await.unwrap() else {
            panic!("{backend}: the sign-in is not found");
        };
        assert_eq!(
            pending.approval_request.as_deref(),
            Some("preq_one"),
            "{backend}"
        );
        assert_eq!(pending.oauth_request, None, "{backend}");

        let who = gw_store::ApprovalSignIn {
            request_id: "preq_one".into(),
            email: "Sec@Example.com".into(),
            user_id: "auth0|sec".into(),
        };
        let browser = store.start_approval_sign_in(&who).await.unwrap();
        let browser = browser.expose_secret();
        let other_browser = store
            .start_approval_sign_in(&gw_store::ApprovalSignIn {
                user_id: "auth0|other".into(),
                ..who.clone()
            })
            .await
            .unwrap();
        // No form shown yet: no token matches.
        assert_eq!(
            store
                .use_approval_form(browser, "preq_one", "")
                .await
                .unwrap(),
            None,
            "{backend}"
        );
        // Only that browser, only for that request.
        assert!(
            store
                .approval_form(browser, "preq_two")
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        assert!(
            store
                .approval_form("not-a-browser", "preq_one")
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        let first = store
            .approval_form(browser, "preq_one")
            .await
            .unwrap()
            .unwrap();
        let expected = gw_store::ApprovalSignIn {
            email: "sec@example.com".into(),
            ..who.clone()
        };
        assert_eq!(first.signed_in, expected, "{backend}");
        // Showing the page again makes the earlier form stale.
        let second = store
            .approval_form(browser, "preq_one")
            .await
            .unwrap()
            .unwrap();
        let (first, second) = (first.token.expose_secret(), second.token.expose_secret());
        assert_ne!(first, second, "{backend}");
        for (what, browser, request, token) in [
            ("a stale form", browser, "preq_one", first),
            (
                "another browser",
                other_browser.expose_secret(),
                "preq_one",
                second,
            ),
            ("another request", browser, "preq_two", second),
            ("a forged token", browser, "preq_one", "forged"),
        ] {
            assert_eq!(
                store
                    .use_approval_form(browser, request, token)
                    .await
                    .unwrap(),
                None,
                "{backend}: {what}"
            );
        }
        assert_eq!(
            store
                .use_approval_form(browser, "preq_one", second)
                .await
                .unwrap(),
            Some(expected),
            "{backend}"
        );
        // Spent: the form works once, and the browser is shown no other.
        assert_eq!(
            store
                .use_approval_form(browser, "preq_one", second)
                .await
                .unwrap(),
            None,
            "{backend}: a replay"
        );
        assert!(
            store
                .approval_form(browser, "preq_one")
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );

        // Ten minutes later the other browser's sign-in is over, and the sweep takes it.
        let late = store
            .approval_form(other_browser.expose_secret(), "preq_one")
            .await
            .unwrap()
            .unwrap();
        execute(
            &url,
            "UPDATE approval_sign_ins SET expires_at = expires_at - 600 WHERE approver_user_id = 'auth0|other'",
        )
        .await;
        assert_eq!(
            store
                .use_approval_form(
                    other_browser.expose_secret(),
                    "preq_one",
                    late.token.expose_secret()
                )
                .await
                .unwrap(),
            None,
            "{backend}: expired"
        );
        let swept = store.sweep(&gw_store::Retention::default()).await.unwrap();
        assert_eq!(swept.approval_sign_ins, 1, "{backend}: {swept:?}");
        assert_eq!(
            count(&url, "SELECT COUNT(*) FROM approval_sign_ins").await,
            1,
            "{backend}: the spent one stays until it expires"
        );
    }
}

#[tokio::test]
async fn clients_named_by_their_metadata_document_follow_the_document_on_every_backend() {
    const URL: &str = "https://app.example.com/oauth/client.json";
    for (backend, url, _dir) in backends().await {
        let store = Store::open_with_key(&url, cipher(&TokenCipher::generate_key()))
            .await
            .unwrap();
        let document = |name: &str, redirect: &str| gw_store::NewClient {
            auth_method: "none".into(),
            client_name: Some(name.into()),
            redirect_uris: vec![redirect.into()],
        };
        let first = store
            .metadata_client(document("App", "https://app.example.com/cb"), URL, 86_400)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.client_id, URL, "{backend}");
        assert!(first.is_public() && first.secret_matches(None), "{backend}");
        assert_eq!(first.authorized_at, None, "{backend}");
        let same = store
            .metadata_client(document("App", "https://app.example.com/cb"), URL, 86_400)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            same, first,
            "{backend}: an unchanged document changes nothing"
        );
        let moved = store
            .metadata_client(
                document("App 2", "https://app.example.com/new"),
                URL,
                86_400,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.client_name.as_deref(), Some("App 2"), "{backend}");
        assert_eq!(
            moved.redirect_uris,
            ["https://app.example.com/new"],
            "{backend}"
        );
        assert_eq!(moved.created_at, first.created_at, "{backend}");
        assert_eq!(store.list_clients().await.unwrap().len(), 1, "{backend}");
    }
}
