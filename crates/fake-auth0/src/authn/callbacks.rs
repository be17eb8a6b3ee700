//! Whether a redirect_uri is one the application registered.

use url::Url;

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// Exact match, or, for loopback callbacks, a match on everything but the port (RFC 8252
/// §7.3: native apps listen on whatever port is free). `http://127.0.0.1:*/path` spells the
/// same rule explicitly.
pub(crate) fn callback_allowed(registered: &[String], redirect_uri: &str) -> bool {
    let Ok(wanted) = Url::parse(redirect_uri) else {
        return false;
    };
    registered.iter().any(|r| {
        if r == redirect_uri {
            return true;
        }
        let Ok(allowed) = Url::parse(&r.replacen(":*/", "/", 1)) else {
            return false;
        };
        let (Some(a), Some(w)) = (allowed.host_str(), wanted.host_str()) else {
            return false;
        };
        is_loopback(a)
            && a == w
            && allowed.scheme() == wanted.scheme()
            && allowed.path() == wanted.path()
            && allowed.query() == wanted.query()
    })
}

#[cfg(test)]
mod tests {
    use super::callback_allowed;

    #[test]
    fn loopback_callbacks_match_any_port() {
        let reg = vec![
            "http://127.0.0.1:*/integration-callback".to_owned(),
            "https://gw.example.com/cb".to_owned(),
        ];
        assert!(callback_allowed(
            &reg,
            "http://127.0.0.1:53124/integration-callback"
        ));
        assert!(callback_allowed(
            &reg,
            "http://127.0.0.1/integration-callback"
        ));
        assert!(!callback_allowed(&reg, "http://127.0.0.1:80/other"));
        assert!(!callback_allowed(
            &reg,
            "http://localhost:8080/integration-callback"
        ));
        assert!(callback_allowed(&reg, "https://gw.example.com/cb"));
        assert!(!callback_allowed(&reg, "https://gw.example.com:8443/cb"));
    }
}
