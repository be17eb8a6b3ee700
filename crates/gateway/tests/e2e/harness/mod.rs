//! The end-to-end harness. One description of a test's set-up, [`world()`] → [`Builder`] →
//! [`World`]: fake Auth0 tenants on 127.0.0.1:0 in this process, a store in a temporary directory
//! and the `gateway.toml` for them. From a world the gateway starts
//! - in this process ([`World::in_process`] → [`InProcess`]), to look at its store and state;
//! - as the real binary serving HTTP ([`World::serve`] → [`process::Served`]) or running a command
//!   ([`World::run`]), for what needs a process of its own (signals, the global logger, the span
//!   exporter, replicas);
//! - as the real binary over stdio ([`World::stdio`] → [`Stdio`]), driven by rmcp's client.
//!
//! The fake tenant is set up in one place ([`Builder::build`]) and knows the gateway's application
//! as [`CLIENT_ID`] / [`CLIENT_SECRET`], whichever form the gateway takes.
#![allow(unreachable_pub)]

pub mod browser;
pub mod document_server;
pub mod in_process;
pub mod mcp;
pub mod oauth_client;
pub mod person;
pub mod portal;
pub mod postgres;
pub mod process;
pub mod request_page;
pub mod sse;
pub mod stdio;
pub mod store_proxy;
pub mod webhook;
pub mod world;

use std::time::Duration;

use rmcp::model::CallToolResult;
use serde_json::Value;

pub use browser::{browser, get_json, location, step_client};
pub use in_process::InProcess;
pub use stdio::Stdio;
pub use world::{Builder, World, world};

/// The gateway's application at every fake tenant.
pub const CLIENT_ID: &str = "e2e-gateway";
pub const CLIENT_SECRET: &str = "e2e-secret-value-0123456789";
/// Where `gateway.toml` tells the real binary to find [`CLIENT_SECRET`] and the store's key.
pub const SECRET_ENV: &str = "E2E_CLIENT_SECRET";
pub const STORE_KEY_ENV: &str = "E2E_STORE_KEY";
/// What signs approval notices to [`Builder::approval_webhook`].
pub const WEBHOOK_SECRET: &str = "e2e-webhook-key-0123456789abcdef0123";

/// The text a tool result shows the model.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `key` of every item of a listing.
pub fn ids(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (the audit writer batches for 100 ms) until `store`'s audit log holds a record with
/// `outcome`, and returns it.
pub async fn audited(store: &gw_store::Store, outcome: &str) -> gw_mcp::AuditRecord {
    for _ in 0..50 {
        if let Some(record) = store
            .audit_since(0, None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.outcome == outcome)
        {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {outcome} in the audit log");
}
