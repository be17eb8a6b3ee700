//! Authorization codes and refresh tokens in flight.
//!
//! Refresh tokens rotate as on an Auth0 tenant with rotation on: each use returns a new
//! token of the same family and retires the old one; presenting a retired token is taken
//! as theft and revokes the whole family (Auth0 logs it as `ferrt`).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::sessions::Authentication;
use crate::model::ids::random_token;

/// Auth0 codes live for at most ten minutes.
const CODE_TTL: Duration = Duration::from_secs(600);
/// Absolute refresh-token lifetime; rotation does not extend it.
const REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone, Debug)]
pub(crate) struct Pkce {
    pub(crate) challenge: String,
    /// `S256` or `plain`.
    pub(crate) method: String,
}

/// What a login decided, carried by a code and then by its refresh tokens.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    /// Scopes requested at `/authorize`; what is granted is computed from them at each
    /// issuance, so a settings change applies to the next refresh.
    pub(crate) scopes: Vec<String>,
    pub(crate) audience: Option<String>,
    pub(crate) org_id: Option<String>,
    pub(crate) nonce: Option<String>,
    /// How the user authenticated; refreshed ID tokens report the same.
    pub(crate) authentication: Authentication,
}

#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub(crate) grant: Grant,
    pub(crate) redirect_uri: String,
    pub(crate) pkce: Option<Pkce>,
    expires_at: Instant,
}

#[derive(Clone, Debug)]
struct RefreshRecord {
    family: String,
    grant: Grant,
    expires_at: Instant,
    used: bool,
}

#[derive(Debug)]
pub(crate) enum RefreshOutcome {
    Valid {
        family: String,
        grant: Grant,
    },
    /// A retired token came back: the family is now revoked.
    Reused {
        grant: Grant,
    },
    Invalid,
}

#[derive(Debug, Default)]
pub(crate) struct Grants {
    codes: HashMap<String, AuthCode>,
    refresh: HashMap<String, RefreshRecord>,
    revoked_families: HashSet<String>,
}

impl Grants {
    pub(crate) fn issue_code(
        &mut self,
        grant: Grant,
        redirect_uri: String,
        pkce: Option<Pkce>,
    ) -> String {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires_at > now);
        let code = random_token(24);
        self.codes.insert(
            code.clone(),
            AuthCode {
                grant,
                redirect_uri,
                pkce,
                expires_at: now + CODE_TTL,
            },
        );
        code
    }

    /// Codes are single use: the first exchange attempt consumes one, successful or not.
    pub(crate) fn take_code(&mut self, code: &str) -> Option<AuthCode> {
        self.codes
            .remove(code)
            .filter(|c| c.expires_at > Instant::now())
    }

    /// A new refresh token, in `family` or starting a new one.
    pub(crate) fn issue_refresh(&mut self, family: Option<String>, grant: Grant) -> String {
        let token = random_token(32);
        let family = family.unwrap_or_else(|| random_token(12));
        let expires_at = Instant::now() + REFRESH_TTL;
        self.refresh.insert(
            token.clone(),
            RefreshRecord {
                family,
                grant,
                expires_at,
                used: false,
            },
        );
        token
    }

    /// Retires `token` and says what it was worth.
    pub(crate) fn redeem_refresh(&mut self, token: &str, client_id: &str) -> RefreshOutcome {
        let Some(rec) = self.refresh.get_mut(token) else {
            return RefreshOutcome::Invalid;
        };
        if rec.grant.client_id != client_id
            || self.revoked_families.contains(&rec.family)
            || rec.expires_at <= Instant::now()
        {
            return RefreshOutcome::Invalid;
        }
        if rec.used {
            let (family, grant) = (rec.family.clone(), rec.grant.clone());
            self.revoke_family(&family);
            return RefreshOutcome::Reused { grant };
        }
        rec.used = true;
        RefreshOutcome::Valid {
            family: rec.family.clone(),
            grant: rec.grant.clone(),
        }
    }

    /// Revokes the family of `token` if it belongs to `client_id`; unknown tokens are
    /// ignored, as RFC 7009 asks.
    pub(crate) fn revoke(&mut self, token: &str, client_id: &str) {
        if let Some(rec) = self
            .refresh
            .get(token)
            .filter(|r| r.grant.client_id == client_id)
        {
            let family = rec.family.clone();
            self.revoke_family(&family);
        }
    }

    fn revoke_family(&mut self, family: &str) {
        self.revoked_families.insert(family.to_owned());
        self.refresh.retain(|_, r| r.family != family || r.used);
    }
}
