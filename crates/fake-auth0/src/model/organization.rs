//! An organization and its members.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

#[derive(Clone, Debug)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: Option<String>,
    pub(crate) branding: Option<Value>,
    pub(crate) metadata: Option<Map<String, Value>>,
    /// Not rendered (Auth0 does not return it) but usable as a sort key, as Auth0 allows.
    pub(crate) created_at: OffsetDateTime,
    pub(crate) members: BTreeSet<String>,
}

impl Organization {
    pub(crate) fn render(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("name".into(), json!(self.name));
        if let Some(d) = &self.display_name {
            out.insert("display_name".into(), json!(d));
        }
        if let Some(b) = &self.branding {
            out.insert("branding".into(), b.clone());
        }
        if let Some(m) = &self.metadata {
            out.insert("metadata".into(), Value::Object(m.clone()));
        }
        Value::Object(out)
    }
}
