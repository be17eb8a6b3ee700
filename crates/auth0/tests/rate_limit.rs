//! 429 handling: wait what Auth0 says, within the budget, else give up with a retry time.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{MockServer, Reply, client, client_with, fast_options, token, unix_now};
use gw_auth0::{Auth0Error, CreateRole, RetryPolicy};
use serde_json::json;

fn too_many() -> Reply {
    Reply::envelope(
        429,
        "Too Many Requests",
        "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.",
        None,
    )
}

fn role() -> Reply {
    Reply::json(200, json!({"id": "rol_1", "name": "admin"}))
}

#[tokio::test]
async fn waits_for_x_ratelimit_reset_then_succeeds() {
    let reset = unix_now() + 1;
    let mock = MockServer::start(move |_, n| {
        if n == 0 {
            too_many()
                .header("x-ratelimit-reset", reset)
                .header("x-ratelimit-remaining", 0)
        } else {
            role()
        }
    })
    .await;
    let started = Instant::now();
    let role = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .expect("second attempt succeeds");
    assert_eq!(role.id.as_deref(), Some("rol_1"));
    assert_eq!(mock.hits(), 2, "exactly one retry");
    // The wait runs until the reset second (plus at most base_delay of jitter).
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    assert!(
        SystemTime::now() >= SystemTime::UNIX_EPOCH + Duration::from_secs(reset),
        "retried before the reset"
    );
}

#[tokio::test]
async fn reset_beyond_the_budget_gives_up_at_once_with_a_retry_time() {
    let reset = unix_now() + 60;
    let mock = MockServer::start(move |_, _| too_many().header("x-ratelimit-reset", reset)).await;
    let started = Instant::now();
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "must not sleep when the wait exceeds the budget"
    );
    assert_eq!(mock.hits(), 1);
    match err {
        Auth0Error::RateLimited {
            retry_at: Some(at),
            retry_after: Some(after),
        } => {
            let at_secs = at
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64();
            assert!(
                (at_secs - reset as f64).abs() <= 1.5,
                "retry_at {at_secs} vs reset {reset}"
            );
            assert!(
                after > Duration::from_secs(57) && after <= Duration::from_secs(60),
                "{after:?}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        Auth0Error::RateLimited {
            retry_at: None,
            retry_after: None
        }
        .status(),
        Some(429)
    );
}

#[tokio::test]
async fn persistent_429_stops_after_max_retries() {
    let mock = MockServer::start(|_, _| too_many().header("retry-after", 0)).await;
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Auth0Error::RateLimited {
                retry_after: Some(_),
                retry_at: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(mock.hits(), 3, "one attempt plus max_retries = 2");
}

#[tokio::test]
async fn total_wait_is_bounded_by_the_budget() {
    let mock = MockServer::start(|_, _| too_many().header("retry-after", 1)).await;
    let options = gw_auth0::ClientOptions {
        retry: RetryPolicy {
            max_retries: 10,
            max_total_wait: Duration::from_millis(1500),
            base_delay: Duration::from_millis(10),
        },
        ..fast_options()
    };
    let started = Instant::now();
    let err = client_with(&mock.url, options)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, Auth0Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1))
    );
    assert_eq!(
        mock.hits(),
        2,
        "1 s slept, a second 1 s would pass the 1.5 s budget"
    );
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_429_on_post_is_retried_because_it_was_not_processed() {
    let mock = MockServer::start(|_, n| {
        if n == 0 {
            too_many().header("retry-after", 0)
        } else {
            role()
        }
    })
    .await;
    let role = client(&mock.url)
        .create_role(
            &token(),
            &CreateRole {
                name: "admin".into(),
                description: None,
            },
        )
        .await
        .expect("retried");
    assert_eq!(role.name.as_deref(), Some("admin"));
    assert_eq!(mock.hits(), 2);
}

#[tokio::test]
async fn without_hints_backs_off_and_still_says_when_to_retry() {
    let mock = MockServer::start(|_, _| too_many()).await;
    let err = client(&mock.url)
        .get_role(&token(), "rol_1")
        .await
        .unwrap_err();
    assert_eq!(mock.hits(), 3);
    assert!(
        matches!(
            err,
            Auth0Error::RateLimited {
                retry_after: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
}
