//! Part 2 of the benchmark: the gateway against Auth0's official MCP server
//! (`@auth0/auth0-mcp-server`), both over stdio, on operations both have — list applications, get
//! one, list log events, get one — against one fake tenant served over https. Each run starts both
//! servers afresh, in alternating order.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::stats::{Medians, median, medians};
use crate::stdio::{StdioRun, StdioServer};

/// Where the two servers are and how they reach the https fake.
pub(crate) struct Setup {
    pub fake_url: String,
    /// The fake's self-signed certificate (PEM file): each server trusts it, for its process alone.
    pub cert_path: String,
    pub client_id: String,
    pub client_secret: String,
    pub audience: String,
    pub gateway_bin: String,
    pub gateway_config: String,
    pub gateway_tenant: String,
    /// `dist/index.js` of the installed official server.
    pub official_script: String,
    /// A directory with `libsecret-1.so.0`, which the official server's keychain addon loads.
    pub official_library_path: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Comparison {
    pub server: &'static str,
    pub start_to_tools_list_ms: f64,
    pub tools_listed: usize,
    pub sequential: Medians,
    pub pipelined: Medians,
    pub outstanding: usize,
    pub cpu_us_per_call: f64,
    pub peak_rss_kib: f64,
    pub each_run: Vec<StdioRun>,
}

/// The official server's Management API token (it takes one in `AUTH0_TOKEN`), and a client id
/// and a log id that exist in the fake, for the "get one" calls.
async fn token_and_ids(setup: &Setup) -> Result<(String, String, String)> {
    let pem = std::fs::read(&setup.cert_path).context("reading the fake's certificate")?;
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem)?])
        .build()?;
    let token: Value = http
        .post(format!("{}/oauth/token", setup.fake_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &setup.client_id),
            ("client_secret", &setup.client_secret),
            ("audience", &setup.audience),
        ])
        .send()
        .await?
        .error_for_status()
        .context("the https fake refused the client_credentials grant")?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no access_token from the https fake")?
        .to_owned();
    let get = async |path: &str| -> Result<Value> {
        Ok(http
            .get(format!("{}{path}", setup.fake_url))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    };
    let clients = get("/api/v2/clients?per_page=1").await?;
    let logs = get("/api/v2/logs?per_page=1").await?;
    let client_id = clients[0]["client_id"]
        .as_str()
        .context("the fake lists no client")?;
    let log_id = logs[0]["log_id"]
        .as_str()
        .context("the fake lists no log event")?;
    Ok((token.clone(), client_id.to_owned(), log_id.to_owned()))
}

fn servers(setup: &Setup, token: &str, client_id: &str, log_id: &str) -> Result<[StdioServer; 2]> {
    let host = setup
        .fake_url
        .strip_prefix("https://")
        .context("the comparison's fake must be https")?;
    let mut official_env = vec![
        ("AUTH0_DOMAIN".to_owned(), host.to_owned()),
        ("AUTH0_TOKEN".to_owned(), token.to_owned()),
        // Otherwise it posts analytics to heapanalytics.com on start and after every call.
        ("AUTH0_MCP_ANALYTICS".to_owned(), "false".to_owned()),
        ("NODE_EXTRA_CA_CERTS".to_owned(), setup.cert_path.clone()),
    ];
    if let Some(dir) = &setup.official_library_path {
        official_env.push(("LD_LIBRARY_PATH".to_owned(), dir.clone()));
    }
    let gateway = StdioServer {
        name: "mcp-gateway",
        program: setup.gateway_bin.clone(),
        args: vec![
            "stdio".into(),
            "--config".into(),
            setup.gateway_config.clone(),
            "--tenant".into(),
            setup.gateway_tenant.clone(),
        ],
        env: vec![
            ("SSL_CERT_FILE".to_owned(), setup.cert_path.clone()),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
        ],
        sequence: vec![
            ("auth0_list_clients".into(), json!({"per_page": 10})),
            ("auth0_get_client".into(), json!({"client_id": client_id})),
            ("auth0_list_logs".into(), json!({"per_page": 10})),
            ("auth0_get_log".into(), json!({"log_id": log_id})),
        ],
    };
    let official = StdioServer {
        name: "@auth0/auth0-mcp-server",
        program: "node".into(),
        // All its tools, as the gateway lists all the tenant's: the same kind of tools/list.
        args: vec![setup.official_script.clone(), "run".into()],
        env: official_env,
        sequence: vec![
            ("auth0_list_applications".into(), json!({"per_page": 10})),
            (
                "auth0_get_application".into(),
                json!({"client_id": client_id}),
            ),
            ("auth0_list_logs".into(), json!({"take": 10})),
            ("auth0_get_log".into(), json!({"id": log_id})),
        ],
    };
    Ok([gateway, official])
}

pub(crate) async fn compare(
    setup: &Setup,
    runs: usize,
    iterations: usize,
    outstanding: usize,
    clk_tck: u64,
) -> Result<Vec<Comparison>> {
    let (token, client_id, log_id) = token_and_ids(setup).await?;
    let servers = servers(setup, &token, &client_id, &log_id)?;
    let mut results: [Vec<StdioRun>; 2] = [Vec::new(), Vec::new()];
    for run in 0..runs {
        for step in 0..servers.len() {
            let i = (step + run) % servers.len();
            eprintln!(
                "[mcp-bench] stdio comparison run {}/{runs}: {}",
                run + 1,
                servers[i].name
            );
            let measured = crate::stdio::run(&servers[i], iterations, outstanding, clk_tck)
                .await
                .with_context(|| format!("stdio run of {}", servers[i].name))?;
            if measured.sequential.errors + measured.pipelined.errors > 0 {
                bail!(
                    "{} answered {} calls with errors",
                    servers[i].name,
                    measured.sequential.errors + measured.pipelined.errors
                );
            }
            results[i].push(measured);
        }
    }
    Ok(servers
        .iter()
        .zip(results)
        .map(|(server, runs)| {
            let pick = |f: fn(&StdioRun) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
            Comparison {
                server: server.name,
                start_to_tools_list_ms: pick(|r| r.start_to_tools_list_ms),
                tools_listed: runs.first().map_or(0, |r| r.tools_listed),
                sequential: medians(runs.iter().map(|r| r.sequential.clone()).collect()),
                pipelined: medians(runs.iter().map(|r| r.pipelined.clone()).collect()),
                outstanding,
                cpu_us_per_call: pick(|r| r.cpu_us_per_call),
                peak_rss_kib: pick(|r| r.peak_rss_kib as f64),
                each_run: runs,
            }
        })
        .collect())
}
