//! 5xx, timeouts and dropped connections: only idempotent calls are retried; a POST whose
//! answer never came is an unknown outcome, sent exactly once.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{MockServer, Reply, client, client_with, fast_options, token};
use gw_auth0::{Auth0Error, ClientOptions, CreateUser, Fields};
use serde_json::{Map, json};
use tokio::io::AsyncReadExt;

fn unavailable() -> Reply {
    Reply::envelope(
        503,
        "Service Unavailable",
        "Service temporarily unavailable",
        None,
    )
}

fn user() -> Reply {
    Reply::json(200, json!({"user_id": "auth0|1", "email": "a@example.com"}))
}

fn new_user() -> CreateUser {
    CreateUser {
        connection: "Username-Password-Authentication".into(),
        email: Some("a@example.com".into()),
        password: Some("Passw0rd!Passw0rd!".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn get_is_retried_after_503() {
    let mock = MockServer::start(|_, n| if n == 0 { unavailable() } else { user() }).await;
    let user = client(&mock.url)
        .get_user(&token(), "auth0|1", &Fields::default())
        .await
        .expect("retried");
    assert_eq!(user.user_id.as_deref(), Some("auth0|1"));
    assert_eq!(mock.hits(), 2);
}

#[tokio::test]
async fn persistent_503_on_get_returns_the_api_error_after_the_retries() {
    let mock = MockServer::start(|_, _| unavailable()).await;
    let err = client(&mock.url)
        .get_user(&token(), "auth0|1", &Fields::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(mock.hits(), 3);
}

#[tokio::test]
async fn patch_and_delete_are_retried_after_503() {
    let mock = MockServer::start(|r, n| match (r.method.as_str(), n % 2) {
        (_, 0) => unavailable(),
        ("PATCH", _) => user(),
        _ => Reply::empty(204),
    })
    .await;
    let c = client(&mock.url);
    let mut changes = Map::new();
    changes.insert("blocked".into(), json!(true));
    c.update_user(&token(), "auth0|1", &changes)
        .await
        .expect("patch retried");
    c.delete_user(&token(), "auth0|1")
        .await
        .expect("delete retried");
    assert_eq!(mock.hits(), 4);
}

#[tokio::test]
async fn post_is_not_retried_after_503() {
    let mock = MockServer::start(|_, _| unavailable()).await;
    let err = client(&mock.url)
        .create_user(&token(), &new_user())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Auth0Error::Api { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(mock.hits(), 1);
}

fn short_timeout() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_millis(200),
        ..fast_options()
    }
}

#[tokio::test]
async fn slow_post_is_an_unknown_outcome_sent_once() {
    let mock = MockServer::start(|_, _| user().delay(Duration::from_secs(2))).await;
    let err = client_with(&mock.url, short_timeout())
        .create_user(&token(), &new_user())
        .await
        .unwrap_err();
    match &err {
        Auth0Error::OutcomeUnknown { method, path } => {
            assert_eq!(method, "POST");
            assert_eq!(path, "/api/v2/users");
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("check the resource before retrying")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        mock.hits(),
        1,
        "a POST that may have been applied must not be repeated"
    );
}

#[tokio::test]
async fn slow_get_is_retried_then_times_out() {
    let mock = MockServer::start(|_, _| user().delay(Duration::from_secs(2))).await;
    let err = client_with(&mock.url, short_timeout())
        .get_user(&token(), "auth0|1", &Fields::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Auth0Error::Timeout), "{err:?}");
    assert_eq!(mock.hits(), 3);
}

/// A server that reads the request, then hangs up without answering.
async fn hang_up_server() -> (url::Url, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                // Wait until the whole request head has arrived, then drop the connection.
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            });
        }
    });
    (url, hits)
}

#[tokio::test]
async fn dropped_connection_after_a_post_is_an_unknown_outcome() {
    let (url, hits) = hang_up_server().await;
    let err = client(&url)
        .create_user(&token(), &new_user())
        .await
        .unwrap_err();
    assert!(matches!(err, Auth0Error::OutcomeUnknown { .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dropped_connection_on_get_is_retried() {
    let (url, hits) = hang_up_server().await;
    let err = client(&url)
        .get_user(&token(), "auth0|1", &Fields::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Auth0Error::Transport(_)), "{err:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn refused_connection_is_a_transport_error_even_for_post() {
    // Take a free port, then close it so the connection is refused: nothing was sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = client(&url)
        .create_user(&token(), &new_user())
        .await
        .unwrap_err();
    assert!(matches!(err, Auth0Error::Transport(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(common::TOKEN));
}
