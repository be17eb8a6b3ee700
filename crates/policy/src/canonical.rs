//! One text per set of arguments, whatever order the client wrote its keys in, so an approval
//! given for a call binds exactly that call and a repeat with the same arguments finds it.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// JSON with object keys sorted (by UTF-16 code units, as RFC 8785 does) and no whitespace.
/// Numbers keep serde_json's text, which is the same for the same parsed value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 (hex) of the tool's name and its canonical arguments: what a request is bound to.
pub fn call_hash(tool: &str, arguments: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tool.as_bytes());
    hasher.update([0]);
    hasher.update(canonical_json(arguments).as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_matter_but_values_and_the_tool_do() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":"é"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "a": {"x":"é","y":[1,2]}, "b": 1 }"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"é","y":[1,2]},"b":1}"#);
        assert_eq!(call_hash("t", &a), call_hash("t", &b));
        assert_ne!(call_hash("t", &a), call_hash("u", &a));
        assert_ne!(
            call_hash("t", &a),
            call_hash("t", &json!({"b":1,"a":{"x":"é","y":[2,1]}}))
        );
        assert_ne!(
            call_hash("t", &json!({"n": 1})),
            call_hash("t", &json!({"n": "1"}))
        );
    }
}
