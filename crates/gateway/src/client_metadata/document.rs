//! A Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document, the MCP
//! authorization spec since 2025-11-25): the client's `client_id` is an https URL, and the JSON
//! served there says what the client is — its redirect URIs above all. Its checks, on the URL
//! and on what came back.

use serde::Deserialize;
use url::Url;

use super::MetadataError;
use crate::http::oauth_server::{client_name, redirect_uri_allowed};

/// Longest `client_id` URL accepted: it is kept with every request, code and token.
pub(crate) const MAX_URL_LEN: usize = 2000;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_NAME_LEN: usize = 200;

/// What the gateway takes from a document that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    /// The URL, which is also the client's id.
    pub client_id: String,
    /// The host serving the document: the one thing about the client a user can rely on.
    pub host: String,
    /// As the document says, hidden characters removed: unverified.
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
}

/// Whether a `client_id` is meant as a metadata document's URL (anything else is a registered id).
pub fn is_url(client_id: &str) -> bool {
    let lower = client_id.get(..8).unwrap_or(client_id).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The `client_id` as a URL the gateway may fetch: https, a path, no fragment, no credentials,
/// no dot segments — written exactly as the URL parser writes it back, so one client has one id.
pub(crate) fn check_url(client_id: &str) -> Result<Url, MetadataError> {
    if client_id.len() > MAX_URL_LEN {
        return Err(MetadataError::BadUrl(format!(
            "it is longer than {MAX_URL_LEN} characters"
        )));
    }
    let url = Url::parse(client_id).map_err(|e| MetadataError::BadUrl(e.to_string()))?;
    if url.scheme() != "https" {
        return Err(MetadataError::NotHttps);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(MetadataError::BadUrl(
            "it carries a user name or password".into(),
        ));
    }
    if url.fragment().is_some() || client_id.contains('#') {
        return Err(MetadataError::BadUrl("it has a fragment".into()));
    }
    if url.path() == "/" {
        return Err(MetadataError::BadUrl(
            "it has no path: the document must be at a path on its host".into(),
        ));
    }
    if url.host_str().is_none() {
        return Err(MetadataError::BadUrl("it names no host".into()));
    }
    if url.as_str() != client_id {
        // Dot segments, an upper-case host, a default port spelled out, unescaped characters…
        return Err(MetadataError::BadUrl(format!(
            "it is not in its normal form (it would be `{}`)",
            url.as_str()
        )));
    }
    Ok(url)
}

/// The document's members the gateway reads; others are ignored.
#[derive(Deserialize)]
struct Raw {
    client_id: Option<String>,
    client_name: Option<String>,
    redirect_uris: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    client_secret: Option<serde_json::Value>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
}

/// Checks the document served at `url`.
pub(crate) fn parse(url: &Url, body: &[u8]) -> Result<ClientDocument, MetadataError> {
    let raw: Raw = serde_json::from_slice(body).map_err(|e| {
        MetadataError::Invalid(format!("it is not a JSON object of client metadata: {e}"))
    })?;
    match raw.client_id.as_deref() {
        Some(id) if id == url.as_str() => {}
        found => {
            return Err(MetadataError::ClientIdMismatch {
                found: found.map(|id| id.chars().take(100).collect()),
            });
        }
    }
    if raw.client_secret.is_some() {
        return Err(MetadataError::Invalid(
            "it holds a client_secret: a document anyone can read cannot carry a secret".into(),
        ));
    }
    match raw.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(method) => {
            return Err(MetadataError::Invalid(format!(
                "token_endpoint_auth_method `{}` is not supported: this gateway accepts documents of public clients (`none`)",
                method.chars().take(40).collect::<String>()
            )));
        }
    }
    if let Some(grants) = &raw.grant_types
        && grants
            .iter()
            .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return Err(MetadataError::Invalid(
            "grant_types may hold only authorization_code and refresh_token".into(),
        ));
    }
    if let Some(types) = &raw.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(MetadataError::Invalid(
            "response_types may hold only code".into(),
        ));
    }
    let redirect_uris = raw.redirect_uris.unwrap_or_default();
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(MetadataError::Invalid(format!(
            "redirect_uris must list 1 to {MAX_REDIRECT_URIS} URIs"
        )));
    }
    if let Some(bad) = redirect_uris
        .iter()
        .find(|uri| uri.len() > MAX_URL_LEN || !redirect_uri_allowed(uri))
    {
        return Err(MetadataError::Invalid(format!(
            "redirect URI `{}` is not allowed: redirect URIs must be https, or http on a loopback address, without a fragment",
            bad.chars().take(100).collect::<String>()
        )));
    }
    for (name, value) in [("client_uri", &raw.client_uri), ("logo_uri", &raw.logo_uri)] {
        if let Some(value) = value
            && Url::parse(value).map_or(true, |u| u.scheme() != "https")
        {
            return Err(MetadataError::Invalid(format!(
                "{name} must be an https URL"
            )));
        }
    }
    let client_name = raw.client_name.as_deref().and_then(client_name::clean);
    if client_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NAME_LEN)
    {
        return Err(MetadataError::Invalid(format!(
            "client_name is longer than {MAX_NAME_LEN} characters"
        )));
    }
    Ok(ClientDocument {
        client_id: url.as_str().to_owned(),
        host: url.host_str().unwrap_or_default().to_owned(),
        client_name,
        redirect_uris,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URL: &str = "https://app.example.com/oauth/client.json";

    fn parsed(document: serde_json::Value) -> Result<ClientDocument, MetadataError> {
        parse(&Url::parse(URL).unwrap(), document.to_string().as_bytes())
    }

    #[test]
    fn only_canonical_https_urls_with_a_path_are_client_ids() {
        assert!(check_url(URL).is_ok());
        assert!(check_url("https://claude.ai/oauth/claude-code-client-metadata").is_ok());
        assert!(check_url("https://127.0.0.1:8443/client?v=2").is_ok());
        for bad in [
            "http://app.example.com/client.json",
            "https://app.example.com",
            "https://app.example.com/",
            "https://user:pw@app.example.com/client.json",
            "https://app.example.com/client.json#x",
            "https://app.example.com/a/../client.json",
            "https://app.example.com/./client.json",
            "https://APP.example.com/client.json",
            "https://app.example.com:443/client.json",
            "ftp://app.example.com/client.json",
            "https://",
        ] {
            assert!(check_url(bad).is_err(), "{bad} is refused");
        }
        assert!(matches!(
            check_url("http://app.example.com/client.json"),
            Err(MetadataError::NotHttps)
        ));
        assert!(check_url(&format!("https://a.example/{}", "x".repeat(2000))).is_err());
        assert!(is_url("HTTPS://x") && is_url("http://x") && !is_url("mcpc_abc"));
    }

    #[test]
    fn a_document_must_name_itself_and_its_redirects_and_hold_no_secret() {
        let good = parsed(json!({
            "client_id": URL,
            "client_name": "Example\u{202E}App",
            "redirect_uris": ["http://127.0.0.1/callback", "https://app.example.com/cb"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "logo_uri": "https://app.example.com/logo.png",
        }))
        .unwrap();
        assert_eq!(good.client_name.as_deref(), Some("ExampleApp"));
        assert_eq!(good.host, "app.example.com");
        assert_eq!(good.redirect_uris.len(), 2);

        let with = |field: &str, value: serde_json::Value| {
            let mut document =
                json!({"client_id": URL, "redirect_uris": ["https://app.example.com/cb"]});
            document[field] = value;
            parsed(document)
        };
        assert!(matches!(
            with("client_id", json!("https://evil.example/client.json")),
            Err(MetadataError::ClientIdMismatch { .. })
        ));
        assert!(with("client_secret", json!("s3cret")).is_err());
        assert!(with("token_endpoint_auth_method", json!("client_secret_basic")).is_err());
        assert!(with("token_endpoint_auth_method", json!("private_key_jwt")).is_err());
        assert!(with("grant_types", json!(["client_credentials"])).is_err());
        assert!(with("response_types", json!(["token"])).is_err());
        assert!(with("redirect_uris", json!([])).is_err());
        assert!(with("redirect_uris", json!(["http://app.example.com/cb"])).is_err());
        assert!(with("redirect_uris", json!(["javascript:alert(1)"])).is_err());
        assert!(with("logo_uri", json!("http://app.example.com/logo.png")).is_err());
        assert!(with("client_name", json!("x".repeat(201))).is_err());
        assert!(parse(&Url::parse(URL).unwrap(), b"<html>").is_err());
        assert!(parse(&Url::parse(URL).unwrap(), b"[1]").is_err());
    }
}
