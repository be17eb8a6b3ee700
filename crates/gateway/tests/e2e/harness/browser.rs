//! A person's browser, as reqwest clients that keep cookies.

use std::time::Duration;

use serde_json::Value;

use super::World;

/// Follows redirects, as a browser walking a sign-in does.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap()
}

/// Stops at each redirect, to look at (or tamper with) where it points.
pub fn step_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302, "expected a redirect");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The JSON answer and status of a GET that asks for JSON.
pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A user walks a `/connect/{tenant}` URL as a new browser and connects; the success JSON.
pub async fn connect(url: &str) -> Value {
    let (status, connected) = get_json(&browser(), url).await;
    assert_eq!(status, 200, "{connected}");
    connected
}

impl World {
    /// [`connect`] while the first tenant's Auth0 issues access tokens that expire after a second,
    /// then waits until the user's has: their next call needs a refresh.
    pub async fn connect_with_expired_token(&self, url: &str) -> Value {
        self.fake.fake.set_access_token_ttl(Duration::from_secs(1));
        let connected = connect(url).await;
        self.fake
            .fake
            .set_access_token_ttl(Duration::from_secs(3600));
        tokio::time::sleep(Duration::from_millis(2100)).await;
        connected
    }
}
