//! Signing a user in at their tenant's Auth0 (the authorization-code flow with PKCE), for every
//! door that starts one: `/connect/{tenant}`, the authorization server's consent, the approval
//! page and the CLI's `connect`. The pending sign-in lives in the store, not in memory, so any replica can take the
//! callback. What the browser carries (cookies) and what each door shows at the end stay with
//! the door; this module neither reads requests nor builds responses.

use std::sync::Arc;

use gw_mcp::{TenantRuntime, Tenants};
use gw_oauth::{
    FlowError, GrantMode, IdTokenClaims, OAuthHttp, ScopeSet, TenantSettings, UserFlow,
    UserIdentity, UserTokens,
};
use rand::distr::{Alphanumeric, SampleString};
use secrecy::SecretString;
use url::Url;

use gw_store::{
    ConnectionRecord, NewConnection, PendingAuthorization, Store, StoreError, Taken, sha256_hex,
};

/// Where Auth0 sends users back: `{public_url}/integration-callback`.
pub fn callback_url(public_url: &Url) -> Url {
    gw_mcp::tenant_runtime::join(public_url, "integration-callback")
}

/// What a sign-in needs, and nothing of the web app around it.
#[derive(Clone)]
pub struct SignIns {
    pub store: Store,
    /// The tenants served now: a callback finds its tenant here (it may have gone meanwhile).
    pub tenants: Arc<Tenants>,
    pub oauth_http: OAuthHttp,
    /// The redirect URI registered at Auth0 ([`callback_url`]).
    pub callback_url: Url,
}

/// What a sign-in is for: it decides where its callback ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Connecting the user: a connection and a key (`/connect`, the CLI's `connect`).
    Connect,
    /// Consenting to more scopes for a connection (its id), from a tool's link: as `Connect`,
    /// but only that connection's user may finish it.
    Consent(String),
    /// An MCP client's authorization request (its id): the callback ends with a code for it.
    OAuthRequest(String),
    /// Deciding a request a policy holds a call on (its id): an approval, or the caller's own
    /// confirmation. The callback shows the request and stores neither a connection nor a key.
    Approval(String),
    /// Signing in again with MFA for a `step_up` request (its id): `prompt=login`, `max_age=0`
    /// and the MFA `acr_values`; the callback checks the ID token.
    StepUp(String),
}

/// A started sign-in.
pub struct Started {
    /// Where to send the user: the tenant's `/authorize`.
    pub url: Url,
    /// The `state` the callback will carry back.
    pub state: SecretString,
    /// For a sign-in started in a browser: the value that browser must show again at the
    /// callback (the store keeps only its hash).
    pub browser_secret: Option<String>,
}

/// What a callback's `state` leads to.
pub enum Resumed {
    /// A sign-in to finish, in the browser that started it (or one started from the terminal).
    Ready(PendingAuthorization),
    /// It existed but took more than ten minutes.
    Expired { tenant: String },
    /// It finished already, in this browser: the success page was reloaded.
    Reloaded { tenant: String },
    /// Never issued, or already used (by a sign-in that did not finish, or in another browser).
    Unknown,
    /// Carried to a browser other than the one that started it (login CSRF). It is spent.
    OtherBrowser { tenant: String },
}

/// What Auth0 sent back to the callback besides the state.
pub struct CallbackParams<'a> {
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
    pub error_description: Option<&'a str>,
}

/// Who signed in, with their tokens, on which tenant.
pub struct SignedIn {
    pub runtime: Arc<TenantRuntime>,
    pub identity: UserIdentity,
    pub tokens: UserTokens,
}

/// Why the user who came back could not be signed in. The texts are shown to that user, so each
/// says what happened. (The steps that only read or write the store fail with its own
/// `StoreError`, which each door answers in its own way.)
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The user declined, or Auth0 sent another error to the callback.
    #[error("{}", refused_text(.error, .description))]
    RefusedByAuth0 { error: String, description: String },
    #[error("The callback carries neither a `code` nor an `error`.")]
    MissingCode,
    /// The tenant was removed while the user was signing in.
    #[error("Tenant `{tenant}` is no longer served by this gateway.")]
    UnknownTenant { tenant: String },
    #[error("The authorization code could not be exchanged for tokens: {0}. Nothing was stored.")]
    ExchangeFailed(FlowError),
    #[error("Auth0 did not say who signed in: {0}. Nothing was stored.")]
    UserinfoFailed(FlowError),
}

fn refused_text(error: &str, description: &str) -> String {
    match error {
        "access_denied" => format!(
            "Auth0 did not authorize the connection (access_denied): {description}. Nothing was stored."
        ),
        _ => format!("Auth0 returned the error `{error}`: {description}. Nothing was stored."),
    }
}

impl SignIns {
    /// Starts a sign-in: remembers the state and PKCE verifier and returns the `/authorize` URL.
    /// `in_browser` binds it to a secret the starting browser must bring back; a sign-in started
    /// from the terminal is not bound (its state was shown only there).
    pub async fn begin(
        &self,
        settings: &TenantSettings,
        requested: ScopeSet,
        in_browser: bool,
        purpose: Purpose,
    ) -> Result<Started, StoreError> {
        let flow = UserFlow::new(settings, &self.oauth_http, self.callback_url.clone());
        let start = match purpose {
            Purpose::StepUp(_) => flow.start_step_up(requested),
            _ => flow.start(requested),
        };
        let browser_secret = in_browser.then(|| Alphanumeric.sample_string(&mut rand::rng(), 32));
        // A step-up's request is found like an approval's; its kind tells the callback to check
        // the ID token.
        let (oauth_request, approval_request, consent_connection) = match purpose {
            Purpose::Connect => (None, None, None),
            Purpose::Consent(connection) => (None, None, Some(connection)),
            Purpose::OAuthRequest(id) => (Some(id), None, None),
            Purpose::Approval(id) | Purpose::StepUp(id) => (None, Some(id), None),
        };
        let pending = PendingAuthorization {
            tenant: settings.name.clone(),
            verifier: start.verifier,
            requested,
            browser_hash: browser_secret.as_deref().map(sha256_hex),
            oauth_request,
            approval_request,
            consent_connection,
        };
        self.store.save_pending(&start.state, &pending).await?;
        Ok(Started {
            url: start.url,
            state: start.state,
            browser_secret,
        })
    }

    /// Takes the sign-in a callback's `state` names, with the browser secret the callback came
    /// with. Taking consumes the state, whatever happens next: a callback works once.
    pub async fn resume(
        &self,
        state: &str,
        browser_secret: Option<&str>,
    ) -> Result<Resumed, StoreError> {
        let same_browser = |expected: Option<&str>| {
            expected
                .is_none_or(|expected| browser_secret.map(sha256_hex).as_deref() == Some(expected))
        };
        Ok(match self.store.take_pending(state).await? {
            Taken::Found(pending) if same_browser(pending.browser_hash.as_deref()) => {
                Resumed::Ready(pending)
            }
            Taken::Found(pending) => Resumed::OtherBrowser {
                tenant: pending.tenant,
            },
            Taken::Expired { tenant } => Resumed::Expired { tenant },
            Taken::Finished {
                tenant,
                browser_hash,
            } if same_browser(browser_hash.as_deref()) => Resumed::Reloaded { tenant },
            Taken::Unknown | Taken::Finished { .. } => Resumed::Unknown,
        })
    }

    /// Exchanges the callback's code and asks `/userinfo` who signed in. Stores nothing.
    pub async fn sign_in(
        &self,
        pending: &PendingAuthorization,
        callback: &CallbackParams<'_>,
    ) -> Result<SignedIn, SignInError> {
        let tenant = &pending.tenant;
        if let Some(error) = callback.error {
            tracing::info!(tenant, error, "a connection attempt was refused by Auth0");
            return Err(SignInError::RefusedByAuth0 {
                error: error.to_owned(),
                description: callback.error_description.unwrap_or("").to_owned(),
            });
        }
        let Some(code) = callback.code.filter(|c| !c.is_empty()) else {
            return Err(SignInError::MissingCode);
        };
        let Some(runtime) = self.tenants.get(tenant) else {
            return Err(SignInError::UnknownTenant {
                tenant: tenant.clone(),
            });
        };
        let flow = UserFlow::new(
            &runtime.settings,
            &self.oauth_http,
            self.callback_url.clone(),
        );
        let tokens = flow
            .exchange(code, &pending.verifier)
            .await
            .map_err(|error| {
                tracing::warn!(tenant, %error, "code exchange failed");
                SignInError::ExchangeFailed(error)
            })?;
        let identity = flow.identity(&tokens.access_token).await.map_err(|error| {
            tracing::warn!(tenant, %error, "userinfo failed");
            SignInError::UserinfoFailed(error)
        })?;
        Ok(SignedIn {
            runtime,
            identity,
            tokens,
        })
    }

    /// What the ID token of `signed_in` says (verified against the tenant), or why it says
    /// nothing to be trusted.
    pub async fn id_token_claims(&self, signed_in: &SignedIn) -> Result<IdTokenClaims, String> {
        let Some(id_token) = &signed_in.tokens.id_token else {
            return Err("Auth0 sent none".to_owned());
        };
        UserFlow::new(
            &signed_in.runtime.settings,
            &self.oauth_http,
            self.callback_url.clone(),
        )
        .verify_id_token(id_token)
        .await
        .map_err(|error| {
            tracing::warn!(tenant = %signed_in.runtime.settings.name, %error, "an ID token did not verify");
            error.to_string()
        })
    }

    /// Stores (or renews) the user's connection and drops any token cached for it.
    pub async fn store_connection(
        &self,
        signed_in: &SignedIn,
    ) -> Result<ConnectionRecord, StoreError> {
        let settings = &signed_in.runtime.settings;
        let connection = self
            .store
            .save_connection(NewConnection {
                tenant: &settings.name,
                identity: &signed_in.identity,
                tokens: &signed_in.tokens,
                // With client_credentials calls use the machine token: the user's is not kept.
                keep_tokens: settings.grant == GrantMode::AuthorizationCode,
            })
            .await?;
        if let Some(users) = &signed_in.runtime.users {
            users.forget(&connection.id);
        }
        tracing::info!(tenant = %settings.name, connection = %connection.id, user = %connection.user_id, granted = %connection.granted, "user connected");
        Ok(connection)
    }

    /// Marks the sign-in finished, so a reload of its success page is told so.
    pub async fn finished(&self, state: &str) {
        if let Err(error) = self.store.finish_pending(state).await {
            // Only the wording of a later reload depends on it.
            tracing::warn!(%error, "cannot mark a sign-in finished");
        }
    }
}
