//! The OAuth 2.0 authorization-code flow against a tenant, on behalf of a user: the authorize
//! URL (PKCE S256, a random state), the step-up variant that makes the user authenticate again
//! with MFA, the code exchange with the client secret, refresh with rotation, revocation,
//! `/userinfo` to learn who connected, and checking the ID token a login returns.
//!
//! The `oauth2` crate builds and parses every request; this file only says what Auth0 needs
//! (the Management API `audience`, the step-up parameters) and turns answers into the
//! gateway's types.

use jsonwebtoken::DecodingKey;
use oauth2::basic::{BasicErrorResponseType, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret as OAuthClientSecret, CsrfToken,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RefreshToken as OAuthRefreshToken, RequestTokenError, Scope as OAuthScope,
    StandardErrorResponse, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::http_client::OAuthHttp;
use crate::id_token::{self, IdTokenClaims, IdTokenError, KeyNeeded};
use crate::scopes::{Scope, ScopeSet};
use crate::secret::AccessToken;
use crate::tenant::TenantSettings;

/// Why a request to the tenant's Authentication API failed.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Auth0 answered with an OAuth error (`invalid_grant`, `access_denied` …).
    #[error("Auth0 refused the request: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        error: String,
        description: Option<String>,
    },
    #[error("could not reach Auth0: {0}")]
    Unreachable(String),
    #[error("Auth0 answered with something unexpected: {0}")]
    BadResponse(String),
    #[error(transparent)]
    InvalidIdToken(#[from] IdTokenError),
}

/// The `acr_values` a step-up sends: the PAPE multi-factor policy, which Auth0's step-up
/// guide has an Action turn into an MFA challenge.
pub const MFA_ACR: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// Auth0's token response, with the `id_token` the `oauth2` crate's basic one drops.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type Auth0TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

impl FlowError {
    /// Auth0 will never accept this grant again (expired, revoked, rotated away, reused): only a
    /// new login helps. Anything else may be worth retrying.
    pub fn is_permanent(&self) -> bool {
        matches!(self, FlowError::Refused { error, .. } if error == "invalid_grant" || error == "unauthorized_client" || error == "access_denied")
    }
}

/// Where to send the user's browser, and what to keep until the callback.
pub struct AuthorizationStart {
    pub url: Url,
    /// The `state` parameter: single use, matched at the callback.
    pub state: SecretString,
    /// The PKCE verifier for the code exchange.
    pub verifier: SecretString,
}

/// Tokens from a code exchange or a refresh.
#[derive(Debug, Clone)]
pub struct UserTokens {
    pub access_token: AccessToken,
    /// Absent without `offline_access`.
    pub refresh_token: Option<SecretString>,
    /// Unix seconds when Auth0 stops accepting the access token.
    pub expires_at: i64,
    /// The token response's `scope`, as Auth0 wrote it.
    pub granted: String,
    /// The raw ID token (with `openid`); check it with [`UserFlow::verify_id_token`].
    pub id_token: Option<SecretString>,
}

impl UserTokens {
    /// What was granted, in product scopes.
    pub fn granted_scopes(&self) -> ScopeSet {
        ScopeSet::from_auth0_grant(&self.granted)
    }
}

/// Who connected, from `/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct UserIdentity {
    #[serde(rename = "sub")]
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub name: Option<String>,
}

/// The flow for one tenant, with the callback URL Auth0 sends the user back to.
pub struct UserFlow<'a> {
    tenant: &'a TenantSettings,
    http: &'a OAuthHttp,
    redirect_uri: Url,
}

impl<'a> UserFlow<'a> {
    pub fn new(tenant: &'a TenantSettings, http: &'a OAuthHttp, redirect_uri: Url) -> Self {
        UserFlow {
            tenant,
            http,
            redirect_uri,
        }
    }

    fn client(
        &self,
    ) -> oauth2::Client<
        StandardErrorResponse<BasicErrorResponseType>,
        Auth0TokenResponse,
        oauth2::basic::BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        oauth2::basic::BasicRevocationErrorResponse,
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    > {
        oauth2::Client::new(ClientId::new(self.tenant.client_id.clone()))
            .set_client_secret(OAuthClientSecret::new(
                self.tenant.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(self.tenant.endpoint("authorize")))
            .set_token_uri(TokenUrl::from_url(self.tenant.token_url()))
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()))
    }

    /// The `/authorize` URL asking for `scopes` on the Management API.
    pub fn start(&self, scopes: ScopeSet) -> AuthorizationStart {
        self.authorize(scopes, &[])
    }

    /// Like [`UserFlow::start`], but the user must log in again (`prompt=login`, `max_age=0`)
    /// and pass MFA (`acr_values`), and `openid` is always asked for, so the ID token can show
    /// it: check `amr` and `auth_time` with [`UserFlow::verify_id_token`]. Auth0 issues the
    /// token even when no MFA happened (a user not enrolled), so `amr` must be checked.
    pub fn start_step_up(&self, scopes: ScopeSet) -> AuthorizationStart {
        let scopes = scopes.union(ScopeSet::from_slice(&[Scope::Openid]));
        self.authorize(
            scopes,
            &[
                ("prompt", "login"),
                ("max_age", "0"),
                ("acr_values", MFA_ACR),
            ],
        )
    }

    fn authorize(&self, scopes: ScopeSet, extra: &[(&str, &str)]) -> AuthorizationStart {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("audience", self.tenant.audience());
        for (name, value) in extra {
            request = request.add_extra_param(*name, *value);
        }
        for scope in scopes.to_auth0_request().split_whitespace() {
            request = request.add_scope(OAuthScope::new(scope.to_owned()));
        }
        let (url, state) = request.url();
        AuthorizationStart {
            url,
            state: SecretString::from(state.secret().clone()),
            verifier: SecretString::from(verifier.secret().clone()),
        }
    }

    /// Exchanges the code from the callback (with the client secret and the PKCE verifier).
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &SecretString,
    ) -> Result<UserTokens, FlowError> {
        let response = self
            .client()
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
            .request_async(&self.sender())
            .await
            .map_err(describe)?;
        Ok(tokens(&response, None))
    }

    /// A new access token (and, with rotation, a new refresh token) for a refresh token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<UserTokens, FlowError> {
        let presented = OAuthRefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .client()
            .exchange_refresh_token(&presented)
            .request_async(&self.sender())
            .await
            .map_err(describe)?;
        // Without rotation Auth0 returns no new refresh token: the old one stays valid.
        Ok(tokens(&response, Some(refresh_token)))
    }

    /// Revokes a refresh token (and with it the grant) at `/oauth/revoke` (RFC 7009). Sent by
    /// hand: `oauth2` refuses plain-http revocation URLs, which the loopback test tenant uses.
    pub async fn revoke(&self, refresh_token: &SecretString) -> Result<(), FlowError> {
        let response = self
            .http
            .reqwest()
            .post(self.tenant.endpoint("oauth/revoke"))
            .form(&[
                ("client_id", self.tenant.client_id.as_str()),
                ("client_secret", self.tenant.client_secret.expose_secret()),
                ("token", refresh_token.expose_secret()),
                ("token_type_hint", "refresh_token"),
            ])
            .send()
            .await
            .map_err(|e| FlowError::Unreachable(e.without_url().to_string()))?;
        if response.status().is_success() {
            return Ok(());
        }
        let status = response.status();
        #[derive(serde::Deserialize)]
        struct OAuthErrorBody {
            error: String,
            error_description: Option<String>,
        }
        match response.json::<OAuthErrorBody>().await {
            Ok(body) => Err(FlowError::Refused {
                error: body.error,
                description: body.error_description,
            }),
            Err(_) => Err(FlowError::BadResponse(format!(
                "/oauth/revoke answered {status}"
            ))),
        }
    }

    /// Who the access token belongs to.
    pub async fn identity(&self, access_token: &AccessToken) -> Result<UserIdentity, FlowError> {
        let response = self
            .http
            .reqwest()
            .get(self.tenant.endpoint("userinfo"))
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|e| FlowError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FlowError::Refused {
                error: format!("userinfo answered {status}"),
                description: None,
            });
        }
        response
            .json::<UserIdentity>()
            .await
            .map_err(|e| FlowError::BadResponse(format!("userinfo: {}", e.without_url())))
    }

    /// Checks an ID token from this tenant — signature (RS256 with the tenant's published key,
    /// or HS256 with the client secret), issuer `https://{domain}/`, audience = the client id,
    /// expiry — and returns its claims. The caller decides what they must say (the user, `mfa`
    /// in `amr`, a recent `auth_time`).
    pub async fn verify_id_token(
        &self,
        id_token: &SecretString,
    ) -> Result<IdTokenClaims, FlowError> {
        let token = id_token.expose_secret();
        let needed = id_token::key_needed(token)?;
        let key = match &needed {
            KeyNeeded::ClientSecret => {
                DecodingKey::from_secret(self.tenant.client_secret.expose_secret().as_bytes())
            }
            KeyNeeded::Tenant(kid) => self
                .http
                .signing_keys()
                .key(
                    self.http.reqwest(),
                    &self.tenant.endpoint(".well-known/jwks.json"),
                    kid,
                )
                .await?
                .ok_or(IdTokenError::UnknownKey)?,
        };
        let issuer = format!("https://{}/", self.tenant.domain);
        Ok(id_token::verify(
            token,
            &key,
            &needed,
            &issuer,
            &self.tenant.client_id,
        )?)
    }

    fn sender(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<oauth2::HttpResponse, crate::http_client::HttpClientError>,
                > + Send,
        >,
    > + '_ {
        let http = self.http.clone();
        move |request| {
            let http = http.clone();
            Box::pin(async move { http.execute(request).await })
        }
    }
}

fn tokens(response: &Auth0TokenResponse, previous_refresh: Option<&SecretString>) -> UserTokens {
    let lifetime = response
        .expires_in()
        .map(|d| d.as_secs() as i64)
        .unwrap_or(86_400);
    let granted = response
        .scopes()
        .map(|scopes| {
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    UserTokens {
        access_token: AccessToken::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().clone()))
            .or_else(|| previous_refresh.cloned()),
        expires_at: crate::unix_now() + lifetime,
        granted,
        id_token: response
            .extra_fields()
            .id_token
            .clone()
            .map(SecretString::from),
    }
}

fn describe<E: std::error::Error + 'static, T: oauth2::ErrorResponseType + std::fmt::Display>(
    error: RequestTokenError<E, StandardErrorResponse<T>>,
) -> FlowError {
    match error {
        RequestTokenError::ServerResponse(response) => FlowError::Refused {
            error: response.error().to_string(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(error) => FlowError::Unreachable(error.to_string()),
        RequestTokenError::Parse(error, _body) => FlowError::BadResponse(error.to_string()),
        RequestTokenError::Other(detail) => FlowError::BadResponse(detail),
    }
}
