//! A fake Auth0 tenant and the settings of a tenant `acme` on it, for a sign-in through the
//! gateway's own flow code.

use fake_auth0::{FakeAuth0, FakeConfig, RegisteredClient, RunningFake, UserGrants};
use gw_oauth::{ClientSecret, GrantMode, ScopeSet, TenantSettings};

pub struct Setup {
    pub grant: GrantMode,
}

impl Setup {
    pub fn new(grant: GrantMode) -> Setup {
        Setup { grant }
    }
}

pub struct World {
    pub fake: RunningFake,
    pub settings: TenantSettings,
}

pub async fn world(setup: Setup) -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = FakeConfig {
        clients: vec![RegisteredClient {
            client_id: "connect-e2e".into(),
            client_secret: "connect-e2e-secret".into(),
            name: "MCP Gateway".into(),
            callbacks: fake_auth0::default_callbacks(),
            management_scopes: fake_auth0::all_management_scopes(),
        }],
        // The gateway's handling of users' own tokens is what is tested, so the fake grants users
        // what they ask for, which real Auth0 does not.
        user_grants: if setup.grant == GrantMode::AuthorizationCode {
            UserGrants::AllRequestedUnlikeAuth0
        } else {
            UserGrants::LikeAuth0
        },
        ..FakeConfig::default()
    };
    let domain = config.domain.clone();
    let fake = FakeAuth0::new(config)
        .serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        .await
        .unwrap();
    let settings = TenantSettings {
        name: "acme".into(),
        domain,
        base_url: fake.base_url.parse().unwrap(),
        client_id: "connect-e2e".into(),
        client_secret: ClientSecret::new("connect-e2e-secret"),
        grant: setup.grant,
        scopes: ScopeSet::all(),
        read_only: false,
        allow: None,
        deny: vec![],
        user_policy: vec![],
    };
    World { fake, settings }
}
