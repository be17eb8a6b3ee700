//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "mcp-gateway", version, about = "An MCP gateway for Auth0: manage a tenant's users, organizations, roles, logs and applications from AI agents, each tool guarded by its OAuth scope.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve one tenant's tools over stdio (for Claude Desktop, Cursor, VS Code and other local MCP clients).
    Stdio {
        /// The configuration file.
        #[arg(long, default_value = "gateway.toml")]
        config: PathBuf,
        /// Which tenant of the configuration to serve.
        #[arg(long)]
        tenant: String,
    },
    /// Run against a built-in, seeded fake Auth0 tenant: nothing to configure.
    Demo {
        /// Serve over stdio (the only mode so far).
        #[arg(long)]
        stdio: bool,
        /// Narrow the scopes, e.g. `read:users,read:roles` (default: every scope).
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
    },
    /// Print the tool catalogue: name, description, scopes, annotations and input schema.
    Tools {
        #[arg(long, value_enum, default_value_t = ToolsFormat::Markdown)]
        format: ToolsFormat,
    },
    /// Check a configuration file and report every problem with its key and the reason.
    Check {
        #[arg(long, default_value = "gateway.toml")]
        config: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ToolsFormat {
    Json,
    Markdown,
}
