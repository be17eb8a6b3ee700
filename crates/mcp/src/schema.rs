//! The JSON Schemas tools publish, made portable.
//!
//! schemars writes what Rust types mean exactly: an optional field as `"type": ["string", "null"]`
//! and integers with formats such as `uint32`. Both are legal JSON Schema, but the MCP Inspector
//! flags them, validators in the TypeScript SDK warn about the unknown formats, and some model
//! providers reject type arrays in function declarations. So the published schemas say it
//! plainly: an optional argument is simply not required (a `null` sent for it is treated as
//! absent), `null` is allowed only where it means something (fields marked `x-nullable`, where
//! null unsets a value), and integer formats give way to the `minimum`/`maximum` bounds that
//! already say the same.

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde_json::Value;

/// Marks an argument whose `null` has a meaning (it unsets the value): it keeps `null` in its type.
pub(crate) const NULLABLE_MARK: &str = "x-nullable";

/// Integer and float formats that are Rust's or OpenAPI's, not JSON Schema's.
const NON_STANDARD_FORMATS: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "float", "double",
];

pub(crate) fn input<T: JsonSchema + 'static>(tool: &str) -> Arc<JsonObject> {
    let raw = rmcp::handler::server::common::schema_for_input::<T>()
        .unwrap_or_else(|e| panic!("input schema of `{tool}`: {e}"));
    let mut schema = Value::Object(raw.as_ref().clone());
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            let marked = property
                .as_object_mut()
                .and_then(|p| p.remove(NULLABLE_MARK))
                .is_some();
            if !marked && !required.contains(name) {
                drop_null(property);
            }
        }
    }
    drop_non_standard_formats(&mut schema);
    into_object(schema)
}

pub(crate) fn output<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let mut schema = Value::Object(
        rmcp::handler::server::common::schema_for_output::<T>()
            .as_ref()
            .clone(),
    );
    drop_non_standard_formats(&mut schema);
    into_object(schema)
}

/// The names of the top-level properties whose schema admits `null`.
pub(crate) fn nullable_properties(schema: &JsonObject) -> Vec<String> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(_, p)| admits_null(p))
        .map(|(name, _)| name.clone())
        .collect()
}

fn admits_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => schema
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|branches| branches.iter().any(admits_null)),
    }
}

/// `["T", "null"]` → `"T"`; `anyOf: [X, {"type": "null"}]` → X (keeping the description).
fn drop_null(property: &mut Value) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".to_owned(), only);
        }
        return;
    }
    if let Some(Value::Array(branches)) = object.get("anyOf") {
        let rest: Vec<Value> = branches
            .iter()
            .filter(|b| b.get("type").is_none_or(|t| t != "null"))
            .cloned()
            .collect();
        if rest.len() == 1 {
            object.remove("anyOf");
            if let Value::Object(branch) = &rest[0] {
                for (key, value) in branch {
                    object.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        } else {
            object.insert("anyOf".to_owned(), Value::Array(rest));
        }
    }
}

fn drop_non_standard_formats(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| NON_STANDARD_FORMATS.contains(&f))
            {
                object.remove("format");
            }
            object.values_mut().for_each(drop_non_standard_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_non_standard_formats),
        _ => {}
    }
}

fn into_object(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => unreachable!("schemas are objects"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Args {
        /// Required.
        id: String,
        /// Optional.
        #[schemars(range(min = 1, max = 100))]
        per_page: Option<u32>,
        /// Null unsets it.
        #[serde(default, deserialize_with = "crate::tools::nullable::deserialize")]
        #[schemars(extend("x-nullable" = true))]
        name: Option<Option<String>>,
    }

    #[test]
    fn optional_arguments_lose_null_and_formats_but_nullable_ones_keep_it() {
        let schema = input::<Args>("t");
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(properties["per_page"]["type"], "integer");
        assert!(properties["per_page"].get("format").is_none());
        assert_eq!(properties["per_page"]["maximum"], 100);
        assert_eq!(
            properties["name"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert!(properties["name"].get(NULLABLE_MARK).is_none());
        assert_eq!(nullable_properties(&schema), ["name"]);
    }
}
