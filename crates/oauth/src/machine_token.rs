//! The tenant's machine token (client-credentials grant) for the Management API.
//!
//! One token per tenant, cached until shortly before it expires. However many tool calls find it
//! expired at once, exactly one token request goes to Auth0: callers queue on an async mutex and
//! the first one through refreshes while the rest re-check and reuse its result.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, ClientId, ClientSecret as OAuthClientSecret, RequestTokenError, StandardErrorResponse,
    TokenResponse, TokenUrl,
};
use tokio::sync::Mutex;

use crate::http_client::OAuthHttp;
use crate::scopes::ScopeSet;
use crate::secret::AccessToken;
use crate::tenant::TenantSettings;

/// Why a machine token could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum MachineTokenError {
    /// Auth0 answered with an OAuth error (wrong secret, API not authorized for the client …).
    #[error("Auth0 refused the client-credentials request for tenant `{tenant}`: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        tenant: String,
        error: String,
        description: Option<String>,
    },
    #[error("could not reach Auth0 for tenant `{tenant}`: {detail}")]
    Unreachable { tenant: String, detail: String },
    #[error(
        "Auth0 answered the token request for tenant `{tenant}` with something that is not a token response: {detail}"
    )]
    BadResponse { tenant: String, detail: String },
}

/// A Management API token and what Auth0 granted with it.
#[derive(Debug, Clone)]
pub struct MachineToken {
    pub access_token: AccessToken,
    /// What the token response's `scope` granted, mapped to product scopes.
    pub granted: ScopeSet,
    /// When the cache stops handing this token out (a margin before Auth0's expiry).
    pub refresh_at: Instant,
}

/// Caches and refreshes one tenant's machine token.
pub struct MachineTokenProvider {
    tenant: Arc<TenantSettings>,
    http: OAuthHttp,
    current: RwLock<Option<Arc<MachineToken>>>,
    refresh: Mutex<()>,
}

impl MachineTokenProvider {
    pub fn new(tenant: Arc<TenantSettings>, http: OAuthHttp) -> Self {
        MachineTokenProvider {
            tenant,
            http,
            current: RwLock::new(None),
            refresh: Mutex::new(()),
        }
    }

    /// A token that is valid for a while yet, from the cache or from Auth0.
    pub async fn token(&self) -> Result<Arc<MachineToken>, MachineTokenError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let token = Arc::new(self.request().await?);
        *self.current.write().expect("token cache lock poisoned") = Some(token.clone());
        Ok(token)
    }

    /// Drops the cached token, e.g. after Auth0 rejected it as invalid.
    pub fn invalidate(&self) {
        *self.current.write().expect("token cache lock poisoned") = None;
    }

    fn fresh(&self) -> Option<Arc<MachineToken>> {
        let current = self.current.read().expect("token cache lock poisoned");
        current
            .as_ref()
            .filter(|token| Instant::now() < token.refresh_at)
            .cloned()
    }

    #[tracing::instrument(name = "auth0.machine_token", skip_all, fields(tenant = %self.tenant.name))]
    async fn request(&self) -> Result<MachineToken, MachineTokenError> {
        let tenant = &self.tenant;
        let client = BasicClient::new(ClientId::new(tenant.client_id.clone()))
            .set_client_secret(OAuthClientSecret::new(
                tenant.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(tenant.endpoint("authorize")))
            .set_token_uri(TokenUrl::from_url(tenant.token_url()));
        // The HTTP function owns its client so its futures borrow nothing: `oauth2` ties their
        // lifetime to the function's, which trips the `Send + 'static` bounds of server handlers.
        let http = self.http.clone();
        let send = move |request| {
            let http = http.clone();
            async move { http.execute(request).await }
        };
        let requested_at = Instant::now();
        let response = client
            .exchange_client_credentials()
            .add_extra_param("audience", tenant.audience())
            .request_async(&send)
            .await
            .map_err(|error| {
                metrics::counter!("oauth_machine_token_requests_total", "outcome" => "failed")
                    .increment(1);
                self.describe_failure(error)
            })?;
        metrics::counter!("oauth_machine_token_requests_total", "outcome" => "ok").increment(1);

        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(86_400));
        let granted = match response.scopes() {
            Some(scopes) => ScopeSet::from_auth0_grant(
                &scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            // Auth0 always returns `scope` for client credentials; without it we cannot know what
            // was granted, and granting nothing is the safe reading.
            None => ScopeSet::EMPTY,
        };
        tracing::info!(granted = %granted, expires_in_secs = lifetime.as_secs(), "obtained a Management API token");
        Ok(MachineToken {
            access_token: AccessToken::new(response.access_token().secret().clone()),
            granted,
            refresh_at: requested_at + lifetime - refresh_margin(lifetime),
        })
    }

    fn describe_failure<E: std::error::Error + 'static>(
        &self,
        error: RequestTokenError<E, StandardErrorResponse<BasicErrorResponseType>>,
    ) -> MachineTokenError {
        let tenant = self.tenant.name.clone();
        match error {
            RequestTokenError::ServerResponse(response) => MachineTokenError::Refused {
                tenant,
                error: response.error().to_string(),
                description: response.error_description().cloned(),
            },
            RequestTokenError::Request(error) => MachineTokenError::Unreachable {
                tenant,
                detail: error.to_string(),
            },
            RequestTokenError::Parse(error, _body) => MachineTokenError::BadResponse {
                tenant,
                detail: error.to_string(),
            },
            RequestTokenError::Other(detail) => MachineTokenError::BadResponse { tenant, detail },
        }
    }
}

/// How long before expiry a token stops being handed out: a minute, or a tenth of the lifetime
/// for short-lived tokens, so a call never starts with a token that expires mid-flight.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_minute_for_day_long_tokens_and_a_tenth_for_short_ones() {
        assert_eq!(
            refresh_margin(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
    }
}
