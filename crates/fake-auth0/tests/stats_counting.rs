//! The fake counts token requests by grant type and Management requests by route,
//! including requests a fault turned away.

mod common;

use common::start;
use fake_auth0::{Fault, FaultKind, Stats};

#[tokio::test]
async fn counts_token_and_management_requests() {
    let t = start().await;
    assert_eq!(t.fake().stats().token_requests_for("client_credentials"), 0);
    let token = t.client_credentials_token().await;
    t.client_credentials().await;
    let bad = t
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", common::CLIENT_ID),
            ("refresh_token", "x"),
        ])
        .await;
    assert_eq!(bad.status, 401);

    t.get("/api/v2/users/auth0|admin", &token).await;
    t.get("/api/v2/users/auth0|alice", &token).await;
    t.get("/api/v2/users", &token).await;
    t.fake().add_fault(Fault {
        method: None,
        path_prefix: "/api/v2/roles".into(),
        kind: FaultKind::Status(500),
        times: Some(1),
    });
    t.get("/api/v2/roles", &token).await;
    t.get("/api/v2/roles", &token).await;
    t.delete("/api/v2/roles/rol_missing", &token, None).await;

    let stats = t.fake().stats();
    assert_eq!(stats.token_requests_for("client_credentials"), 2);
    assert_eq!(stats.token_requests_for("refresh_token"), 1);
    assert_eq!(stats.token_requests_for("authorization_code"), 0);
    assert_eq!(stats.management_requests_for("GET /api/v2/users/{id}"), 2);
    assert_eq!(stats.management_requests_for("GET /api/v2/users"), 1);
    assert_eq!(
        stats.management_requests_for("GET /api/v2/roles"),
        2,
        "the faulted request counts too"
    );
    assert_eq!(
        stats.management_requests_for("DELETE /api/v2/roles/{id}"),
        1
    );
    assert_eq!(stats.total_management_requests(), 6);

    // The same numbers over HTTP.
    let over_http: Stats = t.get_json("/_fake/stats").await;
    assert_eq!(over_http, stats);
    let raw: serde_json::Value = t.get_json("/_fake/stats").await;
    assert_eq!(raw["token_requests"]["client_credentials"], 2);
    assert_eq!(raw["management_requests"]["GET /api/v2/users/{id}"], 2);
}

#[tokio::test]
async fn counts_reflect_the_tenant() {
    let t = start().await;
    let c = t.fake().counts();
    assert_eq!(
        (c.users, c.organizations, c.roles, c.clients),
        (40, 5, 4, 5)
    );
    assert_eq!(c.logs, 60);
    t.client_credentials().await;
    assert_eq!(
        t.fake().counts().logs,
        61,
        "a token exchange is logged (seccft)"
    );
}
