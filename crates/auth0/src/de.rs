//! Lenient deserialisers for fields whose JSON type varies between Auth0 answers.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Accepts a string or a number and keeps it as a string. Identity `user_id`s are numbers for
/// some social providers (the Auth0 SDKs handle both), and OIDC's `updated_at` is a number
/// where Auth0 sends a date string.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "opt_string_or_number")]
        id: Option<String>,
    }

    #[test]
    fn strings_numbers_and_nulls() {
        let cases = [
            (r#"{"id":"a|1"}"#, Some("a|1")),
            (r#"{"id":12345}"#, Some("12345")),
            (r#"{"id":null}"#, None),
            ("{}", None),
        ];
        for (json, want) in cases {
            let t: T = serde_json::from_str(json).unwrap();
            assert_eq!(t.id.as_deref(), want, "{json}");
        }
    }
}
