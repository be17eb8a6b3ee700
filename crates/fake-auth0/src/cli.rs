//! The `fake-auth0` command: serve a tenant on a local port until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::config::{
    FakeConfig, RegisteredClient, Seed, UserGrants, all_management_scopes, default_callbacks,
};
use crate::fake::FakeAuth0;
use crate::plan_limits::RateLimits;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SeedArg {
    Demo,
    Empty,
}

/// The Auth0 plan whose Management API rate limits the tenant enforces.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RateLimitsArg {
    /// No limiting; the headers report a bucket that never empties.
    Off,
    /// One bucket for the whole API: 2 requests, refilled at 2/s.
    Free,
    /// Essentials/Professional: a bucket per endpoint family (user reads, user writes,
    /// logs, clients, everything else).
    Essentials,
    /// Enterprise production: one bucket for the whole API, 50 requests refilled at 16/s.
    Enterprise,
}

impl From<RateLimitsArg> for RateLimits {
    fn from(arg: RateLimitsArg) -> Self {
        match arg {
            RateLimitsArg::Off => RateLimits::Off,
            RateLimitsArg::Free => RateLimits::Free,
            RateLimitsArg::Essentials => RateLimits::Essentials,
            RateLimitsArg::Enterprise => RateLimits::Enterprise,
        }
    }
}

/// An in-memory Auth0 tenant for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "fake-auth0", version)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Which data the tenant starts with.
    #[arg(long, value_enum, default_value = "demo")]
    pub seed: SeedArg,
    /// Logical tenant domain (issuer `https://{domain}/`).
    #[arg(long, default_value = crate::config::DEFAULT_DOMAIN)]
    pub domain: String,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    pub access_token_ttl: u64,
    /// Limit the API scopes user tokens are granted (comma-separated). Default: the
    /// current-user scopes only, as Auth0.
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "users_get_all_requested_scopes_unlike_auth0"
    )]
    pub grant_scopes: Option<Vec<String>>,
    /// Grant users every Management API scope they ask for, which Auth0 never does.
    #[arg(long)]
    pub users_get_all_requested_scopes_unlike_auth0: bool,
    /// Client id of the Regular Web Application to register (default: gateway-client).
    #[arg(long, requires = "client_secret")]
    pub client_id: Option<String>,
    /// Its client secret.
    #[arg(long, requires = "client_id")]
    pub client_secret: Option<String>,
    /// Extra callback URLs for that application (repeatable); loopback ones match any port.
    #[arg(long = "callback")]
    pub callbacks: Vec<String>,
    /// The user `/authorize` logs in as.
    #[arg(long, default_value = crate::config::DEFAULT_LOGIN_USER)]
    pub login_user: String,
    /// Serve https with a fresh self-signed certificate for 127.0.0.1 and localhost, written as
    /// PEM to this path for clients to trust (e.g. `NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`).
    #[arg(long, value_name = "PATH")]
    pub tls_cert_out: Option<std::path::PathBuf>,
    /// Enforce an Auth0 plan's Management API rate limits: 429s and real
    /// `x-ratelimit-*` headers.
    #[arg(long, value_enum, default_value = "off")]
    pub rate_limits: RateLimitsArg,
}

impl Args {
    pub fn into_config(self) -> FakeConfig {
        let mut config = FakeConfig {
            domain: self.domain,
            seed: match self.seed {
                SeedArg::Demo => Seed::Demo,
                SeedArg::Empty => Seed::Empty,
            },
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            user_grants: match (
                self.grant_scopes,
                self.users_get_all_requested_scopes_unlike_auth0,
            ) {
                (Some(list), _) => UserGrants::Only(list),
                (None, true) => UserGrants::AllRequestedUnlikeAuth0,
                (None, false) => UserGrants::LikeAuth0,
            },
            login_user: self.login_user,
            rate_limits: self.rate_limits.into(),
            ..FakeConfig::default()
        };
        if let (Some(id), Some(secret)) = (self.client_id, self.client_secret) {
            config.clients = vec![RegisteredClient {
                client_id: id,
                client_secret: secret,
                name: "MCP Gateway".into(),
                callbacks: default_callbacks(),
                management_scopes: all_management_scopes(),
            }];
        }
        if let Some(c) = config.clients.first_mut() {
            c.callbacks.extend(self.callbacks);
        }
        config
    }
}

/// Serves until Ctrl-C or SIGTERM. Prints exactly one line to stdout, with the real port.
pub async fn run(args: Args) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let tls_cert_out = args.tls_cert_out.clone();
    let fake = FakeAuth0::new(args.into_config());
    let running = match tls_cert_out {
        None => fake.serve(listener).await?,
        Some(path) => {
            let tls = crate::tls::SelfSigned::generate();
            std::fs::write(&path, &tls.cert_pem)?;
            fake.serve_tls(listener, tls).await?
        }
    };
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "fake-auth0 listening on {}", running.base_url)?;
        out.flush()?;
    }
    tracing::info!(%addr, "serving");
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
