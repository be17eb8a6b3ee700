//! The operator's policy for `client_credentials` tenants: every call uses the tenant's machine
//! token, so what a connected user may do is decided here, by user id, email or email domain.
//! Emails count only when Auth0 says they are verified: anyone can sign up as `ceo@example.com`.

use crate::scopes::ScopeSet;

/// Who a grant applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMatch {
    UserId(String),
    Email(String),
    /// The part after `@`, without it.
    EmailDomain(String),
}

/// One line of policy: these users get these scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub matches: UserMatch,
    pub scopes: ScopeSet,
}

impl UserMatch {
    fn applies(&self, user_id: &str, email: Option<&str>, email_verified: bool) -> bool {
        let verified_email = email.filter(|_| email_verified);
        match self {
            UserMatch::UserId(id) => id == user_id,
            UserMatch::Email(wanted) => {
                verified_email.is_some_and(|e| e.eq_ignore_ascii_case(wanted))
            }
            UserMatch::EmailDomain(domain) => verified_email
                .and_then(|e| e.rsplit_once('@'))
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain)),
        }
    }
}

/// The union of every grant that applies to the user; nothing when none does.
pub fn scopes_for(
    policy: &[UserGrant],
    user_id: &str,
    email: Option<&str>,
    email_verified: bool,
) -> ScopeSet {
    policy
        .iter()
        .filter(|grant| grant.matches.applies(user_id, email, email_verified))
        .fold(ScopeSet::EMPTY, |all, grant| all.union(grant.scopes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::Scope;

    fn policy() -> Vec<UserGrant> {
        vec![
            UserGrant {
                matches: UserMatch::EmailDomain("example.com".into()),
                scopes: ScopeSet::from_slice(&[Scope::ReadUsers]),
            },
            UserGrant {
                matches: UserMatch::Email("ops@example.com".into()),
                scopes: ScopeSet::from_slice(&[Scope::ReadLogs]),
            },
            UserGrant {
                matches: UserMatch::UserId("auth0|root".into()),
                scopes: ScopeSet::all(),
            },
        ]
    }

    #[test]
    fn grants_that_apply_add_up() {
        assert_eq!(
            scopes_for(&policy(), "auth0|1", Some("OPS@example.com"), true),
            ScopeSet::from_slice(&[Scope::ReadUsers, Scope::ReadLogs])
        );
        assert_eq!(
            scopes_for(&policy(), "auth0|root", None, false),
            ScopeSet::all()
        );
    }

    #[test]
    fn unverified_emails_and_lookalike_domains_get_nothing() {
        assert_eq!(
            scopes_for(&policy(), "auth0|1", Some("ops@example.com"), false),
            ScopeSet::EMPTY
        );
        assert_eq!(
            scopes_for(&policy(), "auth0|1", Some("eve@evilexample.com"), true),
            ScopeSet::EMPTY
        );
        assert_eq!(
            scopes_for(&policy(), "auth0|1", Some("eve@example.com.evil.io"), true),
            ScopeSet::EMPTY
        );
    }
}
