//! The real `mcp-gateway stdio` as a child process, driven by rmcp's client.

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;

use super::{World, text};

/// A `stdio` child after the MCP handshake.
pub struct Stdio {
    pub client: RunningService<RoleClient, ()>,
    log: std::path::PathBuf,
}

impl World {
    /// `stdio --tenant` for the first tenant, as the local operator.
    pub async fn stdio(&self) -> Stdio {
        let tenant = self.builder.tenants[0].clone();
        self.stdio_with(&["stdio", "--tenant", &tenant]).await
    }

    /// `stdio --connection`, as the user of `connection`.
    pub async fn stdio_as(&self, connection: &str) -> Stdio {
        self.stdio_with(&["stdio", "--connection", connection])
            .await
    }

    async fn stdio_with(&self, args: &[&str]) -> Stdio {
        let log = self.dir().join("stdio.log");
        let (transport, _) = TokioChildProcess::builder(self.command(args))
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let client = ().serve(transport).await.expect("the gateway completes the MCP handshake");
        Stdio { client, log }
    }
}

impl Stdio {
    /// What the gateway has logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.unwrap()
    }

    /// The names `tools/list` gives, in its order.
    pub async fn tool_names(&self) -> Vec<String> {
        self.tools()
            .await
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Calls a tool and returns its raw result.
    pub async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object")
        };
        self.client
            .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments))
            .await
            .unwrap_or_else(|e| panic!("{name} failed at the protocol level: {e}"))
    }

    /// Calls a tool that must succeed and returns its structured content.
    pub async fn ok(&self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{name} failed: {}",
            text(&result)
        );
        let structured = result
            .structured_content
            .clone()
            .unwrap_or_else(|| panic!("{name} returned no structuredContent"));
        assert!(
            text(&result).contains('\n') || !text(&result).is_empty(),
            "{name} returned no text rendering"
        );
        structured
    }

    /// Calls a tool that must fail and returns the message the model sees.
    pub async fn err(&self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} unexpectedly succeeded: {}",
            text(&result)
        );
        text(&result)
    }

    pub async fn stop(self) {
        let _ = self.client.cancel().await;
    }
}
