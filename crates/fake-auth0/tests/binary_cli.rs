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

#[tokio::test]
async fn tls_mode_serves_https_with_the_certificate_it_writes_out() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("fake.pem");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-auth0"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "demo",
            "--tls-cert-out",
        ])
        .arg(&cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let line = lines.next_line().await.unwrap().unwrap();
    let base = line
        .strip_prefix("fake-auth0 listening on ")
        .expect("the announced line")
        .to_owned();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(format!("{base}/.well-known/openid-configuration"))
            .send()
            .await
            .is_err(),
        "a client that does not trust the certificate is refused"
    );
    let pem = std::fs::read(&cert).unwrap();
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let discovery: serde_json::Value = trusting
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], "https://demo-tenant.us.auth0.com/");
    let localhost = base.replace("127.0.0.1", "localhost");
    let status = trusting
        .get(format!("{localhost}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200, "the certificate names localhost too");
}
