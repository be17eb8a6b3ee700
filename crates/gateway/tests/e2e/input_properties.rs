//! Property tests (proptest) of what strangers can send: the configuration loader, JSON-RPC
//! messages on `/mcp`, tool arguments, and the parameters of `/integration-callback` and
//! `/authorize`. Generated inputs must get a clean refusal — a problem list naming a key, a
//! JSON-RPC error, a tool error, a 4xx page — and never a panic, a 5xx, an upstream request for
//! arguments that were refused, or stored state.
//!
//! Each property runs a bounded number of cases in CI (`PROPTEST_CASES` raises it for a longer
//! run); failing cases are kept in `tests/proptest-regressions/input_properties.txt` and replayed
//! first.

use std::sync::OnceLock;

use gw_oauth::GrantMode::AuthorizationCode;
use mcp_gateway::config::{Config, ParseError};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::harness::{InProcess, World, step_client, world};

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// One runtime for every case of a file: the gateways under test live on it.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

// ---- the configuration loader ----

const KEYS: &[&str] = &[
    "name",
    "domain",
    "base_url",
    "client_id",
    "client_secret",
    "client_secret_env",
    "client_secret_file",
    "grant",
    "scopes",
    "read_only",
    "allow",
    "deny",
    "listen",
    "public_url",
    "stateless",
    "allowed_hosts",
    "url",
    "encryption_key_env",
    "encryption_key_file",
    "otlp_endpoint",
    "service_name",
    "user_id",
    "email",
    "email_domain",
];
const TABLES: &[&str] = &[
    "[server]",
    "[store]",
    "[telemetry]",
    "[[tenants]]",
    "[[tenants.users]]",
];

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:/._|@-]{0,30}".prop_map(|s| format!("{s:?}")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        prop::collection::vec("[a-z:_]{0,20}", 0..4).prop_map(|v| format!("{v:?}")),
        Just("\"openid\"".to_owned()),
        Just("[\"openid\", \"read:users\"]".to_owned()),
        Just("\"https://tenant.example.com\"".to_owned()),
    ]
}

/// Mostly-plausible gateway.toml text: tables and known keys with arbitrary values.
fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(TABLES).prop_map(str::to_owned),
        (prop::sample::select(KEYS), toml_value()).prop_map(|(k, v)| format!("{k} = {v}")),
        ".{0,40}",
    ];
    prop::collection::vec(line, 0..25).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn the_config_loader_answers_every_text_with_a_config_or_named_problems(text in config_text()) {
        check_config(&text).map_err(TestCaseError::fail)?;
    }
}

/// A configuration text gets a configuration or problems that each name a key and a reason, and
/// never echo the secret the environment holds.
fn check_config(text: &str) -> Result<(), String> {
    let env = |name: &str| (name == "SECRET").then(|| "s3cret-from-env".to_owned());
    match Config::parse(text, &env) {
        Ok(config) if config.tenants.iter().any(|t| t.name.is_empty()) => {
            Err("a tenant without a name was accepted".into())
        }
        Ok(_) => Ok(()),
        Err(ParseError::Syntax(message)) if message.is_empty() => {
            Err("an empty syntax error".into())
        }
        Err(ParseError::Syntax(_)) => Ok(()),
        Err(ParseError::Invalid(problems)) => {
            if problems.is_empty() {
                return Err("invalid, with no problem named".into());
            }
            for problem in problems {
                if problem.key.is_empty() || problem.reason.is_empty() {
                    return Err(format!("a problem without key or reason: {problem:?}"));
                }
                if problem.reason.contains("s3cret") {
                    return Err(format!("a secret echoed: {problem}"));
                }
            }
            Ok(())
        }
    }
}

// ---- JSON-RPC on /mcp and tool arguments ----

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        Just(Value::from("auth0|admin")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every tool of the catalogue.
const TOOLS: &[&str] = &[
    "auth0_whoami",
    "auth0_list_users",
    "auth0_get_user",
    "auth0_find_users_by_email",
    "auth0_create_user",
    "auth0_update_user",
    "auth0_delete_user",
    "auth0_get_user_idp_tokens",
    "auth0_list_user_roles",
    "auth0_assign_user_roles",
    "auth0_remove_user_roles",
    "auth0_list_user_permissions",
    "auth0_list_user_organizations",
    "auth0_list_user_logs",
    "auth0_list_organizations",
    "auth0_get_organization",
    "auth0_create_organization",
    "auth0_update_organization",
    "auth0_delete_organization",
    "auth0_list_organization_members",
    "auth0_add_organization_members",
    "auth0_remove_organization_members",
    "auth0_list_roles",
    "auth0_get_role",
    "auth0_list_role_users",
    "auth0_list_role_permissions",
    "auth0_create_role",
    "auth0_update_role",
    "auth0_assign_role_users",
    "auth0_add_role_permissions",
    "auth0_remove_role_permissions",
    "auth0_delete_role",
    "auth0_list_logs",
    "auth0_get_log",
    "auth0_list_clients",
    "auth0_get_client",
    "auth0_update_client",
];

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "prompts/list",
    "notifications/initialized",
    "logging/setLevel",
    "completion/complete",
    "nonsense",
];

/// A JSON-RPC-shaped message with arbitrary parts, or any JSON at all.
fn jsonrpc_message() -> impl Strategy<Value = Value> {
    let shaped = (
        prop_oneof![Just(json!("2.0")), json_value()],
        prop::option::of(prop_oneof![
            any::<i64>().prop_map(Value::from),
            json_value()
        ]),
        prop::sample::select(METHODS),
        prop::option::of(json_value()),
    )
        .prop_map(|(version, id, method, params)| {
            let mut message = json!({"jsonrpc": version, "method": method});
            if let Some(id) = id {
                message["id"] = id;
            }
            if let Some(params) = params {
                message["params"] = params;
            }
            message
        });
    prop_oneof![4 => shaped, 1 => json_value()]
}

struct Mcp {
    world: World,
    gateway: InProcess,
    key: String,
    http: reqwest::Client,
}

fn mcp() -> &'static Mcp {
    static MCP: OnceLock<Mcp> = OnceLock::new();
    MCP.get_or_init(start_mcp)
}

/// A gateway and tenant of its own, for a property that counts the tenant's requests: the tests
/// sharing [`mcp`] make calls that reach Auth0 meanwhile.
fn mcp_alone() -> &'static Mcp {
    static MCP: OnceLock<Mcp> = OnceLock::new();
    MCP.get_or_init(start_mcp)
}

fn start_mcp() -> Mcp {
    runtime().block_on(async {
        let (world, gateway) = world().stateless().in_process().await;
        let every_scope = gw_oauth::ScopeSet::all()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let key = gateway.key(&every_scope).await.expose_secret().to_owned();
        Mcp {
            world,
            gateway,
            key,
            http: reqwest::Client::new(),
        }
    })
}

async fn post(mcp: &Mcp, body: Vec<u8>) -> (u16, String) {
    let response = mcp
        .http
        .post(format!("{}/mcp", mcp.gateway.base))
        .bearer_auth(&mcp.key)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_jsonrpc_message_gets_an_answer_or_a_client_error(message in jsonrpc_message()) {
        check_mcp_body(serde_json::to_vec(&message).unwrap()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn any_bytes_on_mcp_get_a_client_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_mcp_body(bytes).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn refused_tool_arguments_reach_no_upstream(
        tool in prop::sample::select(TOOLS),
        arguments in prop::collection::btree_map("[a-z_]{1,12}", json_value(), 0..5),
    ) {
        let mcp = mcp_alone();
        let before = mcp.world.stats().total_management_requests();
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                          "params": {"name": tool, "arguments": arguments}});
        let (status, body) = runtime().block_on(post(mcp, serde_json::to_vec(&call).unwrap()));
        prop_assert_eq!(status, 200, "{}", body);
        let answer: Value = serde_json::from_str(&body).unwrap();
        let refused = answer.get("error").is_some() || refused_arguments(&answer);
        if refused {
            let after = mcp.world.stats().total_management_requests();
            prop_assert_eq!(before, after, "a refused call reached Auth0: {}", body);
        }
    }
}

/// A tool result refusing the arguments before any call to Auth0 (`ToolError::InvalidArguments`).
fn refused_arguments(answer: &Value) -> bool {
    answer["result"]["isError"] == json!(true)
        && answer["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|text| text.starts_with("Invalid arguments:"))
}

/// A body posted to `/mcp` gets no 5xx; a 200 with a body carries exactly one of result and error.
fn check_mcp_body(body: Vec<u8>) -> Result<(), String> {
    let shown = String::from_utf8_lossy(&body)
        .chars()
        .take(200)
        .collect::<String>();
    let (status, answer) = runtime().block_on(post(mcp(), body));
    if status >= 500 {
        return Err(format!("{status} for {shown}: {answer}"));
    }
    if status == 200 && !answer.is_empty() {
        let answer: Value =
            serde_json::from_str(&answer).map_err(|e| format!("not JSON ({e}): {answer}"))?;
        if answer.get("result").is_some() == answer.get("error").is_some() {
            return Err(format!("neither or both of result and error: {answer}"));
        }
    }
    Ok(())
}

// ---- /integration-callback and /authorize parameters ----

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("code".to_owned()),
        Just("state".to_owned()),
        Just("error".to_owned()),
        Just("error_description".to_owned()),
        Just("client_id".to_owned()),
        Just("redirect_uri".to_owned()),
        Just("response_type".to_owned()),
        Just("code_challenge".to_owned()),
        Just("code_challenge_method".to_owned()),
        Just("resource".to_owned()),
        Just("scope".to_owned()),
        Just("tenant".to_owned()),
        "[a-z_]{1,10}",
    ];
    let value = prop_oneof![".{0,40}", "[A-Za-z0-9_~.-]{0,64}", Just("S256".to_owned())];
    prop::collection::vec((name, value), 0..8)
        .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap())
}

struct Connect {
    _world: World,
    gateway: InProcess,
    http: reqwest::Client,
}

fn connect() -> &'static Connect {
    static CONNECT: OnceLock<Connect> = OnceLock::new();
    CONNECT.get_or_init(|| {
        runtime().block_on(async {
            let (world, gateway) = world().grant(AuthorizationCode).in_process().await;
            Connect {
                _world: world,
                gateway,
                http: step_client(),
            }
        })
    })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn forged_callback_and_authorize_parameters_are_refused_and_store_nothing(
        path in prop::sample::select(&["/integration-callback", "/authorize"][..]),
        query in query(),
    ) {
        check_query(path, &query).map_err(TestCaseError::fail)?;
    }
}

/// A sign-in or authorization request with these parameters gets a 4xx and stores nothing.
fn check_query(path: &str, query: &str) -> Result<(), String> {
    let connect = connect();
    let status = runtime().block_on(async {
        connect
            .http
            .get(format!("{}{path}?{query}", connect.gateway.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    if !(400..500).contains(&status) {
        return Err(format!("{status} for {path}?{query}"));
    }
    let stored = runtime().block_on(async {
        (
            connect
                .gateway
                .store
                .list_connections(None)
                .await
                .unwrap()
                .len(),
            connect.gateway.store.list_keys(None).await.unwrap().len(),
        )
    });
    if stored != (0, 0) {
        return Err(format!("{path}?{query} stored {stored:?}"));
    }
    Ok(())
}

/// The inputs kept in `tests/corpus/` (nasty cases found by hand or by these properties),
/// replayed through the same checks on every run.
#[test]
fn the_corpus_is_refused_cleanly() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let files = |dir: &str| {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "tests/corpus/{dir} is empty");
        files
    };
    for file in files("config") {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Err(failure) = check_config(&text) {
            panic!("{}: {failure}", file.display());
        }
    }
    for file in files("jsonrpc") {
        if let Err(failure) = check_mcp_body(std::fs::read(&file).unwrap()) {
            panic!("{}: {failure}", file.display());
        }
    }
    for file in files("query") {
        let query = std::fs::read_to_string(&file).unwrap();
        for path in ["/integration-callback", "/authorize"] {
            if let Err(failure) = check_query(path, query.trim()) {
                panic!("{}: {failure}", file.display());
            }
        }
    }
}

/// The properties above only mean something if their inputs reach every kind of answer: a
/// generator that produced nothing but parse errors would pass them vacuously.
#[test]
fn the_generators_reach_every_kind_of_answer() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mcp = mcp();
    let mut runner = TestRunner::deterministic();
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let message = jsonrpc_message().new_tree(&mut runner).unwrap().current();
        let (status, body) = runtime().block_on(post(mcp, serde_json::to_vec(&message).unwrap()));
        let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        kinds.insert(match status {
            200 if answer.get("result").is_some() => "result",
            200 if answer.get("error").is_some() => "jsonrpc error",
            200 | 202 => "accepted",
            400..=499 => "client error",
            _ => "other",
        });
    }
    for kind in ["result", "jsonrpc error", "client error"] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }

    let mut outcomes = std::collections::BTreeSet::new();
    let arguments = prop::collection::btree_map("[a-z_]{1,12}", json_value(), 0..5);
    for i in 0..200 {
        let tool = TOOLS[i % TOOLS.len()];
        let arguments = arguments.new_tree(&mut runner).unwrap().current();
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                          "params": {"name": tool, "arguments": arguments}});
        let (_, body) = runtime().block_on(post(mcp, serde_json::to_vec(&call).unwrap()));
        let answer: Value = serde_json::from_str(&body).unwrap();
        outcomes.insert(if refused_arguments(&answer) {
            "invalid_arguments"
        } else if answer["result"]["isError"] == json!(true) {
            "other tool error"
        } else if answer.get("error").is_some() {
            "jsonrpc error"
        } else {
            "ok"
        });
    }
    assert!(
        outcomes.contains("ok"),
        "no accepted call among {outcomes:?}"
    );
    assert!(
        outcomes.contains("invalid_arguments"),
        "no refused arguments among {outcomes:?}"
    );

    assert!(
        check_query("/healthz", "").is_err(),
        "the callback check must be able to fail"
    );

    let mut parsed = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let text = config_text().new_tree(&mut runner).unwrap().current();
        parsed.insert(match Config::parse(&text, &|_| None) {
            Ok(_) => "config",
            Err(ParseError::Syntax(_)) => "syntax",
            Err(ParseError::Invalid(_)) => "problems",
        });
    }
    assert!(
        parsed.contains("syntax") && parsed.contains("problems"),
        "config texts reached only {parsed:?}"
    );
}
