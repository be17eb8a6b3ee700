//! `mcp-gateway check --online` runs the portal's application checks against each tenant's
//! Auth0, so a wrong secret or a missing grant is found before the first agent call; and a
//! users'-token tenant is told what it will not be able to do on real Auth0.

use std::process::Output;
use std::time::Duration;

use gw_oauth::GrantMode;

use crate::harness::{CLIENT_SECRET, SECRET_ENV, world};

/// Runs `check --online` for a `prod` tenant with `grant`, on a fake tenant whose machine token
/// is granted `management_scopes`, presenting `secret`; its output.
async fn check_online(management_scopes: Vec<String>, secret: &str, grant: GrantMode) -> Output {
    let world = world()
        .tenants(&["prod"])
        .grant(grant)
        .scopes("openid,offline_access,read:users,read:roles")
        .machine_token_scopes(management_scopes)
        .build()
        .await;
    world
        .command(&["check", "--online"])
        .env(SECRET_ENV, secret)
        .output()
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn every_scope() -> Vec<String> {
    fake_auth0::all_management_scopes()
}

#[tokio::test]
async fn a_working_application_checks_out() {
    let output = check_online(every_scope(), CLIENT_SECRET, GrantMode::ClientCredentials).await;
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("  - prod: OK"), "{text}");
}

#[tokio::test]
async fn a_wrong_secret_is_named_with_its_fix_and_exits_1() {
    let output = check_online(
        every_scope(),
        "not-the-secret",
        GrantMode::ClientCredentials,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("prod: FAILED — Auth0 did not accept the client secret"),
        "{text}"
    );
    assert!(
        !text.contains("not-the-secret"),
        "the secret is never echoed"
    );
}

#[tokio::test]
async fn scopes_the_machine_token_lacks_are_named() {
    let output = check_online(
        vec!["read:users".to_owned()],
        CLIENT_SECRET,
        GrantMode::ClientCredentials,
    )
    .await;
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("Auth0 did not grant the machine token read:roles"),
        "{text}"
    );
}

#[tokio::test]
async fn a_users_token_tenant_is_told_what_real_auth0_will_refuse() {
    let output = check_online(every_scope(), CLIENT_SECRET, GrantMode::AuthorizationCode).await;
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("only *:current_user* scopes"), "{text}");
}

#[tokio::test]
async fn serve_prints_its_endpoints_and_logs_each_tenants_check() {
    let world = world().portal().without_callback().build().await;
    let log = world.serve_log();
    let mut served = world.serve().await;
    let mut banner = vec![served.listening.clone()];
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(20), served.stdout.next_line()).await
    {
        banner.push(line);
        if banner.len() == 4 {
            break;
        }
    }
    assert!(
        banner[0].starts_with("Listening on http://127.0.0.1:"),
        "{banner:?}"
    );
    assert!(banner[1].starts_with("MCP endpoint: "), "{banner:?}");
    assert!(banner[2].starts_with("Operator portal: "), "{banner:?}");
    assert!(
        banner[3].starts_with("Connect a user to acme: "),
        "{banner:?}"
    );
    // The served tenant's application has no callback URL for the gateway: the start-up check
    // says so, with the fix, and serving goes on.
    let said = |text: &str| text.contains("does not allow the gateway's callback URL");
    for _ in 0..200 {
        if said(&std::fs::read_to_string(&log).unwrap_or_default()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(said(&text), "{text}");
    assert!(served.child.try_wait().unwrap().is_none(), "serve goes on");
    served.sigterm().await;
}
