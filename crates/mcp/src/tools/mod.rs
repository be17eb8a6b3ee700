//! Every tool, one module per resource family. Each tool is declared once: its input type
//! (documented, bounded, strict), its output type, its effect, and its handler.

mod clients;
mod logs;
mod organizations;
mod paging;
mod roles;
mod sanitize;
mod users;
mod whoami;

use crate::catalog::ToolDef;

/// All tools in catalog order (the order of `gw_oauth::TOOL_SCOPES`).
pub(crate) fn all() -> Vec<ToolDef> {
    let mut tools = Vec::new();
    tools.extend(whoami::tools());
    tools.extend(users::tools());
    tools.extend(organizations::tools());
    tools.extend(roles::tools());
    tools.extend(logs::tools());
    tools.extend(clients::tools());
    tools
}

/// Deserializes a field that may be absent (outer `None`) or explicitly `null` (`Some(None)`),
/// so an update can tell "leave unchanged" from "unset".
pub(crate) mod nullable {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Adds `key` to a PATCH body when the caller set it (`null` included, which unsets it in Auth0).
pub(crate) fn patch_field<T: serde::Serialize>(
    body: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    value: Option<T>,
) {
    if let Some(value) = value {
        body.insert(
            key.to_owned(),
            serde_json::to_value(value).expect("plain data serialises"),
        );
    }
}
