//! What `/authorize` asks of the authentication itself (OIDC Core §3.1.2.1): `prompt`,
//! `max_age` and `acr_values`. Checked before anything is logged or issued, so a bad value
//! changes nothing.

/// The `acr_values` entry that asks for multi-factor authentication: the PAPE policy Auth0's
/// step-up guides use, and the `acr` an ID token reports once MFA was done.
pub(crate) const MFA_ACR: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// The `prompt` values Auth0 documents for `/authorize`.
const PROMPTS: &[&str] = &["none", "login", "consent", "select_account"];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LoginRequest {
    /// `prompt=none`: no page may be shown to the user.
    pub(crate) silent: bool,
    /// `prompt=login`: authenticate again even when a session exists.
    pub(crate) force_login: bool,
    /// `max_age`: the session's authentication may be at most this many seconds old.
    pub(crate) max_age: Option<u64>,
    /// `acr_values` includes [`MFA_ACR`].
    pub(crate) wants_mfa: bool,
}

/// Reads the three parameters; `Err` is the `error_description` of an `invalid_request`.
pub(crate) fn parse(
    prompt: Option<&str>,
    max_age: Option<&str>,
    acr_values: Option<&str>,
) -> Result<LoginRequest, String> {
    let mut request = LoginRequest::default();
    // OIDC allows a space-separated list; `none` must stand alone.
    let prompts: Vec<&str> = prompt.unwrap_or("").split_whitespace().collect();
    for p in &prompts {
        if !PROMPTS.contains(p) {
            // Guessed wording: Auth0's text for an unknown prompt is not published.
            return Err(format!("Unsupported prompt: {p}"));
        }
    }
    if prompts.contains(&"none") && prompts.len() > 1 {
        return Err("prompt=none cannot be combined with other prompt values".to_owned());
    }
    request.silent = prompts.contains(&"none");
    request.force_login = prompts.contains(&"login");
    if let Some(m) = max_age {
        // Guessed wording; the rule (a non-negative integer of seconds) is OIDC's.
        let seconds = m
            .parse::<u64>()
            .map_err(|_| format!("max_age must be a non-negative integer, got {m:?}"))?;
        request.max_age = Some(seconds);
    }
    request.wants_mfa = acr_values
        .unwrap_or("")
        .split_whitespace()
        .any(|v| v == MFA_ACR);
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_step_up_parameters() {
        let r = parse(Some("login"), Some("0"), Some(MFA_ACR)).unwrap();
        assert_eq!(
            r,
            LoginRequest {
                silent: false,
                force_login: true,
                max_age: Some(0),
                wants_mfa: true,
            }
        );
        assert_eq!(parse(None, None, None).unwrap(), LoginRequest::default());
        let other_acr = parse(None, None, Some("urn:example:loa:2")).unwrap();
        assert!(!other_acr.wants_mfa);
    }

    #[test]
    fn accepts_every_documented_prompt_and_refuses_the_rest() {
        for p in [
            "none",
            "login",
            "consent",
            "select_account",
            "login consent",
        ] {
            assert!(parse(Some(p), None, None).is_ok(), "{p}");
        }
        for p in ["relogin", "none login", "LOGIN"] {
            assert!(parse(Some(p), None, None).is_err(), "{p}");
        }
    }

    #[test]
    fn max_age_is_a_non_negative_integer() {
        for m in ["-1", "1.5", "soon", "", "99999999999999999999999"] {
            assert!(parse(None, Some(m), None).is_err(), "{m:?}");
        }
        assert_eq!(parse(None, Some("300"), None).unwrap().max_age, Some(300));
    }
}
