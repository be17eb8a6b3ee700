//! What `store_backends.rs` needs of the end-to-end harness (`e2e/harness/`), kept here while
//! that file lives in this package: PostgreSQL schemas, and a fake tenant with the gateway's
//! application for a sign-in.
#![allow(dead_code, unreachable_pub)]

pub mod connect;
pub mod postgres;
