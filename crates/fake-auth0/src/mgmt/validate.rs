//! A small JSON-schema check for request bodies, wording its refusals as Auth0 does
//! (`Payload validation error: '…' on property x.`), so clients see the same 400s.

use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    Str {
        min: usize,
        max: usize,
    },
    Bool,
    Obj,
    /// An array of strings, with a minimum length.
    Strs {
        min_items: usize,
    },
    /// An array of objects, with a minimum length.
    Objs {
        min_items: usize,
    },
    Any,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Prop {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    /// Whether `null` is accepted (PATCH uses it to unset a field).
    pub(crate) nullable: bool,
}

pub(crate) const fn prop(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: false,
    }
}

pub(crate) const fn nullable(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: true,
    }
}

pub(crate) const fn string(min: usize, max: usize) -> Ty {
    Ty::Str { min, max }
}

pub(crate) struct Schema {
    pub(crate) props: &'static [Prop],
    pub(crate) required: &'static [&'static str],
    /// PATCH bodies must change something.
    pub(crate) min_props: usize,
}

fn fail(msg: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_body(format!("Payload validation error: {msg}."))
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(expected: &str, found: &Value, name: &str) -> ApiError {
    fail(format_args!(
        "'Expected type {expected} but found type {}' on property {name}",
        type_name(found)
    ))
}

/// The body as an object, if it satisfies `schema`.
pub(crate) fn validate<'a>(body: &'a Value, schema: &Schema) -> ApiResult<&'a Map<String, Value>> {
    let Value::Object(map) = body else {
        return Err(fail(format_args!(
            "'Expected type object but found type {}'",
            type_name(body)
        )));
    };
    for r in schema.required {
        if !map.contains_key(*r) {
            return Err(fail(format_args!("'Missing required property: {r}'")));
        }
    }
    if map.len() < schema.min_props {
        return Err(fail(format_args!(
            "'Too few properties defined ({}), minimum {}'",
            map.len(),
            schema.min_props
        )));
    }
    for (k, v) in map {
        let Some(p) = schema.props.iter().find(|p| p.name == k) else {
            return Err(fail(format_args!(
                "'Additional properties not allowed: {k}'"
            )));
        };
        if v.is_null() && p.nullable {
            continue;
        }
        check(p, v)?;
    }
    Ok(map)
}

fn check(p: &Prop, v: &Value) -> ApiResult<()> {
    let name = p.name;
    match p.ty {
        Ty::Any => Ok(()),
        Ty::Bool if v.is_boolean() => Ok(()),
        Ty::Bool => Err(wrong_type("boolean", v, name)),
        Ty::Obj if v.is_object() => Ok(()),
        Ty::Obj => Err(wrong_type("object", v, name)),
        Ty::Str { min, max } => {
            let Some(s) = v.as_str() else {
                return Err(wrong_type("string", v, name));
            };
            let n = s.chars().count();
            if n < min {
                return Err(fail(format_args!(
                    "'String is too short ({n} chars), minimum {min}' on property {name}"
                )));
            }
            if n > max {
                return Err(fail(format_args!(
                    "'String is too long ({n} chars), maximum {max}' on property {name}"
                )));
            }
            Ok(())
        }
        Ty::Strs { min_items } | Ty::Objs { min_items } => {
            let Some(items) = v.as_array() else {
                return Err(wrong_type("array", v, name));
            };
            if items.len() < min_items {
                return Err(fail(format_args!(
                    "'Array is too short ({}), minimum {min_items}' on property {name}",
                    items.len()
                )));
            }
            let want_obj = matches!(p.ty, Ty::Objs { .. });
            match items.iter().find(|i| {
                if want_obj {
                    !i.is_object()
                } else {
                    !i.is_string()
                }
            }) {
                Some(bad) => Err(wrong_type(
                    if want_obj { "object" } else { "string" },
                    bad,
                    name,
                )),
                None => Ok(()),
            }
        }
    }
}

/// `{"<key>": ["id", …]}` with at least one id: the body of every membership call.
pub(crate) fn id_list(body: &Value, key: &'static str) -> ApiResult<Vec<String>> {
    const ROLES: Schema = Schema {
        props: &[prop("roles", Ty::Strs { min_items: 1 })],
        required: &["roles"],
        min_props: 0,
    };
    const USERS: Schema = Schema {
        props: &[prop("users", Ty::Strs { min_items: 1 })],
        required: &["users"],
        min_props: 0,
    };
    const MEMBERS: Schema = Schema {
        props: &[prop("members", Ty::Strs { min_items: 1 })],
        required: &["members"],
        min_props: 0,
    };
    let schema = match key {
        "roles" => &ROLES,
        "users" => &USERS,
        _ => &MEMBERS,
    };
    let map = validate(body, schema)?;
    Ok(map[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const S: Schema = Schema {
        props: &[
            prop("connection", string(1, 128)),
            prop("blocked", Ty::Bool),
        ],
        required: &["connection"],
        min_props: 0,
    };

    fn message(r: ApiResult<&Map<String, Value>>) -> String {
        match r {
            Err(ApiError::BadRequest { message, .. }) => message,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn words_errors_like_auth0() {
        assert_eq!(
            message(validate(&json!({}), &S)),
            "Payload validation error: 'Missing required property: connection'."
        );
        assert_eq!(
            message(validate(&json!({"connection": "x", "nope": 1}), &S)),
            "Payload validation error: 'Additional properties not allowed: nope'."
        );
        assert_eq!(
            message(validate(&json!({"connection": 5}), &S)),
            "Payload validation error: 'Expected type string but found type integer' on property connection."
        );
    }
}
