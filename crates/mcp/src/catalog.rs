//! The tool catalog: every tool declared once, with its schemas, annotations, the scopes it needs
//! (looked up in `gw_oauth::TOOL_SCOPES`) and its handler.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock};

use futures::future::BoxFuture;
use gw_oauth::ScopeSet;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::CallContext;
use crate::error::ToolError;
use crate::render::Rendered;

/// What a tool does to the tenant; drives its annotations and read-only mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Adds or changes without taking anything away; repeating it gives the same state when
    /// `idempotent`.
    Write { idempotent: bool },
    /// Deletes, removes, or can lock someone out.
    Destructive { idempotent: bool },
}

impl Effect {
    pub fn changes_tenant(self) -> bool {
        !matches!(self, Effect::Read)
    }

    /// The effect as policies name it (`read`, `write`, `destructive`).
    pub fn for_policy(self) -> gw_policy::Effect {
        match self {
            Effect::Read => gw_policy::Effect::Read,
            Effect::Write { .. } => gw_policy::Effect::Write,
            Effect::Destructive { .. } => gw_policy::Effect::Destructive,
        }
    }

    fn annotations(self, title: &str) -> ToolAnnotations {
        let annotations = ToolAnnotations::with_title(title).open_world(true);
        match self {
            Effect::Read => annotations.read_only(true),
            Effect::Write { idempotent } => annotations
                .read_only(false)
                .destructive(false)
                .idempotent(idempotent),
            Effect::Destructive { idempotent } => annotations
                .read_only(false)
                .destructive(true)
                .idempotent(idempotent),
        }
    }
}

type Handler = Arc<
    dyn Fn(CallContext, Value) -> BoxFuture<'static, Result<Rendered, ToolError>> + Send + Sync,
>;

/// One tool, as declared.
#[derive(Clone)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub needs: ScopeSet,
    pub effect: Effect,
    pub input_schema: Arc<JsonObject>,
    pub output_schema: Arc<JsonObject>,
    validator: Arc<jsonschema::Validator>,
    /// Arguments for which `null` means something; for the others it means "absent".
    nullable: Vec<String>,
    handler: Handler,
}

impl ToolDef {
    /// Declares a tool. The input type's schema is what MCP clients see; arguments are decoded
    /// into it strictly (`deny_unknown_fields` on every input type), so a call with wrong
    /// arguments is refused before anything reaches Auth0.
    pub fn new<I, O, F, Fut>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        effect: Effect,
        run: F,
    ) -> ToolDef
    where
        I: DeserializeOwned + JsonSchema + Send + 'static,
        O: Serialize + JsonSchema + crate::render::Summary + 'static,
        F: Fn(CallContext, I) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        let needs = gw_oauth::required_scopes(name)
            .unwrap_or_else(|| panic!("tool `{name}` has no row in gw_oauth::TOOL_SCOPES"));
        let input_schema = crate::schema::input::<I>(name);
        let output_schema = crate::schema::output::<O>();
        let nullable = crate::schema::nullable_properties(&input_schema);
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&Value::Object(input_schema.as_ref().clone()))
            .unwrap_or_else(|e| panic!("input schema of `{name}` does not compile: {e}"));
        let handler: Handler = Arc::new(move |ctx, arguments| {
            Box::pin(async move {
                let input: I = serde_json::from_value(arguments)
                    .map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
                let output = run(ctx, input).await?;
                Rendered::new(&output)
            })
        });
        ToolDef {
            name,
            title,
            description,
            needs,
            effect,
            input_schema,
            output_schema,
            validator: Arc::new(validator),
            nullable,
            handler,
        }
    }

    pub fn annotations(&self) -> ToolAnnotations {
        self.effect.annotations(self.title)
    }

    /// The tool as `tools/list` shows it.
    pub fn to_mcp(&self) -> Tool {
        let mut tool = Tool::new(self.name, self.description, self.input_schema.clone());
        tool.title = Some(self.title.to_owned());
        tool.output_schema = Some(self.output_schema.clone());
        tool.annotations = Some(self.annotations());
        tool
    }

    /// Checks arguments against the published input schema, bounds and formats included, so
    /// nothing the schema forbids reaches Auth0. Values are masked in the messages: an argument
    /// may be a password.
    pub fn validate(&self, arguments: &mut Value) -> Result<(), ToolError> {
        // Models often send `null` for an optional argument they mean to leave out.
        if let Value::Object(map) = arguments {
            map.retain(|name, value| !value.is_null() || self.nullable.contains(name));
        }
        let problems: Vec<String> = self
            .validator
            .iter_errors(&*arguments)
            .map(|error| {
                let path = error.instance_path().to_string();
                let at = if path.is_empty() {
                    "arguments".to_owned()
                } else {
                    format!("`{}`", path.trim_start_matches('/').replace('/', "."))
                };
                format!("{at}: {}", error.masked())
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ToolError::InvalidArguments(problems.join("; ")))
        }
    }

    pub(crate) async fn run(
        &self,
        ctx: CallContext,
        arguments: Value,
    ) -> Result<Rendered, ToolError> {
        (self.handler)(ctx, arguments).await
    }
}

/// Every tool, in catalog order, with lookup by name.
pub struct Catalog {
    tools: Vec<ToolDef>,
    by_name: HashMap<&'static str, usize>,
}

impl Catalog {
    fn build() -> Catalog {
        let tools = crate::tools::all();
        let by_name = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| (tool.name, i))
            .collect::<HashMap<_, _>>();
        assert_eq!(by_name.len(), tools.len(), "a tool name is declared twice");
        Catalog { tools, by_name }
    }

    pub fn tools(&self) -> &[ToolDef] {
        &self.tools
    }

    pub fn get(&self, name: &str) -> Option<&ToolDef> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    /// The tools policies may name, with their effects (what `gw_policy::compile` checks against).
    pub fn policy_tools(&self) -> Vec<(&'static str, gw_policy::Effect)> {
        self.tools
            .iter()
            .map(|tool| (tool.name, tool.effect.for_policy()))
            .collect()
    }
}

/// The catalog, built once per process.
pub fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::build);
    &CATALOG
}
