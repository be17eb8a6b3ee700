//! The tenant's records and how Auth0 renders each of them as JSON.

pub(crate) mod client;
pub(crate) mod ids;
pub(crate) mod log_event;
pub(crate) mod organization;
pub(crate) mod resource_server;
pub(crate) mod role;
pub(crate) mod timestamp;
pub(crate) mod user;
