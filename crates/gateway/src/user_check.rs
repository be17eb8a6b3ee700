//! Re-checking the users behind `client_credentials` connections. Their calls use the tenant's
//! machine token, so Auth0 never sees them again after they connect: a user blocked or deleted in
//! Auth0 would keep their key for good. So when a request resolves such a connection and its last
//! check is older than the interval, the gateway asks `GET /api/v2/users/{id}` with the machine
//! token (on that request, so the verdict applies to it):
//!
//! - blocked, or gone (404): the connection is suspended with the reason, which the caller's 401
//!   and the portal show; its keys and OAuth tokens are refused;
//! - usable: a suspended connection is reinstated (unblocking a user in Auth0 gives them their
//!   key back at the next check), and the email Auth0 now holds is kept, since the operator's
//!   policy matches on it (an email changed or unverified in Auth0 stops matching);
//! - anything else (Auth0 unreachable, 5xx, 429, no machine token, a 403 because the application
//!   may not `read:users`): the last verdict stands and the check is retried after
//!   [`RETRY_AFTER_FAILURE`], so an Auth0 outage suspends nobody and lets nobody back in.
//!
//! When a check is due is remembered per replica, in memory: after a restart every connection is
//! checked on its first request. Verdicts are in the store, so every replica and the portal see them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use gw_auth0::{Auth0Error, Fields};
use gw_mcp::TenantRuntime;
use gw_oauth::GrantMode;
use gw_store::{ConnectionRecord, ConnectionStatus, Store, StoreError};

/// How often a connection's user is checked by default (`[server] user_check_interval_secs`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
/// When a check could not be made, how long before the next attempt (at most the interval).
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// Why a connection was suspended, as the caller and the portal read it.
pub const BLOCKED: &str = "the user is blocked in Auth0";
pub const DELETED: &str = "the user no longer exists in Auth0";

#[derive(Clone)]
pub struct UserChecks {
    interval: Duration,
    /// Connection id → when its user is next checked.
    due: Arc<DashMap<String, Instant>>,
}

impl Default for UserChecks {
    fn default() -> Self {
        UserChecks::every(DEFAULT_INTERVAL)
    }
}

/// What Auth0 said about the user.
enum Verdict {
    Usable {
        email: Option<String>,
        email_verified: bool,
    },
    Suspend(&'static str),
}

impl UserChecks {
    /// Checks each connection's user at most once per `interval` (zero: on every resolution).
    pub fn every(interval: Duration) -> UserChecks {
        UserChecks {
            interval,
            due: Arc::default(),
        }
    }

    /// The connection as it stands after checking its user, when a check is due. Only
    /// `client_credentials` connections that are active or suspended are checked; the others
    /// come back unchanged. Only a store failure is an error.
    pub(crate) async fn checked(
        &self,
        store: &Store,
        runtime: &TenantRuntime,
        connection: ConnectionRecord,
    ) -> Result<ConnectionRecord, StoreError> {
        let checkable = matches!(
            connection.status,
            ConnectionStatus::Active | ConnectionStatus::Suspended(_)
        );
        if runtime.settings.grant != GrantMode::ClientCredentials || !checkable {
            return Ok(connection);
        }
        let now = Instant::now();
        if self.due.get(&connection.id).is_some_and(|due| now < *due) {
            return Ok(connection);
        }
        // Claimed before the call, so the requests arriving meanwhile keep the last verdict
        // instead of asking Auth0 too.
        self.due.insert(
            connection.id.clone(),
            now + RETRY_AFTER_FAILURE.min(self.interval),
        );
        let verdict = match verdict(runtime, &connection.user_id).await {
            Ok(verdict) => verdict,
            Err(error) => {
                tracing::warn!(tenant = %connection.tenant, connection = %connection.id, %error, "cannot check a connected user at Auth0; the last verdict stands");
                return Ok(connection);
            }
        };
        self.due
            .insert(connection.id.clone(), Instant::now() + self.interval);
        apply(store, connection, verdict).await
    }
}

async fn verdict(runtime: &TenantRuntime, user_id: &str) -> Result<Verdict, String> {
    let token = runtime
        .machine
        .token()
        .await
        .map_err(|e| format!("no machine token: {e}"))?;
    let fields = Fields {
        fields: Some("user_id,blocked,email,email_verified".to_owned()),
        include_fields: Some(true),
    };
    match runtime
        .auth0
        .get_user(token.access_token.as_secret(), user_id, &fields)
        .await
    {
        Ok(user) if user.blocked == Some(true) => Ok(Verdict::Suspend(BLOCKED)),
        Ok(user) => Ok(Verdict::Usable {
            email: user.email,
            email_verified: user.email_verified == Some(true),
        }),
        Err(Auth0Error::Api { status: 404, .. }) => Ok(Verdict::Suspend(DELETED)),
        Err(error) => {
            if error.status() == Some(401) {
                runtime.machine.invalidate();
            }
            Err(error.to_string())
        }
    }
}

async fn apply(
    store: &Store,
    mut connection: ConnectionRecord,
    verdict: Verdict,
) -> Result<ConnectionRecord, StoreError> {
    match verdict {
        Verdict::Suspend(reason) => {
            if connection.status != ConnectionStatus::Suspended(reason.to_owned()) {
                store.suspend_connection(&connection.id, reason).await?;
                tracing::warn!(tenant = %connection.tenant, connection = %connection.id, user = %connection.user_id, reason, "connection suspended");
                connection.status = ConnectionStatus::Suspended(reason.to_owned());
            }
        }
        Verdict::Usable {
            email,
            email_verified,
        } => {
            if (&email, email_verified) != (&connection.email, connection.email_verified) {
                store
                    .update_connection_email(&connection.id, email.as_deref(), email_verified)
                    .await?;
                connection.email = email;
                connection.email_verified = email_verified;
            }
            if matches!(connection.status, ConnectionStatus::Suspended(_)) {
                store.reinstate_connection(&connection.id).await?;
                tracing::info!(tenant = %connection.tenant, connection = %connection.id, user = %connection.user_id, "connection reinstated: its user is usable in Auth0 again");
                connection.status = ConnectionStatus::Active;
            }
        }
    }
    Ok(connection)
}
