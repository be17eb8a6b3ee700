//! The gateway's MCP server: every scoped Auth0 operation as an MCP tool, listed and guarded per
//! principal. Transports (stdio, HTTP) live in the gateway binary; this crate is the handler.

pub mod access;
pub mod audit;
pub mod call;
pub mod catalog;
mod confirm;
mod confirm_link;
mod consent;
mod data_protection;
pub mod error;
pub mod limit_counters;
mod limit_gate;
pub mod policy_gate;
pub mod redis_counters;
pub mod render;
mod schema;
pub mod server;
mod step_up;
pub mod tenant_runtime;
mod tenants;
mod tools;
pub mod url_elicitation;

pub use access::{Principal, PrincipalKind};
pub use audit::{AuditRecord, AuditSink, Outcome, RefusalKind};
pub use catalog::{Catalog, Effect, ToolDef, catalog};
pub use limit_counters::{CountersUnavailable, LimitCounters, LimitKey, MemoryCounters, Take};
pub use policy_gate::{
    Asks, CallKey, NewRequest, PersonLink, PolicyNote, PolicyRequests, Request, RequestKind,
    RequestStatus, SourceAddress,
};
pub use redis_counters::{OnRedisDown, RedisCounters};
pub use server::{GatewayServer, RequestSpan};
pub use tenant_runtime::TenantRuntime;
pub use tenants::Tenants;
