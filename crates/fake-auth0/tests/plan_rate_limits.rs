//! The rate-limit modes: Auth0's per-plan Management API buckets answer 429 with Auth0's body
//! and `x-ratelimit-*` headers once a family's burst is spent, refill at the plan's rate,
//! and leave other families alone; off (the default) limits nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Resp, Tenant, start, start_with};
use fake_auth0::{FakeConfig, RateLimits};
use serde_json::json;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn header_u64(r: &Resp, name: &str) -> u64 {
    r.header(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is a number"))
}

async fn start_in(mode: RateLimits) -> Tenant {
    start_with(FakeConfig {
        rate_limits: mode,
        ..FakeConfig::default()
    })
    .await
}

async fn write_alice(t: &Tenant, token: &str, n: usize) -> Resp {
    t.patch(
        "/api/v2/users/auth0|alice",
        token,
        &json!({"user_metadata": {"n": n}}),
    )
    .await
}

/// How many tokens a bucket refilling `per_minute` gains in `elapsed`, rounded up: the
/// most a burst sent over that time can get beyond the bucket's size.
fn refilled(elapsed: Duration, per_minute: u32) -> usize {
    (elapsed.as_secs_f64() * f64::from(per_minute) / 60.0).ceil() as usize
}

#[tokio::test]
async fn essentials_user_writes_get_a_burst_of_20_then_429s_then_recover() {
    let t = start_in(RateLimits::Essentials).await;
    let token = t.admin_token();

    let started = Instant::now();
    let mut answers = Vec::new();
    for n in 0..30 {
        answers.push(write_alice(&t, &token, n).await);
    }
    let elapsed = started.elapsed();

    let ok: Vec<&Resp> = answers.iter().filter(|r| r.status == 200).collect();
    let refused: Vec<&Resp> = answers.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok.len() + refused.len(), 30, "only 200s and 429s");
    assert!(
        ok.len() >= 20 && ok.len() <= 20 + refilled(elapsed, 200),
        "{} writes went through in {elapsed:?}",
        ok.len()
    );
    // The first ones spend the full bucket one token at a time.
    for (i, r) in answers.iter().take(20).enumerate() {
        assert_eq!(r.status, 200, "write {i} is within the burst");
        assert_eq!(header_u64(r, "x-ratelimit-limit"), 20);
    }
    assert_eq!(header_u64(&answers[0], "x-ratelimit-remaining"), 19);
    assert_eq!(header_u64(&answers[19], "x-ratelimit-remaining"), 0);

    let before = unix_now();
    for r in &refused {
        assert_eq!(
            r.json,
            json!({
                "statusCode": 429,
                "error": "Too Many Requests",
                "message": "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.",
                "errorCode": "too_many_requests",
            })
        );
        assert_eq!(header_u64(r, "x-ratelimit-limit"), 20);
        assert_eq!(header_u64(r, "x-ratelimit-remaining"), 0);
        assert!(r.header("retry-after").is_none(), "Auth0 sends none");
        // An empty bucket of 20 at 200/min is full again 6 s later (rounded up to a second).
        let reset = header_u64(r, "x-ratelimit-reset");
        assert!(
            reset > before && reset <= before + 7,
            "reset {reset}, now {before}"
        );
    }
    let stats = t.fake().stats();
    assert_eq!(
        stats.rate_limited.get("user_writes"),
        Some(&(refused.len() as u64))
    );
    assert_eq!(stats.total_rate_limited(), refused.len() as u64);

    // A refused write changed nothing.
    let last_ok = answers.iter().rposition(|r| r.status == 200).unwrap();
    let alice = t.fake().user("auth0|alice").unwrap();
    assert_eq!(alice["user_metadata"]["n"], last_ok);

    // 200/min is a token every 300 ms.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let again = write_alice(&t, &token, 100).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(header_u64(&again, "x-ratelimit-limit"), 20);
}

#[tokio::test]
async fn essentials_families_have_their_own_buckets() {
    let t = start_in(RateLimits::Essentials).await;
    let token = t.admin_token();
    for n in 0..25 {
        write_alice(&t, &token, n).await;
    }
    assert!(t.fake().stats().rate_limited.get("user_writes") >= Some(&1));

    // User writes are spent; every other family still has its full burst.
    let reads_started = Instant::now();
    let cases = [
        ("user reads", "/api/v2/users/auth0|alice", 40),
        (
            "users by email",
            "/api/v2/users-by-email?email=alice@example.com",
            40,
        ),
        ("logs", "/api/v2/logs", 10),
        ("clients", "/api/v2/clients", 5),
        ("everything else", "/api/v2/roles", 10),
    ];
    for (name, path, limit) in cases {
        let r = t.get(path, &token).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        assert_eq!(header_u64(&r, "x-ratelimit-limit"), limit, "{name}");
    }
    // The two user-read requests drew from the same bucket as this third one.
    let third = t.get("/api/v2/users", &token).await;
    let remaining = header_u64(&third, "x-ratelimit-remaining") as usize;
    let refill = refilled(reads_started.elapsed(), 500);
    assert!(
        (37..=37 + refill).contains(&remaining),
        "remaining {remaining}"
    );

    // Clients (5 burst) run out on their own, with the family counted apart.
    for _ in 0..4 {
        assert_eq!(t.get("/api/v2/clients", &token).await.status, 200);
    }
    let sixth = t.get("/api/v2/clients", &token).await;
    assert_eq!(sixth.status, 429);
    assert_eq!(header_u64(&sixth, "x-ratelimit-limit"), 5);
    assert!(t.fake().stats().rate_limited.get("clients") >= Some(&1));
    assert_eq!(t.get("/api/v2/roles", &token).await.status, 200);
}

#[tokio::test]
async fn free_plan_has_one_bucket_for_the_whole_api() {
    let t = start_in(RateLimits::Free).await;
    let token = t.admin_token();
    let first = t.get("/api/v2/users", &token).await;
    assert_eq!(first.status, 200);
    assert_eq!(header_u64(&first, "x-ratelimit-limit"), 2);
    assert_eq!(header_u64(&first, "x-ratelimit-remaining"), 1);
    assert_eq!(t.get("/api/v2/roles", &token).await.status, 200);
    let third = t.get("/api/v2/logs", &token).await;
    assert_eq!(third.status, 429);
    assert_eq!(third.json["message"], "Global limit has been reached");
    assert_eq!(third.json["errorCode"], "too_many_requests");
    assert_eq!(t.fake().stats().rate_limited.get("logs"), Some(&1));

    // 2/s: a token every 500 ms.
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_eq!(t.get("/api/v2/logs", &token).await.status, 200);
}

#[tokio::test]
async fn limits_are_off_by_default() {
    let t = start().await;
    assert_eq!(t.fake().rate_limits(), RateLimits::Off);
    let token = t.admin_token();
    for n in 0..40 {
        let r = write_alice(&t, &token, n).await;
        assert_eq!(r.status, 200);
        assert_eq!(header_u64(&r, "x-ratelimit-limit"), 50);
        assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 49);
    }
    assert_eq!(t.fake().stats().total_rate_limited(), 0);
}

#[tokio::test]
async fn the_mode_switches_at_runtime_from_the_handle_and_over_http() {
    let t = start().await;
    let token = t.admin_token();

    t.fake().set_rate_limits(RateLimits::Free);
    assert_eq!(
        header_u64(&t.get("/api/v2/roles", &token).await, "x-ratelimit-limit"),
        2
    );

    let r = t
        .http
        .post(t.url("/_fake/settings"))
        .json(&json!({"rate_limits": "enterprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(t.fake().rate_limits(), RateLimits::Enterprise);
    let r = t.get("/api/v2/roles", &token).await;
    assert_eq!(header_u64(&r, "x-ratelimit-limit"), 50);
    assert_eq!(header_u64(&r, "x-ratelimit-remaining"), 49);

    let bad = t
        .http
        .post(t.url("/_fake/settings"))
        .json(&json!({"rate_limits": "professional"}))
        .send()
        .await
        .unwrap();
    assert!(bad.status().is_client_error());
    assert_eq!(t.fake().rate_limits(), RateLimits::Enterprise);

    // The counter is in the HTTP stats too.
    t.fake().set_rate_limits(RateLimits::Free);
    for _ in 0..3 {
        t.get("/api/v2/roles", &token).await;
    }
    let stats: serde_json::Value = t.get_json("/_fake/stats").await;
    assert!(
        stats["rate_limited"]["other"].as_u64() >= Some(1),
        "{stats}"
    );
}

#[tokio::test]
async fn the_binary_takes_the_mode_as_rate_limits() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-auth0"))
        .args(["--listen", "127.0.0.1:0", "--rate-limits", "essentials"])
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

    let http = common::http_client();
    let token: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", common::CLIENT_ID),
            ("client_secret", common::CLIENT_SECRET),
            (
                "audience",
                &format!("https://{}/api/v2/", fake_auth0::DEFAULT_DOMAIN),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http
        .get(format!("{base}/api/v2/clients"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let limit = r.headers().get("x-ratelimit-limit").cloned();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
    assert_eq!(limit.unwrap().to_str().unwrap(), "5", "the clients bucket");
}
