//! Writing users: `POST /users`, `PATCH /users/{id}`, `DELETE /users/{id}`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::Response;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::audit::audit;
use super::body::JsonBody;
use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::path_id::Id;
use super::reply::{created, no_content, ok};
use super::scopes::{CREATE_USERS, DELETE_USERS, UPDATE_USERS};
use super::validate::{Schema, Ty, nullable, prop, string, validate};
use crate::model::ids::new_user_local_id;
use crate::model::user::{Identity, User, gravatar, hash_password};
use crate::state::Shared;
use crate::tenant::Tenant;

const CREATE: Schema = Schema {
    props: &[
        prop("connection", string(1, 128)),
        prop("email", string(1, 300)),
        prop("password", string(1, 128)),
        prop("username", string(1, 128)),
        prop("phone_number", string(1, 20)),
        prop("user_id", string(1, 255)),
        prop("email_verified", Ty::Bool),
        prop("phone_verified", Ty::Bool),
        prop("verify_email", Ty::Bool),
        prop("blocked", Ty::Bool),
        prop("given_name", string(1, 150)),
        prop("family_name", string(1, 150)),
        prop("name", string(1, 300)),
        prop("nickname", string(1, 300)),
        prop("picture", string(1, 2000)),
        prop("user_metadata", Ty::Obj),
        prop("app_metadata", Ty::Obj),
    ],
    required: &["connection"],
    min_props: 0,
};

const UPDATE: Schema = Schema {
    props: &[
        prop("blocked", Ty::Bool),
        prop("email_verified", Ty::Bool),
        nullable("email", string(1, 300)),
        nullable("phone_number", string(1, 20)),
        prop("phone_verified", Ty::Bool),
        nullable("user_metadata", Ty::Obj),
        nullable("app_metadata", Ty::Obj),
        nullable("given_name", string(1, 150)),
        nullable("family_name", string(1, 150)),
        nullable("name", string(1, 300)),
        nullable("nickname", string(1, 300)),
        nullable("picture", string(1, 2000)),
        nullable("username", string(1, 128)),
        prop("verify_email", Ty::Bool),
        prop("verify_phone_number", Ty::Bool),
        prop("password", string(1, 128)),
        prop("connection", string(1, 128)),
        prop("client_id", string(1, 64)),
    ],
    required: &[],
    min_props: 1,
};

fn s<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

fn b(m: &Map<String, Value>, k: &str) -> Option<bool> {
    m.get(k).and_then(Value::as_bool)
}

fn check_email(email: &str) -> ApiResult<String> {
    let ok = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
    if !ok {
        return Err(ApiError::invalid_body(format!(
            "Payload validation error: 'Object didn't pass validation for format email: {email}' on property email (The user's email)."
        )));
    }
    // Auth0 stores addresses lowercased.
    Ok(email.to_lowercase())
}

fn check_phone(phone: &str) -> ApiResult<()> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    if digits.is_empty() || digits.len() > 15 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid_body(
            "Payload validation error: 'String does not match pattern ^\\+[0-9]{1,15}$' on property phone_number.",
        ));
    }
    Ok(())
}

/// Auth0's "good" policy, the default of new database connections: at least 8 characters
/// and three of lowercase, uppercase, digits and symbols.
fn check_password(password: &str) -> ApiResult<()> {
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if password.chars().count() < 8 || classes.iter().filter(|c| **c).count() < 3 {
        return Err(ApiError::bad_request(
            "PasswordStrengthError: Password is too weak",
            None,
        ));
    }
    Ok(())
}

fn conflict() -> ApiError {
    // Seen only in third-party fakes (auth0-api.md §1); Auth0's own wording is close.
    ApiError::Conflict {
        message: "The user already exists.".into(),
        code: Some("auth0_idp_error"),
    }
}

fn email_taken(tenant: &Tenant, email: &str, connection: &str, except: &str) -> bool {
    tenant.users.values().any(|u| {
        u.user_id != except && u.email.as_deref() == Some(email) && u.connection() == connection
    })
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&CREATE_USERS)?;
    let m = validate(&body, &CREATE)?;
    let connection_name = s(m, "connection").unwrap_or_default();
    let mut tenant = shared.tenant();
    let connection = tenant.connection(connection_name).cloned().ok_or_else(|| {
        ApiError::bad_request(
            "The connection does not exist.",
            Some("inexistent_connection"),
        )
    })?;
    if !connection.is_database() {
        return Err(ApiError::bad_request(
            "Connection is not supported for this operation.",
            Some("operation_not_supported"),
        ));
    }
    let email = match s(m, "email") {
        Some(e) => check_email(e)?,
        None => {
            return Err(ApiError::invalid_body(
                "Payload validation error: 'Missing required property: email'.",
            ));
        }
    };
    let Some(password) = s(m, "password") else {
        return Err(ApiError::invalid_body(
            "Payload validation error: 'Missing required property: password'.",
        ));
    };
    check_password(password)?;
    if let Some(p) = s(m, "phone_number") {
        check_phone(p)?;
    }
    let local_id = s(m, "user_id").map_or_else(new_user_local_id, str::to_owned);
    let user_id = format!("auth0|{local_id}");
    if tenant.users.contains_key(&user_id) || email_taken(&tenant, &email, &connection.name, "") {
        return Err(conflict());
    }
    let now = OffsetDateTime::now_utc();
    let nickname = s(m, "nickname").map_or_else(
        || email.split('@').next().unwrap_or("").to_owned(),
        str::to_owned,
    );
    let user = User {
        user_id: user_id.clone(),
        email: Some(email.clone()),
        email_verified: b(m, "email_verified").unwrap_or(false),
        username: s(m, "username").map(str::to_owned),
        phone_number: s(m, "phone_number").map(str::to_owned),
        phone_verified: b(m, "phone_verified"),
        name: Some(s(m, "name").unwrap_or(&email).to_owned()),
        given_name: s(m, "given_name").map(str::to_owned),
        family_name: s(m, "family_name").map(str::to_owned),
        picture: Some(s(m, "picture").map_or_else(|| gravatar(&email, &nickname), str::to_owned)),
        nickname: Some(nickname),
        blocked: b(m, "blocked"),
        user_metadata: m.get("user_metadata").and_then(Value::as_object).cloned(),
        app_metadata: m.get("app_metadata").and_then(Value::as_object).cloned(),
        identities: vec![Identity {
            connection: connection.name.clone(),
            provider: "auth0".into(),
            user_id: local_id,
            is_social: false,
            access_token: None,
            refresh_token: None,
            expires_in: None,
        }],
        created_at: now,
        updated_at: now,
        last_login: None,
        last_ip: None,
        logins_count: 0,
        password_hash: Some(hash_password(password)),
        direct_permissions: BTreeSet::new(),
        multifactor: Vec::new(),
    };
    let doc = user.render(false);
    tenant.users.insert(user_id, user);
    audit(
        &mut tenant,
        &caller,
        "Create a User",
        "post",
        "/api/v2/users",
        201,
    );
    Ok(created(doc))
}

/// Merges a metadata patch one level deep: each top-level key is replaced, `null` removes
/// it, and a `null` patch empties the object.
fn merge_metadata(current: &mut Option<Map<String, Value>>, patch: &Value) {
    let target = current.get_or_insert_with(Map::new);
    match patch {
        Value::Object(p) => {
            for (k, v) in p {
                if v.is_null() {
                    target.remove(k);
                } else {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
        _ => target.clear(),
    }
}

fn set_opt(field: &mut Option<String>, m: &Map<String, Value>, key: &str) {
    if let Some(v) = m.get(key) {
        *field = v.as_str().map(str::to_owned);
    }
}

pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    caller.require(&UPDATE_USERS)?;
    let m = validate(&body, &UPDATE)?;
    let mut tenant = shared.tenant();
    let connection = tenant
        .users
        .get(&id)
        .ok_or_else(ApiError::user_not_found)?
        .connection()
        .to_owned();
    let email = match s(m, "email") {
        Some(e) => {
            let e = check_email(e)?;
            if email_taken(&tenant, &e, &connection, &id) {
                return Err(conflict());
            }
            Some(e)
        }
        None => None,
    };
    if let Some(p) = s(m, "phone_number") {
        check_phone(p)?;
    }
    if let Some(p) = s(m, "password") {
        check_password(p)?;
    }
    let user = tenant
        .users
        .get_mut(&id)
        .ok_or_else(ApiError::user_not_found)?;
    if let Some(e) = email {
        user.email = Some(e);
        // A changed address is unverified unless the request says otherwise.
        user.email_verified = false;
    } else if m.get("email").is_some_and(Value::is_null) {
        user.email = None;
    }
    if let Some(v) = b(m, "email_verified") {
        user.email_verified = v;
    }
    if let Some(v) = b(m, "blocked") {
        user.blocked = Some(v);
    }
    if let Some(v) = b(m, "phone_verified") {
        user.phone_verified = Some(v);
    }
    for (field, key) in [
        (&mut user.phone_number, "phone_number"),
        (&mut user.given_name, "given_name"),
        (&mut user.family_name, "family_name"),
        (&mut user.name, "name"),
        (&mut user.nickname, "nickname"),
        (&mut user.picture, "picture"),
        (&mut user.username, "username"),
    ] {
        set_opt(field, m, key);
    }
    if let Some(p) = m.get("user_metadata") {
        merge_metadata(&mut user.user_metadata, p);
    }
    if let Some(p) = m.get("app_metadata") {
        merge_metadata(&mut user.app_metadata, p);
    }
    if let Some(p) = s(m, "password") {
        user.password_hash = Some(hash_password(p));
    }
    user.updated_at = OffsetDateTime::now_utc();
    let doc = user.render(false);
    audit(
        &mut tenant,
        &caller,
        "Update a User",
        "patch",
        &format!("/api/v2/users/{id}"),
        200,
    );
    Ok(ok(doc))
}

/// Deleting a user that is already gone still answers 204, as recorded from Auth0.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(&DELETE_USERS)?;
    let mut tenant = shared.tenant();
    if tenant.remove_user(&id) {
        audit(
            &mut tenant,
            &caller,
            "Delete a User",
            "delete",
            &format!("/api/v2/users/{id}"),
            204,
        );
    }
    Ok(no_content())
}
