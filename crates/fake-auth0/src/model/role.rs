//! A role: a named bundle of permissions assigned to users.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::resource_server::PermissionRef;

#[derive(Clone, Debug)]
pub(crate) struct Role {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) permissions: BTreeSet<PermissionRef>,
    pub(crate) users: BTreeSet<String>,
}

impl Role {
    pub(crate) fn render(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            out.insert("description".into(), json!(d));
        }
        Value::Object(out)
    }
}
