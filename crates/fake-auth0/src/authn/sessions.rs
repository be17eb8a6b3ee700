//! The login session Auth0 keeps between logins, and when a login must authenticate again.
//!
//! The fake has no browser and no cookies, so it keeps one session per user, as if every login
//! came from the same browser: a later `/authorize` reuses it (single sign-on, `auth_time`
//! unchanged) unless `prompt=login`, an exceeded `max_age`, or an MFA request the session has
//! not met asks for a fresh authentication.
//!
//! MFA runs the way Auth0's step-up guide sets it up (an Action that challenges MFA when
//! `acr_values` asks for it): only when asked, and only for an enrolled user. A user without
//! MFA gets tokens without `amr: ["mfa"]`, as on a tenant with no rule forcing enrollment, so
//! the application has to check `amr`.

use std::collections::HashMap;

use super::login_request::{LoginRequest, MFA_ACR};

#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_user: HashMap<String, Session>,
    /// One shot: the next MFA challenge fails.
    fail_next_mfa: bool,
}

#[derive(Clone, Copy, Debug)]
struct Session {
    /// Unix seconds of the last real authentication.
    authenticated_at: u64,
    /// That authentication included MFA.
    mfa: bool,
}

/// How the user proved who they are for one login. The code and its refresh tokens carry it,
/// and every ID token they yield reports it.
#[derive(Clone, Debug)]
pub(crate) struct Authentication {
    /// `auth_time`: Unix seconds of the authentication (an older one when a session was reused).
    pub(crate) at: u64,
    /// `amr: ["mfa"]`.
    pub(crate) mfa: bool,
    /// `acr`: the MFA policy, when it was asked for and met.
    pub(crate) acr: Option<&'static str>,
    /// `max_age` was sent, so ID tokens must carry `auth_time` (OIDC Core §3.1.2.1).
    pub(crate) report_auth_time: bool,
    /// An MFA challenge was passed during this login (not just remembered by the session).
    pub(crate) challenged_mfa: bool,
}

/// The user was challenged for MFA and did not pass.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MfaFailed;

impl Sessions {
    /// Logs `user_id` in for `request` at `now` (Unix seconds), with or without MFA
    /// (`enrolled`), and updates the session.
    pub(crate) fn sign_in(
        &mut self,
        user_id: &str,
        request: &LoginRequest,
        enrolled: bool,
        now: u64,
    ) -> Result<Authentication, MfaFailed> {
        let session = self.by_user.get(user_id).copied();
        let challenge = request.wants_mfa && enrolled;
        let fresh = match session {
            None => true,
            Some(s) => {
                request.force_login || too_old(s, request.max_age, now) || challenge && !s.mfa
            }
        };
        let challenged_mfa = challenge && fresh;
        if challenged_mfa && std::mem::take(&mut self.fail_next_mfa) {
            return Err(MfaFailed);
        }
        let session = match session {
            Some(s) if !fresh => s,
            _ => Session {
                authenticated_at: now,
                mfa: challenged_mfa,
            },
        };
        self.by_user.insert(user_id.to_owned(), session);
        Ok(Authentication {
            at: session.authenticated_at,
            mfa: session.mfa,
            acr: (request.wants_mfa && session.mfa).then_some(MFA_ACR),
            report_auth_time: request.max_age.is_some(),
            challenged_mfa,
        })
    }

    pub(crate) fn fail_next_mfa(&mut self) {
        self.fail_next_mfa = true;
    }

    /// Ends the user's session (the user was deleted).
    pub(crate) fn forget(&mut self, user_id: &str) {
        self.by_user.remove(user_id);
    }
}

/// `max_age=0` always asks again, as Auth0 and OIDC clients read it (a session is at least
/// zero seconds old); otherwise the session may be exactly `max_age` seconds old.
fn too_old(session: Session, max_age: Option<u64>, now: u64) -> bool {
    match max_age {
        None => false,
        Some(0) => true,
        Some(max) => now.saturating_sub(session.authenticated_at) > max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "auth0|ada";

    fn request(force_login: bool, max_age: Option<u64>, wants_mfa: bool) -> LoginRequest {
        LoginRequest {
            silent: false,
            force_login,
            max_age,
            wants_mfa,
        }
    }

    #[test]
    fn a_session_is_reused_until_something_asks_for_a_fresh_login() {
        let mut s = Sessions::default();
        let plain = request(false, None, false);
        assert_eq!(s.sign_in(USER, &plain, false, 1000).unwrap().at, 1000);
        assert_eq!(s.sign_in(USER, &plain, false, 1500).unwrap().at, 1000);
        // Within max_age: still the old authentication, now reported.
        let recent = s
            .sign_in(USER, &request(false, Some(600), false), false, 1600)
            .unwrap();
        assert_eq!((recent.at, recent.report_auth_time), (1000, true));
        assert_eq!(
            s.sign_in(USER, &request(false, Some(600), false), false, 1601)
                .unwrap()
                .at,
            1601,
            "601 s is older than max_age=600"
        );
        assert_eq!(
            s.sign_in(USER, &request(false, Some(0), false), false, 1602)
                .unwrap()
                .at,
            1602
        );
        assert_eq!(
            s.sign_in(USER, &request(true, None, false), false, 1603)
                .unwrap()
                .at,
            1603
        );
        s.forget(USER);
        assert_eq!(s.sign_in(USER, &plain, false, 1700).unwrap().at, 1700);
    }

    #[test]
    fn mfa_is_done_when_asked_for_an_enrolled_user_and_remembered_by_the_session() {
        let mut s = Sessions::default();
        let first = s
            .sign_in(USER, &request(false, None, false), true, 1000)
            .unwrap();
        assert!(!first.mfa && first.acr.is_none());

        // Asking for MFA on a session without it is a new authentication.
        let stepped = s
            .sign_in(USER, &request(false, None, true), true, 1100)
            .unwrap();
        assert!(stepped.mfa && stepped.challenged_mfa);
        assert_eq!((stepped.at, stepped.acr), (1100, Some(MFA_ACR)));

        // The session remembers it; no new challenge, no acr unless asked.
        let later = s
            .sign_in(USER, &request(false, None, false), true, 1200)
            .unwrap();
        assert!(later.mfa && !later.challenged_mfa);
        assert_eq!((later.at, later.acr), (1100, None));

        // A fresh login without MFA drops it.
        let relogin = s
            .sign_in(USER, &request(true, None, false), true, 1300)
            .unwrap();
        assert!(!relogin.mfa);
    }

    #[test]
    fn a_user_without_mfa_is_not_challenged_and_gets_no_mfa_claims() {
        let mut s = Sessions::default();
        s.fail_next_mfa();
        let a = s
            .sign_in(USER, &request(true, Some(0), true), false, 1000)
            .unwrap();
        assert!(!a.mfa && !a.challenged_mfa && a.acr.is_none());
    }

    #[test]
    fn a_failed_challenge_changes_nothing_and_fails_once() {
        let mut s = Sessions::default();
        s.sign_in(USER, &request(false, None, false), true, 1000)
            .unwrap();
        s.fail_next_mfa();
        let step_up = request(true, Some(0), true);
        assert_eq!(
            s.sign_in(USER, &step_up, true, 1100).unwrap_err(),
            MfaFailed
        );
        let plain = s
            .sign_in(USER, &request(false, None, false), true, 1150)
            .unwrap();
        assert_eq!(
            (plain.at, plain.mfa),
            (1000, false),
            "the session is unchanged"
        );
        let retried = s.sign_in(USER, &step_up, true, 1200).unwrap();
        assert!(retried.mfa);
    }
}
