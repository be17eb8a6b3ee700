//! Saving the Add an Auth0 tenant form: every field checked and explained, then the application
//! checked against the tenant (`gw_oauth::check_application`); only then is the tenant stored
//! (secret sealed) and served.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gw_oauth::{
    Application, ApplicationProblem, ClientSecret, GrantMode, Scope, ScopeSet, check_application,
    parse_tenant_domain,
};
use gw_store::StoredTenant;

use super::error::AdminError;
use super::session::Operator;
use super::tenant_form::{Fields, Problems, render};
use crate::http::AppState;

/// The posted form, read from the raw body: `scopes` repeats.
struct Posted {
    csrf: Option<String>,
    editing: Option<String>,
    name: String,
    domain: String,
    client_id: String,
    client_secret: String,
    grant: String,
    operators: String,
    read_only: bool,
    scopes: Vec<String>,
}

fn posted(body: &[u8]) -> Posted {
    let mut p = Posted {
        csrf: None,
        editing: None,
        name: String::new(),
        domain: String::new(),
        client_id: String::new(),
        client_secret: String::new(),
        grant: String::new(),
        operators: String::new(),
        read_only: false,
        scopes: vec![],
    };
    for (key, value) in url::form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "csrf" => p.csrf = Some(value),
            "editing" => p.editing = Some(value),
            "name" => p.name = value,
            "domain" => p.domain = value,
            "client_id" => p.client_id = value,
            "client_secret" => p.client_secret = value,
            "grant" => p.grant = value,
            "operators" => p.operators = value,
            // A ticked checkbox sends its value; an unticked one sends nothing.
            "read_only" => p.read_only = true,
            "scopes" => p.scopes.push(value),
            _ => {}
        }
    }
    p
}

pub(super) async fn save(
    State(state): State<AppState>,
    operator: Operator,
    body: Bytes,
) -> Response {
    save_tenant(&state, &operator, &posted(&body))
        .await
        .unwrap_or_else(|error| error.page(&operator))
}

async fn save_tenant(
    state: &AppState,
    operator: &Operator,
    form: &Posted,
) -> Result<Response, AdminError> {
    operator.check_form(state, form.csrf.as_deref())?;
    let Some(portal) = state.portal.clone() else {
        return Err(AdminError::NoPortal);
    };
    let directory = &portal.directory;
    let mut problems = Problems::default();

    let editing = form.editing.is_some();
    let name = form
        .editing
        .clone()
        .unwrap_or_else(|| form.name.trim().to_owned());
    let existing = state.store.stored_tenant(&name).await?;
    if !crate::config::valid_tenant_name(&name) {
        problems.add(
            "name",
            "Use 1 to 63 lowercase letters, digits, - and _, starting with a letter or digit.",
        );
    } else if directory.is_configured(&name) {
        problems.add(
            "name",
            format!("gateway.toml already has a tenant named {name}; pick another name."),
        );
    } else if !editing && existing.is_some() {
        problems.add(
            "name",
            format!("A tenant named {name} already exists; open it from the tenant list to edit it, or pick another name."),
        );
    } else if editing && existing.is_none() {
        return Err(AdminError::NotFound(name));
    }
    let (fields, valid) = read_fields(form, &name, editing, existing.as_ref(), &mut problems);
    if !state.store.can_hold_tokens() {
        problems.summary =
            Some("The store has no encryption key, so the secret cannot be kept.".to_owned());
    }
    let Some(mut stored) = valid.filter(|_| problems.is_empty()) else {
        return Ok(render(
            state,
            operator,
            &fields,
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };

    let base_url = directory.upstream.base_url(&stored.domain);
    let callback = state.callback_url();
    let checked = check_application(
        &state.oauth_http,
        &Application {
            domain: &stored.domain,
            base_url: &base_url,
            client_id: &stored.client_id,
            client_secret: &stored.client_secret,
            grant: stored.grant,
            scopes: stored.scopes,
            callback: &callback,
        },
    )
    .await;
    let checked = match checked {
        Ok(checked) => checked,
        Err(problem) => {
            tracing::info!(tenant = %name, domain = %stored.domain, problem = ?problem_kind(&problem), "the portal's application check failed");
            if let Some(field) = field_at_fault(&problem) {
                problems.add(field, problem.to_string());
            }
            problems.summary = Some(problem.to_string());
            return Ok(render(
                state,
                operator,
                &fields,
                &problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    stored.version = state.store.save_tenant(&stored).await?;
    directory.load(&name).await?;
    tracing::info!(tenant = %name, operator = %operator.name, "tenant saved in the portal");
    let mut target = format!("/admin/tenants/{name}?saved=1");
    if !checked.missing.is_empty() {
        target.push_str("&missing=");
        target.push_str(&checked.missing.names().join("+"));
    }
    Ok(Redirect::to(&target).into_response())
}

/// Checks every field but the name, adding a problem for each that is wrong; the form to show
/// again (never with the secret) and, when the fields hold together, the tenant to store.
fn read_fields(
    form: &Posted,
    name: &str,
    editing: bool,
    existing: Option<&StoredTenant>,
    problems: &mut Problems,
) -> (Fields, Option<StoredTenant>) {
    let domain = match parse_tenant_domain(&form.domain) {
        Ok(domain) => Some(domain),
        Err(problem) => {
            problems.add("domain", problem.to_string());
            None
        }
    };
    let client_id = form.client_id.trim().to_owned();
    if client_id.is_empty() {
        problems.add("client_id", "Enter the application's Client ID.");
    } else if client_id.len() > 200
        || client_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        problems.add(
            "client_id",
            "A Client ID has no spaces; copy it again from the application's Settings.",
        );
    }
    let typed_secret = form.client_secret.trim().to_owned();
    let secret = match (existing, typed_secret.is_empty()) {
        (_, false) => Some(ClientSecret::new(typed_secret)),
        (Some(existing), true) if editing => Some(existing.client_secret.clone()),
        _ => {
            problems.add("client_secret", "Enter the application's Client Secret.");
            None
        }
    };
    let grant = match form.grant.as_str() {
        "client_credentials" => GrantMode::ClientCredentials,
        "authorization_code" | "" => GrantMode::AuthorizationCode,
        _ => {
            problems.add("grant", "Choose whose token calls Auth0.");
            GrantMode::AuthorizationCode
        }
    };
    let mut scopes = ScopeSet::EMPTY;
    for name in &form.scopes {
        match name.parse::<Scope>() {
            Ok(scope) => scopes.insert(scope),
            Err(_) => problems.add(
                "scopes",
                format!("{name} is not a scope this gateway knows."),
            ),
        }
    }
    scopes.insert(Scope::Openid);
    let operators: Vec<String> = form
        .operators
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if grant == GrantMode::ClientCredentials {
        if operators.is_empty() {
            problems.add(
                "operators",
                "With the machine token, list who may connect: without anyone here, nobody could use the tools.",
            );
        } else if let Some(bad) = operators.iter().find(|o| !valid_operator(o)) {
            problems.add(
                "operators",
                format!("{bad} is neither an email address nor an @domain."),
            );
        }
    }
    let fields = Fields {
        name: name.to_owned(),
        domain: domain
            .clone()
            .unwrap_or_else(|| form.domain.trim().to_owned()),
        client_id: client_id.clone(),
        grant: Some(grant),
        scopes,
        operators: operators.join("\n"),
        read_only: form.read_only,
        editing,
    };
    let valid = match (domain, secret) {
        (Some(domain), Some(client_secret)) => Some(StoredTenant {
            name: name.to_owned(),
            domain,
            client_id,
            client_secret,
            grant,
            scopes,
            operators,
            read_only: form.read_only,
            // Given by the store when it is saved.
            version: 0,
        }),
        _ => None,
    };
    (fields, valid)
}

/// The field to mark when the tenant refused the application, if one field is to blame.
fn field_at_fault(problem: &ApplicationProblem) -> Option<&'static str> {
    match problem {
        ApplicationProblem::Unreachable { .. } | ApplicationProblem::NotAuth0 { .. } => {
            Some("domain")
        }
        ApplicationProblem::UnknownClient { .. } => Some("client_id"),
        ApplicationProblem::WrongSecret => Some("client_secret"),
        _ => None,
    }
}

/// For the log: which check failed, without the message's details.
fn problem_kind(problem: &ApplicationProblem) -> &'static str {
    match problem {
        ApplicationProblem::Unreachable { .. } => "unreachable",
        ApplicationProblem::NotAuth0 { .. } => "not_auth0",
        ApplicationProblem::UnknownClient { .. } => "unknown_client",
        ApplicationProblem::CallbackNotAllowed { .. } => "callback_not_allowed",
        ApplicationProblem::WrongSecret => "wrong_secret",
        ApplicationProblem::ClientCredentialsNotEnabled => "client_credentials_not_enabled",
        ApplicationProblem::ManagementApiNotAuthorized => "management_api_not_authorized",
        ApplicationProblem::RateLimited => "rate_limited",
        ApplicationProblem::Unexpected { .. } => "unexpected",
    }
}

fn valid_operator(entry: &str) -> bool {
    let domain_ok = gw_oauth::is_hostname;
    match entry.strip_prefix('@') {
        Some(domain) => domain_ok(domain),
        None => entry
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain_ok(domain)),
    }
}
