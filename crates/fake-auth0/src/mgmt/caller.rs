//! Who is calling the Management API: the verified bearer token and its scopes.

use std::collections::BTreeSet;

use axum::http::HeaderMap;

use super::error::ApiError;
use super::scopes::Need;
use crate::authn::bearer;
use crate::claims::AccessClaims;
use crate::keys::TokenError;
use crate::state::Shared;

#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The token's `sub`: `{client_id}@clients` or a user id.
    pub(crate) sub: String,
    pub(crate) client_id: Option<String>,
    scopes: BTreeSet<String>,
}

impl Caller {
    pub(crate) fn has(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    pub(crate) fn has_any(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.has(s))
    }

    pub(crate) fn require(&self, need: &Need) -> Result<(), ApiError> {
        let ok = if need.all {
            need.scopes.iter().all(|s| self.has(s))
        } else {
            self.has_any(need.scopes)
        };
        if ok {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(need.message.to_owned()))
        }
    }
}

/// Verifies the bearer token: RS256 signature by this tenant, not expired, issued by this
/// tenant and meant for its Management API.
pub(crate) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    // hapi-auth-bearer's wording for a request that carries no token at all.
    let token =
        bearer(headers).ok_or_else(|| ApiError::Unauthorized("Missing authentication".into()))?;
    let claims: AccessClaims = shared.key.verify(token, &shared.issuer).map_err(|e| {
        ApiError::Unauthorized(
            match e {
                TokenError::Expired => "Expired token received for JSON Web Token validation.",
                TokenError::BadSignature => {
                    "Invalid signature received for JSON Web Token validation."
                }
                TokenError::Invalid => "Invalid token.",
            }
            .into(),
        )
    })?;
    if !claims.aud.contains(&shared.management_audience) {
        return Err(ApiError::Unauthorized("Invalid token.".into()));
    }
    Ok(Caller {
        scopes: claims.scopes().map(str::to_owned).collect(),
        sub: claims.sub,
        client_id: claims.azp,
    })
}
