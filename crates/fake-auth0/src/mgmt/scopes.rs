//! The scopes each Management endpoint accepts, from the OAS `security` lists, with the 403
//! text Auth0 sends when a token has none of them (auth0-api.md §1 and §3).

/// A scope requirement and its refusal message.
pub(crate) struct Need {
    /// `true`: every scope is needed ("expected all of"); `false`: any one will do.
    pub(crate) all: bool,
    pub(crate) scopes: &'static [&'static str],
    pub(crate) message: &'static str,
}

const fn any(scopes: &'static [&'static str], message: &'static str) -> Need {
    Need {
        all: false,
        scopes,
        message,
    }
}

const fn all(scopes: &'static [&'static str], message: &'static str) -> Need {
    Need {
        all: true,
        scopes,
        message,
    }
}

pub(crate) const READ_USERS: Need = any(
    &["read:users"],
    "Insufficient scope, expected any of: read:users",
);
pub(crate) const CREATE_USERS: Need = any(
    &["create:users"],
    "Insufficient scope, expected any of: create:users",
);
pub(crate) const UPDATE_USERS: Need = any(
    &["update:users"],
    "Insufficient scope, expected any of: update:users",
);
pub(crate) const DELETE_USERS: Need = any(
    &["delete:users"],
    "Insufficient scope, expected any of: delete:users",
);
/// The OAS 403 text names read:role_members too; the fake asks for the two scopes that
/// matter (users and roles), which is also what the gateway's tool catalog needs.
pub(crate) const READ_USER_ROLES: Need = all(
    &["read:users", "read:roles"],
    "Insufficient scope, expected all of: read:users, read:roles",
);
/// OAS security `[update:users, create:role_members]`. Its 403 text says
/// "read:roles, update:users", which would let a read scope write; the fake follows the
/// security list and names it.
pub(crate) const ASSIGN_USER_ROLES: Need = any(
    &["update:users", "create:role_members"],
    "Insufficient scope, expected any of: update:users, create:role_members",
);
pub(crate) const REMOVE_USER_ROLES: Need = any(
    &["update:users", "delete:role_members"],
    "Insufficient scope, expected any of: update:users, delete:role_members",
);
/// auth0-api.md lists `GET /users/{id}/organizations` under read:organizations.
pub(crate) const READ_USER_ORGS: Need = any(
    &["read:organizations"],
    "Insufficient scope, expected any of: read:organizations",
);
pub(crate) const READ_LOGS: Need = any(
    &["read:logs", "read:logs_users"],
    "Insufficient scope, expected any of: read:logs, read:logs_users",
);

pub(crate) const READ_ORGS: Need = any(
    &["read:organizations"],
    "Insufficient scope, expected any of: read:organizations",
);
pub(crate) const CREATE_ORGS: Need = any(
    &["create:organizations"],
    "Insufficient scope, expected any of: create:organizations",
);
pub(crate) const UPDATE_ORGS: Need = any(
    &["update:organizations"],
    "Insufficient scope, expected any of: update:organizations",
);
pub(crate) const DELETE_ORGS: Need = any(
    &["delete:organizations"],
    "Insufficient scope, expected any of: delete:organizations",
);
pub(crate) const READ_ORG_MEMBERS: Need = any(
    &["read:organization_members"],
    "Insufficient scope, expected any of: read:organization_members",
);
pub(crate) const CREATE_ORG_MEMBERS: Need = any(
    &["create:organization_members"],
    "Insufficient scope, expected any of: create:organization_members",
);
pub(crate) const DELETE_ORG_MEMBERS: Need = any(
    &["delete:organization_members"],
    "Insufficient scope, expected any of: delete:organization_members",
);

pub(crate) const READ_ROLES: Need = any(
    &["read:roles"],
    "Insufficient scope, expected any of: read:roles",
);
pub(crate) const CREATE_ROLES: Need = any(
    &["create:roles"],
    "Insufficient scope, expected any of: create:roles",
);
pub(crate) const UPDATE_ROLES: Need = any(
    &["update:roles"],
    "Insufficient scope, expected any of: update:roles",
);
pub(crate) const DELETE_ROLES: Need = any(
    &["delete:roles"],
    "Insufficient scope, expected any of: delete:roles",
);
pub(crate) const READ_ROLE_USERS: Need = all(
    &["read:users", "read:roles"],
    "Insufficient scope, expected all of: read:users, read:roles",
);
/// OAS security `[update:roles, create:role_members]`.
pub(crate) const ASSIGN_ROLE_USERS: Need = any(
    &["update:roles", "create:role_members"],
    "Insufficient scope, expected any of: update:roles, create:role_members",
);

pub(crate) const READ_CLIENTS: Need = any(
    &[
        "read:clients",
        "read:client_keys",
        "read:client_credentials",
    ],
    "Insufficient scope, expected any of: read:clients, read:client_keys",
);
/// Auth0 words this one with a semicolon (OAS `x-description`).
pub(crate) const UPDATE_CLIENTS: Need = any(
    &["update:clients", "update:client_keys"],
    "Insufficient scope; expected any of: update:clients, update:client_keys",
);

/// Scopes that reveal client secrets and signing keys.
pub(crate) const CLIENT_KEY_SCOPES: &[&str] = &["read:client_keys", "read:client_credentials"];
