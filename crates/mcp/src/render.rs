//! Turning a tool's typed output into an MCP result: `structuredContent` for programs, and text
//! for models and clients that read only `content` — a one-line summary followed by the same JSON,
//! as the MCP spec recommends for clients without structured-output support.

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;
use serde_json::Value;

use crate::error::ToolError;

/// A one-line, human-readable account of a tool's result.
pub trait Summary {
    fn summary(&self) -> String;
}

/// A successful tool result, ready to send.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub structured: Value,
    pub summary: String,
}

impl Rendered {
    pub fn new<O: Serialize + Summary>(output: &O) -> Result<Rendered, ToolError> {
        let structured = serde_json::to_value(output)
            .map_err(|e| ToolError::Internal(format!("could not encode the result: {e}")))?;
        Ok(Rendered {
            structured,
            summary: output.summary(),
        })
    }

    pub fn into_result(self) -> CallToolResult {
        let text = format!("{}\n{}", self.summary, self.structured);
        let mut result = CallToolResult::structured(self.structured);
        result.content = vec![ContentBlock::text(text)];
        result
    }
}
