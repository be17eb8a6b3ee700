//! `mcp-gateway check`: validate a configuration file; with `--online`, also check each tenant's
//! application against its Auth0.

use std::path::Path;
use std::process::ExitCode;

use gw_oauth::GrantMode;

use crate::config::{Config, ConfigError};
use crate::tenant_check::{USERS_TOKEN_LIMITS, check_tenant};

pub(super) async fn execute(path: &Path, online: bool) -> anyhow::Result<ExitCode> {
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(
            error @ (ConfigError::Invalid { .. }
            | ConfigError::Syntax { .. }
            | ConfigError::Read { .. }),
        ) => {
            eprintln!("{error}");
            return Ok(ExitCode::from(2));
        }
    };
    println!(
        "{}: OK ({} tenant(s))",
        path.display(),
        config.tenants.len()
    );
    for tenant in &config.tenants {
        let tools = gw_oauth::tools_unlocked_by(tenant.scopes).count();
        println!(
            "  - {} ({}, grant {}): {} scope(s), up to {tools} tool(s){}",
            tenant.name,
            tenant.domain,
            tenant.grant,
            tenant.scopes.names().len(),
            if tenant.read_only { ", read-only" } else { "" }
        );
        if let Some(policies) = config.policies.get(&tenant.name) {
            let rules = policies.set.rules();
            let actions: Vec<String> = rules
                .iter()
                .map(|rule| format!("`{}` ({})", rule.name, rule.action.name()))
                .collect();
            println!("    policies, in order: {}", actions.join(", "));
        }
        if !online && tenant.grant == GrantMode::AuthorizationCode {
            println!("    note: {USERS_TOKEN_LIMITS}.");
        }
    }
    if !online {
        return Ok(ExitCode::SUCCESS);
    }
    let http = crate::tenant_check::http();
    let callback = gw_mcp::tenant_runtime::join(&config.server.public_url, "integration-callback");
    let mut all_ok = true;
    println!("Checking each tenant's application against Auth0 (callback {callback}):");
    for tenant in &config.tenants {
        let report = check_tenant(&http, tenant, &callback).await;
        match &report.outcome {
            Ok(notes) => {
                println!("  - {}: OK", report.tenant);
                for note in notes {
                    println!("    note: {note}.");
                }
            }
            Err(problem) => {
                all_ok = false;
                println!("  - {}: FAILED — {problem}", report.tenant);
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
