//! `GET /userinfo`: the logged-in user's profile, for a user access token.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, json};

use crate::claims::AccessClaims;
use crate::model::timestamp::iso;
use crate::state::Shared;

pub(crate) async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return unauthorized("Missing access token");
    };
    let claims: AccessClaims = match shared.key.verify(token, &shared.issuer) {
        Ok(c) => c,
        Err(e) => return unauthorized(&e.to_string()),
    };
    // Machine tokens are not issued for /userinfo, so they carry no such audience.
    if !claims.aud.contains(&shared.userinfo_audience) {
        return unauthorized("Invalid audience");
    }
    let tenant = shared.tenant();
    let Some(user) = tenant.users.get(&claims.sub) else {
        return unauthorized("User not found");
    };
    let scopes: Vec<&str> = claims.scopes().collect();
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.user_id));
    if scopes.contains(&"profile") {
        for (k, v) in [
            ("name", &user.name),
            ("nickname", &user.nickname),
            ("picture", &user.picture),
            ("given_name", &user.given_name),
            ("family_name", &user.family_name),
        ] {
            if let Some(v) = v {
                out.insert(k.into(), json!(v));
            }
        }
        out.insert("updated_at".into(), json!(iso(user.updated_at)));
    }
    if scopes.contains(&"email")
        && let Some(e) = &user.email
    {
        out.insert("email".into(), json!(e));
        out.insert("email_verified".into(), json!(user.email_verified));
    }
    Json(out).into_response()
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(why: &str) -> Response {
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{why}\"");
    let mut r = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}
