//! The one outbound request a stranger chooses: fetching a metadata document. It goes only to
//! public addresses (checked on the addresses the name resolves to, which are the ones connected
//! to, so a name cannot pass the check and then point elsewhere), over https, without proxies or
//! redirects, within a few seconds and a few kilobytes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CACHE_CONTROL, CONTENT_LENGTH};
use url::Url;

use super::{MetadataError, address};

/// Largest document read (the draft suggests 5 KB; real ones are well under 2 KB).
pub(crate) const MAX_BYTES: usize = 5 * 1024;
/// Longest the whole fetch may take: the user is waiting on the authorization page.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a document is reused when its answer says nothing about caching.
const DEFAULT_FRESH: Duration = Duration::from_secs(5 * 60);
/// The longest a document is reused, whatever its answer says: a client's redirect URIs change.
const MAX_FRESH: Duration = Duration::from_secs(24 * 60 * 60);

/// A document's body and how long it may be reused.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
    pub fresh_for: Duration,
}

/// Resolves names for the fetch, refusing any name with an address that is not public (all of
/// them: a name answering with one public and one private address is a rebinding attempt).
struct PublicOnly {
    exempt: Arc<Vec<String>>,
}

/// Carried out of reqwest's error so the user is told why, not "error sending request".
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {ip}, which is not a public address")]
struct NotPublic {
    host: String,
    ip: IpAddr,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let exempt = self.exempt.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !exempt.iter().any(|h| h.eq_ignore_ascii_case(&host))
                && let Some(bad) = addrs.iter().find(|a| !address::is_public(a.ip()))
            {
                return Err(Box::new(NotPublic { host, ip: bad.ip() }) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Fetches documents; one per gateway.
pub(crate) struct Fetcher {
    client: reqwest::Client,
    exempt: Arc<Vec<String>>,
}

impl Fetcher {
    /// `exempt`: hosts allowed on any address; `extra_roots`: certificates trusted besides the
    /// system's (an internal CA for such hosts).
    pub(crate) fn new(
        exempt: Vec<String>,
        extra_roots: Vec<reqwest::Certificate>,
    ) -> Result<Fetcher, reqwest::Error> {
        let exempt = Arc::new(exempt);
        let client = reqwest::Client::builder()
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .dns_resolver(Arc::new(PublicOnly {
                exempt: exempt.clone(),
            }))
            .tls_certs_merge(extra_roots)
            .user_agent(concat!("mcp-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Fetcher { client, exempt })
    }

    pub(crate) async fn fetch(&self, url: &Url) -> Result<Fetched, MetadataError> {
        // An address written in the URL is never resolved, so it is checked here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        let host = url.host_str().unwrap_or_default();
        if let Some(ip) = literal
            && !address::is_public(ip)
            && !self.exempt.iter().any(|h| h.eq_ignore_ascii_case(host))
        {
            return Err(MetadataError::NotPublic(format!(
                "{ip} is not a public address"
            )));
        }
        let mut response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| failure(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(MetadataError::Redirected);
        }
        if status != reqwest::StatusCode::OK {
            return Err(MetadataError::Status(status.as_u16()));
        }
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BYTES as u64) {
            return Err(MetadataError::TooLarge);
        }
        let fresh_for = freshness(
            response
                .headers()
                .get(CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
        );
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failure(&e))? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(MetadataError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, fresh_for })
    }
}

/// What went wrong, in words a person can act on.
fn failure(error: &reqwest::Error) -> MetadataError {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        if let Some(not_public) = e.downcast_ref::<NotPublic>() {
            return MetadataError::NotPublic(not_public.to_string());
        }
        source = e.source();
    }
    if error.is_timeout() {
        return MetadataError::TimedOut;
    }
    MetadataError::Unreachable(if error.is_connect() {
        "could not connect to its host".to_owned()
    } else {
        "the answer was not a complete HTTP response".to_owned()
    })
}

/// How long an answer may be reused, from its `Cache-Control` (`no-store`, `no-cache`,
/// `max-age`), bounded by [`MAX_FRESH`].
fn freshness(cache_control: Option<&str>) -> Duration {
    let Some(value) = cache_control else {
        return DEFAULT_FRESH;
    };
    let mut fresh = DEFAULT_FRESH;
    for directive in value.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = directive.strip_prefix("max-age=") {
            fresh = seconds
                .trim_matches('"')
                .parse::<u64>()
                .map_or(Duration::ZERO, Duration::from_secs);
        }
    }
    fresh.min(MAX_FRESH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_decides_how_long_a_document_is_reused_within_a_day() {
        assert_eq!(freshness(None), DEFAULT_FRESH);
        assert_eq!(freshness(Some("max-age=60")), Duration::from_secs(60));
        assert_eq!(
            freshness(Some("public, Max-Age=120")),
            Duration::from_secs(120)
        );
        assert_eq!(freshness(Some("max-age=31536000")), MAX_FRESH);
        assert_eq!(freshness(Some("no-store")), Duration::ZERO);
        assert_eq!(freshness(Some("max-age=60, no-cache")), Duration::ZERO);
        assert_eq!(freshness(Some("max-age=soon")), Duration::ZERO);
        assert_eq!(freshness(Some("public")), DEFAULT_FRESH);
    }
}
