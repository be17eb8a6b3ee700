//! The keys tenants sign ID tokens with, fetched from their `/.well-known/jwks.json` and kept
//! by key id, so verifying a token costs no round trip once its key is known.
//!
//! Bounded everywhere: a JWKS body is read up to 64 KiB and at most 20 of its keys are kept, at
//! most 64 JWKS URLs are remembered, and a key id the tenant does not publish triggers at most
//! one fetch per 30 seconds per URL, so a stream of made-up key ids cannot turn into a stream of
//! requests to Auth0. Keys are fetched again after an hour, so a key the tenant revoked stops
//! verifying.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use url::Url;

use crate::user_flow::FlowError;

const MAX_BODY: usize = 64 * 1024;
const MAX_KEYS: usize = 20;
const MAX_URLS: usize = 64;
const REFETCH_AFTER: Duration = Duration::from_secs(30);
const KEEP_FOR: Duration = Duration::from_secs(3600);

/// Shared by clones: every flow that uses one [`crate::OAuthHttp`] sees the same keys.
#[derive(Clone, Default)]
pub(crate) struct JwksCache {
    sets: Arc<Mutex<HashMap<String, KeySet>>>,
}

struct KeySet {
    fetched_at: Instant,
    keys: HashMap<String, DecodingKey>,
}

/// What the cache knows about a key id without asking the tenant.
enum Cached {
    Key(DecodingKey),
    /// Fetched recently and not there.
    Absent,
    /// Not fetched, or fetched too long ago.
    Unknown,
}

impl JwksCache {
    /// The key `kid` from the JWKS at `url`, fetching it with `http` when needed; `None` when
    /// the tenant does not publish that key.
    pub(crate) async fn key(
        &self,
        http: &reqwest::Client,
        url: &Url,
        kid: &str,
    ) -> Result<Option<DecodingKey>, FlowError> {
        match self.cached(url, kid) {
            Cached::Key(key) => return Ok(Some(key)),
            Cached::Absent => return Ok(None),
            Cached::Unknown => {}
        }
        let keys = fetch(http, url).await?;
        let found = keys.get(kid).cloned();
        self.store(url, keys);
        Ok(found)
    }

    fn cached(&self, url: &Url, kid: &str) -> Cached {
        let sets = self.sets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(set) = sets.get(url.as_str()) else {
            return Cached::Unknown;
        };
        let age = set.fetched_at.elapsed();
        match set.keys.get(kid) {
            Some(key) if age < KEEP_FOR => Cached::Key(key.clone()),
            None if age < REFETCH_AFTER => Cached::Absent,
            _ => Cached::Unknown,
        }
    }

    fn store(&self, url: &Url, keys: HashMap<String, DecodingKey>) {
        let mut sets = self.sets.lock().unwrap_or_else(PoisonError::into_inner);
        if sets.len() >= MAX_URLS
            && !sets.contains_key(url.as_str())
            && let Some(oldest) = sets
                .iter()
                .min_by_key(|(_, set)| set.fetched_at)
                .map(|(u, _)| u.clone())
        {
            sets.remove(&oldest);
        }
        sets.insert(
            url.as_str().to_owned(),
            KeySet {
                fetched_at: Instant::now(),
                keys,
            },
        );
    }
}

/// The signing keys of the JWKS at `url`, by key id. Keys without a `kid`, encryption keys and
/// keys `jsonwebtoken` cannot use are skipped.
async fn fetch(
    http: &reqwest::Client,
    url: &Url,
) -> Result<HashMap<String, DecodingKey>, FlowError> {
    let mut response = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| FlowError::Unreachable(format!("jwks: {}", e.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        return Err(FlowError::BadResponse(format!("jwks answered {status}")));
    }
    let too_big = || FlowError::BadResponse(format!("jwks is larger than {MAX_BODY} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FlowError::Unreachable(format!("jwks: {}", e.without_url())))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    parse(&body)
}

fn parse(body: &[u8]) -> Result<HashMap<String, DecodingKey>, FlowError> {
    #[derive(serde::Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body)
        .map_err(|_| FlowError::BadResponse("jwks is not a JSON Web Key Set".to_owned()))?;
    let keys = set
        .keys
        .into_iter()
        .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
        .filter(|jwk| {
            !matches!(
                jwk.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            )
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some((kid, key))
        })
        .take(MAX_KEYS)
        .collect();
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_JWK: &str = r#"{"kty":"RSA","use":"sig","alg":"RS256","kid":"k1","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}"#;

    #[test]
    fn keeps_signing_keys_by_kid_and_skips_what_it_cannot_use() {
        let body = format!(
            r#"{{"keys":[{RSA_JWK},
                {{"kty":"RSA","use":"enc","kid":"enc","n":"sXch","e":"AQAB"}},
                {{"kty":"RSA","use":"sig","n":"sXch","e":"AQAB"}},
                {{"kty":"weird","kid":"w"}}]}}"#
        );
        let keys = parse(body.as_bytes()).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["k1"]);
    }

    #[test]
    fn a_body_that_is_not_a_key_set_is_a_bad_response() {
        for body in ["", "[]", r#"{"keys":"no"}"#, "<html>"] {
            assert!(
                matches!(parse(body.as_bytes()), Err(FlowError::BadResponse(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn an_absent_kid_is_not_fetched_again_right_away_and_urls_are_bounded() {
        let cache = JwksCache::default();
        let url = |i: usize| Url::parse(&format!("http://tenant-{i}.test/jwks.json")).unwrap();
        assert!(matches!(cache.cached(&url(0), "k1"), Cached::Unknown));
        cache.store(
            &url(0),
            parse(format!(r#"{{"keys":[{RSA_JWK}]}}"#).as_bytes()).unwrap(),
        );
        assert!(matches!(cache.cached(&url(0), "k1"), Cached::Key(_)));
        assert!(matches!(cache.cached(&url(0), "other"), Cached::Absent));
        for i in 1..=MAX_URLS {
            cache.store(&url(i), HashMap::new());
        }
        let sets = cache.sets.lock().unwrap();
        assert_eq!(sets.len(), MAX_URLS);
        assert!(!sets.contains_key(url(0).as_str()), "the oldest went first");
    }
}
