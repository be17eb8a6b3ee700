//! Organizations: CRUD, offset and checkpoint paging, members.

mod common;

use common::start;
use serde_json::{Value, json};

#[tokio::test]
async fn checkpoint_paging_walks_every_organization_until_next_is_absent() {
    let t = start().await;
    let token = t.admin_token();
    for i in 0..7 {
        let r = t
            .post(
                "/api/v2/organizations",
                &token,
                &json!({"name": format!("extra-org-{i}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut from: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &from {
            None => "/api/v2/organizations?take=3".to_owned(),
            Some(f) => format!("/api/v2/organizations?take=3&from={f}"),
        };
        let r = t.get(&path, &token).await;
        assert_eq!(r.status, 200, "{}", r.text);
        pages += 1;
        seen.extend(
            r.json["organizations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned()),
        );
        match r.json.get("next").and_then(Value::as_str) {
            Some(n) => from = Some(n.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(seen.len(), 12);
    assert_eq!(pages, 4);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "no duplicates, stable order");
    sorted.dedup();
    assert_eq!(sorted.len(), 12);
}

#[tokio::test]
async fn offset_paging_and_its_cap() {
    let t = start().await;
    let token = t.admin_token();
    let r = t
        .get(
            "/api/v2/organizations?include_totals=true&per_page=2&page=1",
            &token,
        )
        .await;
    assert_eq!(r.json["start"], 2);
    assert_eq!(r.json["limit"], 2);
    assert_eq!(r.json["total"], 5);
    assert_eq!(r.json["organizations"].as_array().unwrap().len(), 2);
    let capped = t
        .get("/api/v2/organizations?per_page=100&page=10", &token)
        .await;
    assert_eq!(capped.status, 400);
    assert_eq!(capped.json["errorCode"], "invalid_paging");
    assert_eq!(
        capped.json["message"],
        "Requesting page exceeds the allowed maximum of 1000 records."
    );
    let take = t.get("/api/v2/organizations?take=101", &token).await;
    assert_eq!(take.status, 400);
}

#[tokio::test]
async fn organization_crud() {
    let t = start().await;
    let token = t.admin_token();
    let acme = t
        .get("/api/v2/organizations/org_acme000000000000", &token)
        .await;
    assert_eq!(acme.json["name"], "acme");
    assert_eq!(acme.json["display_name"], "Acme Corporation");
    assert_eq!(acme.json["branding"]["colors"]["primary"], "#0059d6");
    let by_name = t.get("/api/v2/organizations/name/acme", &token).await;
    assert_eq!(by_name.json["id"], "org_acme000000000000");
    let missing = t.get("/api/v2/organizations/org_missing", &token).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json,
        json!({"statusCode": 404, "error": "Not Found", "message": "No organization found by that id or name"})
    );

    let bad_name = t
        .post(
            "/api/v2/organizations",
            &token,
            &json!({"name": "Bad Name"}),
        )
        .await;
    assert_eq!(bad_name.status, 400);
    let created = t
        .post(
            "/api/v2/organizations",
            &token,
            &json!({"name": "wayne-enterprises", "display_name": "Wayne Enterprises", "metadata": {"tier": "pro"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_"));
    let dup = t
        .post(
            "/api/v2/organizations",
            &token,
            &json!({"name": "wayne-enterprises"}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json["errorCode"], "organization_conflict");

    let patched = t
        .patch(
            &format!("/api/v2/organizations/{id}"),
            &token,
            &json!({"display_name": "Wayne Ent.", "metadata": {"region": "us"}}),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json["name"], "wayne-enterprises");
    assert_eq!(patched.json["display_name"], "Wayne Ent.");
    assert_eq!(
        patched.json["metadata"],
        json!({"tier": "pro", "region": "us"})
    );

    assert_eq!(
        t.delete(&format!("/api/v2/organizations/{id}"), &token, None)
            .await
            .status,
        204
    );
    assert_eq!(
        t.delete(&format!("/api/v2/organizations/{id}"), &token, None)
            .await
            .status,
        404,
        "a repeat delete is 404"
    );
}

#[tokio::test]
async fn organization_members() {
    let t = start().await;
    let token = t.admin_token();
    let path = "/api/v2/organizations/org_initech000000000/members";
    let r = t.get(&format!("{path}?include_totals=true"), &token).await;
    assert_eq!(r.json["total"], 4);
    let first = &r.json["members"][0];
    assert!(
        first["user_id"].is_string() && first["email"].is_string() && first["name"].is_string()
    );

    let add = t
        .post(
            path,
            &token,
            &json!({"members": ["auth0|zoe", "auth0|noah"]}),
        )
        .await;
    assert_eq!(add.status, 204);
    assert_eq!(
        t.fake().organization_members("org_initech000000000").len(),
        6
    );
    let unknown = t
        .post(path, &token, &json!({"members": ["auth0|nobody"]}))
        .await;
    assert_eq!(unknown.status, 400);

    // Checkpoint paging over members ends without `next`.
    let page1 = t.get(&format!("{path}?take=4"), &token).await;
    assert_eq!(page1.json["members"].as_array().unwrap().len(), 4);
    let next = page1.json["next"].as_str().unwrap();
    let page2 = t.get(&format!("{path}?take=4&from={next}"), &token).await;
    assert_eq!(page2.json["members"].as_array().unwrap().len(), 2);
    assert!(page2.json.get("next").is_none());

    let remove = t
        .delete(path, &token, Some(&json!({"members": ["auth0|zoe"]})))
        .await;
    assert_eq!(remove.status, 204);
    assert_eq!(
        t.fake().organization_members("org_initech000000000").len(),
        5
    );

    let no_scope = t.token(&["read:organizations"]);
    let r = t
        .post(path, &no_scope, &json!({"members": ["auth0|zoe"]}))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json["message"],
        "Insufficient scope, expected any of: create:organization_members"
    );
}
