//! A short memory of resolved bearer credentials. Without it every MCP request reads its key (and
//! the connection behind it) from the store; on SQLite that round trip through sqlx's worker
//! thread was about a third of the gateway's CPU per call (profiled with `perf`, see
//! BENCHMARKS.md).
//!
//! Staleness is bounded: an entry is used for at most [`TTL`], so a key, token or connection
//! revoked on another replica or from the CLI is refused here within that time; anything changed
//! through this process's store (its `credential_epoch`) makes every entry stale at once. Only
//! successful resolutions are remembered, keyed by the credential's SHA-256, never the credential.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use gw_mcp::Principal;

use super::auth::CredentialId;

/// How long a resolved credential is trusted without asking the store again.
pub(crate) const TTL: Duration = Duration::from_millis(500);
/// Beyond this many entries, expired ones are swept on insert (and, if none had expired, all).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone, Default)]
pub struct CredentialCache {
    entries: Arc<DashMap<String, Entry>>,
}

struct Entry {
    principal: Arc<Principal>,
    credential: CredentialId,
    epoch: u64,
    until: Instant,
}

impl CredentialCache {
    /// The remembered resolution of `hash`, if it is younger than [`TTL`] and no credential
    /// changed through this store since (`epoch`).
    pub(crate) fn get(&self, hash: &str, epoch: u64) -> Option<(Arc<Principal>, CredentialId)> {
        let entry = self.entries.get(hash)?;
        (entry.epoch == epoch && Instant::now() < entry.until)
            .then(|| (entry.principal.clone(), entry.credential.clone()))
    }

    /// Remembers a resolution made from the store as it was at `epoch` (read before the lookup,
    /// so a change during the lookup leaves the entry stale).
    pub(crate) fn put(
        &self,
        hash: String,
        epoch: u64,
        principal: Arc<Principal>,
        credential: CredentialId,
    ) {
        if self.entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            self.entries.retain(|_, entry| entry.until > now);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
        }
        self.entries.insert(
            hash,
            Entry {
                principal,
                credential,
                epoch,
                until: Instant::now() + TTL,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_mcp::PrincipalKind;

    fn principal() -> Arc<Principal> {
        Arc::new(Principal {
            tenant: "t".into(),
            subject: "key".into(),
            kind: PrincipalKind::AgentKey,
            scopes: gw_oauth::ScopeSet::parse_list("openid").unwrap(),
            connection: None,
            oauth_client: None,
            user_id: None,
            email: None,
            key_name: Some("key".into()),
            grant: None,
        })
    }

    #[test]
    fn an_entry_serves_only_its_epoch_and_only_within_the_ttl() {
        let cache = CredentialCache::default();
        cache.put("h".into(), 7, principal(), CredentialId("k1".into()));
        assert_eq!(cache.get("h", 7).unwrap().1, CredentialId("k1".into()));
        assert!(cache.get("h", 8).is_none(), "a change through the store");
        assert!(cache.get("other", 7).is_none());
        std::thread::sleep(TTL + Duration::from_millis(20));
        assert!(cache.get("h", 7).is_none(), "older than the TTL");
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = CredentialCache::default();
        for i in 0..MAX_ENTRIES + 5 {
            cache.put(format!("h{i}"), 0, principal(), CredentialId(i.to_string()));
        }
        assert!(cache.entries.len() <= MAX_ENTRIES);
    }
}
