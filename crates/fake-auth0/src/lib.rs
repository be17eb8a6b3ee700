//! An in-memory Auth0 tenant for tests and the gateway's demo: the Authentication API
//! (discovery, JWKS, `/authorize`, `/oauth/token`, `/userinfo`, `/oauth/revoke`) and the
//! Management API endpoints the gateway's tools call, faithful to Auth0's statuses, bodies,
//! error envelopes, scopes and paging, with fault injection and traffic counters.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_auth0::{FakeAuth0, FakeConfig};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let running = FakeAuth0::new(FakeConfig::default()).serve(listener).await?;
//! println!("tenant at {}", running.base_url);
//! running.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
mod authn;
mod claims;
pub mod cli;
mod config;
mod control;
mod fake;
mod faults;
mod keys;
mod mgmt;
mod model;
mod plan_limits;
mod ratelimit;
mod seed;
mod state;
mod stats;
mod tenant;
pub mod tls;
mod token_bucket;

pub use config::{
    CURRENT_USER_SCOPES, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DOMAIN,
    DEFAULT_LOGIN_USER, FakeConfig, RegisteredClient, Seed, UserGrants, all_management_scopes,
    default_callbacks,
};
pub use fake::{FakeAuth0, RunningFake};
pub use faults::{Chaos, Fault, FaultKind};
pub use plan_limits::{RateLimits, UnknownRateLimits};
pub use stats::{Counts, Stats};
