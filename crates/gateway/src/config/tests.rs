use gw_oauth::{GrantMode, Scope, ScopeSet, UserGrant, UserMatch};
use secrecy::ExposeSecret;

use super::*;

fn env(name: &str) -> Option<String> {
    (name == "DEMO_SECRET").then(|| "s3cret".to_owned())
}

fn problems(text: &str) -> Vec<String> {
    match Config::parse(text, &env) {
        Err(ParseError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

const GOOD: &str = r#"
    [[tenants]]
    name = "demo"
    domain = "demo.us.auth0.com"
    client_id = "abc"
    client_secret_env = "DEMO_SECRET"
    scopes = ["openid", "read:users"]
"#;

#[test]
fn a_minimal_tenant_loads_with_defaults() {
    let config = Config::parse(GOOD, &env).unwrap();
    let tenant = config.tenant("demo").unwrap();
    assert_eq!(tenant.base_url.as_str(), "https://demo.us.auth0.com/");
    assert_eq!(tenant.grant, GrantMode::ClientCredentials);
    assert_eq!(tenant.client_secret.expose_secret(), "s3cret");
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
}

#[test]
fn the_store_location_shown_to_people_never_carries_a_password() {
    for (url, shown) in [
        ("sqlite:///var/lib/gw/gateway.db", "/var/lib/gw/gateway.db"),
        (
            "postgres://gw:hunter2@db.internal:5432/gw",
            "postgres://gw:***@db.internal:5432/gw",
        ),
        (
            "postgres://gw@db.internal/gw",
            "postgres://gw@db.internal/gw",
        ),
    ] {
        let store = StoreSettings {
            url: url.to_owned(),
            encryption_key: None,
            options: gw_store::StoreOptions::default(),
        };
        assert_eq!(store.location(), shown);
    }
}

#[test]
fn the_store_acquire_timeout_defaults_to_a_second_and_a_half_and_is_checked_by_key() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(
        config.store.options.acquire_timeout,
        std::time::Duration::from_millis(1500)
    );
    let config =
        Config::parse(&format!("[store]\nacquire_timeout_ms = 250\n{GOOD}"), &env).unwrap();
    assert_eq!(
        config.store.options.acquire_timeout,
        std::time::Duration::from_millis(250)
    );
    for bad in [0, 99, 10_001] {
        let found = problems(&format!("[store]\nacquire_timeout_ms = {bad}\n{GOOD}"));
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert!(
            found[0].starts_with("store.acquire_timeout_ms: ") && found[0].contains("out of range"),
            "{bad}: {found:?}"
        );
    }
}

#[test]
fn connection_and_session_limits_have_defaults_and_are_checked_by_key() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(config.server.max_connections, 512);
    assert_eq!(
        config.server.sessions,
        crate::http::SessionLimits::default()
    );

    let set = format!(
        "[server]\nmax_connections = 64\nmax_sessions = 100\nmax_sessions_per_credential = 5\nsession_idle_seconds = 60\n{GOOD}"
    );
    let config = Config::parse(&set, &env).unwrap();
    assert_eq!(config.server.max_connections, 64);
    assert_eq!(
        config.server.sessions,
        crate::http::SessionLimits {
            total: 100,
            per_credential: 5,
            idle: std::time::Duration::from_secs(60),
        }
    );

    let bad = format!(
        "[server]\nmax_connections = 0\nmax_sessions = 10\nmax_sessions_per_credential = 11\n{GOOD}"
    );
    let problems = problems(&bad);
    assert_eq!(
        problems,
        [
            "server.max_connections: must be at least 1",
            "server.max_sessions_per_credential: 11 is more than server.max_sessions (10)"
        ]
    );
}

#[test]
fn otlp_export_is_off_unless_an_endpoint_is_set_in_the_file_or_the_environment() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(config.telemetry.otlp_traces_url, None);
    assert_eq!(config.telemetry.service_name, "mcp-gateway");

    let text = format!(
        "[telemetry]\notlp_endpoint = \"http://collector:4318/\"\nservice_name = \"gw-eu\"\n{GOOD}"
    );
    let config = Config::parse(&text, &env).unwrap();
    assert_eq!(
        config.telemetry.otlp_traces_url.unwrap().as_str(),
        "http://collector:4318/v1/traces"
    );
    assert_eq!(config.telemetry.service_name, "gw-eu");

    let from_env = |name: &str| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("https://otel.example.com".to_owned()),
        other => env(other),
    };
    let config = Config::parse(GOOD, &from_env).unwrap();
    assert_eq!(
        config.telemetry.otlp_traces_url.unwrap().as_str(),
        "https://otel.example.com/v1/traces"
    );
}

#[test]
fn a_bad_otlp_endpoint_is_refused_by_key() {
    let text = format!("[telemetry]\notlp_endpoint = \"collector:4318\"\n{GOOD}");
    assert!(
        problems(&text)[0]
            .starts_with("telemetry.otlp_endpoint: `collector:4318` is not an http(s) URL")
    );
    let text = format!("[telemetry]\notlp_endpoint = \"https://user:pw@otel.example.com\"\n{GOOD}");
    let found = problems(&text);
    assert!(found[0].contains("must not carry credentials"), "{found:?}");
    assert!(!found[0].contains("pw@"), "{found:?}");
}

#[test]
fn a_literal_secret_is_refused_by_key() {
    let text = GOOD.replace(
        "client_secret_env = \"DEMO_SECRET\"",
        "client_secret = \"hunter2\"",
    );
    let problems = problems(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("tenants[0].client_secret: secrets are not accepted"),
        "{problems:?}"
    );
    assert!(!problems[0].contains("hunter2"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"
        [server]
        listen = "nowhere"
        [[tenants]]
        name = "Bad Name"
        domain = "https://manage.auth0.com/dashboard/us/x"
        client_secret_env = "MISSING"
        scopes = ["read:users", "write:all"]
        deny = ["auth0_nuke"]
    "#;
    let problems = problems(text);
    let keys: Vec<&str> = problems
        .iter()
        .map(|p| p.split(':').next().unwrap())
        .collect();
    for key in [
        "server.listen",
        "tenants[0].name",
        "tenants[0].domain",
        "tenants[0].client_id",
        "tenants[0].client_secret_env",
        "tenants[0].scopes[1]",
        "tenants[0].deny[0]",
    ] {
        assert!(keys.contains(&key), "{key} missing from {problems:#?}");
    }
}

#[test]
fn the_user_check_interval_defaults_to_five_minutes_and_is_bounded_by_key() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(
        config.server.user_check_interval,
        std::time::Duration::from_secs(300)
    );
    let text = format!("[server]\nuser_check_interval_secs = 60\n{GOOD}");
    let config = Config::parse(&text, &env).unwrap();
    assert_eq!(
        config.server.user_check_interval,
        std::time::Duration::from_secs(60)
    );
    for bad in ["0", "-5", "86401"] {
        let text = format!("[server]\nuser_check_interval_secs = {bad}\n{GOOD}");
        let found = problems(&text);
        assert!(
            found[0].starts_with("server.user_check_interval_secs:"),
            "{bad}: {found:?}"
        );
    }
}

#[test]
fn registration_and_retention_limits_have_defaults_and_are_checked_by_key() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(config.oauth_server.registrations_per_hour, 20);
    assert_eq!(config.retention, gw_store::Retention::default());
    let text = format!(
        "[oauth_server]\nregistrations_per_hour = 0\nunused_registration_hours = 2\nclient_address_header = \"X-Forwarded-For\"\n[audit]\nrefusal_retention_days = 7\n{GOOD}"
    );
    let config = Config::parse(&text, &env).unwrap();
    assert_eq!(config.oauth_server.registrations_per_hour, 0);
    assert_eq!(config.retention.unused_client_secs, 7200);
    assert_eq!(config.retention.refusal_secs, 7 * 86_400);
    assert_eq!(
        config.oauth_server.client_address_header.unwrap(),
        "x-forwarded-for"
    );
    let text = format!(
        "[oauth_server]\nregistrations_per_hour = -1\nunused_registration_hours = 0\nclient_address_header = \"bad header\"\n[audit]\nrefusal_retention_days = 99999\n{GOOD}"
    );
    let found = problems(&text);
    let keys: Vec<&str> = found.iter().map(|p| p.split(':').next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "oauth_server.registrations_per_hour",
            "oauth_server.client_address_header",
            "oauth_server.unused_registration_hours",
            "audit.refusal_retention_days"
        ],
        "{found:#?}"
    );
}

#[test]
fn unknown_keys_are_refused() {
    let text = format!("{GOOD}\nclient_secrte = \"typo\"");
    assert!(
        matches!(Config::parse(&text, &env), Err(ParseError::Syntax(message)) if message.contains("client_secrte"))
    );
}

#[test]
fn plain_http_base_urls_are_refused_off_loopback() {
    let text = GOOD.replace("scopes", "base_url = \"http://auth.example.com\"\nscopes");
    assert!(problems(&text)[0].starts_with("tenants[0].base_url: must be https"));
    let text = GOOD.replace("scopes", "base_url = \"http://127.0.0.1:4010\"\nscopes");
    assert!(Config::parse(&text, &env).is_ok());
}

#[test]
fn openid_is_required() {
    let text = GOOD.replace("[\"openid\", \"read:users\"]", "[\"read:users\"]");
    assert!(problems(&text)[0].contains("must include `openid`"));
}

#[test]
fn user_policy_entries_are_checked_by_key() {
    let text = format!(
        "{GOOD}\n[[tenants.users]]\nemail_domain = \"example.com\"\nscopes = [\"read:users\"]\n\
         [[tenants.users]]\nemail = \"ops@example.com\"\nuser_id = \"auth0|1\"\nscopes = [\"read:users\"]\n\
         [[tenants.users]]\nuser_id = \"auth0|2\"\nscopes = [\"delete:users\"]\n"
    );
    let problems = problems(&text);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("tenants[0].users[1]: give exactly one of"),
        "{problems:#?}"
    );
    assert!(
        problems[1]
            .starts_with("tenants[0].users[2].scopes: delete:users not in the tenant's scopes"),
        "{problems:#?}"
    );

    let text = format!(
        "{GOOD}\n[[tenants.users]]\nemail_domain = \"@example.com\"\nscopes = [\"read:users\"]\n"
    );
    let config = Config::parse(&text, &env).unwrap();
    assert_eq!(
        config.tenant("demo").unwrap().user_policy,
        vec![UserGrant {
            matches: UserMatch::EmailDomain("example.com".into()),
            scopes: ScopeSet::from_slice(&[Scope::ReadUsers]),
        }]
    );
}

#[test]
fn authorization_code_tenants_need_an_encryption_key_and_take_no_user_policy() {
    let text = GOOD.replace("scopes =", "grant = \"authorization_code\"\nscopes =");
    let problems_found = problems(&text);
    assert!(
        problems_found[0]
            .starts_with("store.encryption_key_env: tenant `demo` uses authorization_code"),
        "{problems_found:#?}"
    );
    let text = format!(
        "[store]\nencryption_key_env = \"STORE_KEY\"\n{}\n[[tenants.users]]\nuser_id = \"x\"\nscopes = [\"openid\"]\n",
        GOOD.replace("scopes =", "grant = \"authorization_code\"\nscopes =")
    );
    let key = gw_oauth::TokenCipher::generate_key();
    let env = |name: &str| match name {
        "DEMO_SECRET" => Some("s3cret".to_owned()),
        "STORE_KEY" => Some(key.clone()),
        _ => None,
    };
    let Err(ParseError::Invalid(found)) = Config::parse(&text, &env) else {
        panic!("a user policy on an authorization_code tenant must be refused");
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "tenants[0].users");
}

#[test]
fn a_malformed_encryption_key_is_refused_without_echoing_it() {
    let text = format!("[store]\nencryption_key_env = \"STORE_KEY\"\n{GOOD}");
    let env = |name: &str| match name {
        "DEMO_SECRET" => Some("s3cret".to_owned()),
        "STORE_KEY" => Some("c2hvcnQ=".to_owned()),
        _ => None,
    };
    let Err(ParseError::Invalid(found)) = Config::parse(&text, &env) else {
        panic!("a 5-byte key must be refused");
    };
    let message = found[0].to_string();
    assert!(
        message.starts_with("store.encryption_key_env: the encryption key is not valid"),
        "{message}"
    );
    assert!(!message.contains("c2hvcnQ="), "{message}");
}

#[test]
fn tenant_policies_load_in_order_and_their_problems_are_named_by_key() {
    let config = Config::parse(
        &format!(
            r#"{GOOD}
    [[tenants.policies]]
    name = "no deletes"
    tools = ["auth0_delete_*"]
    action = "deny"

    [[tenants.policies]]
    name = "reads are fine"
    effects = ["read"]
    action = "allow"
"#
        ),
        &env,
    )
    .unwrap();
    let names: Vec<&str> = config.policies["demo"]
        .set
        .rules()
        .iter()
        .map(|rule| rule.name.as_str())
        .collect();
    assert_eq!(names, ["no deletes", "reads are fine"]);
    assert!(config.policies_of("other").is_empty());

    let found = problems(&format!(
        r#"{GOOD}
    [[tenants.policies]]
    name = "typo"
    tools = ["auth0_delet_user"]
    action = "approve"

    [[tenants.policies]]
    name = "office"
    tools = ["auth0_list_logs"]
    action = "deny"
    sources = ["10.0.0.0/40"]
    hours = {{ from = "09:00", to = "18:00", time_zone = "Europe/Nowhere" }}
"#
    ));
    assert_eq!(
        found,
        [
            "tenants[0].policies[0].tools[0]: `auth0_delet_user` is not a tool",
            "tenants[0].policies[0].approvers: is required for `approve`: who may approve (emails or `@domain`s)",
            "tenants[0].policies[1].sources[0]: `10.0.0.0/40` is neither a CIDR range (`10.0.0.0/8`) nor an address",
            "tenants[0].policies[1].hours.time_zone: `Europe/Nowhere` is not an IANA time zone (e.g. `Europe/Berlin`)",
        ]
    );
}

const WEBHOOK_KEY: &str = "0123456789abcdef0123456789abcdef";

fn webhook_env(name: &str) -> Option<String> {
    match name {
        "WEBHOOK_SECRET" => Some(format!("  {WEBHOOK_KEY}\n")),
        "SHORT_SECRET" => Some("tooshort".to_owned()),
        other => env(other),
    }
}

fn webhook_problems(approvals: &str) -> Vec<String> {
    match Config::parse(&format!("[approvals]\n{approvals}\n{GOOD}"), &webhook_env) {
        Err(ParseError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn an_approval_webhook_loads_with_defaults_and_its_key_from_the_environment() {
    assert!(
        Config::parse(GOOD, &env)
            .unwrap()
            .approvals
            .webhook
            .is_none()
    );
    let text = format!(
        "[approvals]\nwebhook_url = \"https://hooks.example.com/services/T0/B0/s3cr3tpath\"\nwebhook_secret_env = \"WEBHOOK_SECRET\"\n{GOOD}"
    );
    let config = Config::parse(&text, &webhook_env).unwrap();
    let webhook = config.approvals.webhook.unwrap();
    assert_eq!(
        webhook.url.as_str(),
        "https://hooks.example.com/services/T0/B0/s3cr3tpath"
    );
    assert_eq!(webhook.secret.expose_secret(), WEBHOOK_KEY);
    assert_eq!(webhook.timeout, std::time::Duration::from_secs(10));
    assert_eq!(webhook.max_attempts, 5);
    assert_eq!(webhook.backoff_base, std::time::Duration::from_secs(1));
    let debug = format!("{webhook:?}");
    assert!(debug.contains("https://hooks.example.com"), "{debug}");
    assert!(!debug.contains("s3cr3tpath"), "{debug}");
    assert!(!debug.contains(WEBHOOK_KEY), "{debug}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("webhook.key");
    std::fs::write(&file, WEBHOOK_KEY).unwrap();
    let text = format!(
        "[approvals]\nwebhook_url = \"http://127.0.0.1:9/hook\"\nwebhook_secret_file = {:?}\ntimeout_seconds = 60\nmax_attempts = 1\n{GOOD}",
        file.display().to_string()
    );
    let webhook = Config::parse(&text, &webhook_env)
        .unwrap()
        .approvals
        .webhook
        .unwrap();
    assert_eq!(webhook.secret.expose_secret(), WEBHOOK_KEY);
    assert_eq!(webhook.timeout, std::time::Duration::from_secs(60));
    assert_eq!(webhook.max_attempts, 1);
}

#[test]
fn a_literal_webhook_secret_is_refused_without_echoing_it() {
    let found = webhook_problems(
        "webhook_url = \"https://hooks.example.com/x\"\nwebhook_secret = \"hunter2hunter2hunter2hunter2hunter2\"",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("approvals.webhook_secret: secrets are not accepted"),
        "{found:?}"
    );
    assert!(!found[0].contains("hunter2"), "{found:?}");
}

#[test]
fn the_webhook_url_and_its_key_go_together() {
    assert_eq!(
        webhook_problems("webhook_url = \"https://hooks.example.com/x\""),
        [
            "approvals.webhook_secret_env: the key that signs deliveries is required: set webhook_secret_env or webhook_secret_file"
        ]
    );
    let found = webhook_problems("webhook_secret_env = \"WEBHOOK_SECRET\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("approvals.webhook_url: is required with webhook_secret_env"),
        "{found:?}"
    );
    let found = webhook_problems(
        "webhook_url = \"https://hooks.example.com/x\"\nwebhook_secret_env = \"WEBHOOK_SECRET\"\nwebhook_secret_file = \"/k\"",
    );
    assert_eq!(
        found,
        ["approvals.webhook_secret_env: give webhook_secret_env or webhook_secret_file, not both"]
    );
    let found = webhook_problems(
        "webhook_url = \"https://hooks.example.com/x\"\nwebhook_secret_env = \"UNSET\"",
    );
    assert_eq!(
        found,
        ["approvals.webhook_secret_env: environment variable `UNSET` is not set or is empty"]
    );
}

#[test]
fn a_short_webhook_key_is_refused_without_echoing_it() {
    let found = webhook_problems(
        "webhook_url = \"https://hooks.example.com/x\"\nwebhook_secret_env = \"SHORT_SECRET\"",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .starts_with("approvals.webhook_secret_env: the key is 8 characters; use at least 32"),
        "{found:?}"
    );
    assert!(!found[0].contains("tooshort"), "{found:?}");
}

#[test]
fn a_bad_webhook_url_is_refused_by_key_without_echoing_it() {
    let key = "\nwebhook_secret_env = \"WEBHOOK_SECRET\"";
    let found = webhook_problems(&format!(
        "webhook_url = \"http://hooks.example.com/services/s3cr3tpath\"{key}"
    ));
    assert_eq!(
        found,
        [
            "approvals.webhook_url: must be https unless the host is loopback: notices carry tool arguments"
        ]
    );
    let found = webhook_problems(&format!("webhook_url = \"hooks/s3cr3tpath\"{key}"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("approvals.webhook_url: is not an http(s) URL"),
        "{found:?}"
    );
    assert!(!found[0].contains("s3cr3tpath"), "{found:?}");
    let found = webhook_problems(&format!("webhook_url = \"ftp://hooks.example.com/x\"{key}"));
    assert!(
        found[0].starts_with("approvals.webhook_url: is not an http(s) URL"),
        "{found:?}"
    );
}

#[test]
fn webhook_timeout_and_attempts_are_bounded_by_key() {
    for (set, key) in [
        ("timeout_seconds = 0", "approvals.timeout_seconds"),
        ("timeout_seconds = 61", "approvals.timeout_seconds"),
        ("max_attempts = 0", "approvals.max_attempts"),
        ("max_attempts = 11", "approvals.max_attempts"),
    ] {
        let found = webhook_problems(&format!(
            "webhook_url = \"https://hooks.example.com/x\"\nwebhook_secret_env = \"WEBHOOK_SECRET\"\n{set}"
        ));
        assert_eq!(found.len(), 1, "{set}: {found:?}");
        assert!(
            found[0].starts_with(&format!("{key}: ")) && found[0].contains("is out of range"),
            "{set}: {found:?}"
        );
    }
}

#[test]
fn the_approval_wait_defaults_to_none_and_stays_under_the_request_deadline() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert!(config.approvals.wait.is_zero());
    let config = Config::parse(&format!("[approvals]\nwait_seconds = 20\n{GOOD}"), &env).unwrap();
    assert_eq!(config.approvals.wait, std::time::Duration::from_secs(20));
    let found = problems(&format!("[approvals]\nwait_seconds = 26\n{GOOD}"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("approvals.wait_seconds: "),
        "{found:?}"
    );
}

#[test]
fn client_metadata_documents_are_accepted_by_default_and_their_settings_checked_by_key() {
    let config = Config::parse(GOOD, &env).unwrap();
    assert_eq!(
        config.oauth_server.client_metadata,
        crate::client_metadata::MetadataSettings::default()
    );
    assert!(config.oauth_server.client_metadata.enabled);

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("internal-ca.pem");
    std::fs::write(&ca, fake_auth0::tls::SelfSigned::generate().cert_pem).unwrap();
    let text = format!(
        "[oauth_server]\nclient_metadata_documents = true\nclient_metadata_hosts = [\"Claude.AI\", \"vscode.dev\"]\nclient_metadata_private_hosts = [\"clients.corp.internal\", \"10.0.0.8\", \"::1\"]\nclient_metadata_ca_file = {:?}\n{GOOD}",
        ca.display().to_string()
    );
    let settings = Config::parse(&text, &env)
        .unwrap()
        .oauth_server
        .client_metadata;
    assert_eq!(settings.hosts.unwrap(), ["claude.ai", "vscode.dev"]);
    assert_eq!(
        settings.private_hosts,
        ["clients.corp.internal", "10.0.0.8", "[::1]"]
    );
    assert!(settings.extra_roots_pem.is_some());

    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for (setting, why) in [
        (
            "client_metadata_hosts = [\"https://claude.ai/x\"]".to_owned(),
            "oauth_server.client_metadata_hosts: `https://claude.ai/x` is not a host name or IP address",
        ),
        (
            "client_metadata_private_hosts = [\"10.0.0.8:8443\"]".to_owned(),
            "oauth_server.client_metadata_private_hosts: `10.0.0.8:8443` is not a host name",
        ),
        (
            format!(
                "client_metadata_ca_file = {:?}",
                missing.display().to_string()
            ),
            "oauth_server.client_metadata_ca_file: cannot read",
        ),
        (
            format!(
                "client_metadata_ca_file = {:?}",
                not_pem.display().to_string()
            ),
            "oauth_server.client_metadata_ca_file:",
        ),
    ] {
        let found = problems(&format!("[oauth_server]\n{setting}\n{GOOD}"));
        assert!(
            found.len() == 1 && found[0].starts_with(why),
            "{setting}: {found:?}"
        );
    }
}

#[test]
fn pseudonyms_need_the_store_key_and_masking_problems_are_named_under_the_tenant() {
    let masking =
        "[[tenants.masking]]\nname = \"p\"\ndetectors = [\"email\"]\nmode = \"pseudonym\"\n";
    let found = problems(&format!("{GOOD}\n{masking}"));
    assert!(
        found.iter().any(|p| p.starts_with(
            "tenants.demo.masking: `mode = \"pseudonym\"` seals values with the store's key"
        )),
        "{found:?}"
    );
    let key = gw_oauth::TokenCipher::generate_key();
    let keyed = move |name: &str| match name {
        "DEMO_SECRET" => Some("s3cret".to_owned()),
        "STORE_KEY" => Some(key.clone()),
        _ => None,
    };
    let text = format!("[store]\nencryption_key_env = \"STORE_KEY\"\n{GOOD}\n{masking}");
    let config = Config::parse(&text, &keyed).unwrap();
    assert!(config.policies["demo"].set.masking().uses_pseudonyms());

    let found = problems(&format!(
        "{GOOD}\n[[tenants.masking]]\nname = \"x\"\ndetectors = [\"passport\"]\nmode = \"redact\"\n"
    ));
    assert!(
        found[0].starts_with("tenants[0].masking[0].detectors[0]:"),
        "{found:?}"
    );
}

#[test]
fn limits_are_checked_under_the_tenant_and_counted_in_memory_without_redis() {
    let limit = "[[tenants.limits]]\nname = \"writes\"\nmax = 30\nwindow = \"1m\"\nper = \"caller\"\neffects = [\"write\"]\n";
    let config = Config::parse(&format!("{GOOD}\n{limit}"), &env).unwrap();
    assert_eq!(config.policies["demo"].set.limits().limits()[0].max, 30);
    assert!(config.limits.redis.is_none());

    let found = problems(&format!(
        "{GOOD}\n[[tenants.limits]]\nmax = 30\nwindow = \"1m\"\nper = \"caller\"\n\n[[tenants.limits]]\nmax = 5\nwindow = \"fortnight\"\nper = \"tenant\"\n"
    ));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("tenants[0].limits[1].window: `fortnight` is not a window")),
        "{found:?}"
    );
}

#[test]
fn the_limits_redis_is_checked_by_key_and_closed_by_default() {
    let config = Config::parse(
        &format!("[limits]\nredis_url = \"redis://:hunter2@cache.internal:6379/0\"\n{GOOD}"),
        &env,
    )
    .unwrap();
    let redis = config.limits.redis.unwrap();
    assert_eq!(redis.on_down, gw_mcp::OnRedisDown::Closed);
    assert_eq!(redis.timeout, std::time::Duration::from_millis(250));
    assert_eq!(redis.key_prefix, "mcp-gateway:limits:");
    assert!(!format!("{redis:?}").contains("hunter2"), "{redis:?}");

    for (table, expected) in [
        (
            "redis_url = \"http://cache:6379\"",
            "limits.redis_url: is not a redis:// or rediss:// URL",
        ),
        (
            "redis_url = \"redis://cache\"\non_redis_down = \"sometimes\"",
            "limits.on_redis_down: `sometimes` is neither",
        ),
        (
            "redis_url = \"redis://cache\"\nredis_timeout_ms = 60000",
            "limits.redis_timeout_ms: ",
        ),
        (
            "on_redis_down = \"open\"",
            "limits.on_redis_down: applies only with `redis_url`",
        ),
    ] {
        let found = problems(&format!("[limits]\n{table}\n{GOOD}"));
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "{table}: expected {expected:?} in {found:?}"
        );
    }
}
