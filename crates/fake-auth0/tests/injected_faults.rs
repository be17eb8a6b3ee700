//! Fault injection: rate limits, error statuses, latency, dropped connections, broken
//! bodies, through the library and over HTTP.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::start;
use fake_auth0::{Fault, FaultKind};
use serde_json::json;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn rate_limit_fault_sets_reset_and_no_retry_after() {
    let t = start().await;
    let token = t.admin_token();
    t.fake().add_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/api/v2/users".into(),
        kind: FaultKind::RateLimit {
            reset_after: Duration::from_millis(1500),
        },
        times: Some(1),
    });
    let before = now();
    let r = t.get("/api/v2/users/auth0|admin", &token).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json["statusCode"], 429);
    assert_eq!(r.json["error"], "Too Many Requests");
    assert_eq!(
        r.json["message"],
        "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers."
    );
    assert!(r.header("retry-after").is_none());
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(
        reset >= before + 2 && reset <= now() + 2,
        "reset {reset} rounds now+1.5s up"
    );

    // Used up after one hit.
    assert_eq!(t.get("/api/v2/users/auth0|admin", &token).await.status, 200);
}

#[tokio::test]
async fn retry_after_status_and_latency_faults() {
    let t = start().await;
    let token = t.admin_token();
    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/roles".into(),
        kind: FaultKind::RateLimitRetryAfter { seconds: 3 },
        times: Some(1),
    });
    let r = t.get("/api/v2/roles", &token).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));

    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/roles".into(),
        kind: FaultKind::Status(503),
        times: None,
    });
    for _ in 0..2 {
        let r = t.get("/api/v2/roles", &token).await;
        assert_eq!(r.status, 503);
        assert_eq!(r.json["statusCode"], 503);
        assert_eq!(r.json["error"], "Service Unavailable");
    }
    t.fake().clear_faults();
    assert_eq!(t.get("/api/v2/roles", &token).await.status, 200);

    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/roles".into(),
        kind: FaultKind::Latency(Duration::from_millis(300)),
        times: Some(1),
    });
    let started = Instant::now();
    assert_eq!(t.get("/api/v2/roles", &token).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn dropped_connection_and_malformed_body() {
    let t = start().await;
    let token = t.admin_token();
    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/logs".into(),
        kind: FaultKind::DropConnection,
        times: Some(1),
    });
    let err = t
        .http
        .get(t.url("/api/v2/logs"))
        .bearer_auth(&token)
        .send()
        .await;
    match err {
        Err(e) => assert!(!e.is_status(), "{e}"),
        Ok(r) => assert!(r.text().await.is_err(), "the body must fail"),
    }

    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/logs".into(),
        kind: FaultKind::MalformedBody,
        times: Some(1),
    });
    let r = t.get("/api/v2/logs", &token).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
}

#[tokio::test]
async fn token_endpoint_faults_use_the_oauth_error_shape() {
    let t = start().await;
    t.fake().add_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/oauth/token".into(),
        kind: FaultKind::Status(500),
        times: Some(1),
    });
    let r = t.client_credentials().await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json["error"], "server_error");
    assert_eq!(t.client_credentials().await.status, 200);
}

#[tokio::test]
async fn faults_and_settings_over_http() {
    let t = start().await;
    let fault = json!({"method": "GET", "path_prefix": "/api/v2/clients", "kind": {"type": "rate_limit", "reset_after_ms": 2000}, "times": 1});
    let r = t
        .http
        .post(t.url("/_fake/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let token = t.admin_token();
    assert_eq!(t.get("/api/v2/clients", &token).await.status, 429);
    assert_eq!(t.get("/api/v2/clients", &token).await.status, 200);

    let forever =
        json!({"path_prefix": "/api/v2/clients", "kind": {"type": "status", "status": 502}});
    t.http
        .post(t.url("/_fake/faults"))
        .json(&forever)
        .send()
        .await
        .unwrap();
    assert_eq!(t.get("/api/v2/clients", &token).await.status, 502);
    assert!(
        t.http
            .delete(t.url("/_fake/faults"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert_eq!(t.get("/api/v2/clients", &token).await.status, 200);

    let settings = json!({"access_token_ttl_secs": 60, "grant_scopes": ["read:users"]});
    assert!(
        t.http
            .post(t.url("/_fake/settings"))
            .json(&settings)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let r = t.client_credentials().await;
    assert_eq!(r.json["expires_in"], 60);
}

#[test]
fn faults_serialize_with_snake_case_tags_and_millis() {
    let f = Fault {
        method: None,
        path_prefix: "/oauth/token".into(),
        kind: FaultKind::Latency(Duration::from_millis(250)),
        times: None,
    };
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["kind"], json!({"type": "latency", "latency_ms": 250}));
    let back: Fault = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
    let drop: Fault =
        serde_json::from_value(json!({"path_prefix": "/", "kind": {"type": "drop_connection"}}))
            .unwrap();
    assert_eq!(drop.kind, FaultKind::DropConnection);
}
