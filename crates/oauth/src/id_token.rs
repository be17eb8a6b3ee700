//! Checking an ID token from the tenant (OIDC Core §3.1.3.7): who logged in, and how — `amr`,
//! `acr` and `auth_time` are what a step-up looks at.
//!
//! Auth0 signs ID tokens with RS256 and the tenant's key (from its JWKS) or, for an
//! application set to HS256, with the client secret. The header's `alg` picks which, and each
//! key is only ever used with its own algorithm, so a token cannot talk the verifier into using
//! the public RSA key as an HMAC secret.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Tokens longer than this are refused unread; Auth0's are about a kilobyte.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Clock skew allowed on `exp`, as Auth0's SDKs allow.
const LEEWAY_SECS: u64 = 60;

/// What the gateway reads from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdTokenClaims {
    /// The user id.
    pub sub: String,
    /// How the user authenticated; contains `mfa` after multi-factor authentication.
    #[serde(default)]
    pub amr: Vec<String>,
    /// Unix seconds of the authentication; Auth0 sends it at least when `max_age` was asked.
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// The authentication context met, e.g. the MFA policy a step-up asked for.
    #[serde(default)]
    pub acr: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl IdTokenClaims {
    /// The user completed multi-factor authentication.
    pub fn has_mfa(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa")
    }
}

/// Which check an ID token failed. Never carries the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the ID token is not a well-formed JWT")]
    Malformed,
    #[error("the ID token is signed with {0:?}; only RS256 and HS256 are accepted")]
    UnsupportedAlgorithm(Algorithm),
    #[error("the ID token is signed with a key the tenant does not publish")]
    UnknownKey,
    #[error("the ID token's signature does not verify")]
    BadSignature,
    #[error("the ID token was issued by someone other than the tenant")]
    WrongIssuer,
    #[error("the ID token is meant for another application")]
    WrongAudience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token has no valid {0} claim")]
    MissingClaim(String),
}

/// The key an ID token needs, read from its header before anything is trusted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyNeeded {
    /// RS256 with this tenant key id.
    Tenant(String),
    /// HS256 with the client secret.
    ClientSecret,
}

pub(crate) fn key_needed(token: &str) -> Result<KeyNeeded, IdTokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(IdTokenError::Malformed);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Malformed)?;
    match header.alg {
        Algorithm::RS256 => header
            .kid
            .map(KeyNeeded::Tenant)
            .ok_or(IdTokenError::UnknownKey),
        Algorithm::HS256 => Ok(KeyNeeded::ClientSecret),
        other => Err(IdTokenError::UnsupportedAlgorithm(other)),
    }
}

/// Checks signature, issuer, audience and expiry, then reads the claims.
pub(crate) fn verify(
    token: &str,
    key: &DecodingKey,
    needed: &KeyNeeded,
    issuer: &str,
    client_id: &str,
) -> Result<IdTokenClaims, IdTokenError> {
    let mut validation = Validation::new(match needed {
        KeyNeeded::Tenant(_) => Algorithm::RS256,
        KeyNeeded::ClientSecret => Algorithm::HS256,
    });
    validation.leeway = LEEWAY_SECS;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Decoded as plain JSON first: `jsonwebtoken` reads the claims into the target type before
    // it checks them, which would report a missing `sub` as a malformed token.
    match jsonwebtoken::decode::<serde_json::Value>(token, key, &validation) {
        Ok(data) => serde_json::from_value(data.claims).map_err(|_| IdTokenError::Malformed),
        Err(error) => Err(match error.into_kind() {
            ErrorKind::InvalidSignature => IdTokenError::BadSignature,
            ErrorKind::InvalidIssuer => IdTokenError::WrongIssuer,
            ErrorKind::InvalidAudience => IdTokenError::WrongAudience,
            ErrorKind::ExpiredSignature => IdTokenError::Expired,
            ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim) => {
                IdTokenError::MissingClaim(claim)
            }
            _ => IdTokenError::Malformed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};

    use super::*;

    const ISSUER: &str = "https://demo.us.auth0.com/";
    const CLIENT: &str = "gateway-client";
    const SECRET: &[u8] = b"client-secret";

    fn now() -> i64 {
        crate::unix_now()
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER, "sub": "auth0|ada", "aud": CLIENT,
            "iat": now(), "exp": now() + 600,
            "amr": ["mfa"], "auth_time": now() - 5,
            "acr": "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
            "email": "ada@example.com", "sid": "abc",
        })
    }

    fn hs256(claims: &Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    fn check(token: &str) -> Result<IdTokenClaims, IdTokenError> {
        let needed = key_needed(token)?;
        assert_eq!(needed, KeyNeeded::ClientSecret);
        verify(
            token,
            &DecodingKey::from_secret(SECRET),
            &needed,
            ISSUER,
            CLIENT,
        )
    }

    fn with(field: &str, value: Value) -> Value {
        let mut c = claims();
        c[field] = value;
        c
    }

    fn without(field: &str) -> Value {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(field);
        c
    }

    #[test]
    fn a_good_token_gives_its_claims() {
        let got = check(&hs256(&claims(), SECRET)).unwrap();
        assert_eq!(got.sub, "auth0|ada");
        assert!(got.has_mfa());
        assert_eq!(got.auth_time, Some(now() - 5));
        assert_eq!(got.email.as_deref(), Some("ada@example.com"));
        assert!(got.acr.unwrap().ends_with("multi-factor"));

        let mut bare = claims();
        for field in ["amr", "auth_time", "acr", "email"] {
            bare.as_object_mut().unwrap().remove(field);
        }
        let got = check(&hs256(&bare, SECRET)).unwrap();
        assert!(!got.has_mfa() && got.auth_time.is_none() && got.acr.is_none());
    }

    #[test]
    fn each_failed_check_is_named() {
        let cases: Vec<(&str, String, IdTokenError)> = vec![
            (
                "another secret",
                hs256(&claims(), b"another-secret"),
                IdTokenError::BadSignature,
            ),
            (
                "another issuer",
                hs256(&with("iss", json!("https://evil.example/")), SECRET),
                IdTokenError::WrongIssuer,
            ),
            (
                "another audience",
                hs256(&with("aud", json!("another-app")), SECRET),
                IdTokenError::WrongAudience,
            ),
            (
                "expired beyond the leeway",
                hs256(&with("exp", json!(now() - 120)), SECRET),
                IdTokenError::Expired,
            ),
            (
                "no subject",
                hs256(&without("sub"), SECRET),
                IdTokenError::MissingClaim("sub".into()),
            ),
            ("not a JWT", "not-a-jwt".to_owned(), IdTokenError::Malformed),
            (
                "too long",
                "a".repeat(MAX_TOKEN_LEN + 1),
                IdTokenError::Malformed,
            ),
        ];
        for (name, token, expected) in cases {
            assert_eq!(check(&token).unwrap_err(), expected, "{name}");
        }
    }

    #[test]
    fn the_header_picks_the_key_and_other_algorithms_are_refused() {
        let header = |alg: &str, kid: Option<&str>| {
            use base64::Engine;
            let mut h = json!({"alg": alg, "typ": "JWT"});
            if let Some(k) = kid {
                h["kid"] = json!(k);
            }
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!("{}.{}.sig", b64.encode(h.to_string()), b64.encode("{}"))
        };
        assert_eq!(
            key_needed(&header("RS256", Some("k1"))),
            Ok(KeyNeeded::Tenant("k1".into()))
        );
        assert_eq!(
            key_needed(&header("RS256", None)),
            Err(IdTokenError::UnknownKey)
        );
        assert_eq!(
            key_needed(&header("ES256", Some("k1"))),
            Err(IdTokenError::UnsupportedAlgorithm(Algorithm::ES256))
        );
        assert_eq!(
            key_needed(&header("none", None)),
            Err(IdTokenError::Malformed)
        );
    }
}
