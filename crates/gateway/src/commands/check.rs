//! `mcp-gateway check`: validate a configuration file.

use std::path::Path;
use std::process::ExitCode;

use crate::config::{Config, ConfigError};

pub(super) fn execute(path: &Path) -> anyhow::Result<ExitCode> {
    match Config::load(path) {
        Ok(config) => {
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
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(
            error @ (ConfigError::Invalid { .. }
            | ConfigError::Syntax { .. }
            | ConfigError::Read { .. }),
        ) => {
            eprintln!("{error}");
            Ok(ExitCode::from(2))
        }
    }
}
