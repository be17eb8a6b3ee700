//! `mcp-gateway tools`: the catalogue, as JSON for programs or as the Markdown table in README.md.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use crate::cli::ToolsFormat;

pub(super) fn execute(format: ToolsFormat) -> anyhow::Result<ExitCode> {
    let text = match format {
        ToolsFormat::Json => format!("{}\n", serde_json::to_string_pretty(&catalogue_json())?),
        ToolsFormat::Markdown => catalogue_markdown(),
    };
    // A reader that stops early (`| head`) is not an error worth a panic.
    match std::io::stdout().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub fn catalogue_json() -> serde_json::Value {
    let tools: Vec<_> = gw_mcp::catalog()
        .tools()
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "scopes": tool.needs.names(),
                "annotations": tool.annotations(),
                "inputSchema": tool.input_schema.as_ref(),
                "outputSchema": tool.output_schema.as_ref(),
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// The table README.md embeds between `<!-- tools:begin -->` and `<!-- tools:end -->`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from("| tool | what it does | needs | kind |\n|---|---|---|---|\n");
    for tool in gw_mcp::catalog().tools() {
        let kind = match tool.effect {
            gw_mcp::Effect::Read => "read-only",
            gw_mcp::Effect::Write { idempotent: true } => "write, idempotent",
            gw_mcp::Effect::Write { idempotent: false } => "write",
            gw_mcp::Effect::Destructive { idempotent: true } => "destructive, idempotent",
            gw_mcp::Effect::Destructive { idempotent: false } => "destructive",
        };
        let scopes = tool
            .needs
            .names()
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "| `{}` | {} | {scopes} | {kind} |\n",
            tool.name,
            tool.description.replace('|', "\\|")
        ));
    }
    out
}
