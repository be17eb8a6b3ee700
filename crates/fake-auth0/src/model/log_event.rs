//! A tenant log event.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::timestamp::iso;

#[derive(Clone, Debug)]
pub(crate) struct LogEvent {
    pub(crate) log_id: String,
    pub(crate) date: OffsetDateTime,
    /// Everything else (`type`, `description`, `client_id`, `ip`, `user_id`, `details` …),
    /// as Auth0 renders it.
    pub(crate) fields: Map<String, Value>,
}

impl LogEvent {
    pub(crate) fn render(&self) -> Value {
        let mut out = self.fields.clone();
        out.insert("date".into(), json!(iso(self.date)));
        out.insert("log_id".into(), json!(self.log_id));
        Value::Object(out)
    }

    pub(crate) fn user_id(&self) -> Option<&str> {
        self.fields.get("user_id").and_then(Value::as_str)
    }
}
