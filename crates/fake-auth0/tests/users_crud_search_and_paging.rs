//! Users: create, read, update, delete, search and the 1000-record paging cap.

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn create_read_update_delete_a_user() {
    let t = start().await;
    let token = t.admin_token();
    let created = t
        .post(
            "/api/v2/users",
            &token,
            &json!({
                "connection": "Username-Password-Authentication",
                "email": "New.Person@Example.com",
                "password": "Correct-Horse-9",
                "user_metadata": {"theme": "dark", "lang": "en"},
                "app_metadata": {"plan": "pro"}
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["user_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("auth0|"));
    assert_eq!(
        created.json["email"], "new.person@example.com",
        "emails are stored lowercased"
    );
    assert_eq!(created.json["email_verified"], false);
    assert_eq!(
        created.json["identities"][0]["connection"],
        "Username-Password-Authentication"
    );
    assert_eq!(created.json["identities"][0]["provider"], "auth0");
    assert_eq!(created.json["identities"][0]["isSocial"], false);
    assert!(created.json.get("password").is_none());

    let got = t.get(&format!("/api/v2/users/{id}"), &token).await;
    assert_eq!(got.status, 200);
    let encoded = t
        .get(&format!("/api/v2/users/{}", id.replace('|', "%7C")), &token)
        .await;
    assert_eq!(
        encoded.json["user_id"],
        id.as_str(),
        "a percent-encoded '|' is the same id"
    );
    assert_eq!(
        got.json["user_metadata"],
        json!({"theme": "dark", "lang": "en"})
    );

    let by_email = t
        .get(
            "/api/v2/users-by-email?email=new.person@example.com",
            &token,
        )
        .await;
    assert_eq!(by_email.json.as_array().unwrap().len(), 1);
    let wrong_case = t
        .get(
            "/api/v2/users-by-email?email=New.Person@Example.com",
            &token,
        )
        .await;
    assert_eq!(
        wrong_case.json,
        json!([]),
        "users-by-email is case-sensitive"
    );

    // Metadata merges one level deep; null removes a key; other fields are replaced.
    let patched = t
        .patch(
            &format!("/api/v2/users/{id}"),
            &token,
            &json!({"user_metadata": {"theme": "light", "lang": null}, "name": "New Person", "blocked": true}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["user_metadata"], json!({"theme": "light"}));
    assert_eq!(patched.json["app_metadata"], json!({"plan": "pro"}));
    assert_eq!(patched.json["name"], "New Person");
    assert_eq!(patched.json["blocked"], true);
    assert_eq!(t.fake().user(&id).unwrap()["blocked"], true);

    let deleted = t.delete(&format!("/api/v2/users/{id}"), &token, None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        t.delete(&format!("/api/v2/users/{id}"), &token, None)
            .await
            .status,
        204,
        "a repeat delete is 204"
    );
    let gone = t.get(&format!("/api/v2/users/{id}"), &token).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json,
        json!({"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"})
    );
    let patch_gone = t
        .patch(
            &format!("/api/v2/users/{id}"),
            &token,
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(patch_gone.status, 404);
}

#[tokio::test]
async fn create_user_validation_errors() {
    let t = start().await;
    let token = t.admin_token();
    let no_connection = t
        .post("/api/v2/users", &token, &json!({"email": "a@example.com"}))
        .await;
    assert_eq!(no_connection.status, 400);
    assert_eq!(
        no_connection.json,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Payload validation error: 'Missing required property: connection'.", "errorCode": "invalid_body"})
    );
    let unknown_field = t
        .post(
            "/api/v2/users",
            &token,
            &json!({"connection": "Username-Password-Authentication", "colour": "red"}),
        )
        .await;
    assert_eq!(
        unknown_field.json["message"],
        "Payload validation error: 'Additional properties not allowed: colour'."
    );
    let no_password = t
        .post(
            "/api/v2/users",
            &token,
            &json!({"connection": "Username-Password-Authentication", "email": "p@example.com"}),
        )
        .await;
    assert_eq!(no_password.status, 400);
    assert_eq!(
        no_password.json["message"],
        "Payload validation error: 'Missing required property: password'."
    );
    let weak = t
        .post(
            "/api/v2/users",
            &token,
            &json!({"connection": "Username-Password-Authentication", "email": "p@example.com", "password": "password"}),
        )
        .await;
    assert_eq!(weak.status, 400);
    assert_eq!(
        weak.json["message"],
        "PasswordStrengthError: Password is too weak"
    );
    let bad_connection = t
        .post(
            "/api/v2/users",
            &token,
            &json!({"connection": "nope", "email": "p@example.com", "password": "Str0ng-pass"}),
        )
        .await;
    assert_eq!(bad_connection.status, 400);
    let duplicate = t
        .post(
            "/api/v2/users",
            &token,
            &json!({"connection": "Username-Password-Authentication", "email": "ALICE.johnson@example.com", "password": "Str0ng-pass"}),
        )
        .await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.json["message"], "The user already exists.");
    let empty_patch = t
        .patch("/api/v2/users/auth0|alice", &token, &json!({}))
        .await;
    assert_eq!(empty_patch.status, 400);
}

#[tokio::test]
async fn list_users_with_totals_search_sort_and_fields() {
    let t = start().await;
    let token = t.admin_token();
    let all = t
        .get(
            "/api/v2/users?include_totals=true&per_page=10&page=1",
            &token,
        )
        .await;
    assert_eq!(all.status, 200);
    assert_eq!(all.json["start"], 10);
    assert_eq!(all.json["limit"], 10);
    assert_eq!(all.json["length"], 10);
    assert_eq!(all.json["total"], 40);
    assert_eq!(all.json["users"].as_array().unwrap().len(), 10);

    let bare = t.get("/api/v2/users?per_page=5", &token).await;
    assert_eq!(
        bare.json.as_array().unwrap().len(),
        5,
        "without include_totals the answer is an array"
    );

    let q = |s: &str| {
        let mut u = url::Url::parse("http://x/api/v2/users?search_engine=v3&per_page=100").unwrap();
        u.query_pairs_mut().append_pair("q", s);
        format!("/api/v2/users?{}", u.query().unwrap())
    };
    let google = t
        .get(&q("identities.connection:\"google-oauth2\""), &token)
        .await;
    assert_eq!(google.json.as_array().unwrap().len(), 12);
    let blocked = t.get(&q("blocked:true"), &token).await;
    assert_eq!(blocked.json.as_array().unwrap().len(), 4);
    let alice = t
        .get(&q("email:\"alice.johnson@example.com\""), &token)
        .await;
    assert_eq!(alice.json[0]["user_id"], "auth0|alice");
    let prefix = t
        .get(&q("name:ali* OR user_id:\"auth0|bob\""), &token)
        .await;
    assert_eq!(prefix.json.as_array().unwrap().len(), 2);
    let plan = t
        .get(
            &q("app_metadata.plan:enterprise AND identities.connection:\"google-oauth2\""),
            &token,
        )
        .await;
    assert!(
        plan.json
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["app_metadata"]["plan"] == "enterprise")
    );
    let bad = t.get(&q("name:alice~2"), &token).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["errorCode"], "invalid_query_string");

    let sorted = t
        .get(
            "/api/v2/users?sort=email:1&per_page=3&fields=email,user_id&include_fields=true",
            &token,
        )
        .await;
    let emails: Vec<&str> = sorted
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "admin@example.com",
            "alice.johnson@example.com",
            "amelia.king@gmail.com"
        ]
    );
    assert_eq!(
        sorted.json[0].as_object().unwrap().len(),
        2,
        "fields limits the output"
    );
}

#[tokio::test]
async fn paging_is_capped_at_1000_records() {
    let t = start().await;
    let token = t.admin_token();
    let last_ok = t.get("/api/v2/users?per_page=100&page=9", &token).await;
    assert_eq!(last_ok.status, 200);
    let past = t.get("/api/v2/users?per_page=100&page=10", &token).await;
    assert_eq!(past.status, 400);
    assert_eq!(
        past.json,
        json!({
            "statusCode": 400,
            "error": "Bad Request",
            "message": "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation.",
            "errorCode": "invalid_paging"
        })
    );
    let too_big = t.get("/api/v2/users?per_page=101", &token).await;
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.json["errorCode"], "invalid_query_string");
}

#[tokio::test]
async fn user_roles_permissions_organizations_and_logs() {
    let t = start().await;
    let token = t.admin_token();
    let assign = t
        .post(
            "/api/v2/users/auth0|zoe/roles",
            &token,
            &json!({"roles": ["rol_viewer0000000000"]}),
        )
        .await;
    assert_eq!(assign.status, 204);
    assert_eq!(t.fake().user_roles("auth0|zoe"), ["rol_viewer0000000000"]);
    let unknown = t
        .post(
            "/api/v2/users/auth0|zoe/roles",
            &token,
            &json!({"roles": ["rol_nope"]}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let roles = t
        .get("/api/v2/users/auth0|zoe/roles?include_totals=true", &token)
        .await;
    assert_eq!(roles.json["total"], 1);
    assert_eq!(roles.json["roles"][0]["name"], "viewer");
    let removed = t
        .delete(
            "/api/v2/users/auth0|zoe/roles",
            &token,
            Some(&json!({"roles": ["rol_viewer0000000000"]})),
        )
        .await;
    assert_eq!(removed.status, 204);
    assert!(t.fake().user_roles("auth0|zoe").is_empty());

    let perms = t.get("/api/v2/users/auth0|bob/permissions", &token).await;
    let list = perms.json.as_array().unwrap();
    let write_reports = list
        .iter()
        .find(|p| p["permission_name"] == "write:reports")
        .unwrap();
    assert_eq!(write_reports["sources"][0]["source_type"], "DIRECT");
    let tickets = list
        .iter()
        .find(|p| p["permission_name"] == "write:tickets")
        .unwrap();
    assert_eq!(tickets["sources"][0]["source_type"], "ROLE");
    assert_eq!(tickets["sources"][0]["source_name"], "support");
    assert_eq!(
        tickets["resource_server_identifier"],
        "https://api.example.com"
    );

    let orgs = t
        .get(
            "/api/v2/users/auth0|admin/organizations?include_totals=true",
            &token,
        )
        .await;
    assert_eq!(orgs.json["total"], 2);
    assert_eq!(orgs.json["organizations"][0]["name"], "acme");

    let logs = t
        .get(
            "/api/v2/users/auth0|admin/logs?include_totals=true&per_page=100",
            &token,
        )
        .await;
    assert_eq!(logs.status, 200);
    assert!(
        logs.json["logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["user_id"] == "auth0|admin")
    );
}
