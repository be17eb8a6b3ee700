//! Client ID Metadata Documents: MCP clients that name themselves by an https URL instead of
//! registering (Claude Code, claude.ai, VS Code, ChatGPT). The gateway fetches the document at
//! that URL (`fetch.rs`, safe against being pointed at its own network), checks it
//! (`document.rs`) and keeps it for as long as its answer allows, within a day. Dynamic
//! registration stays for the clients that use it.

mod address;
mod document;
mod fetch;

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::Semaphore;

pub use document::{ClientDocument, is_url};

/// How documents are accepted (`[oauth_server] client_metadata_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataSettings {
    /// Whether `client_id` URLs are accepted at all.
    pub enabled: bool,
    /// When set, only documents on these hosts are accepted.
    pub hosts: Option<Vec<String>>,
    /// Hosts whose documents may be on private, loopback or link-local addresses.
    pub private_hosts: Vec<String>,
    /// PEM certificates trusted for documents besides the system's.
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl Default for MetadataSettings {
    fn default() -> Self {
        MetadataSettings {
            enabled: true,
            hosts: None,
            private_hosts: Vec::new(),
            extra_roots_pem: None,
        }
    }
}

/// Why a `client_id` URL was not accepted. Shown to the user on the authorization page.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error(
        "this gateway does not accept client metadata documents; the application must register"
    )]
    Disabled,
    #[error("the client_id URL is not usable: {0}")]
    BadUrl(String),
    #[error("the client_id URL must be https")]
    NotHttps,
    #[error(
        "this gateway accepts client metadata documents only from the hosts its operator listed, and {0} is not one of them"
    )]
    HostNotAllowed(String),
    #[error("the client_id URL does not lead to the public internet: {0}")]
    NotPublic(String),
    #[error("the client's metadata document did not arrive within {} seconds", fetch::TIMEOUT.as_secs())]
    TimedOut,
    #[error("the client's metadata document could not be fetched: {0}")]
    Unreachable(String),
    #[error("the client_id URL answered with a redirect, which the gateway does not follow")]
    Redirected,
    #[error("the client_id URL answered HTTP {0}, not the document")]
    Status(u16),
    #[error(
        "the client's metadata document is larger than {} bytes",
        fetch::MAX_BYTES
    )]
    TooLarge,
    #[error("the client's metadata document names another client_id{}", match found { Some(id) => format!(" (`{id}`)"), None => " (or none)".to_owned() })]
    ClientIdMismatch { found: Option<String> },
    #[error("the client's metadata document is not valid: {0}")]
    Invalid(String),
    #[error(
        "the gateway is fetching as many client metadata documents as it may at once; try again shortly"
    )]
    Busy,
}

/// Most fetches at once, whoever asks for them.
const MAX_FETCHES: usize = 16;
/// Most documents kept: each is small, but their URLs are a stranger's choice.
const MAX_CACHED: usize = 1000;

struct Cached {
    document: Arc<ClientDocument>,
    until: Instant,
}

/// The documents this gateway accepts, fetched and kept.
pub struct ClientMetadata {
    settings: MetadataSettings,
    fetcher: fetch::Fetcher,
    cache: DashMap<String, Cached>,
    fetches: Semaphore,
}

impl ClientMetadata {
    /// Fails when `extra_roots_pem` holds no certificate (a configuration error).
    pub fn new(settings: MetadataSettings) -> Result<ClientMetadata, String> {
        let roots = match &settings.extra_roots_pem {
            None => Vec::new(),
            Some(pem) => {
                let roots = reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| format!("not PEM certificates: {e}"))?;
                if roots.is_empty() {
                    return Err("it holds no PEM certificate".to_owned());
                }
                roots
            }
        };
        let fetcher = fetch::Fetcher::new(settings.private_hosts.clone(), roots)
            .map_err(|e| format!("cannot build the HTTP client for metadata documents: {e}"))?;
        Ok(ClientMetadata {
            settings,
            fetcher,
            cache: DashMap::new(),
            fetches: Semaphore::new(MAX_FETCHES),
        })
    }

    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// The document kept for `client_id`, if it is still fresh.
    pub fn cached(&self, client_id: &str) -> Option<Arc<ClientDocument>> {
        let entry = self.cache.get(client_id)?;
        (entry.until > Instant::now()).then(|| entry.document.clone())
    }

    /// Fetches and checks the document at `client_id` (callers look in [`Self::cached`] first,
    /// so a fetch is the one thing they count against the asking address).
    pub async fn fetch(&self, client_id: &str) -> Result<Arc<ClientDocument>, MetadataError> {
        if !self.settings.enabled {
            return Err(MetadataError::Disabled);
        }
        let url = document::check_url(client_id)?;
        let host = url.host_str().unwrap_or_default();
        if let Some(hosts) = &self.settings.hosts
            && !hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
        {
            return Err(MetadataError::HostNotAllowed(host.to_owned()));
        }
        let _permit = self
            .fetches
            .try_acquire()
            .map_err(|_| MetadataError::Busy)?;
        let fetched = self.fetcher.fetch(&url).await?;
        let document = Arc::new(document::parse(&url, &fetched.body)?);
        self.keep(&document, fetched.fresh_for);
        Ok(document)
    }

    fn keep(&self, document: &Arc<ClientDocument>, fresh_for: Duration) {
        if fresh_for.is_zero() {
            self.cache.remove(&document.client_id);
            return;
        }
        let now = Instant::now();
        if self.cache.len() >= MAX_CACHED {
            self.cache.retain(|_, cached| cached.until > now);
            if self.cache.len() >= MAX_CACHED {
                return;
            }
        }
        self.cache.insert(
            document.client_id.clone(),
            Cached {
                document: document.clone(),
                until: now + fresh_for,
            },
        );
    }
}
