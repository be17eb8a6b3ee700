//! [`FakeAuth0`]: the handle tests and the demo hold, and [`RunningFake`], a tenant served
//! on a socket.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::authn::mint::machine_token;
use crate::config::{FakeConfig, UserGrants};
use crate::faults::Fault;
use crate::keys::SigningKey;
use crate::plan_limits::RateLimits;
use crate::state::{Settings, Shared};
use crate::stats::{Counts, Stats};
use crate::{app, seed};

/// An in-memory Auth0 tenant. Cheap to clone: clones share the same tenant.
#[derive(Clone)]
pub struct FakeAuth0 {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeAuth0 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAuth0")
            .field("domain", &self.shared.domain)
            .finish_non_exhaustive()
    }
}

impl FakeAuth0 {
    /// Builds the tenant: generates its signing key and loads the seed.
    pub fn new(config: FakeConfig) -> FakeAuth0 {
        let key = SigningKey::generate();
        let tenant = seed::build(&config);
        let settings = Settings {
            access_token_ttl: config.access_token_ttl,
            user_grants: config.user_grants.clone(),
            login_user: config.login_user.clone(),
        };
        FakeAuth0 {
            shared: Arc::new(Shared::new(
                config.domain,
                key,
                tenant,
                settings,
                config.rate_limits,
            )),
        }
    }

    /// The whole app, for callers that serve it themselves or drive it with `oneshot`.
    pub fn router(&self) -> Router {
        app::router(self.shared.clone())
    }

    /// Serves the tenant on `listener` in a background task and returns at once.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<RunningFake> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(RunningFake {
            base_url: format!("http://{addr}"),
            fake: self,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Serves the tenant over HTTPS with `tls`'s certificate; `base_url` is `https://127.0.0.1:PORT`.
    pub async fn serve_tls(
        self,
        listener: TcpListener,
        tls: crate::tls::SelfSigned,
    ) -> std::io::Result<RunningFake> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::tls::serve(listener, self.router(), tls, rx));
        Ok(RunningFake {
            base_url: format!("https://{addr}"),
            fake: self,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The logical domain (`iss` is `https://{domain}/`).
    pub fn domain(&self) -> &str {
        &self.shared.domain
    }

    /// `https://{domain}/`
    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    /// `https://{domain}/api/v2/`
    pub fn management_audience(&self) -> &str {
        &self.shared.management_audience
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Applies to tokens issued from now on.
    pub fn set_access_token_ttl(&self, ttl: Duration) {
        self.shared.update_settings(|s| s.access_token_ttl = ttl);
    }

    /// See [`FakeConfig::user_grants`]; applies from the next token (refreshes included).
    pub fn set_user_grants(&self, grants: UserGrants) {
        self.shared.update_settings(|s| s.user_grants = grants);
    }

    /// Switches the Management API rate-limit mode; every bucket starts full again.
    pub fn set_rate_limits(&self, mode: RateLimits) {
        self.shared.limiter().set_plan(mode);
    }

    /// The rate-limit mode in force.
    pub fn rate_limits(&self) -> RateLimits {
        self.shared.limiter().plan()
    }

    /// Changes the user `/authorize` logs in as.
    pub fn set_login_user(&self, user_id: &str) {
        self.shared
            .update_settings(|s| s.login_user = user_id.to_owned());
    }

    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults().add(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Hits a share of Management API requests with random faults from now on (`None` stops).
    pub fn set_chaos(&self, chaos: Option<crate::faults::Chaos>) {
        self.shared.faults().set_chaos(chaos);
    }

    /// How many Management API requests the random faults have hit.
    pub fn chaos_injected(&self) -> u64 {
        self.shared.faults().chaos_injected()
    }

    /// The user as `GET /api/v2/users/{id}` renders it, IdP tokens included.
    pub fn user(&self, user_id: &str) -> Option<Value> {
        self.shared
            .tenant()
            .users
            .get(user_id)
            .map(|u| u.render(true))
    }

    /// Blocks or unblocks a user, as `PATCH /api/v2/users/{id}` with `blocked` does (a blocked
    /// user can no longer sign in or refresh); `false` when there is no such user.
    pub fn set_user_blocked(&self, user_id: &str, blocked: bool) -> bool {
        match self.shared.tenant().users.get_mut(user_id) {
            Some(user) => {
                user.blocked = Some(blocked);
                true
            }
            None => false,
        }
    }

    /// Enrolls the user in MFA (Guardian) or removes the enrollment; `false` when there is no
    /// such user. An enrolled user passes an MFA challenge whenever `/authorize` asks for one
    /// with `acr_values`, and the ID token then says so (`amr: ["mfa"]`).
    pub fn set_user_mfa(&self, user_id: &str, enrolled: bool) -> bool {
        self.shared
            .tenant()
            .users
            .get_mut(user_id)
            .map(|user| user.set_mfa_enrolled(enrolled))
            .is_some()
    }

    /// The next MFA challenge fails: `/authorize` sends the application `access_denied` and
    /// logs `gd_auth_failed`. Applies once.
    pub fn fail_next_mfa(&self) {
        self.shared.tenant().sessions.fail_next_mfa();
    }

    /// Deletes a user, as `DELETE /api/v2/users/{id}` does; `false` when there was none.
    pub fn delete_user(&self, user_id: &str) -> bool {
        self.shared.tenant().remove_user(user_id)
    }

    pub fn organization(&self, id: &str) -> Option<Value> {
        self.shared
            .tenant()
            .organizations
            .get(id)
            .map(|o| o.render())
    }

    pub fn role(&self, id: &str) -> Option<Value> {
        self.shared.tenant().roles.get(id).map(|r| r.render())
    }

    /// The application with its secret and keys.
    pub fn client(&self, id: &str) -> Option<Value> {
        self.shared.tenant().clients.get(id).map(|c| c.render(true))
    }

    /// Ids of the roles assigned to the user, in id order.
    pub fn user_roles(&self, user_id: &str) -> Vec<String> {
        self.shared.tenant().role_ids_of(user_id)
    }

    /// User ids of the organization's members, in id order.
    pub fn organization_members(&self, org_id: &str) -> Vec<String> {
        self.shared
            .tenant()
            .organizations
            .get(org_id)
            .map(|o| o.members.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// `(resource_server_identifier, permission_name)` pairs of the role.
    pub fn role_permissions(&self, role_id: &str) -> Vec<(String, String)> {
        self.shared
            .tenant()
            .roles
            .get(role_id)
            .map(|r| {
                r.permissions
                    .iter()
                    .map(|p| {
                        (
                            p.resource_server_identifier.clone(),
                            p.permission_name.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn counts(&self) -> Counts {
        let t = self.shared.tenant();
        Counts {
            users: t.users.len(),
            organizations: t.organizations.len(),
            roles: t.roles.len(),
            logs: t.logs.len(),
            clients: t.clients.len(),
        }
    }

    /// A signed client-credentials token for the Management API, as `/oauth/token` would
    /// issue it, without counting a token request. `client_id` need not be registered.
    pub fn issue_management_token(&self, client_id: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        machine_token(&self.shared, client_id, &scopes).access_token
    }
}

/// A tenant being served. Dropping it stops the server; [`RunningFake::shutdown`] also
/// waits for it to finish.
#[derive(Debug)]
pub struct RunningFake {
    /// `http://127.0.0.1:PORT` (`https://` from `serve_tls`), no trailing slash.
    pub base_url: String,
    pub fake: FakeAuth0,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningFake {
    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops accepting connections, lets open requests finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
