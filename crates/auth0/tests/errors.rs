//! Error answers become `Auth0Error`s that say what happened, and never carry the token.

mod common;

use common::{MockServer, Reply, TOKEN, client, token};
use gw_auth0::{Auth0Error, CreateOrganization, Fields, Offset};
use serde_json::json;

#[tokio::test]
async fn envelope_fields_and_request_id_are_kept() {
    let mock = MockServer::start(|_, _| {
        Reply::envelope(
            404,
            "Not Found",
            "The user does not exist.",
            Some("inexistent_user"),
        )
        .header("x-auth0-requestid", "req-abc-123")
    })
    .await;
    let err = client(&mock.url)
        .get_user(&token(), "auth0|missing", &Fields::default())
        .await
        .unwrap_err();
    match &err {
        Auth0Error::Api {
            status,
            error,
            message,
            error_code,
            request_id,
        } => {
            assert_eq!(*status, 404);
            assert_eq!(error, "Not Found");
            assert_eq!(message, "The user does not exist.");
            assert_eq!(error_code.as_deref(), Some("inexistent_user"));
            assert_eq!(request_id.as_deref(), Some("req-abc-123"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some("req-abc-123"));
    assert_eq!(mock.hits(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn insufficient_scope_names_the_missing_scopes() {
    let mock = MockServer::start(|_, _| {
        Reply::envelope(
            403,
            "Forbidden",
            "Insufficient scope, expected all of: read:users, read:roles, read:role_members",
            Some("insufficient_scope"),
        )
    })
    .await;
    let err = client(&mock.url)
        .list_user_roles(&token(), "auth0|1", &Offset::default())
        .await
        .unwrap_err();
    assert!(err.is_insufficient_scope());
    assert_eq!(
        err.missing_scopes(),
        ["read:users", "read:roles", "read:role_members"]
    );
    assert!(matches!(
        err.scope_requirement(),
        Some(gw_auth0::ScopeRequirement::AllOf(_))
    ));
}

#[tokio::test]
async fn non_envelope_bodies_keep_status_and_a_short_snippet() {
    let page = format!(
        "<html><body><h1>502 Bad Gateway</h1>{}</body></html>",
        "x".repeat(5000)
    );
    let mock = MockServer::start(move |_, _| Reply::text(502, &page)).await;
    let org = CreateOrganization {
        name: "acme".into(),
        ..Default::default()
    };
    let err = client(&mock.url)
        .create_organization(&token(), &org)
        .await
        .unwrap_err();
    match &err {
        Auth0Error::Api {
            status: 502,
            error,
            message,
            error_code: None,
            ..
        } => {
            assert_eq!(error, "Bad Gateway");
            assert!(
                message.starts_with("<html><body><h1>502 Bad Gateway"),
                "{message}"
            );
            assert!(message.len() < 300);
        }
        other => panic!("expected Api 502, got {other:?}"),
    }
    assert_eq!(mock.hits(), 1, "POST is not retried on 5xx");
}

#[tokio::test]
async fn a_body_echoing_the_token_does_not_leak_it() {
    let mock = MockServer::start(|r, _| {
        let auth = r.authorization.clone().unwrap_or_default();
        Reply::envelope(
            400,
            "Bad Request",
            &format!("bad header {auth}"),
            Some("invalid_body"),
        )
    })
    .await;
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("[REDACTED]"));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let mock = MockServer::start(|r, _| {
        if r.path == "/elsewhere" {
            Reply::json(200, json!({"id": "rol_evil"}))
        } else {
            Reply::empty(302).header("location", "/elsewhere")
        }
    })
    .await;
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert_eq!(mock.hits(), 1, "the redirect target must not be requested");
}

#[tokio::test]
async fn a_success_with_the_wrong_shape_is_a_decode_error() {
    let mock = MockServer::start(|_, _| Reply::json(200, json!(["not", "a", "role"]))).await;
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Auth0Error::Decode { status: 200, .. }),
        "{err:?}"
    );
    let mock = MockServer::start(|_, _| Reply::json(200, json!({"total": 3}))).await;
    let err = client(&mock.url)
        .list_roles(&token(), None, &Offset::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Auth0Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn userinfo_401_uses_the_oauth_error_form() {
    let mock = MockServer::start(|_, _| {
        Reply::json(
            401,
            json!({"error": "invalid_token", "error_description": "The access token is invalid"}),
        )
    })
    .await;
    let err = client(&mock.url).userinfo(&token()).await.unwrap_err();
    match err {
        Auth0Error::Api {
            status: 401,
            error_code,
            message,
            ..
        } => {
            assert_eq!(error_code.as_deref(), Some("invalid_token"));
            assert_eq!(message, "The access token is invalid");
        }
        other => panic!("expected Api 401, got {other:?}"),
    }
    assert_eq!(mock.last().path, "/userinfo");
}

#[tokio::test]
async fn ids_that_would_change_the_path_are_refused_before_sending() {
    let mock = MockServer::start(|_, _| Reply::empty(204)).await;
    let c = client(&mock.url);
    for id in ["", ".", ".."] {
        let err = c.delete_user(&token(), id).await.unwrap_err();
        assert!(
            matches!(err, Auth0Error::InvalidArgument(_)),
            "{id:?}: {err:?}"
        );
    }
    assert_eq!(mock.hits(), 0);
}
