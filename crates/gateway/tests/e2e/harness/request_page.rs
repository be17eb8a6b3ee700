//! A held call's page, `/approvals/{id}`, as a person's browser sees it: what it was shown, the
//! sign-in through the (fake) Auth0, the decision form.

use super::{InProcess, browser};

/// The request id a "needs approval" result names.
pub fn request_id(said: &str) -> String {
    let start = said
        .find("preq_")
        .unwrap_or_else(|| panic!("no request id in: {said}"));
    said[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// What a browser was shown: status, `Cache-Control` and the page.
pub struct Shown {
    pub status: u16,
    pub cache_control: String,
    /// The page's own forms post with an `Origin` only if this is not `no-referrer`.
    pub referrer_policy: String,
    pub body: String,
}

pub async fn shown(response: reqwest::Response) -> Shown {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Shown {
        status: response.status().as_u16(),
        cache_control: header("cache-control"),
        referrer_policy: header("referrer-policy"),
        body: response.text().await.unwrap(),
    }
}

impl Shown {
    /// The decision form's token on this page.
    pub fn token(&self) -> String {
        let at = self
            .body
            .find(r#"name="token" value=""#)
            .unwrap_or_else(|| panic!("no decision form on: {}", self.body));
        let rest = &self.body[at + r#"name="token" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub fn has_form(&self) -> bool {
        self.body.contains(r#"name="token""#)
    }
}

/// A new browser that presses "Sign in with Auth0" on request `id`'s page and follows Auth0
/// back; the browser and where it ended.
pub async fn sign_in(gateway: &InProcess, id: &str) -> (reqwest::Client, Shown) {
    let browser = browser();
    let page = shown(
        browser
            .get(gateway.url(&format!("/approvals/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let end = browser
        .post(gateway.url(&format!("/approvals/{id}/sign-in")))
        .send()
        .await
        .unwrap();
    let end = shown(end).await;
    (browser, end)
}

/// Posts the decision form of `browser` with `token`.
pub async fn decide(
    browser: &reqwest::Client,
    gateway: &InProcess,
    id: &str,
    token: &str,
    decision: &str,
    note: &str,
) -> Shown {
    shown(
        browser
            .post(gateway.url(&format!("/approvals/{id}")))
            .form(&[("token", token), ("decision", decision), ("note", note)])
            .send()
            .await
            .unwrap(),
    )
    .await
}
