//! `mcp-gateway check --online` runs the portal's application checks against each tenant's
//! Auth0, so a wrong secret or a missing grant is found before the first agent call; and a
//! users'-token tenant is told what it will not be able to do on real Auth0.

use std::process::Output;
use std::time::Duration;

/// Runs `check --online` for a `prod` tenant with `grant`, on a fake tenant whose machine token
/// is granted `management_scopes`, presenting `secret`; its output.
async fn check_online(management_scopes: Vec<String>, secret: &str, grant: &str) -> Output {
    let fake = crate::harness::fake_tenant(management_scopes, Duration::from_secs(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
encryption_key_env = "CHECK_STORE_KEY"

[[tenants]]
name = "prod"
domain = "{domain}"
base_url = "{base}"
client_id = "{client}"
client_secret_env = "CHECK_SECRET"
grant = "{grant}"
scopes = ["openid", "offline_access", "read:users", "read:roles"]
"#,
            domain = fake.fake.domain(),
            base = fake.base_url,
            client = crate::harness::CLIENT_ID,
        ),
    )
    .unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp-gateway"))
        .args(["check", "--online", "--config"])
        .arg(&config)
        .env("CHECK_SECRET", secret)
        .env("CHECK_STORE_KEY", gw_oauth::TokenCipher::generate_key())
        .output()
        .await
        .unwrap();
    fake.shutdown().await;
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn every_scope() -> Vec<String> {
    fake_auth0::all_management_scopes()
}

#[tokio::test]
async fn a_working_application_checks_out() {
    let output = check_online(
        every_scope(),
        crate::harness::CLIENT_SECRET,
        "client_credentials",
    )
    .await;
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
    let output = check_online(every_scope(), "not-the-secret", "client_credentials").await;
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
        crate::harness::CLIENT_SECRET,
        "client_credentials",
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
    let output = check_online(
        every_scope(),
        crate::harness::CLIENT_SECRET,
        "authorization_code",
    )
    .await;
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("only *:current_user* scopes"), "{text}");
}

#[tokio::test]
async fn serve_prints_its_endpoints_and_logs_each_tenants_check() {
    use tokio::io::AsyncBufReadExt;
    let tenant = crate::harness::serve::served_tenant("").await;
    let log = tenant.dir().join("serve.log");
    let mut child = tenant
        .command(&["serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await
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
    assert!(banner[3].starts_with("Connect a user to t: "), "{banner:?}");
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
    assert!(child.try_wait().unwrap().is_none(), "serve goes on");
    crate::harness::serve::sigterm(&child).await;
}
