//! Roles answer with Auth0's unusual statuses: create 200, delete 200 `{}`, assign users
//! 200 `{}`, add permissions 201 `{}`, remove permissions 204.

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn role_lifecycle_uses_auth0_statuses() {
    let t = start().await;
    let token = t.admin_token();
    let created = t
        .post(
            "/api/v2/roles",
            &token,
            &json!({"name": "auditor", "description": "Reads everything"}),
        )
        .await;
    assert_eq!(
        created.status, 200,
        "role creation answers 200, not 201: {}",
        created.text
    );
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("rol_"));
    assert_eq!(
        created.json,
        json!({"id": id, "name": "auditor", "description": "Reads everything"})
    );

    let dup = t
        .post("/api/v2/roles", &token, &json!({"name": "auditor"}))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json["message"], "The role already exists.");

    let patched = t
        .patch(
            &format!("/api/v2/roles/{id}"),
            &token,
            &json!({"description": "Reads most things"}),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json["description"], "Reads most things");

    let users = t
        .post(
            &format!("/api/v2/roles/{id}/users"),
            &token,
            &json!({"users": ["auth0|alice", "auth0|bob"]}),
        )
        .await;
    assert_eq!(users.status, 200);
    assert_eq!(users.json, json!({}));
    let listed = t
        .get(
            &format!("/api/v2/roles/{id}/users?include_totals=true"),
            &token,
        )
        .await;
    assert_eq!(listed.json["total"], 2);
    let cp = t
        .get(&format!("/api/v2/roles/{id}/users?take=1"), &token)
        .await;
    assert_eq!(cp.json["users"].as_array().unwrap().len(), 1);
    assert!(cp.json["next"].is_string());

    let perms = json!({"permissions": [{"resource_server_identifier": "https://api.example.com", "permission_name": "read:reports"}]});
    let added = t
        .post(&format!("/api/v2/roles/{id}/permissions"), &token, &perms)
        .await;
    assert_eq!(added.status, 201);
    assert_eq!(added.json, json!({}));
    assert_eq!(
        t.fake().role_permissions(&id),
        [(
            "https://api.example.com".to_owned(),
            "read:reports".to_owned()
        )]
    );
    let listed = t
        .get(&format!("/api/v2/roles/{id}/permissions"), &token)
        .await;
    assert_eq!(listed.json[0]["resource_server_name"], "Example API");
    let removed = t
        .delete(
            &format!("/api/v2/roles/{id}/permissions"),
            &token,
            Some(&perms),
        )
        .await;
    assert_eq!(removed.status, 204);
    assert!(t.fake().role_permissions(&id).is_empty());

    let deleted = t.delete(&format!("/api/v2/roles/{id}"), &token, None).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json, json!({}));
    let gone = t.get(&format!("/api/v2/roles/{id}"), &token).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json,
        json!({"statusCode": 404, "error": "Not Found", "message": "The role does not exist."})
    );
}

#[tokio::test]
async fn list_roles_with_name_filter() {
    let t = start().await;
    let token = t.admin_token();
    let r = t
        .get("/api/v2/roles?name_filter=VIEW&include_totals=true", &token)
        .await;
    assert_eq!(r.json["total"], 1);
    assert_eq!(r.json["roles"][0]["id"], "rol_viewer0000000000");
    let all = t.get("/api/v2/roles", &token).await;
    let names: Vec<&str> = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "billing", "support", "viewer"]);
}

#[tokio::test]
async fn role_users_need_read_users_and_read_roles() {
    let t = start().await;
    let r = t
        .get(
            "/api/v2/roles/rol_admin00000000000/users",
            &t.token(&["read:roles"]),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json["message"],
        "Insufficient scope, expected all of: read:users, read:roles"
    );
    let ok = t
        .get(
            "/api/v2/roles/rol_admin00000000000/users",
            &t.token(&["read:roles", "read:users"]),
        )
        .await;
    assert_eq!(ok.status, 200);
}
