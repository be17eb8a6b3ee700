//! Every call sends the method, path, query and body Auth0 expects, with the bearer token,
//! and accepts the status Auth0 really answers with (200, 201 or 204).

mod common;

use common::{MockServer, Recorded, Reply, TOKEN, client, token};
use gw_auth0::{
    CreateOrganization, CreateRole, CreateUser, Fields, ListClients, Offset, PageRequest,
    PermissionRef,
};
use serde_json::{Map, Value, json};

/// Answers like Auth0 for each route the client uses.
fn auth0_like(r: &Recorded, _: usize) -> Reply {
    let p = r.path.as_str();
    match (r.method.as_str(), p) {
        ("POST", "/api/v2/users") => Reply::json(
            201,
            json!({"user_id": "auth0|new", "email": "n@example.com", "identities": [{"connection": "db", "user_id": "new", "provider": "auth0", "isSocial": false}]}),
        ),
        ("GET", "/api/v2/users-by-email") => Reply::json(
            200,
            json!([{"user_id": "auth0|1"}, {"user_id": "google-oauth2|2"}]),
        ),
        ("PATCH", _) if p.starts_with("/api/v2/users/") => {
            Reply::json(200, json!({"user_id": "auth0|1", "blocked": true}))
        }
        ("GET", _) if p.ends_with("/permissions") => Reply::json(
            200,
            json!({"permissions": [{"permission_name": "read:x", "resource_server_identifier": "https://api", "resource_server_name": "API", "description": "d", "sources": [{"source_id": "", "source_name": "", "source_type": "DIRECT"}]}], "start": 0, "limit": 50, "total": 1}),
        ),
        ("GET", _) if p.ends_with("/organizations") => Reply::json(
            200,
            json!({"organizations": [{"id": "org_1", "name": "acme"}], "start": 0, "limit": 50, "total": 1}),
        ),
        ("GET", _) if p.ends_with("/logs") => Reply::json(200, json!([])),
        ("GET", _) if p.ends_with("/roles") => Reply::json(
            200,
            json!({"roles": [{"id": "rol_1", "name": "admin", "description": "Admins"}], "start": 0, "limit": 50, "total": 1}),
        ),
        ("GET", _) if p.starts_with("/api/v2/users/") => {
            Reply::json(200, json!({"user_id": "auth0|1"}))
        }
        ("POST", "/api/v2/organizations") => Reply::json(
            201,
            json!({"id": "org_new", "name": "acme", "display_name": "Acme"}),
        ),
        ("GET", _) if p.starts_with("/api/v2/organizations/") => {
            Reply::json(200, json!({"id": "org_1", "name": "acme"}))
        }
        ("PATCH", _) if p.starts_with("/api/v2/organizations/") => {
            Reply::json(200, json!({"id": "org_1", "display_name": "New"}))
        }
        ("POST", "/api/v2/roles") => Reply::json(200, json!({"id": "rol_new", "name": "ops"})),
        ("PATCH", _) if p.starts_with("/api/v2/roles/") => {
            Reply::json(200, json!({"id": "rol_1", "description": "changed"}))
        }
        ("DELETE", _) if p.starts_with("/api/v2/roles/") && p.matches('/').count() == 4 => {
            Reply::json(200, json!({}))
        }
        ("POST", _) if p.ends_with("/users") => Reply::json(200, json!({})),
        ("POST", _) if p.ends_with("/permissions") => Reply::json(201, json!({})),
        ("GET", _) if p.starts_with("/api/v2/roles/") && p.ends_with("/users") => Reply::json(
            200,
            json!({"users": [{"user_id": "auth0|1", "email": "a@example.com"}], "next": "tok"}),
        ),
        ("GET", _) if p.starts_with("/api/v2/roles/") => Reply::json(200, json!({"id": "rol_1"})),
        ("GET", "/api/v2/clients") => Reply::json(
            200,
            json!({"clients": [{"client_id": "c1", "name": "App", "client_secret": "shh-secret"}], "start": 0, "limit": 50, "total": 1}),
        ),
        ("GET", _) if p.starts_with("/api/v2/clients/") => {
            Reply::json(200, json!({"client_id": "c1", "tenant": "t"}))
        }
        ("PATCH", _) if p.starts_with("/api/v2/clients/") => {
            Reply::json(200, json!({"client_id": "c1", "name": "Renamed"}))
        }
        ("GET", _) if p.starts_with("/api/v2/logs/") => Reply::json(
            200,
            json!({"log_id": "9", "type": "sapi", "date": "2026-01-01T00:00:00.000Z"}),
        ),
        ("GET", "/userinfo") => Reply::json(
            200,
            json!({"sub": "auth0|1", "email": "a@example.com", "updated_at": "2026-01-01T00:00:00.000Z", "https://example.com/claim": 1}),
        ),
        _ => Reply::empty(204),
    }
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn check(r: &Recorded, method: &str, path: &str, body: Option<Value>) {
    assert_eq!(r.method, method, "{r:?}");
    assert_eq!(r.path, path, "{r:?}");
    assert_eq!(r.body, body, "{r:?}");
    assert_eq!(
        r.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn user_calls() {
    let mock = MockServer::start(auth0_like).await;
    let c = client(&mock.url);
    let t = token();

    let fields = Fields {
        fields: Some("user_id,email".into()),
        include_fields: Some(true),
    };
    c.get_user(&t, "auth0|1", &fields).await.unwrap();
    let r = mock.last();
    check(&r, "GET", "/api/v2/users/auth0%7C1", None);
    assert_eq!(r.param("fields"), Some("user_id,email"));
    assert_eq!(r.param("include_fields"), Some("true"));

    let users = c
        .users_by_email(&t, "A@example.com", &Fields::default())
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(mock.last().param("email"), Some("A@example.com"));

    let new = CreateUser {
        connection: "db".into(),
        email: Some("n@example.com".into()),
        password: Some("Str0ng!Passw0rd".into()),
        verify_email: Some(false),
        ..Default::default()
    };
    let user = c.create_user(&t, &new).await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("auth0|new"));
    check(
        &mock.last(),
        "POST",
        "/api/v2/users",
        Some(
            json!({"connection": "db", "email": "n@example.com", "password": "Str0ng!Passw0rd", "verify_email": false}),
        ),
    );

    let mut changes = Map::new();
    changes.insert("blocked".into(), json!(true));
    changes.insert("nickname".into(), Value::Null);
    let user = c.update_user(&t, "auth0|1", &changes).await.unwrap();
    assert_eq!(user.blocked, Some(true));
    check(
        &mock.last(),
        "PATCH",
        "/api/v2/users/auth0%7C1",
        Some(json!({"blocked": true, "nickname": null})),
    );

    c.delete_user(&t, "auth0|1").await.unwrap();
    check(&mock.last(), "DELETE", "/api/v2/users/auth0%7C1", None);

    let roles = c
        .list_user_roles(
            &t,
            "auth0|1",
            &Offset {
                page: 0,
                per_page: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(roles.items[0].name.as_deref(), Some("admin"));
    assert_eq!(roles.next, None);
    check(&mock.last(), "GET", "/api/v2/users/auth0%7C1/roles", None);

    c.assign_user_roles(&t, "auth0|1", &ids(&["rol_1", "rol_2"]))
        .await
        .unwrap();
    check(
        &mock.last(),
        "POST",
        "/api/v2/users/auth0%7C1/roles",
        Some(json!({"roles": ["rol_1", "rol_2"]})),
    );
    c.remove_user_roles(&t, "auth0|1", &ids(&["rol_1"]))
        .await
        .unwrap();
    check(
        &mock.last(),
        "DELETE",
        "/api/v2/users/auth0%7C1/roles",
        Some(json!({"roles": ["rol_1"]})),
    );

    let perms = c
        .list_user_permissions(&t, "auth0|1", &Offset::default())
        .await
        .unwrap();
    assert_eq!(
        perms.items[0].sources.as_ref().unwrap()[0]
            .source_type
            .as_deref(),
        Some("DIRECT")
    );
    assert_eq!(perms.total, Some(1));

    let orgs = c
        .list_user_organizations(&t, "auth0|1", &Offset::default())
        .await
        .unwrap();
    assert_eq!(orgs.items[0].id.as_deref(), Some("org_1"));
    check(
        &mock.last(),
        "GET",
        "/api/v2/users/auth0%7C1/organizations",
        None,
    );

    let logs = c
        .list_user_logs(&t, "auth0|1", &Offset::default(), Some("date:-1"))
        .await
        .unwrap();
    assert!(logs.items.is_empty() && logs.next.is_none());
    assert_eq!(mock.last().param("sort"), Some("date:-1"));
}

#[tokio::test]
async fn organization_calls() {
    let mock = MockServer::start(auth0_like).await;
    let c = client(&mock.url);
    let t = token();

    let org = CreateOrganization {
        name: "acme".into(),
        display_name: Some("Acme".into()),
        ..Default::default()
    };
    let created = c.create_organization(&t, &org).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("org_new"));
    check(
        &mock.last(),
        "POST",
        "/api/v2/organizations",
        Some(json!({"name": "acme", "display_name": "Acme"})),
    );

    c.get_organization(&t, "org_1").await.unwrap();
    check(&mock.last(), "GET", "/api/v2/organizations/org_1", None);
    c.get_organization_by_name(&t, "acme").await.unwrap();
    check(&mock.last(), "GET", "/api/v2/organizations/name/acme", None);

    let mut changes = Map::new();
    changes.insert("display_name".into(), json!("New"));
    c.update_organization(&t, "org_1", &changes).await.unwrap();
    check(
        &mock.last(),
        "PATCH",
        "/api/v2/organizations/org_1",
        Some(json!({"display_name": "New"})),
    );

    c.delete_organization(&t, "org_1").await.unwrap();
    check(&mock.last(), "DELETE", "/api/v2/organizations/org_1", None);

    c.add_organization_members(&t, "org_1", &ids(&["auth0|1"]))
        .await
        .unwrap();
    check(
        &mock.last(),
        "POST",
        "/api/v2/organizations/org_1/members",
        Some(json!({"members": ["auth0|1"]})),
    );
    c.remove_organization_members(&t, "org_1", &ids(&["auth0|1"]))
        .await
        .unwrap();
    check(
        &mock.last(),
        "DELETE",
        "/api/v2/organizations/org_1/members",
        Some(json!({"members": ["auth0|1"]})),
    );

    c.list_organizations(
        &t,
        &PageRequest::Offset(Offset {
            page: 1,
            per_page: 10,
        }),
        Some("name:1"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn role_calls() {
    let mock = MockServer::start(auth0_like).await;
    let c = client(&mock.url);
    let t = token();

    let role = c
        .create_role(
            &t,
            &CreateRole {
                name: "ops".into(),
                description: Some("Ops".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(role.id.as_deref(), Some("rol_new"));
    check(
        &mock.last(),
        "POST",
        "/api/v2/roles",
        Some(json!({"name": "ops", "description": "Ops"})),
    );

    c.get_role(&t, "rol_1").await.unwrap();
    let mut changes = Map::new();
    changes.insert("description".into(), json!("changed"));
    c.update_role(&t, "rol_1", &changes).await.unwrap();
    check(
        &mock.last(),
        "PATCH",
        "/api/v2/roles/rol_1",
        Some(json!({"description": "changed"})),
    );

    c.delete_role(&t, "rol_1").await.unwrap();
    check(&mock.last(), "DELETE", "/api/v2/roles/rol_1", None);

    c.assign_role_users(&t, "rol_1", &ids(&["auth0|1"]))
        .await
        .unwrap();
    check(
        &mock.last(),
        "POST",
        "/api/v2/roles/rol_1/users",
        Some(json!({"users": ["auth0|1"]})),
    );

    let users = c
        .list_role_users(
            &t,
            "rol_1",
            &PageRequest::Checkpoint {
                from: None,
                take: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(users.items[0].email.as_deref(), Some("a@example.com"));
    assert_eq!(
        users.next,
        Some(PageRequest::Checkpoint {
            from: Some("tok".into()),
            take: 50
        })
    );

    let perm = PermissionRef {
        resource_server_identifier: "https://api".into(),
        permission_name: "read:x".into(),
    };
    c.add_role_permissions(&t, "rol_1", std::slice::from_ref(&perm))
        .await
        .unwrap();
    let body = json!({"permissions": [{"resource_server_identifier": "https://api", "permission_name": "read:x"}]});
    check(
        &mock.last(),
        "POST",
        "/api/v2/roles/rol_1/permissions",
        Some(body.clone()),
    );
    c.remove_role_permissions(&t, "rol_1", &[perm])
        .await
        .unwrap();
    check(
        &mock.last(),
        "DELETE",
        "/api/v2/roles/rol_1/permissions",
        Some(body),
    );

    c.list_role_permissions(&t, "rol_1", &Offset::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn client_log_and_userinfo_calls() {
    let mock = MockServer::start(auth0_like).await;
    let c = client(&mock.url);
    let t = token();

    let request = ListClients {
        fields: Some("client_id,name".into()),
        app_type: Some("spa,native".into()),
        is_first_party: Some(true),
        ..Default::default()
    };
    let clients = c.list_clients(&t, &request).await.unwrap();
    assert!(!format!("{clients:?}").contains("shh-secret"));
    let r = mock.last();
    assert_eq!(r.param("app_type"), Some("spa,native"));
    assert_eq!(r.param("is_first_party"), Some("true"));
    assert_eq!(r.param("include_totals"), Some("true"));

    c.get_client(&t, "c1", &Fields::default()).await.unwrap();
    check(&mock.last(), "GET", "/api/v2/clients/c1", None);
    let mut changes = Map::new();
    changes.insert("name".into(), json!("Renamed"));
    let updated = c.update_client(&t, "c1", &changes).await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("Renamed"));

    let log = c.get_log(&t, "9").await.unwrap();
    assert_eq!(log.event_type.as_deref(), Some("sapi"));

    let me = c.userinfo(&t).await.unwrap();
    assert_eq!(me.sub.as_deref(), Some("auth0|1"));
    assert!(me.extra.contains_key("https://example.com/claim"));
    check(&mock.last(), "GET", "/userinfo", None);
}
