//! Per-caller limits (issue 19): a call over a limit is told which limit and when to retry,
//! never reaches Auth0 and is audited; limits count per caller or for the whole tenant, per tool
//! or per effect, and allow calls again as their window passes; gateways sharing one Redis
//! count one limit between them; an unreachable Redis refuses or lets through, as configured.

use std::time::Duration;

use mcp_gateway::config::RedisLimits;
use rmcp::RoleClient;
use rmcp::model::CallToolResult;
use rmcp::service::RunningService;
use serde_json::json;

use crate::harness::mcp::tool_call as call;
use crate::harness::{text, world};

const LIST_USERS: &str = "GET /api/v2/users";
const DELETE_ROLE: &str = "DELETE /api/v2/roles/{id}";

async fn list_users(client: &RunningService<RoleClient, ()>) -> CallToolResult {
    client
        .call_tool(call("auth0_list_users", json!({})))
        .await
        .unwrap()
}

async fn delete_role(client: &RunningService<RoleClient, ()>) -> CallToolResult {
    client
        .call_tool(call(
            "auth0_delete_role",
            json!({"role_id": "rol_nosuchrole000000"}),
        ))
        .await
        .unwrap()
}

fn limited(result: &CallToolResult) -> bool {
    result.is_error == Some(true) && text(result).contains("limit")
}

/// The lines of `/metrics` about `name`.
async fn metric_lines(base: &str, name: &str) -> Vec<String> {
    let body = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines()
        .filter(|line| line.starts_with(name))
        .map(str::to_owned)
        .collect()
}

/// The whole seconds the model is told to wait.
fn retry_secs(result: &CallToolResult) -> u64 {
    let said = text(result);
    let after = said
        .split("retry in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no retry time in {said}"));
    after.split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_caller_over_its_limit_is_told_which_and_when_and_nothing_reaches_auth0() {
    let world = world()
        .policies(
            r#"
[[tenants.limits]]
name = "listing users"
max = 2
window = "6s"
per = "caller"
tools = ["auth0_list_users"]
"#,
        )
        .build()
        .await;
    let gateway = world.in_process().await;
    let scopes = "openid,read:users,read:roles";
    let (one, other) = (gateway.key(scopes).await, gateway.key(scopes).await);
    let client = gateway.mcp_client(one.expose_secret()).await;
    for _ in 0..2 {
        assert_eq!(list_users(&client).await.is_error, Some(false));
    }
    let reached = world.stats().management_requests_for(LIST_USERS);
    assert_eq!(reached, 2);

    let refused = list_users(&client).await;
    assert!(limited(&refused), "{}", text(&refused));
    let said = text(&refused);
    assert!(
        said.contains("`listing users` (2 calls per 6s per caller)")
            && said.contains("Nothing was changed"),
        "{said}"
    );
    // One call comes back every window / max = 3 s.
    let wait = retry_secs(&refused);
    assert!((1..=3).contains(&wait), "{said}");
    assert_eq!(world.stats().management_requests_for(LIST_USERS), reached);
    let record = gateway.audited("rate_limited").await;
    assert_eq!(record.tool, "auth0_list_users");
    let refusals = metric_lines(&gateway.base, "mcp_limit_refusals_total").await;
    assert!(
        refusals
            .iter()
            .any(|line| line.contains(r#"limit="listing users""#)
                && line.contains(r#"tenant="acme""#)),
        "{refusals:?}"
    );

    // Another tool is not counted, and another caller has its own count.
    let roles = client
        .call_tool(call("auth0_list_roles", json!({})))
        .await
        .unwrap();
    assert_eq!(roles.is_error, Some(false), "{}", text(&roles));
    let other_client = gateway.mcp_client(other.expose_secret()).await;
    assert_eq!(list_users(&other_client).await.is_error, Some(false));

    // As the window passes, the caller may call again, once.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let again = list_users(&client).await;
    assert_eq!(again.is_error, Some(false), "{}", text(&again));
    assert!(limited(&list_users(&client).await));
    gateway.stop().await;
}

#[tokio::test]
async fn a_tenant_limit_on_destructive_calls_counts_every_caller_together_and_only_those() {
    let world = world()
        .policies(
            r#"
[[tenants.limits]]
max = 1
window = "2s"
per = "tenant"
effects = ["destructive"]
"#,
        )
        .build()
        .await;
    let gateway = world.in_process().await;
    let scopes = "openid,read:users,delete:roles";
    let (one, two) = (gateway.key(scopes).await, gateway.key(scopes).await);
    let (first, second) = (
        gateway.mcp_client(one.expose_secret()).await,
        gateway.mcp_client(two.expose_secret()).await,
    );
    // The first delete reaches Auth0 (which knows no such role).
    assert!(!limited(&delete_role(&first).await));
    assert_eq!(world.stats().management_requests_for(DELETE_ROLE), 1);
    // The tenant's one delete per 2 s is spent, whoever asks next.
    let refused = delete_role(&second).await;
    assert!(
        text(&refused).contains("limit `1 calls per 2s for the tenant`"),
        "{}",
        text(&refused)
    );
    assert!(
        (1..=2).contains(&retry_secs(&refused)),
        "{}",
        text(&refused)
    );
    assert_eq!(world.stats().management_requests_for(DELETE_ROLE), 1);
    // Reads are not destructive.
    for _ in 0..3 {
        assert_eq!(list_users(&second).await.is_error, Some(false));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!limited(&delete_role(&second).await));
    assert_eq!(world.stats().management_requests_for(DELETE_ROLE), 2);
    gateway.stop().await;
}

/// Redis for these tests: the local one unless `GATEWAY_TEST_REDIS` says otherwise.
fn redis_url() -> String {
    std::env::var("GATEWAY_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn redis_limits(url: &str, prefix: &str, on_down: gw_mcp::OnRedisDown) -> RedisLimits {
    RedisLimits {
        url: url.to_owned(),
        key_prefix: prefix.to_owned(),
        timeout: Duration::from_millis(300),
        on_down,
    }
}

/// Deletes the keys under `prefix` and says how many there were.
async fn clean_up(url: &str, prefix: &str) -> usize {
    let mut connection = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("the tests' Redis answers (GATEWAY_TEST_REDIS, default 127.0.0.1:6379)");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
    keys.len()
}

const ONE_PER_CALLER: &str = r#"
[[tenants.limits]]
name = "user lists"
max = 2
window = "10s"
per = "caller"
tools = ["auth0_list_users"]
"#;

#[tokio::test]
async fn two_gateways_sharing_one_redis_enforce_one_limit_between_them() {
    let url = redis_url();
    let prefix = format!("gw-e2e:{}:", gw_mcp::audit::new_id());
    let world = world()
        .policies(ONE_PER_CALLER)
        .redis_limits(redis_limits(&url, &prefix, gw_mcp::OnRedisDown::Closed))
        .build()
        .await;
    let (replica_one, replica_two) = (world.in_process().await, world.in_process().await);
    let key = replica_one.key("openid,read:users").await;
    let (on_one, on_two) = (
        replica_one.mcp_client(key.expose_secret()).await,
        replica_two.mcp_client(key.expose_secret()).await,
    );
    assert_eq!(list_users(&on_one).await.is_error, Some(false));
    assert_eq!(list_users(&on_two).await.is_error, Some(false));
    // Each replica alone would allow two; together they have had them.
    for client in [&on_one, &on_two] {
        let refused = list_users(client).await;
        assert!(limited(&refused), "{}", text(&refused));
        assert!(retry_secs(&refused) <= 5, "{}", text(&refused));
    }
    assert_eq!(world.stats().management_requests_for(LIST_USERS), 2);
    assert_eq!(clean_up(&url, &prefix).await, 1);
    replica_one.stop().await;
    replica_two.stop().await;
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn an_unreachable_redis_refuses_the_calls_a_limit_covers_when_closed() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let world = world()
        .policies(ONE_PER_CALLER)
        .redis_limits(redis_limits(&url, "x:", gw_mcp::OnRedisDown::Closed))
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,read:users,read:roles").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    let started = std::time::Instant::now();
    let refused = list_users(&client).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("cannot count this call against the tenant's limits"),
        "{}",
        text(&refused)
    );
    assert_eq!(world.stats().management_requests_for(LIST_USERS), 0);
    gateway.audited("limits_unavailable").await;
    let unavailable = metric_lines(&gateway.base, "mcp_limit_store_unavailable_total").await;
    assert!(
        unavailable
            .iter()
            .any(|line| line.contains(r#"on_redis_down="closed""#)),
        "{unavailable:?}"
    );
    // A tool no limit covers needs no counter.
    let roles = client
        .call_tool(call("auth0_list_roles", json!({})))
        .await
        .unwrap();
    assert_eq!(roles.is_error, Some(false), "{}", text(&roles));
    gateway.stop().await;
}

#[tokio::test]
async fn an_unreachable_redis_lets_calls_through_uncounted_when_open() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let world = world()
        .policies(ONE_PER_CALLER)
        .redis_limits(redis_limits(&url, "x:", gw_mcp::OnRedisDown::Open))
        .build()
        .await;
    let gateway = world.in_process().await;
    let key = gateway.key("openid,read:users").await;
    let client = gateway.mcp_client(key.expose_secret()).await;
    // Past the limit of two: nothing counts them.
    for _ in 0..3 {
        let result = list_users(&client).await;
        assert_eq!(result.is_error, Some(false), "{}", text(&result));
    }
    assert_eq!(world.stats().management_requests_for(LIST_USERS), 3);
    gateway.stop().await;
}
