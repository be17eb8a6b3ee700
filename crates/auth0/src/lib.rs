//! `gw-auth0`: a typed client for the parts of Auth0's Management API (and `/userinfo`) that
//! the gateway's MCP tools use.
//!
//! It knows nothing of MCP or of how tokens are obtained: every call takes the bearer token to
//! use. All requests go through one place (`http.rs`), which applies the timeouts, the retry
//! policy (`retry.rs`) and the error mapping (`error.rs`); paging and the opaque cursor live
//! in `paging.rs`. See the crate's README for the reasoning behind the retry and paging rules.

mod clients;
mod de;
mod error;
mod http;
mod logs;
mod organizations;
mod paging;
mod retry;
mod roles;
mod sensitive;
mod userinfo;
mod users;

pub use clients::{Client, ListClients};
pub use error::{Auth0Error, ScopeRequirement};
pub use http::{Auth0Client, ClientOptions};
pub use logs::{ListLogs, LogEvent};
pub use organizations::{CreateOrganization, Member, Organization};
pub use paging::{Cursor, Offset, Page, PageRequest};
pub use retry::RetryPolicy;
pub use roles::{CreateRole, Permission, PermissionRef, PermissionSource, Role, RoleUser};
pub use sensitive::SensitiveString;
pub use userinfo::UserInfo;
pub use users::{CreateUser, Identity, ListUsers, User};

/// Which fields a read returns (`fields` / `include_fields`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// Comma-separated field names; `None` returns every field.
    pub fields: Option<String>,
    /// Whether `fields` lists the fields to include (`true`, Auth0's default) or exclude.
    pub include_fields: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

    /// The MCP layer calls these from axum/rmcp handlers, which need `Send` futures.
    #[test]
    fn client_and_futures_are_send() {
        assert_send_sync::<Auth0Client>();
        assert_send_sync::<Auth0Error>();
        let client = Auth0Client::new(
            "https://t.auth0.com".parse().unwrap(),
            ClientOptions::default(),
        )
        .unwrap();
        let token = SecretString::from("t");
        assert_send(&client.list_users(&token, &ListUsers::default()));
        assert_send(&client.list_logs(&token, &ListLogs::default()));
        assert_send(&client.create_user(&token, &CreateUser::default()));
        assert_send(&client.userinfo(&token));
    }
}
