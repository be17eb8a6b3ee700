//! The HTTP client the OAuth flows use: reqwest with redirects off, handed to the `oauth2` crate.
//!
//! `oauth2` 5 ships an adapter only for reqwest 0.12; the workspace uses 0.13, so this file
//! bridges the two (a dozen lines) instead of pulling in a second reqwest.

use std::time::Duration;

use oauth2::{HttpRequest, HttpResponse};

use crate::jwks::JwksCache;

/// Failure to reach the authorization server at all (no HTTP answer).
#[derive(Debug, thiserror::Error)]
#[error("could not reach the Auth0 tenant: {0}")]
pub struct HttpClientError(String);

/// A reqwest client for talking to Auth0's Authentication API, and the tenants' ID-token
/// signing keys it has fetched (shared by clones, so every flow benefits from one fetch).
#[derive(Clone)]
pub struct OAuthHttp {
    client: reqwest::Client,
    keys: JwksCache,
}

impl OAuthHttp {
    pub fn new(timeout: Duration) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            // Following redirects from a token endpoint opens the client up to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a reqwest client with rustls and a process-wide crypto provider builds");
        OAuthHttp {
            client,
            keys: JwksCache::default(),
        }
    }

    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn signing_keys(&self) -> &JwksCache {
        &self.keys
    }

    /// Sends one request built by `oauth2` and returns the answer in `oauth2`'s terms.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpClientError> {
        let request =
            reqwest::Request::try_from(request).map_err(|e| HttpClientError(e.to_string()))?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| HttpClientError(describe(&e)))?;
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| HttpClientError(describe(&e)))?;
        builder
            .body(body.to_vec())
            .map_err(|e| HttpClientError(e.to_string()))
    }
}

/// reqwest errors name the URL, which is fine (no secrets in token URLs), but we keep the text
/// short and free of the source chain's noise.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "the connection failed".to_owned()
    } else {
        error.to_string()
    }
}
