//! The `fake-auth0` binary prints one line with its real address and serves until killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-auth0"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "empty",
            "--domain",
            "cli-tenant.eu.auth0.com",
            "--client-id",
            "cli-client",
            "--client-secret",
            "cli-secret",
            "--access-token-ttl",
            "120",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("fake-auth0 listening on ")
        .expect("the announced line")
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cli-client"),
            ("client_secret", "cli-secret"),
            ("audience", "https://cli-tenant.eu.auth0.com/api/v2/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["expires_in"], 120);
    let users: serde_json::Value = http
        .get(format!("{base}/api/v2/users"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "the empty seed holds only the login user"
    );
    child.kill().unwrap();
    let _ = child.wait();
}
