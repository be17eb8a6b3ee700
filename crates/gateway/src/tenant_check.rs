//! Does a configured tenant work against its Auth0? The same three round trips and wording as the
//! portal's Save (`gw_oauth::check_application`), for `gateway.toml` tenants: run by
//! `check --online` and, in the background, at `serve` start-up, so a wrong secret is found before
//! the first agent call instead of as Auth0's raw `access_denied`.

use std::time::Duration;

use gw_oauth::{
    Application, ApplicationProblem, GrantMode, OAuthHttp, TenantSettings, check_application,
};
use url::Url;

/// What one tenant's check found.
#[derive(Debug)]
pub struct TenantReport {
    pub tenant: String,
    pub outcome: Result<Vec<String>, ApplicationProblem>,
}

impl TenantReport {
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// What a users'-token tenant can do on real Auth0, said plainly: Auth0 gives a user's Management
/// API token only the `*:current_user*` scopes, so tools needing any-user scopes are refused for
/// everyone however the tenant is configured.
pub const USERS_TOKEN_LIMITS: &str = "grant = \"authorization_code\" calls Auth0 with each user's own token; on real Auth0 such a token carries only *:current_user* scopes (read:current_user, update:current_user_metadata, …), so every tool that needs read:users, read:roles, read:logs or any other scope here is refused by Auth0. Use grant = \"client_credentials\" with [[tenants.users]] to give people tools";

/// Checks one tenant's application: discovery, client ID and callback, secret and (for the
/// machine token) the Management API grant.
pub async fn check_tenant(
    http: &OAuthHttp,
    settings: &TenantSettings,
    callback: &Url,
) -> TenantReport {
    let outcome = check_application(
        http,
        &Application {
            domain: &settings.domain,
            base_url: &settings.base_url,
            client_id: &settings.client_id,
            client_secret: &settings.client_secret,
            grant: settings.grant,
            scopes: settings.scopes,
            callback,
        },
    )
    .await
    .map(|checked| {
        let mut notes = Vec::new();
        if !checked.missing.is_empty() {
            notes.push(format!(
                "Auth0 did not grant the machine token {}: tools needing them fail until you tick them under Applications → APIs → Auth0 Management API → Machine To Machine Applications",
                checked.missing.names().join(", ")
            ));
        }
        if settings.grant == GrantMode::AuthorizationCode {
            notes.push(USERS_TOKEN_LIMITS.to_owned());
        }
        notes
    });
    TenantReport {
        tenant: settings.name.clone(),
        outcome,
    }
}

/// The HTTP client for the checks: short, since an operator is waiting.
pub fn http() -> OAuthHttp {
    OAuthHttp::new(Duration::from_secs(10))
}

/// Logs each tenant's check, at start-up: a problem is a warning that names the fix, and does not
/// stop the gateway (other tenants, and this one once fixed in Auth0, still work).
pub async fn log_at_start(http: OAuthHttp, tenants: Vec<TenantSettings>, callback: Url) {
    for settings in &tenants {
        let report = check_tenant(&http, settings, &callback).await;
        match &report.outcome {
            Ok(notes) => {
                tracing::info!(tenant = %report.tenant, "the tenant's Auth0 application checks out");
                for note in notes {
                    tracing::warn!(tenant = %report.tenant, "{note}");
                }
            }
            Err(problem) => {
                tracing::warn!(tenant = %report.tenant, "the tenant's Auth0 application does not work: {problem}");
            }
        }
    }
}
